#!/usr/bin/env bash
# Runs what compose and Kubernetes run, for real, on a throwaway PostgreSQL on this machine:
# deploy/postgres/init.sql as the superuser, `stable-futures migrate` (twice: it must be
# idempotent, as the migration Job assumes) and `add-local-authority` as the owner, then the
# server as the login role that is only a member of stable_futures_app:
#   - in production mode with the production overlay's ConfigMap (keys known to the binary,
#     values it accepts), keys from a test-only JWKS file instead of the placeholder URL;
#   - in development mode with compose's environment, answering a real mutation.
# Both must become ready on /health/ready and stop cleanly on SIGTERM within the grace period.
# Then every metric and grouping label the Grafana dashboard uses must be on /metrics.
# Called by scripts/check-deploy.sh (from the repository root, after it has rendered the
# manifests into target/deploy-check/). Needs PostgreSQL's server binaries, as the tests do.
set -euo pipefail
py="${PY:-target/deploy-venv/bin/python}"
out=target/deploy-check

bindir="$(pg_config --bindir 2>/dev/null || true)"
[ -x "$bindir/initdb" ] || bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bindir/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

# SF_BIN: a stable-futures binary to use instead of building the work tree's.
if [ -n "${SF_BIN:-}" ]; then
  bin="$SF_BIN"
else
  cargo build --locked --quiet -p stable-futures-api
  bin="${CARGO_TARGET_DIR:-target}/debug/stable-futures"
fi

work="$(mktemp -d /tmp/sf-deploy-check.XXXXXX)"
chmod 755 "$work"
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$work"
  as_postgres=(runuser -u postgres --)
fi
server=""
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  "${as_postgres[@]}" "$bindir/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port=$(free_port)
"${as_postgres[@]}" "$bindir/initdb" -D "$work/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
"${as_postgres[@]}" "$bindir/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U postgres)
"${psql[@]}" -d postgres -f deploy/postgres/init.sql >/dev/null
echo "  init.sql applied to PostgreSQL $("$bindir/postgres" --version | awk '{print $3}')"

# The URLs exactly as compose.yaml writes them, pointed at this server.
urls=$("$py" - "$port" <<'EOF'
import sys, yaml
services = yaml.safe_load(open("deploy/compose.yaml"))["services"]
fix = lambda url: url.replace("@postgres:5432/", f"@127.0.0.1:{sys.argv[1]}/")
print(fix(services["migrate"]["environment"]["SF_MIGRATION_DATABASE_URL"]))
print(fix(services["api"]["environment"]["DATABASE_URL"]))
EOF
)
owner_url=$(sed -n 1p <<<"$urls")
server_url=$(sed -n 2p <<<"$urls")

first=$(SF_MIGRATION_DATABASE_URL="$owner_url" "$bin" migrate 2>&1 | tail -1)
second=$(SF_MIGRATION_DATABASE_URL="$owner_url" "$bin" migrate 2>&1 | tail -1)
[[ "$first" =~ ^applied\ [1-9] ]] || { echo "  migrate as the owner failed: $first" >&2; exit 1; }
[[ "$second" =~ ^applied\ 0 ]] || { echo "  a second migrate is not a no-op: $second" >&2; exit 1; }
echo "  migrate as stable_futures_owner: $first; again: $second"
SF_MIGRATION_DATABASE_URL="$owner_url" "$bin" add-local-authority E09000019 Islington
echo "  add-local-authority E09000019 Islington: ok"

# The role model of docs/decisions/0001, as init.sql and the migrations leave it.
facts=$("${psql[@]}" -d stable_futures -At -F ' ' <<'EOF'
SELECT 'server_superuser', rolsuper FROM pg_roles WHERE rolname = 'stable_futures_server';
SELECT 'server_bypassrls', rolbypassrls FROM pg_roles WHERE rolname = 'stable_futures_server';
SELECT 'server_member_of_app', pg_has_role('stable_futures_server', 'stable_futures_app', 'MEMBER');
SELECT 'server_owns', count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'stable_futures_server';
SELECT 'server_can_create_in_public', has_schema_privilege('stable_futures_server', 'public', 'CREATE');
SELECT 'tables_not_owned_by_owner', count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner <> 'stable_futures_owner';
SELECT 'app_login', rolcanlogin FROM pg_roles WHERE rolname = 'stable_futures_app';
SELECT 'owner_superuser', rolsuper FROM pg_roles WHERE rolname = 'stable_futures_owner';
EOF
)
expected="server_superuser f
server_bypassrls f
server_member_of_app t
server_owns 0
server_can_create_in_public f
tables_not_owned_by_owner 0
app_login f
owner_superuser f"
if [ "$facts" != "$expected" ]; then
  echo "  the role layout is not the intended one:" >&2
  diff <(echo "$expected") <(echo "$facts") >&2 || true
  exit 1
fi
echo "  roles: the server's role owns nothing, cannot bypass RLS, is a member of stable_futures_app; the owner is no superuser"

# Starts the server with the environment in $work/env (KEY=VALUE lines), waits until ready.
start_server() {
  local log="$1" http="$2"
  local settings
  mapfile -t settings <"$work/env"
  env -i PATH="$PATH" HOME="$work" "${settings[@]}" "$bin" serve >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 60); do
    if "$py" - "$http" <<'EOF' 2>/dev/null; then return 0; fi
import sys, urllib.request
with urllib.request.urlopen(f"http://{sys.argv[1]}/health/ready", timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
    kill -0 "$server" 2>/dev/null || { cat "$log" >&2; echo "  the server stopped" >&2; exit 1; }
    sleep 1
  done
  cat "$log" >&2
  echo "  the server did not become ready" >&2
  exit 1
}
stop_server() {
  local grace="$1" log="$2" status=0
  kill -TERM "$server"
  for _ in $(seq 1 $((grace * 2 + 10))); do kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$server" 2>/dev/null; then cat "$log" >&2; echo "  the server did not stop within ${grace}s of SIGTERM" >&2; exit 1; fi
  wait "$server" || status=$?
  server=""
  [ "$status" = 0 ] || { cat "$log" >&2; echo "  the server exited with $status after SIGTERM" >&2; exit 1; }
}
get() { "$py" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).status)' "$1"; }

# 1. Production mode with the production overlay's ConfigMap.
http="127.0.0.1:$(free_port)"
metrics="127.0.0.1:$(free_port)"
SF_BIN_PATH="$bin" "$py" - "$out/production.yaml" "$server_url" "$http" "$metrics" >"$work/env" <<'EOF'
import os, re, subprocess, sys, yaml
rendered, url, http, metrics = sys.argv[1:]
config = next(o for o in yaml.safe_load_all(open(rendered)) if o and o["kind"] == "ConfigMap")["data"]
known = set(re.findall(r"\benv: ([A-Z0-9_]+)", subprocess.run([os.environ["SF_BIN_PATH"], "serve", "--help"], capture_output=True, text=True).stdout))
# (OTEL_*, RUST_LOG and DEPLOYMENT_ENVIRONMENT are read by the libraries and the Deployment,
# not by clap.)
for key in config:
    if key.startswith("SF_") and key not in known:
        sys.exit(f"  ConfigMap key {key} is not a setting of `stable-futures serve`")
env = dict(config)
env.pop("SF_JWKS_URL")  # a placeholder that never resolves: a test-only key file instead
env.pop("OTEL_EXPORTER_OTLP_ENDPOINT")  # no collector here
env.update(SF_JWKS_FILE="tests/fixtures/test-only-jwks-ec.json", SF_LISTEN=http, SF_METRICS_LISTEN=metrics,
           DATABASE_URL=url, OTEL_TRACES_EXPORTER="none", OTEL_METRICS_EXPORTER="none")
for key, value in env.items():
    assert " " not in value, key
    print(f"{key}={value}")
EOF
grace=$(sed -n 's/^SF_SHUTDOWN_GRACE_SECONDS=//p' "$work/env")
start_server "$work/production.log" "$http"
[ "$(get "http://$http/health/live")" = 200 ]
"$py" - "$work/production.log" <<'EOF' || { cat "$work/production.log" >&2; echo "  production logs are not JSON lines" >&2; exit 1; }
import json, sys
lines = [line for line in open(sys.argv[1]) if line.strip()]
sys.exit(0 if lines and all(isinstance(json.loads(line), dict) for line in lines) else 1)
EOF
stop_server "$grace" "$work/production.log"
echo "  production mode with the production ConfigMap: ready on /health/ready, live on /health/live, stopped cleanly on SIGTERM"

# 2. Development mode with compose's environment for the api service.
http="127.0.0.1:$(free_port)"
metrics="127.0.0.1:$(free_port)"
SF_BIN_PATH="$bin" "$py" - "$server_url" "$http" "$metrics" "$work/data" >"$work/env" <<'EOF'
import os, re, subprocess, sys, yaml
url, http, metrics, data = sys.argv[1:]
env = {k: str(v) for k, v in yaml.safe_load(open("deploy/compose.yaml"))["services"]["api"]["environment"].items()}
known = set(re.findall(r"\benv: ([A-Z0-9_]+)", subprocess.run([os.environ["SF_BIN_PATH"], "serve", "--help"], capture_output=True, text=True).stdout))
for key in env:
    if (key.startswith("SF_") or key == "DATABASE_URL") and key not in known:
        sys.exit(f"  compose's api variable {key} is not a setting of `stable-futures serve`")
env.pop("OTEL_EXPORTER_OTLP_ENDPOINT")
env.update(DATABASE_URL=url, SF_LISTEN=http, SF_METRICS_LISTEN=metrics, SF_DATA_DIR=data,
           OTEL_TRACES_EXPORTER="none", OTEL_METRICS_EXPORTER="none")
for key, value in env.items():
    print(f"{key}={value}")
EOF
start_server "$work/development.log" "$http"
token=$("$bin" token --la E09000019 --data-dir "$work/data" --scope "children:read children:write")
"$py" - "$http" "$token" <<'EOF'
import json, sys, urllib.request
http, token = sys.argv[1:]
query = """mutation { registerChild(input: {localChildId: "DEPLOYCHECK1", dateOfBirth: "2012-02-02",
  dateOfBirthEstimated: false, ageDisputed: false, nationalities: ["VNM"], languages: ["vi"],
  interpreterRequired: true}) { child { id } userErrors { code } } }"""
request = urllib.request.Request(f"http://{http}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
answer = json.load(urllib.request.urlopen(request, timeout=10))
payload = (answer.get("data") or {}).get("registerChild") or {}
if answer.get("errors") or payload.get("userErrors") or not (payload.get("child") or {}).get("id"):
    sys.exit(f"  registerChild as the server's role failed: {answer}")
print("  development mode with compose's environment: registerChild written as stable_futures_server under row-level security")
EOF
# The dashboard's metric names against what this build serves on its metrics port, after a
# request that wrote and one that failed validation (so the error counter has a sample).
"$py" - "$http" "$token" "$metrics" <<'EOF'
import json, re, sys, urllib.request
sys.path.insert(0, "deploy/grafana")
from dashboard import METRICS
http, token, metrics = sys.argv[1:]
request = urllib.request.Request(f"http://{http}/graphql", data=json.dumps({"query": "{ noSuchField }"}).encode(),
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
urllib.request.urlopen(request, timeout=10).read()
text = urllib.request.urlopen(f"http://{metrics}/metrics", timeout=10).read().decode()
labels = {}  # metric family -> label names seen on its samples
for line in text.splitlines():
    if not line or line.startswith("#"):
        continue
    name = re.split(r"[{ ]", line, maxsplit=1)[0]
    found = set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=\"", line.split("}", 1)[0])) if "{" in line else set()
    for family in (name, re.sub(r"_(bucket|sum|count)$", "", name)):
        labels.setdefault(family, set()).update(found)
missing = sorted(name for name in METRICS.values() if name not in labels)
if missing:
    sys.exit(f"  the dashboard uses metrics this build does not serve on /metrics: {missing} "
             f"(served: {sorted(n for n in labels if n.startswith(('http_', 'sf_', 'db_')))}); fix METRICS in deploy/grafana/dashboard.py")
# Every label a panel groups by must be on the metrics that panel reads.
dashboard = json.load(open("deploy/grafana/dashboard.json"))
for panel in dashboard["panels"]:
    for target in panel.get("targets", []):
        expr = target["expr"]
        used = {n for n in re.findall(r"\b(?:http|sf|db)_[a-z0-9_]+", re.sub(r"\b(?:by|without)\s*\([^)]*\)|\{[^}]*\}", "", expr))}
        grouped = {l.strip() for group in re.findall(r"\bby\s*\(([^)]*)\)", expr) for l in group.split(",")} - {"le", ""}
        for metric in used:
            absent = grouped - labels.get(metric, set())
            if absent:
                sys.exit(f"  panel {panel['title']!r} groups {metric} by {sorted(absent)}, which it does not carry "
                         f"(it has {sorted(labels.get(metric, set()))})")
print(f"  /metrics on the metrics port serves all {len(METRICS)} metrics the dashboard uses, with the labels it groups by")
EOF
stop_server 20 "$work/development.log"
echo "  development mode stopped cleanly on SIGTERM"
