#!/usr/bin/env bash
# The GraphiQL playground in a real browser: headless Chromium (Debian's package) driven by
# playwright-core (npm, pinned below, installed into target/graphiql-node) against the development
# server that scripts/integration-example.sh starts. Exits non-zero if a query or a subscription
# does not show its answer in the page, or the page reports an error (a CSP violation included).
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT_CORE=playwright-core@1.65.1

chromium="$(command -v chromium || true)"
if [ -z "$chromium" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    chromium="$(command -v chromium)"
fi

node_dir=target/graphiql-node
# shellcheck source=scripts/node-packages.sh
. scripts/node-packages.sh
install_node_packages "$node_dir" "$PLAYWRIGHT_CORE"

export CHROMIUM="$chromium" NODE_PATH="$PWD/$node_dir/node_modules"
scripts/integration-example.sh -- timeout 120 node scripts/graphiql-check.js
