#!/usr/bin/env bash
# The GraphQL-over-HTTP reference audit (npm graphql-http, pinned below, installed into
# target/graphql-http-node) against the development server that scripts/integration-example.sh
# starts. Exits non-zero if a MUST or SHOULD is not met, except those refused on purpose (listed,
# with the reason, in scripts/graphql-http-audit.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="graphql-http@1.23.1 graphql@16.15.0"

node_dir=target/graphql-http-node
# shellcheck source=scripts/node-packages.sh
. scripts/node-packages.sh
install_node_packages "$node_dir" "$PACKAGES"

# The audit is an ES module: it finds graphql-http beside it, not through NODE_PATH.
cp scripts/graphql-http-audit.mjs "$node_dir/audit.mjs"
scripts/integration-example.sh -- timeout 120 node "$node_dir/audit.mjs"
