#!/usr/bin/env bash
# Regenerates persistence/src/schema.rs from the migrations with `diesel print-schema` on a
# throwaway PostgreSQL cluster and fails if the committed file differs.
# Needs diesel_cli (postgres feature) and the PostgreSQL server binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

bindir="${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}"
work="$(mktemp -d /tmp/sf-schema-check.XXXXXX)"
chmod 755 "$work"
run_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
cleanup() {
  run_pg "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run_pg "$bindir/initdb" -D "$work/data" -U postgres --auth=trust --no-instructions >/dev/null
run_pg "$bindir/pg_ctl" -D "$work/data" -l "$work/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=''" start >/dev/null
url="postgres://postgres@127.0.0.1:$port/schema_check"
diesel database setup --database-url "$url" --migration-dir persistence/migrations >/dev/null
(cd persistence && diesel print-schema --database-url "$url") > "$work/schema.rs"
if ! diff -u persistence/src/schema.rs "$work/schema.rs"; then
  echo "persistence/src/schema.rs differs from what the migrations produce (diff above)." >&2
  exit 1
fi
echo "schema.rs matches the migrations"
