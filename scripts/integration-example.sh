#!/usr/bin/env bash
# The integration example end to end: the Python gql sync client (examples/python/sync_client.py)
# against the real development server on a throwaway private database. It loads, catches up,
# subscribes, writes through the API itself and checks that its own changes arrive live, in
# order, with no gap (--demo). Exits non-zero if that fails. See docs/integration-guide.md.
#
#   scripts/integration-example.sh                   # the --demo self-test
#   scripts/integration-example.sh -- CMD [ARGS...]  # run CMD instead, against the same kind of
#                                                    # server (bench/feed.sh does), with SF_URL and
#                                                    # SF_TOKEN set and the venv's bin/ on PATH
#                                                    # (and SF_EXAMPLE_BINARY, SF_EXAMPLE_STATE)
#
# The venv is target/example-venv (made, or remade when examples/python/requirements.txt
# changes). The server is target/debug/stable-futures, built only when missing. Runs as root
# too: the private PostgreSQL then runs as the `postgres` user, which must be able to enter the
# temporary data directory (hence its mode 755), as in scripts/fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

command=()
if [ $# -gt 0 ]; then
    [ "$1" = "--" ] || { echo "usage: $0 [-- COMMAND [ARGS...]]" >&2; exit 2; }
    shift
    command=("$@")
    [ ${#command[@]} -gt 0 ] || { echo "usage: $0 [-- COMMAND [ARGS...]]" >&2; exit 2; }
fi

# The client's venv, pinned by the requirements file (copied in once the install succeeded).
venv=target/example-venv
requirements=examples/python/requirements.txt
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$venv/requirements.txt"; then
    echo "installing the example's Python packages into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi
python="$PWD/$venv/bin/python"

# SF_BINARY: another build of the server (bench/feed.sh uses it for the release build).
bin="${SF_BINARY:-target/debug/stable-futures}"
if [ "$bin" = target/debug/stable-futures ] && [ ! -x "$bin" ]; then
    cargo build -p stable-futures-api --bin stable-futures --locked
fi
last_change="$(git log -1 --format=%ct -- api persistence domain Cargo.lock 2>/dev/null || echo 0)"
if [ "${last_change:-0}" -gt "$(date -r "$bin" +%s)" ]; then
    echo "note: $bin is older than the last commit to the server's code (cargo build -p stable-futures-api rebuilds it)" >&2
fi

data="$(mktemp -d /tmp/sf-example.XXXXXX)"
chmod 755 "$data"
log="$data/server.log"
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Development mode on the private database: no DATABASE_URL, no metrics port (another server on
# this machine may hold the default one), no telemetry export.
env -u DATABASE_URL -u SF_MODE -u SF_DATA_DIR -u OTEL_EXPORTER_OTLP_ENDPOINT \
    SF_METRICS_LISTEN=off SF_SHUTDOWN_GRACE_SECONDS=5 NO_COLOR=1 \
    "$bin" serve --listen "127.0.0.1:$port" --data-dir "$data/state" >"$log" 2>&1 &
server=$!
cleanup() {
    status=$?
    if kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$server" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$server" 2>/dev/null || true
    fi
    wait "$server" 2>/dev/null || true
    # The server stops its PostgreSQL as it exits; should it not have, stop that one postmaster.
    pidfile="$data/state/pg/postmaster.pid"
    if [ -f "$pidfile" ]; then
        postmaster="$(head -1 "$pidfile")"
        if [ -n "$postmaster" ] && [ "$(ps -p "$postmaster" -o comm= 2>/dev/null)" = postgres ]; then
            kill -TERM "$postmaster" 2>/dev/null || true
            sleep 2
        fi
    fi
    if [ "$status" -ne 0 ] && [ -f "$log" ]; then
        echo "--- last lines of the server log" >&2
        # (without the development token that `serve` prints)
        tail -n 40 "$log" | sed -E 's/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/<token>/g' >&2
    fi
    rm -rf "$data"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

url="http://127.0.0.1:$port"
ready=0
for _ in $(seq 1 240); do
    if "$python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "$url/health/ready" 2>/dev/null; then
        ready=1
        break
    fi
    kill -0 "$server" 2>/dev/null || { echo "the server exited before it was ready" >&2; exit 1; }
    sleep 0.5
done
[ "$ready" = 1 ] || { echo "the server was not ready within 120 s" >&2; exit 1; }
echo "server ready on $url after $((SECONDS - started)) s"

# What the client needs: reading the feed and the records it names, creating a child and a
# guardian request, updating and erasing the child.
scopes="children:read children:write children:erase referrals:read guardians:read guardians:write outcomes:read transfers:read"
token="$("$bin" token --la E09000019 --scope "$scopes" --ttl 3600 --subject integration-example \
    --data-dir "$data/state")"

# SF_EXAMPLE_BINARY and SF_EXAMPLE_STATE let a command mint tokens of its own (`token --data-dir`).
export SF_URL="$url" SF_TOKEN="$token" PATH="$PWD/$venv/bin:$PATH" \
    SF_EXAMPLE_BINARY="$bin" SF_EXAMPLE_STATE="$data/state"
if [ ${#command[@]} -gt 0 ]; then
    "${command[@]}"
else
    timeout 300 "$python" examples/python/sync_client.py --demo
    echo "integration example passed in $((SECONDS - started)) s"
fi
