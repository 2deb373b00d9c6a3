#!/usr/bin/env bash
# The change feed's numbers (bench/feed.py) against a development server started exactly as the
# integration example starts one: target/debug/stable-futures on a throwaway private database,
# with the example's venv (scripts/integration-example.sh). Arguments go to bench/feed.py:
#
#   bench/feed.sh [--writes 2000] [--concurrency 8] [--passes 3] [--latency-writes 50]
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
exec scripts/integration-example.sh -- python bench/feed.py "$@"
