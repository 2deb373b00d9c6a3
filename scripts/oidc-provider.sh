#!/usr/bin/env bash
# The real OpenID Provider of the token-verifier tests (tests/oidc-provider: oidc-provider 9 and
# the Node.js 22 it supports, both pinned by its committed lock file).
#
#   scripts/oidc-provider.sh install
#
# Installs it into target/oidc-provider (or $CARGO_TARGET_DIR/oidc-provider) with `npm ci`, again
# only when the lock file changes, and prints two lines on stdout: the path of the node binary to
# run it with, then the path of provider.mjs (what test-support/src/oidc_provider.rs reads).
# Everything else goes to stderr. Needs npm and the npm registry the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
    install) ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "scripts/oidc-provider.sh: usage: scripts/oidc-provider.sh install" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "scripts/oidc-provider.sh: npm is missing" >&2; exit 1; }

source_dir=tests/oidc-provider
target="${CARGO_TARGET_DIR:-target}"
dir="$target/oidc-provider"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# Two test binaries may install at once; the second waits and then finds it installed.
exec 9>"$dir.lock"
flock 9

# installed.lock is the lock file of the last install that finished: a failed install leaves none,
# so the next run tries again.
if ! cmp -s "$source_dir/package-lock.json" "$dir/installed.lock" \
    || [ ! -x "$dir/node_modules/.bin/node" ]; then
    echo "installing oidc-provider and Node.js 22 into $dir" >&2
    rm -rf "$dir/node_modules" "$dir/installed.lock"
    cp "$source_dir/package.json" "$source_dir/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    cp "$source_dir/package-lock.json" "$dir/installed.lock"
fi
cmp -s "$source_dir/provider.mjs" "$dir/provider.mjs" || cp "$source_dir/provider.mjs" "$dir/"

echo "$dir/node_modules/.bin/node"
echo "$dir/provider.mjs"
