#!/usr/bin/env bash
# Reads from standbys (issue #19): the page read at 16 connections on the primary alone, spread
# over the primary and two standbys, and on the standbys alone; and how much a read that sends
# its write's consistency token waits. What it measures and how to read it: docs/performance.md,
# "Reads from standbys".
#
#   bench/replicas.sh [--scale tiny|full] [--seconds N] [--rounds N] [--build] [--keep] [--out DIR]
#
#   --scale    full (default): the dataset of bench/run.sh; 3 rounds of 10 s per layout.
#              tiny: 2 authorities, 200 children; 1 round of 2 s (what CI runs).
#   --build    run `cargo build --release -p stable-futures-api` first even if a binary exists.
#   --out      where results.md and results.json go (default target/bench/replicas-<scale>).
#
# Needs: the PostgreSQL 15 server binaries (pg_basebackup among them), psql, wrk, openssl, python3.
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
        --seconds|--rounds) passthrough+=("$1" "$2"); shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --build) build=1; shift ;;
        --keep) passthrough+=("$1"); shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) echo "bench/replicas.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
out="${out:-$target/bench/replicas-$scale}"

for tool in psql wrk openssl python3; do
    command -v "$tool" >/dev/null || { echo "bench/replicas.sh: $tool is missing" >&2; exit 1; }
done

bin="$target/release/stable-futures"
if [ "$build" = 1 ] || [ ! -x "$bin" ]; then
    echo "building the release server (a few minutes the first time)"
    cargo build --release --locked -p stable-futures-api
fi
label="built $(date -u -r "$bin" '+%Y-%m-%d %H:%M UTC'), HEAD $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
exec python3 bench/replicas.py --scale "$scale" --binary "$bin" --binary-label "$label" \
    --out "$out" ${passthrough[@]+"${passthrough[@]}"}
