#!/usr/bin/env bash
# The cost of telemetry on the nested page read: the release server on its private development
# database (synthetic demo data), driven by wrk at 16 connections, with tracing off
# (OTEL_SDK_DISABLED=true), on without an exporter (the default), and exporting every span over
# OTLP/HTTP to a local receiver. Runs alternate A/B/C twice; prints req/s and latency per run.
#
#   bench/telemetry-overhead.sh [seconds-per-run]
#
# Needs: a release build (cargo build --release -p stable-futures-api), wrk, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
bin="${CARGO_TARGET_DIR:-target}/release/stable-futures"
work="$(mktemp -d)"
chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; sleep 1; rm -rf "$work"' EXIT

# A receiver that accepts OTLP/HTTP posts and discards them (the exporter's cost, not a backend's).
cat > "$work/sink.py" <<'PY'
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
python3 "$work/sink.py" 14318 &

# 50 more synthetic children, each with a referral and a measurement, so the page is full.
cat > "$work/seed.py" <<'PY'
import json, sys, urllib.request
url, token = sys.argv[1], sys.argv[2]
def call(query, variables):
    request = urllib.request.Request(url, json.dumps({"query": query, "variables": variables}).encode(),
        {"content-type": "application/json", "authorization": "Bearer " + token})
    answer = json.load(urllib.request.urlopen(request))
    assert "errors" not in answer, answer
    return answer["data"]
for n in range(50):
    child = call("mutation($i: RegisterChildInput!) { registerChild(input: $i) { child { id } userErrors { code } } }",
        {"i": {"localChildId": f"BENCH{n:04d}", "dateOfBirth": "2010-05-01"}})["registerChild"]["child"]["id"]
    call("mutation($i: SubmitReferralInput!) { submitReferral(input: $i) { referral { id } userErrors { code } } }",
        {"i": {"childId": child, "referredAt": "2025-03-03T09:00:00Z",
               "firstResponder": {"organisationType": "POLICE", "organisationName": "Metropolitan Police Service"},
               "exploitationTypes": ["CRIMINAL"], "countyLines": True, "exploitationLocation": "UK", "competentAuthority": "SCA"}})
    call("mutation($i: RecordOutcomeMeasurementInput!) { recordOutcomeMeasurement(input: $i) { measurement { id } userErrors { code } } }",
        {"i": {"childId": child, "outcomeKey": "being_safe_and_feeling_safe", "observedAt": "2025-04-01T10:00:00Z",
               "youngPersonParticipated": True, "youngPersonRating": 3}})
PY

query='query Page { children(first: 50) { nodes { id localChildId dateOfBirth referrals(first: 5) { nodes { id status timeline { kind at } } } guardianAssignments { id status } outcomeMeasurements(first: 5) { nodes { id youngPersonRating outcome { key } } } } } }'
body="$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1]}))' "$query")"

run() {
    local label="$1"; shift
    local data="$work/data"
    env -i PATH="$PATH" HOME="$HOME" SF_DATA_DIR="$data" SF_LISTEN=127.0.0.1:18181 \
        SF_METRICS_LISTEN=off RUST_LOG=warn "$@" "$bin" serve > "$work/serve.log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 300); do
        curl -sf http://127.0.0.1:18181/health/ready > /dev/null 2>&1 && break
        sleep 0.1
    done
    local token
    token="$(env -i PATH="$PATH" SF_DATA_DIR="$data" "$bin" token --la E09000019 --ttl 3600 2>/dev/null | tail -1)"
    if [ ! -e "$work/seeded" ]; then
        python3 "$work/seed.py" http://127.0.0.1:18181/graphql "$token"
        touch "$work/seeded"
    fi
    cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
wrk.body = [[$body]]
LUA
    # The query must answer data, not a validation error (which is cheap and would flatter).
    curl -sf http://127.0.0.1:18181/graphql -H "authorization: Bearer $token" \
        -H 'content-type: application/json' -d "$body" \
        | python3 -c 'import json,sys; a=json.load(sys.stdin); assert "errors" not in a and len(a["data"]["children"]["nodes"]) >= 50, a'
    # Warm up, then measure.
    wrk -t2 -c16 -d2s -s "$work/post.lua" http://127.0.0.1:18181/graphql > /dev/null
    local out
    out="$(wrk -t2 -c16 -d"${duration}s" --latency -s "$work/post.lua" http://127.0.0.1:18181/graphql)"
    local rps p50 p99 non2xx
    rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
    p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
    p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
    printf '%-28s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$label" "$rps" "$p50" "$p99" "${non2xx:-0}"
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

echo "nested page read (50 children), 16 connections, ${duration}s per run"
for round in 1 2; do
    run "tracing off" OTEL_SDK_DISABLED=true
    run "tracing on, not exported" 
    run "tracing on, exported (OTLP)" OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:14318 \
        OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
done
