#!/usr/bin/env bash
# The breaking-change gate (issue #16): schema.graphql and schema-aggregate.graphql against the
# previous commit (SCHEMA_BASE, default HEAD~1) and, when there is one, the latest release tag
# (v*), with GraphQL Inspector's diff (npm @graphql-inspector/core, the engine of its CLI, pinned
# below, installed into target/inspector-node: the gate needs each change's coordinate and
# criticality, which the CLI prints only as text). A breaking change fails unless the base had
# deprecated what it removes and docs/changelog.md records it in the same change; every dangerous
# change (a new enum value, a removal after deprecation) must be recorded there too. See
# scripts/schema-gate.mjs. `--self-test` first shows the gate refusing and passing what it should.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="@graphql-inspector/core@7.1.3 graphql@16.15.0"

node_dir=target/inspector-node
# shellcheck source=scripts/node-packages.sh
. scripts/node-packages.sh
install_node_packages "$node_dir" "$PACKAGES"
cp scripts/schema-gate.mjs "$node_dir/gate.mjs"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ "${1:-}" = --self-test ]; then
    # expect PASS|FAIL, the old schema, the new one, the changelog's added lines.
    expect() {
        printf '%s' "$2" > "$work/old.graphql"
        printf '%s' "$3" > "$work/new.graphql"
        printf '%s' "$4" > "$work/additions"
        if node "$node_dir/gate.mjs" self-test "$work/old.graphql" "$work/new.graphql" "$work/additions" >"$work/out" 2>&1; then
            got=PASS
        else
            got=FAIL
        fi
        if [ "$got" != "$1" ]; then
            echo "schema gate self-test: expected $1, got $got for: $5" >&2
            cat "$work/out" >&2
            exit 1
        fi
    }
    base='type Query { a: Int b: Int @deprecated(reason: "use a") k: Kind } enum Kind { X Y }'
    expect PASS "$base" "$base" "" "no change"
    expect PASS "$base" "${base/a: Int/a: Int c: String}" "" "a new field"
    expect FAIL "$base" "${base/a: Int /}" "- removed Query.a" "removing a field that was not deprecated, even when recorded"
    deprecated='b: Int @deprecated(reason: "use a")'
    expect FAIL "$base" "${base/"$deprecated"/}" "" "removing a deprecated field without recording it"
    expect PASS "$base" "${base/"$deprecated"/}" "- removed Query.b" "removing a deprecated field, recorded"
    expect FAIL "$base" "${base/X Y/X Y Z}" "" "a new enum value not recorded"
    expect PASS "$base" "${base/X Y/X Y Z}" "- new value Kind.Z" "a new enum value, recorded"
    expect FAIL "$base" "${base/a: Int/a: String}" "- Query.a" "a field's type changed"
    echo "schema gate self-test passed"
fi

bases=()
base="${SCHEMA_BASE:-HEAD~1}"
if git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    bases+=("$base")
else
    echo "schema gate: no $base in this clone (a shallow clone of one commit): nothing to diff against"
fi
tag="$(git describe --tags --abbrev=0 --match 'v*' 2>/dev/null || true)"
[ -n "$tag" ] && bases+=("$tag")

status=0
for base in "${bases[@]}"; do
    # What this change adds to the changelog since the base.
    git diff --no-color "$base" -- docs/changelog.md | sed -n 's/^+//p' > "$work/additions"
    for schema in schema.graphql schema-aggregate.graphql; do
        if ! git cat-file -e "$base:$schema" 2>/dev/null; then
            echo "schema gate: $schema is new since $base"
            continue
        fi
        git show "$base:$schema" > "$work/old.graphql"
        node "$node_dir/gate.mjs" "$schema since $base" "$work/old.graphql" "$schema" "$work/additions" || status=1
    done
done
exit "$status"
