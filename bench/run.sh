#!/usr/bin/env bash
# The side-by-side benchmark of issue #5: our release server against PostGraphile v5 on the same
# database, data and row-level security, and both against the database's own ceiling (pgbench).
# What it measures and how to read the table: docs/performance.md.
#
#   bench/run.sh [--scale tiny|full] [--seconds N] [--rounds N] [--scenarios a,b] [--connections N] [--build] [--keep] [--out DIR]
#
#   --scale    full (default): 20 local authorities, 10,000 children, 20,000 referrals,
#              10,000 guardian assignments, 50,000 measurements; 3 rounds of 10 s.
#              tiny: 2 authorities, 200 children, proportional; 1 round of 2 s (what CI runs).
#   --seconds  seconds per timed run; --rounds  A/B rounds (the order flips each round).
#   --build    run `cargo build --release -p stable-futures-api` first even if a binary exists
#              (by default it is built only when missing).
#   --keep     keep the temporary folder (cluster, server logs, pgbench scripts).
#   --out      where results.md, results.json and the captured SQL go (default
#              target/bench/<scale>).
#
# Needs: the PostgreSQL 15 server binaries (started privately, as `postgres` when run as root),
# psql, pgbench, wrk, openssl, python3, npm (PostGraphile and the Node.js 22 it needs are
# installed from the npm registry into target/bench/peer from bench/peer/package-lock.json).
# Exits non-zero if any request fails (non-2xx, GraphQL errors, userErrors) or the two systems'
# answers differ.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
scale=full
build=0
passthrough=()
out=""
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --seconds|--rounds|--scenarios|--connections) passthrough+=("$1" "$2"); shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --build) build=1; shift ;;
        --keep) passthrough+=("$1"); shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

out="${out:-$target/bench/$scale}"

for tool in psql pgbench wrk openssl python3 npm; do
    command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is missing" >&2; exit 1; }
done

bin="$target/release/stable-futures"
if [ "$build" = 1 ] || [ ! -x "$bin" ]; then
    echo "building the release server (a few minutes the first time)"
    cargo build --release --locked -p stable-futures-api
fi

# The peer, installed from the committed lock file; reinstalled only when the lock file changes.
peer="$target/bench/peer"
mkdir -p "$peer"
if ! cmp -s bench/peer/package-lock.json "$peer/package-lock.json" || [ ! -x "$peer/node_modules/.bin/node" ]; then
    echo "installing PostGraphile and Node.js 22 into $peer"
    rm -rf "$peer/node_modules"
    cp bench/peer/package.json bench/peer/package-lock.json "$peer/"
    (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error)
fi
cp bench/peer/server.mjs "$peer/"

# Which code the binary is: built when, and whether the source changed since.
label="built $(date -u -r "$bin" '+%Y-%m-%d %H:%M UTC'), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
last_change="$(git log -1 --format=%ct -- api persistence domain Cargo.toml Cargo.lock 2>/dev/null || echo 0)"
if [ "${last_change:-0}" -gt "$(date -r "$bin" +%s)" ]; then
    label="$label; OLDER than the last commit to the server's code (run with --build)"
    echo "bench/run.sh: $bin is older than the last commit to api/, persistence/ or domain/ (--build rebuilds it)" >&2
fi
if ! git diff --quiet HEAD -- api persistence domain 2>/dev/null; then
    label="$label; the work tree has uncommitted changes to the server's code"
fi
exec python3 bench/bench.py --scale "$scale" --binary "$bin" --binary-label "$label" \
    --peer-dir "$peer" --out "$out" ${passthrough[@]+"${passthrough[@]}"}
