#!/usr/bin/env bash
# The GraphQL-over-HTTP reference audit (npm graphql-http, pinned below, installed into
# target/graphql-http-node) against the development server that scripts/integration-example.sh
# starts. Exits non-zero if a MUST or SHOULD is not met, except those refused on purpose (listed,
# with the reason, in scripts/graphql-http-audit.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="graphql-http@1.23.1 graphql@16.15.0"

node_dir=target/graphql-http-node
if [ "$(cat "$node_dir/installed" 2>/dev/null)" != "$PACKAGES" ]; then
    echo "installing $PACKAGES into $node_dir"
    rm -rf "$node_dir"
    mkdir -p "$node_dir"
    # shellcheck disable=SC2086
    npm install --prefix "$node_dir" --no-audit --no-fund --silent $PACKAGES >/dev/null
    echo "$PACKAGES" > "$node_dir/installed"
fi

# The audit is an ES module: it finds graphql-http beside it, not through NODE_PATH.
cp scripts/graphql-http-audit.mjs "$node_dir/audit.mjs"
scripts/integration-example.sh -- timeout 120 node "$node_dir/audit.mjs"
