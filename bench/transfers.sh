#!/usr/bin/env bash
# What moving a child costs (bench/transfers.py) against a development server started exactly as
# the integration example starts one (scripts/integration-example.sh), with a token for each of
# Islington and Camden. Arguments go to bench/transfers.py:
#
#   bench/transfers.sh [--children 10] [--sizes 1:1:4,3:1:50,5:1:500]
#
# The debug build by default; SF_BINARY=target/release/stable-futures for the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${SF_BINARY:-target/debug/stable-futures}"
kind=debug
case "$bin" in *release*) kind=release ;; esac
label="$kind build"
[ -x "$bin" ] && label="$kind build of $(date -u -r "$bin" '+%Y-%m-%d %H:%M UTC'), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
export SF_BENCH_LABEL="$label"
# shellcheck disable=SC2016 # expanded by the inner shell, once the server has started
exec scripts/integration-example.sh -- bash -c '
    set -euo pipefail
    scopes="children:read children:write referrals:read referrals:write guardians:read guardians:write outcomes:read outcomes:write transfers:read transfers:write"
    mint() { "$SF_EXAMPLE_BINARY" token --la "$1" --scope "$scopes" --ttl 3600 --subject transfer-bench --data-dir "$SF_EXAMPLE_STATE"; }
    SF_TOKEN_ISLINGTON="$(mint E09000019)" SF_TOKEN_CAMDEN="$(mint E09000007)" exec python bench/transfers.py "$@"
' transfers-bench "$@"
