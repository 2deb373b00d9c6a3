#!/usr/bin/env bash
# The TypeScript example end to end (examples/typescript): its pinned packages installed from its
# lock file, its types generated from schema.graphql and type-checked (a change to the contract
# that breaks the example's operations fails here), then run against a development server that
# scripts/integration-example.sh starts. Exits non-zero if any step fails.
set -euo pipefail
cd "$(dirname "$0")/../examples/typescript"

# Installed again only when the lock file changes.
if ! cmp -s package-lock.json node_modules/.package-lock-copy 2>/dev/null; then
    echo "installing the TypeScript example's packages"
    npm ci --no-audit --no-fund --loglevel=error
    cp package-lock.json node_modules/.package-lock-copy
fi
rm -rf dist src/gql
npm run --silent build
cd ../..
scripts/integration-example.sh -- timeout 120 node examples/typescript/dist/main.js
