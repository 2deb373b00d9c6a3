#!/usr/bin/env bash
# A bounded GraphQL fuzzing run (schemathesis) against the development server on a throwaway
# private database: every generated operation must get no 5xx, no INTERNAL error, no leaked
# internal detail and no record of another authority (scripts/fuzz_checks.py). Its ids come from a
# dictionary of the demo data's real ids, the token's authority's and another's
# (scripts/fuzz_dictionary.py). Usage: [SF_FUZZ_SEED=n] scripts/fuzz.sh [examples per operation]
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-20}"

if ! python3 -c 'import schemathesis' >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
# The console script sits beside the interpreter's scripts; a version manager's shims may not know
# it yet right after the install.
schemathesis="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/schemathesis"
[ -x "$schemathesis" ] || schemathesis=schemathesis
cargo build --locked --quiet -p stable-futures-api

data="$(mktemp -d /tmp/sf-fuzz.XXXXXX)"
chmod 755 "$data"
log="$data/server.log"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# No rate limit: a 429 would hide what the fuzzer is after.
SF_RATE_LIMIT_POINTS=0 SF_METRICS_LISTEN=off target/debug/stable-futures serve --listen "127.0.0.1:$port" --data-dir "$data/state" >"$log" 2>&1 &
server=$!
cleanup() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  grep -q "valid 8 hours" "$log" && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 1
done
token=$(grep -A1 "valid 8 hours" "$log" | tail -1 | tr -d ' ')
# Another authority of the demo data, whose ids must behave as random ones for this token.
other=$(target/debug/stable-futures token --la E09000007 --data-dir "$data/state" | tail -1 | tr -d ' ')
python3 scripts/fuzz_dictionary.py "http://127.0.0.1:$port/graphql" "$token" "$other" "$data/dictionary.json"

# data_too_large: a health check of the generator, not of the server — some operations' widest
# selections (a child with every nested list) are larger than it likes to generate; it then
# generates the smaller ones, which is all a fuzz run needs.
SF_FUZZ_DICTIONARY="$data/dictionary.json" SCHEMATHESIS_HOOKS=fuzz_checks PYTHONPATH="$PWD/scripts" "$schemathesis" run schema.graphql \
  --url "http://127.0.0.1:$port/graphql" \
  -H "Authorization: Bearer $token" \
  --max-examples "$examples" \
  --seed "${SF_FUZZ_SEED:-20261128}" \
  --checks no_internal_error,no_other_authority_data \
  --suppress-health-check=data_too_large
