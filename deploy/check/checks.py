"""The project's own rules for deploy/, run by scripts/check-deploy.sh.

Generic linters (kubernetes-validate, hadolint, checkov) check that each file is well-formed and
follows common hardening advice; these checks hold the pieces to what this service needs and to
each other: ports, probe paths, the role model, the connection budget, where secrets may come
from, and that nothing secret is committed. Each subcommand prints what it checked and exits
non-zero on any finding.

    python checks.py kubernetes <rendered.yaml>...
    python checks.py compose <compose.yaml> <compose-spec.json>
    python checks.py collector <config.yaml>
    python checks.py dashboard <dashboard.json>
    python checks.py dockerfile <Dockerfile> <max rust-version>
    python checks.py dockerignore <.dockerignore> <copy-to-dir>
    python checks.py secrets <dir>
    python checks.py render <kustomization dir> <out.yaml>
    python checks.py same <a.yaml> <b.yaml>
    python checks.py split-crds <rendered.yaml> <core-out.yaml> <crd-out.yaml>
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import yaml

HERE = pathlib.Path(__file__).resolve().parent
DEPLOY = HERE.parent
ROOT = DEPLOY.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(DEPLOY / "grafana"))

import kustomize_lite  # noqa: E402

APP_PORT = 8080
METRICS_PORT = 9464
LIVE = "/health/live"
READY = "/health/ready"
APP_ROLE = "stable_futures_app"
# Kinds the bundled Kubernetes schemas know nothing about: checked here instead.
CRD_GROUPS = ("postgresql.cnpg.io/",)


class Findings:
    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.items: list[str] = []
        self.checked = 0

    def require(self, condition: bool, message: str) -> bool:
        self.checked += 1
        if not condition:
            self.items.append(message)
        return bool(condition)

    def finish(self) -> int:
        for item in self.items:
            print(f"  FAIL {self.subject}: {item}")
        status = "ok" if not self.items else f"{len(self.items)} finding(s)"
        print(f"  {self.subject}: {self.checked} rules, {status}")
        return 1 if self.items else 0


# ------------------------------------------------------------------------------------------
# Kubernetes


def load_all(path: str | pathlib.Path) -> list[dict]:
    return kustomize_lite.load_docs(pathlib.Path(path))


def by_kind(objects: list[dict], kind: str) -> list[dict]:
    return [o for o in objects if o.get("kind") == kind]


def one(objects: list[dict], kind: str, f: Findings, name: str | None = None) -> dict:
    found = [o for o in by_kind(objects, kind) if name is None or o["metadata"]["name"] == name]
    f.require(len(found) == 1, f"expected exactly one {kind}{' ' + name if name else ''}, found {len(found)}")
    return found[0] if found else {}


def quantity_mib(value) -> float:
    text = str(value)
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "K": 1000 / 1024 / 1024, "M": 1e6 / 1024 / 1024, "G": 1e9 / 1024 / 1024}
    for unit, factor in units.items():
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text) / 1024 / 1024


def millicores(value) -> float:
    text = str(value)
    return float(text[:-1]) if text.endswith("m") else float(text) * 1000


def env_map(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def check_pod(f: Findings, where: str, pod: dict, service_accounts: set[str], configmaps: dict[str, dict]) -> None:
    f.require(pod.get("automountServiceAccountToken") is False, f"{where}: automountServiceAccountToken must be false")
    sa = pod.get("serviceAccountName")
    f.require(bool(sa) and sa != "default", f"{where}: needs its own serviceAccountName")
    f.require(sa in service_accounts, f"{where}: ServiceAccount {sa} is not in the manifests")
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        f.require(not pod.get(flag), f"{where}: {flag} must not be set")
    f.require(not any("hostPath" in v for v in pod.get("volumes", [])), f"{where}: no hostPath volumes")
    psc = pod.get("securityContext", {})
    f.require(psc.get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot must be true")
    f.require(int(psc.get("runAsUser", 0)) >= 10000, f"{where}: pod runAsUser must be a high non-root UID")
    f.require(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{where}: pod seccompProfile RuntimeDefault")
    containers = pod.get("containers", []) + pod.get("initContainers", [])
    f.require(bool(containers), f"{where}: no containers")
    for c in containers:
        cw = f"{where} container {c.get('name')}"
        sc = c.get("securityContext", {})
        f.require(sc.get("readOnlyRootFilesystem") is True, f"{cw}: readOnlyRootFilesystem must be true")
        f.require(sc.get("allowPrivilegeEscalation") is False, f"{cw}: allowPrivilegeEscalation must be false")
        f.require(sc.get("privileged") in (None, False), f"{cw}: must not be privileged")
        f.require(sc.get("runAsNonRoot") is True, f"{cw}: runAsNonRoot must be true")
        f.require(int(sc.get("runAsUser", psc.get("runAsUser", 0))) >= 10000, f"{cw}: runAsUser must be a high non-root UID")
        caps = sc.get("capabilities", {})
        f.require(caps.get("drop") == ["ALL"], f"{cw}: capabilities must drop ALL")
        f.require(not caps.get("add"), f"{cw}: must add no capabilities")
        f.require(sc.get("seccompProfile", {}).get("type", "RuntimeDefault") == "RuntimeDefault", f"{cw}: seccompProfile RuntimeDefault")
        image = c.get("image", "")
        f.require(re.search(r"(:[\w.-]+|@sha256:[0-9a-f]{64})$", image.rsplit("/", 1)[-1]) is not None
                  and not image.endswith(":latest"), f"{cw}: image {image!r} needs a fixed tag or digest")
        res = c.get("resources", {})
        f.require("cpu" in res.get("requests", {}) and "memory" in res.get("requests", {}), f"{cw}: cpu and memory requests")
        f.require("memory" in res.get("limits", {}), f"{cw}: memory limit")
        defined = set()
        for source in c.get("envFrom", []):
            ref = source.get("configMapRef", {}).get("name")
            f.require(ref in configmaps, f"{cw}: envFrom names ConfigMap {ref}, which is not in the manifests")
            defined |= set(configmaps.get(ref, {}))
        for e in c.get("env", []):
            value = str(e.get("value", ""))
            for ref in re.findall(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)", value):
                f.require(ref in defined, f"{cw}: env {e['name']} uses $({ref}), which is not defined before it (it would not expand)")
            defined.add(e["name"])
            f.require(not re.search(r"://[^/\s:@]+:[^/\s@]+@", value), f"{cw}: env {e['name']} holds credentials in plain text")
            f.require(not (re.search(r"(?i)(password|secret|token|database_url)", e["name"]) and "value" in e),
                      f"{cw}: env {e['name']} must come from a Secret, not a literal")


def check_kubernetes(path: str) -> int:
    f = Findings(f"kubernetes {pathlib.Path(path).name}")
    objects = load_all(path)

    f.require(not by_kind(objects, "Secret"), "no Secret may be committed: secrets are created out of band")
    for o in objects:
        if o.get("kind") not in kustomize_lite.CLUSTER_SCOPED:
            f.require(o.get("metadata", {}).get("namespace") not in (None, "", "default"),
                      f"{o.get('kind')}/{o['metadata'].get('name')}: needs a namespace other than default")

    service_accounts = {o["metadata"]["name"] for o in by_kind(objects, "ServiceAccount")}
    for sa in by_kind(objects, "ServiceAccount"):
        f.require(sa.get("automountServiceAccountToken") is False, f"ServiceAccount {sa['metadata']['name']}: automountServiceAccountToken false")

    ns = one(objects, "Namespace", f)
    if ns:
        f.require(ns["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") == "restricted",
                  "Namespace must enforce the restricted Pod Security Standard")

    cm = one(objects, "ConfigMap", f, "stable-futures-config")
    config = cm.get("data", {})
    expected = {"SF_MODE": "production", "SF_LISTEN": f"0.0.0.0:{APP_PORT}", "SF_METRICS_LISTEN": f"0.0.0.0:{METRICS_PORT}"}
    for key, value in expected.items():
        f.require(config.get(key) == value, f"ConfigMap {key} must be {value}, is {config.get(key)!r}")
    for key in ("SF_SHUTDOWN_GRACE_SECONDS", "SF_DB_POOL_SIZE", "SF_JWT_AUDIENCE", "RUST_LOG",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_SERVICE_NAME"):
        f.require(key in config, f"ConfigMap lacks {key}")
    # The issuer alone is enough: its keys are then found by OpenID discovery.
    f.require(bool(config.get("SF_TRUSTED_ISSUERS_FILE") or config.get("SF_JWT_ISSUER")),
              "ConfigMap must name the token issuer (SF_JWT_ISSUER, or SF_TRUSTED_ISSUERS_FILE)")
    single_issuer = sorted(k for k in config if k == "SF_JWKS_FILE" or k == "SF_JWKS_URL" or k.startswith("SF_JWT_") and k not in ("SF_JWT_AUDIENCE", "SF_JWT_LEEWAY_SECONDS"))
    f.require(not (config.get("SF_TRUSTED_ISSUERS_FILE") and single_issuer),
              f"ConfigMap sets SF_TRUSTED_ISSUERS_FILE with {single_issuer}: the server refuses both")
    if config.get("SF_JWT_ISSUER"):
        f.require(config["SF_JWT_ISSUER"].startswith("https://"), "SF_JWT_ISSUER must be https (discovery and keys are fetched from it)")
    f.require(config.get("OTEL_EXPORTER_OTLP_PROTOCOL") in ("grpc", "http/protobuf"), "OTEL_EXPORTER_OTLP_PROTOCOL is grpc or http/protobuf")
    for key, value in config.items():
        f.require(not re.search(r"(?i)(DATABASE_URL|PASSWORD|SECRET)", key), f"ConfigMap must not carry {key}: secrets come from Secrets")
        f.require(not re.search(r"://[^/\s:@]+:[^/\s@]+@", str(value)), f"ConfigMap {key} holds credentials")
    for url_key in ("SF_JWKS_URL",):
        if url_key in config:
            f.require(config[url_key].startswith("https://"), f"{url_key} must be https")

    dep = one(objects, "Deployment", f, "stable-futures")
    job = one(objects, "Job", f, "stable-futures-migrate")
    cluster = one(objects, "Cluster", f)
    hpa = one(objects, "HorizontalPodAutoscaler", f, "stable-futures")
    pdb = one(objects, "PodDisruptionBudget", f, "stable-futures")
    svc = one(objects, "Service", f, "stable-futures")
    if not (dep and job and cluster and hpa and pdb and svc and cm):
        return f.finish()

    cluster_name = cluster["metadata"]["name"]
    owner_secret = f"{cluster_name}-app"

    # --- the Deployment
    pod = dep["spec"]["template"]["spec"]
    pod_labels = dep["spec"]["template"]["metadata"].get("labels", {})
    configmaps = {o["metadata"]["name"]: o.get("data", {}) for o in by_kind(objects, "ConfigMap")}
    check_pod(f, "Deployment", pod, service_accounts, configmaps)
    f.require(dep["spec"].get("replicas", 1) >= 2, "Deployment needs at least 2 replicas")
    selector = dep["spec"]["selector"]["matchLabels"]
    f.require(all(pod_labels.get(k) == v for k, v in selector.items()), "Deployment selector must match its pod labels")
    containers = pod.get("containers", [])
    f.require(len(containers) == 1, "Deployment runs one container")
    api = containers[0] if containers else {}
    f.require(api.get("args") == ["serve"] and "command" not in api, "Deployment container runs the image's entrypoint with args [serve]")
    ports = {p.get("name"): p.get("containerPort") for p in api.get("ports", [])}
    f.require(ports == {"http": APP_PORT, "metrics": METRICS_PORT}, f"container ports must be http {APP_PORT} and metrics {METRICS_PORT}, are {ports}")

    def probe_target(probe: dict) -> tuple[str | None, int | None]:
        get = probe.get("httpGet", {})
        port = get.get("port")
        return get.get("path"), ports.get(port, port)

    f.require(probe_target(api.get("livenessProbe", {})) == (LIVE, APP_PORT), f"liveness probe must GET {LIVE} on {APP_PORT}")
    f.require(probe_target(api.get("readinessProbe", {})) == (READY, APP_PORT), f"readiness probe must GET {READY} on {APP_PORT}")
    f.require(probe_target(api.get("startupProbe", {})) == (LIVE, APP_PORT), f"startup probe must GET {LIVE} on {APP_PORT}")
    res = api.get("resources", {})
    f.require(quantity_mib(res.get("limits", {}).get("memory", "0")) <= 256, "memory limit at most 256Mi")
    f.require(quantity_mib(res.get("requests", {}).get("memory", "0")) >= 64, "memory request at least 64Mi")
    f.require(millicores(res.get("requests", {}).get("cpu", "0")) >= 250, "cpu request at least 250m (the HPA's 70% is of this)")

    grace = int(config.get("SF_SHUTDOWN_GRACE_SECONDS", "20"))
    pre_stop = api.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    termination = pod.get("terminationGracePeriodSeconds", 30)
    f.require(termination > grace + pre_stop,
              f"terminationGracePeriodSeconds ({termination}) must exceed SF_SHUTDOWN_GRACE_SECONDS ({grace}) + preStop ({pre_stop})")
    spread = pod.get("topologySpreadConstraints", [])
    f.require(bool(spread) or bool(pod.get("affinity", {}).get("podAntiAffinity")), "Deployment spreads its pods (topology spread or anti-affinity)")
    for s in spread:
        f.require(s.get("labelSelector", {}).get("matchLabels") == selector, "topology spread selector must match the pods")
    env = env_map(api)
    db = env.get("DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef", {})
    f.require(bool(db.get("name")) and bool(db.get("key")), "DATABASE_URL comes from a secretKeyRef")
    f.require(db.get("name") != owner_secret, "the server must not use the schema owner's Secret")
    f.require("SF_MIGRATION_DATABASE_URL" not in env, "the server's pods must not get the owner's URL")
    f.require(any(e.get("configMapRef", {}).get("name") == cm["metadata"]["name"] for e in api.get("envFrom", [])),
              "the Deployment loads the ConfigMap with envFrom")

    # --- the migration Job
    jpod = job["spec"]["template"]["spec"]
    check_pod(f, "Job", jpod, service_accounts, configmaps)
    f.require(jpod.get("restartPolicy") in ("Never", "OnFailure"), "Job restartPolicy Never or OnFailure")
    f.require("backoffLimit" in job["spec"] and "activeDeadlineSeconds" in job["spec"], "Job bounds its retries and run time")
    jc = jpod.get("containers", [{}])[0]
    f.require(jc.get("args") == ["migrate"] and "command" not in jc, "Job runs `stable-futures migrate`")
    jenv = env_map(jc)
    mig = jenv.get("SF_MIGRATION_DATABASE_URL", {}).get("valueFrom", {}).get("secretKeyRef", {})
    f.require(mig == {"name": owner_secret, "key": "uri"}, f"SF_MIGRATION_DATABASE_URL comes from CNPG's {owner_secret} Secret, key uri")
    f.require("DATABASE_URL" not in jenv, "the Job needs only the owner's URL")
    f.require(jc.get("image") == api.get("image"), "the Job runs the same image as the Deployment")

    # --- Service, HPA, PDB
    f.require(svc["spec"].get("selector") == selector, "Service selector must match the Deployment's pods")
    f.require(svc["spec"].get("type", "ClusterIP") == "ClusterIP", "Service is ClusterIP (an Ingress or Gateway fronts it)")
    sports = {p["name"]: (p["port"], ports.get(p["targetPort"], p["targetPort"])) for p in svc["spec"].get("ports", [])}
    f.require(sports == {"http": (80, APP_PORT), "metrics": (METRICS_PORT, METRICS_PORT)},
              f"Service ports must be http 80->{APP_PORT} and metrics {METRICS_PORT}, are {sports}")
    f.require(hpa.get("apiVersion") == "autoscaling/v2", "HPA is autoscaling/v2")
    ref = hpa["spec"]["scaleTargetRef"]
    f.require(ref.get("kind") == "Deployment" and ref.get("name") == dep["metadata"]["name"], "HPA scales the Deployment")
    cpu = [m for m in hpa["spec"].get("metrics", []) if m.get("resource", {}).get("name") == "cpu"]
    f.require(bool(cpu) and cpu[0]["resource"]["target"].get("averageUtilization") == 70, "HPA targets 70% CPU")
    min_r, max_r = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
    f.require(2 <= min_r <= max_r, f"HPA bounds {min_r}..{max_r}: at least 2, min <= max")
    f.require(dep["spec"].get("replicas", 1) >= min_r, "Deployment replicas at least the HPA's minReplicas")
    f.require(pdb["spec"].get("minAvailable") == 1, "PDB minAvailable 1")
    f.require(pdb["spec"].get("selector", {}).get("matchLabels") == selector, "PDB selector must match the Deployment's pods")
    f.require(pdb["spec"].get("minAvailable", 0) < min_r, "PDB must leave room to evict a pod at the HPA minimum")

    # --- connection budget: every replica's pool (plus a rollout's surge) fits the server role
    pool = int(config.get("SF_DB_POOL_SIZE", "16"))
    surge = dep["spec"].get("strategy", {}).get("rollingUpdate", {}).get("maxSurge", 1)
    surge = int(surge) if not str(surge).endswith("%") else max(1, -(-max_r * int(str(surge)[:-1]) // 100))
    roles = {r["name"]: r for r in cluster.get("spec", {}).get("managed", {}).get("roles", [])}
    server_secret = db.get("name")
    server_roles = [r for r in roles.values() if r.get("passwordSecret", {}).get("name") == server_secret]
    f.require(len(server_roles) == 1, f"exactly one managed role takes its password from {server_secret} (the Secret DATABASE_URL comes from)")
    params = cluster.get("spec", {}).get("postgresql", {}).get("parameters", {})
    if server_roles:
        limit = server_roles[0].get("connectionLimit", -1)
        need = (max_r + surge) * pool
        f.require(0 < limit and need <= limit,
                  f"(HPA maxReplicas {max_r} + surge {surge}) x SF_DB_POOL_SIZE {pool} = {need} must fit the server role's connectionLimit {limit}")
        f.require(limit + 20 <= int(params.get("max_connections", "100")),
                  "max_connections must leave room (20) above the server role's limit for migrations, monitoring and replication")

    check_cluster(f, cluster, roles, server_secret)
    check_network_policies(f, objects, selector, job["spec"]["template"]["metadata"].get("labels", {}), cluster_name)
    return f.finish()


CNPG_SPEC_FIELDS = {
    "affinity", "backup", "bootstrap", "certificates", "description", "enablePDB", "enableSuperuserAccess",
    "env", "envFrom", "ephemeralVolumeSource", "ephemeralVolumesSizeLimit", "externalClusters", "failoverDelay",
    "imageCatalogRef", "imageName", "imagePullPolicy", "imagePullSecrets", "inheritedMetadata", "instances",
    "livenessProbeTimeout", "logLevel", "managed", "maxSyncReplicas", "minSyncReplicas", "monitoring",
    "nodeMaintenanceWindow", "plugins", "postgresGID", "postgresUID", "postgresql", "primaryUpdateMethod",
    "primaryUpdateStrategy", "priorityClassName", "probes", "projectedVolumeTemplate", "replica",
    "replicationSlots", "resources", "schedulerName", "seccompProfile", "serviceAccountTemplate",
    "smartShutdownTimeout", "startDelay", "stopDelay", "storage", "superuserSecret", "switchoverDelay",
    "tablespaces", "topologySpreadConstraints", "walStorage",
}
CNPG_ROLE_FIELDS = {
    "name", "ensure", "comment", "login", "superuser", "createdb", "createrole", "inherit", "replication",
    "bypassrls", "connectionLimit", "validUntil", "inRoles", "passwordSecret", "disablePassword",
}


def check_cluster(f: Findings, cluster: dict, roles: dict, server_secret: str | None) -> None:
    """A structural check of the CloudNativePG Cluster (no schema for it is bundled offline)."""
    spec = cluster.get("spec", {})
    f.require(cluster.get("apiVersion") == "postgresql.cnpg.io/v1", "Cluster is postgresql.cnpg.io/v1")
    unknown = set(spec) - CNPG_SPEC_FIELDS
    f.require(not unknown, f"Cluster spec has fields CNPG does not define: {sorted(unknown)}")
    f.require(spec.get("instances", 0) >= 3, "Cluster runs at least 3 instances")
    f.require(bool(spec.get("storage", {}).get("size")), "Cluster storage size")
    f.require(spec.get("enableSuperuserAccess", False) is False, "no superuser Secret")
    initdb = spec.get("bootstrap", {}).get("initdb", {})
    owner = initdb.get("owner")
    f.require(bool(initdb.get("database")) and bool(owner), "bootstrap.initdb names the database and its owner")
    f.require(spec.get("affinity", {}).get("enablePodAntiAffinity", True) is not False, "instances on separate nodes")
    f.require("monitoring" in spec, "monitoring configured")
    params = spec.get("postgresql", {}).get("parameters", {})
    f.require(all(isinstance(v, str) for v in params.values()),
              f"postgresql.parameters must all be strings: {[k for k, v in params.items() if not isinstance(v, str)]}")
    f.require(params.get("log_parameter_max_length") == "0" and params.get("log_parameter_max_length_on_error") == "0",
              "PostgreSQL logs must not carry bound parameter values")
    f.require(params.get("log_error_verbosity") == "terse", "PostgreSQL logs must not carry DETAIL lines (they quote values)")
    f.require(params.get("log_statement", "none") == "none", "no statement logging")
    for name, role in roles.items():
        unknown = set(role) - CNPG_ROLE_FIELDS
        f.require(not unknown, f"managed role {name} has fields CNPG does not define: {sorted(unknown)}")
        f.require(not role.get("superuser") and not role.get("bypassrls") and not role.get("createrole") and not role.get("replication"),
                  f"managed role {name} must not be superuser, bypass RLS, create roles or replicate")
        f.require(name != owner, f"the owner {owner} is bootstrap's, not a managed role")
    app = roles.get(APP_ROLE)
    f.require(app is not None and app.get("login") is False, f"{APP_ROLE} is a managed NOLOGIN role")
    server = [r for r in roles.values() if r.get("passwordSecret", {}).get("name") == server_secret]
    if server:
        f.require(server[0].get("login") is True and APP_ROLE in server[0].get("inRoles", []),
                  f"the server's role logs in and is a member of {APP_ROLE}")
        f.require(server[0].get("inherit", True) is True, f"the server's role inherits {APP_ROLE}'s privileges")


def ports_of(rule: dict) -> set[tuple[int, str]]:
    return {(p.get("port"), p.get("protocol", "TCP")) for p in rule.get("ports", [])}


def check_network_policies(f: Findings, objects: list[dict], api_labels: dict, job_labels: dict, cluster_name: str) -> None:
    policies = by_kind(objects, "NetworkPolicy")

    def selecting(labels: dict) -> list[dict]:
        return [p for p in policies
                if all(labels.get(k) == v for k, v in p["spec"].get("podSelector", {}).get("matchLabels", {}).items())
                and p["spec"].get("podSelector", {}).get("matchLabels")]

    for what, labels, allowed_in, allowed_out in (
        ("API pods", api_labels, {(APP_PORT, "TCP"), (METRICS_PORT, "TCP")},
         {(5432, "TCP"), (4317, "TCP"), (4318, "TCP"), (53, "UDP"), (53, "TCP"), (443, "TCP")}),
        ("migration pods", job_labels, set(), {(5432, "TCP"), (53, "UDP"), (53, "TCP")}),
    ):
        selected = selecting(labels)
        f.require(len(selected) == 1, f"exactly one NetworkPolicy selects the {what}")
        if not selected:
            continue
        spec = selected[0]["spec"]
        f.require(sorted(spec.get("policyTypes", [])) == ["Egress", "Ingress"], f"{what}: policy covers Ingress and Egress")
        ingress_ports: set = set()
        for rule in spec.get("ingress", []):
            f.require(bool(rule.get("from")) and bool(rule.get("ports")), f"{what}: every ingress rule names its sources and ports")
            ingress_ports |= ports_of(rule)
        f.require(ingress_ports == allowed_in, f"{what}: ingress ports {sorted(ingress_ports)} must be {sorted(allowed_in)}")
        egress_ports: set = set()
        for rule in spec.get("egress", []):
            f.require(bool(rule.get("to")) and bool(rule.get("ports")), f"{what}: every egress rule names its destinations and ports")
            egress_ports |= ports_of(rule)
            if (5432, "TCP") in ports_of(rule):
                f.require(all(t.get("podSelector", {}).get("matchLabels") == {"cnpg.io/cluster": cluster_name} for t in rule["to"]),
                          f"{what}: PostgreSQL egress goes to the {cluster_name} pods only")
            for t in rule["to"]:
                block = t.get("ipBlock")
                if block:
                    f.require(ports_of(rule) == {(443, "TCP")}, f"{what}: an ipBlock egress rule is for HTTPS only")
                    f.require("169.254.0.0/16" in block.get("except", []), f"{what}: cloud metadata (169.254.0.0/16) stays closed")
        f.require(egress_ports == allowed_out, f"{what}: egress ports {sorted(egress_ports)} must be {sorted(allowed_out)}")
    f.require(any(r.get("from", [{}])[0].get("namespaceSelector") for r in (selecting(api_labels) or [{"spec": {}}])[0]["spec"].get("ingress", [])),
              "API ingress comes from named namespaces")


def check_images_took_effect(kustomization_dir: str, rendered: str) -> int:
    f = Findings(f"images of {pathlib.Path(kustomization_dir).name}")
    k = kustomize_lite._kustomization(pathlib.Path(kustomization_dir))
    objects = load_all(rendered)
    images = [c["image"] for o in objects for c in (kustomize_lite._pod_spec(o) or {}).get("containers", [])]
    for entry in k.get("images", []):
        want = entry.get("newName", entry["name"])
        want += f"@{entry['digest']}" if "digest" in entry else f":{entry['newTag']}" if "newTag" in entry else ""
        f.require(bool(images) and all(i == want for i in images), f"images entry {entry} must set every container image (got {sorted(set(images))})")
    return f.finish()


def split_crds(rendered: str, core_out: str, crd_out: str) -> int:
    objects = load_all(rendered)
    core = [o for o in objects if not o.get("apiVersion", "").startswith(CRD_GROUPS)]
    crds = [o for o in objects if o.get("apiVersion", "").startswith(CRD_GROUPS)]
    pathlib.Path(core_out).write_text(yaml.safe_dump_all(core, sort_keys=False), encoding="utf-8")
    pathlib.Path(crd_out).write_text(yaml.safe_dump_all(crds, sort_keys=False), encoding="utf-8")
    print(f"  {len(core)} core objects, {len(crds)} custom resources ({', '.join(o['kind'] for o in crds) or 'none'})")
    return 0


def render(directory: str, out: str) -> int:
    objects = kustomize_lite.render(pathlib.Path(directory))
    pathlib.Path(out).write_text(yaml.safe_dump_all(objects, sort_keys=False), encoding="utf-8")
    return 0


def same(a: str, b: str) -> int:
    left = {kustomize_lite.identity(o): o for o in load_all(a)}
    right = {kustomize_lite.identity(o): o for o in load_all(b)}
    f = Findings(f"{pathlib.Path(a).name} vs {pathlib.Path(b).name}")
    f.require(set(left) == set(right), f"different objects: {sorted(set(left) ^ set(right))}")
    for ident in set(left) & set(right):
        f.require(left[ident] == right[ident], f"{ident} differs")
    return f.finish()


# ------------------------------------------------------------------------------------------
# compose


def parse_init_sql(text: str) -> dict[str, dict]:
    roles = {}
    for match in re.finditer(r"CREATE ROLE (\w+)(.*?);", text, re.S | re.I):
        name, rest = match.group(1), match.group(2)
        password = re.search(r"PASSWORD '([^']*)'", rest)
        roles[name] = {
            "login": re.search(r"\bLOGIN\b", rest) is not None and re.search(r"\bNOLOGIN\b", rest) is None,
            "password": password.group(1) if password else None,
            "in_roles": re.findall(r"IN ROLE (\w+)", rest),
            "flags": rest,
        }
    return roles


def check_compose(path: str, schema_path: str) -> int:
    import jsonschema

    f = Findings("compose.yaml")
    compose_path = pathlib.Path(path)
    doc = yaml.safe_load(compose_path.read_text(encoding="utf-8"))
    schema = json.loads(pathlib.Path(schema_path).read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for error in errors:
        f.require(False, f"schema: {'/'.join(map(str, error.absolute_path))}: {error.message[:200]}")
    f.require(True, "schema")

    services = doc.get("services", {})
    for name in ("postgres", "migrate", "add-local-authority", "api", "otel-collector", "jaeger", "prometheus", "grafana"):
        f.require(name in services, f"service {name} missing")
    sql = (compose_path.parent / "postgres" / "init.sql").read_text(encoding="utf-8")
    roles = parse_init_sql(sql)
    f.require(APP_ROLE in roles and not roles[APP_ROLE]["login"], f"init.sql creates {APP_ROLE} NOLOGIN")
    f.require("NOBYPASSRLS" in roles.get(APP_ROLE, {}).get("flags", ""), f"{APP_ROLE} is NOBYPASSRLS")

    def url_role(url: str) -> tuple[str | None, str | None]:
        parts = urlsplit(url)
        return parts.username, parts.password

    for name, service in services.items():
        for port in service.get("ports", []):
            f.require(str(port).startswith("127.0.0.1:"), f"{name}: port {port} must be published on 127.0.0.1 only")
        f.require(not service.get("privileged"), f"{name}: not privileged")
        f.require("no-new-privileges:true" in service.get("security_opt", []), f"{name}: security_opt no-new-privileges:true")
        for volume in service.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith("."):
                f.require((compose_path.parent / source).exists(), f"{name}: mounted {source} does not exist")
                f.require(str(volume).endswith(":ro"), f"{name}: bind mount {source} must be read-only")
        env = service.get("environment", {}) or {}
        for key, value in env.items():
            value = str(value)
            if re.search(r"(?i)password", key) or "://" in value:
                user, password = url_role(value) if "://" in value else (None, value)
                if password:
                    f.require(password.startswith("dev-only-"), f"{name}: {key} must use an obviously development-only password")

    image_services = [n for n, s in services.items() if s.get("image") == "stable-futures:dev"]
    f.require(sorted(image_services) == ["add-local-authority", "api", "migrate"], f"the stable-futures image runs api, migrate and add-local-authority, not {image_services}")
    for name in image_services:
        s = services[name]
        f.require(s.get("build", {}).get("dockerfile") == "deploy/Dockerfile" and s.get("build", {}).get("context") == "..",
                  f"{name}: built from deploy/Dockerfile with the repository as context")
        f.require(s.get("read_only") is True, f"{name}: read_only root filesystem")
        user = str(s.get("user", "0")).split(":")[0]
        f.require(user.isdigit() and int(user) >= 10000, f"{name}: runs as a high non-root UID")
        f.require(s.get("cap_drop") == ["ALL"], f"{name}: cap_drop ALL")
        f.require(not s.get("cap_add"), f"{name}: no cap_add")

    api = services.get("api", {})
    env = api.get("environment", {})
    f.require(api.get("command") == ["serve"], "api runs serve")
    f.require(env.get("SF_LISTEN") == f"0.0.0.0:{APP_PORT}", f"api SF_LISTEN 0.0.0.0:{APP_PORT}")
    f.require(env.get("SF_METRICS_LISTEN") == f"0.0.0.0:{METRICS_PORT}", f"api SF_METRICS_LISTEN 0.0.0.0:{METRICS_PORT}")
    f.require(api.get("ports") == [f"127.0.0.1:{APP_PORT}:{APP_PORT}"], "api publishes only the GraphQL port, on loopback")
    f.require(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").startswith("http://otel-collector:"), "api sends OTLP to the collector")
    server_user, server_password = url_role(env.get("DATABASE_URL", ""))
    f.require(server_user in roles and roles[server_user]["login"] and APP_ROLE in roles[server_user]["in_roles"],
              f"api's DATABASE_URL role {server_user} must be a login member of {APP_ROLE} (init.sql)")
    f.require(server_user in roles and roles[server_user]["password"] == server_password, "api's DATABASE_URL password matches init.sql")
    f.require(api.get("depends_on", {}).get("add-local-authority", {}).get("condition") == "service_completed_successfully",
              "api starts after the local authority is added")
    owner_user = None
    for name, command, after, condition in (("migrate", ["migrate"], "postgres", "service_healthy"),
                                             ("add-local-authority", ["add-local-authority", "E09000019", "Islington"], "migrate", "service_completed_successfully")):
        s = services.get(name, {})
        f.require(s.get("command") == command, f"{name} runs {command}")
        f.require(s.get("depends_on", {}).get(after, {}).get("condition") == condition, f"{name} waits for {after} ({condition})")
        f.require(s.get("restart") == "no", f"{name} is one-shot")
        user, password = url_role(s.get("environment", {}).get("SF_MIGRATION_DATABASE_URL", ""))
        owner_user = user
        f.require(user in roles and roles[user]["login"] and roles[user]["password"] == password,
                  f"{name}'s SF_MIGRATION_DATABASE_URL names a login role of init.sql with its password")
        f.require(user != server_user, f"{name} runs as the owner, not the server's role")
        f.require("DATABASE_URL" not in s.get("environment", {}), f"{name} needs only the owner's URL")
    f.require(re.search(rf"CREATE DATABASE \w+ OWNER {owner_user}\b", sql) is not None, "init.sql makes the migration role the database owner")
    f.require(server_user is not None and not re.search(rf"OWNER {server_user}\b", sql), "the server's role owns nothing")
    pg = services.get("postgres", {})
    f.require("healthcheck" in pg, "postgres has a healthcheck")
    f.require(any("docker-entrypoint-initdb.d" in str(v) and "init.sql" in str(v) for v in pg.get("volumes", [])), "postgres runs init.sql")
    f.require(any("otel-collector/config.yaml" in str(v) for v in services.get("otel-collector", {}).get("volumes", [])), "collector mounts deploy/otel-collector/config.yaml")
    f.require(any("dashboard.json" in str(v) for v in services.get("grafana", {}).get("volumes", [])), "grafana mounts the dashboard")
    prom = yaml.safe_load((compose_path.parent / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    targets = [t for job in prom.get("scrape_configs", []) for sc in job.get("static_configs", []) for t in sc.get("targets", [])
               if job.get("metrics_path", "/metrics") == "/metrics"]
    f.require(f"api:{METRICS_PORT}" in targets, f"Prometheus scrapes api:{METRICS_PORT}/metrics")
    return f.finish()


# ------------------------------------------------------------------------------------------
# collector

MUST_DELETE = ["db.query.parameters", "graphql.variables", "http.request.header.authorization"]


def check_collector(path: str) -> int:
    f = Findings("otel-collector config")
    config = yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8"))
    service = config.get("service", {})
    pipelines = service.get("pipelines", {})
    f.require({"traces", "metrics"} <= set(pipelines), "traces and metrics pipelines")
    used = {"receivers": set(), "processors": set(), "exporters": set()}
    for name, pipeline in pipelines.items():
        for section in used:
            for component in pipeline.get(section, []):
                used[section].add(component)
                f.require(component in (config.get(section) or {}), f"pipeline {name}: {section[:-1]} {component} is not defined")
        processors = pipeline.get("processors", [])
        f.require(processors[:1] == ["memory_limiter"], f"pipeline {name}: memory_limiter comes first")
        f.require(processors[-1:] == ["batch"], f"pipeline {name}: batch comes last")
        f.require(any(p.startswith("attributes/") for p in processors), f"pipeline {name}: strips sensitive attributes")
    f.require("redaction" in pipelines.get("traces", {}).get("processors", []), "traces pass the redaction processor")
    for section, names in used.items():
        unused = set(config.get(section) or {}) - names
        f.require(not unused, f"{section} defined but unused: {sorted(unused)}")
    for extension in service.get("extensions", []):
        f.require(extension in (config.get("extensions") or {}), f"extension {extension} is not defined")
    protocols = config.get("receivers", {}).get("otlp", {}).get("protocols", {})
    f.require(protocols.get("grpc", {}).get("endpoint") == "0.0.0.0:4317", "OTLP gRPC on 4317")
    f.require(protocols.get("http", {}).get("endpoint") == "0.0.0.0:4318", "OTLP HTTP on 4318")
    for name, processor in (config.get("processors") or {}).items():
        if name.startswith("attributes/"):
            actions = processor.get("actions", [])
            f.require(all(a.get("action") == "delete" for a in actions), f"{name}: only deletes")
            for key in MUST_DELETE:
                f.require(any(a.get("key") == key or ("pattern" in a and re.fullmatch(a["pattern"], key)) for a in actions),
                          f"{name}: must delete {key}")
            for a in actions:
                if "pattern" in a:
                    re.compile(a["pattern"])
    for pattern in (config.get("processors", {}).get("redaction", {}) or {}).get("blocked_values", []):
        re.compile(pattern)
    f.require(bool(re.search(r"[Bb]elt|[Dd]efence in depth", pathlib.Path(path).read_text(encoding="utf-8"))),
              "the deletions say why they are there")
    return f.finish()


# ------------------------------------------------------------------------------------------
# dashboard


def check_dashboard(path: str) -> int:
    import dashboard as generator

    f = Findings("grafana dashboard")
    text = pathlib.Path(path).read_text(encoding="utf-8")
    data = json.loads(text)
    f.require(text == generator.render(), "dashboard.json is not what deploy/grafana/dashboard.py writes: run it and commit")
    f.require(36 <= data.get("schemaVersion", 0) <= 41, "schemaVersion about 39")
    variables = {v["name"]: v for v in data.get("templating", {}).get("list", [])}
    f.require(variables.get("datasource", {}).get("type") == "datasource" and variables["datasource"].get("query") == "prometheus",
              "a Prometheus data source variable")
    known = set(generator.METRICS.values())
    suffixes = ("_bucket", "_sum", "_count")
    ids = set()
    titles = []
    for panel in data.get("panels", []):
        f.require(panel["id"] not in ids, f"panel id {panel['id']} is used twice")
        ids.add(panel["id"])
        if panel["type"] == "row":
            continue
        titles.append(panel["title"])
        f.require(panel.get("datasource", {}).get("uid") == "${datasource}", f"{panel['title']}: uses the data source variable")
        for t in panel.get("targets", []):
            f.require(t.get("datasource", {}).get("uid") == "${datasource}", f"{panel['title']}: query uses the data source variable")
            # Drop label matchers, ranges, strings and `by (...)` label lists: what is left
            # that looks like one of the service's names is a metric name.
            expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]|\"[^\"]*\"|\b(?:by|without)\s*\([^)]*\)", "", t["expr"])
            names = set(re.findall(r"\b(?:http|sf|db)_[a-z0-9_]+", expr))
            f.require(bool(names), f"{panel['title']}: query uses none of the service's metrics")
            for n in names:
                base = next((n[: -len(s)] for s in suffixes if n.endswith(s) and n[: -len(s)] in known), n)
                f.require(base in known, f"{panel['title']}: {n} is not one of the service's metrics (METRICS in dashboard.py)")
    for required in ("requests per second", "errors", "p50", "p95", "p99", "in flight", "pool", "waiting", "statements per request"):
        f.require(any(required in t.lower() for t in titles), f"a panel about {required}")
    return f.finish()


# ------------------------------------------------------------------------------------------
# Dockerfile and build context


def check_dockerfile(path: str, max_rust_version: str) -> int:
    f = Findings("Dockerfile")
    text = pathlib.Path(path).read_text(encoding="utf-8")
    lines = [l for l in re.sub(r"\\\n", " ", text).splitlines() if l.strip() and not l.lstrip().startswith("#")]
    froms = [l.split()[1:] for l in lines if l.upper().startswith("FROM ")]
    f.require(len(froms) == 2, "two stages: builder and runtime")
    if len(froms) == 2:
        builder = froms[0][0]
        match = re.fullmatch(r"rust:(\d+)\.(\d+)(?:\.\d+)?-bookworm", builder)
        f.require(match is not None, f"builder is an official rust:X.Y-bookworm image, is {builder}")
        if match:
            have = (int(match.group(1)), int(match.group(2)))
            need = tuple(int(x) for x in max_rust_version.split(".")[:2])
            f.require(have >= need, f"builder Rust {have[0]}.{have[1]} is older than a dependency needs ({max_rust_version})")
        f.require(froms[1][0] in ("gcr.io/distroless/cc-debian12:nonroot",) or froms[1][0].startswith("debian:bookworm"),
                  f"runtime is distroless cc-debian12:nonroot or debian bookworm, is {froms[1][0]}")
    build = [l for l in lines if "cargo build" in l]
    f.require(any("--release" in l and "--locked" in l and "-p stable-futures-api" in l for l in build),
              "builds `cargo build --release --locked -p stable-futures-api`")
    runtime = lines[max(i for i, l in enumerate(lines) if l.upper().startswith("FROM ")):] if froms else []
    users = [l.split()[1] for l in runtime if l.upper().startswith("USER ")]
    f.require(bool(users) and re.fullmatch(r"[1-9]\d*(:\d+)?", users[-1]) is not None and int(users[-1].split(":")[0]) >= 10000,
              "runtime USER is a numeric, high, non-root UID")
    exposed = {p for l in runtime if l.upper().startswith("EXPOSE ") for p in l.split()[1:]}
    f.require(exposed == {str(APP_PORT), str(METRICS_PORT)}, f"EXPOSE {APP_PORT} {METRICS_PORT}")
    f.require('ENTRYPOINT ["/usr/local/bin/stable-futures"]' in runtime, "ENTRYPOINT the binary, exec form")
    f.require('CMD ["serve"]' in runtime, 'CMD ["serve"]')
    f.require(not any(l.upper().startswith(("ADD ", "RUN ")) for l in runtime), "the runtime stage runs nothing and adds nothing remote")
    f.require(any("SF_MODE=production" in l for l in runtime), "the image defaults to production mode")
    return f.finish()


def dockerignore_patterns(path: pathlib.Path) -> list[tuple[bool, str]]:
    patterns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:] if negate else line
        pattern = pattern.strip("/")
        patterns.append((negate, pattern))
    return patterns


def _match(pattern: str, path: str) -> bool:
    # Docker's rules: filepath.Match per segment, `**` spans any number of segments.
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            regex += ".*"
            i += 2
            if pattern.startswith("/", i):
                regex = regex[:-2] + "(?:.*/)?"
                i += 1
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    return re.fullmatch(regex, path) is not None


def excluded(patterns: list[tuple[bool, str]], path: str) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for negate, pattern in patterns:
        if any(_match(pattern, p) for p in prefixes):
            result = not negate
    return result


def check_dockerignore(path: str, copy_to: str) -> int:
    f = Findings(".dockerignore")
    patterns = dockerignore_patterns(pathlib.Path(path))
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    files = [p for p in files if (ROOT / p).is_file()]
    included = {p for p in files if not excluded(patterns, p)}
    for p in ("Cargo.toml", "Cargo.lock"):
        f.require(p in included, f"{p} must be in the build context")
    members = re.search(r"members\s*=\s*\[([^\]]*)\]", (ROOT / "Cargo.toml").read_text(encoding="utf-8"))
    for member in re.findall(r'"([^"]+)"', members.group(1) if members else ""):
        f.require(f"{member}/Cargo.toml" in included, f"workspace member {member} must be in the build context")
        for p in files:
            if p.startswith(f"{member}/src/"):
                f.require(p in included, f"{p} (source) must be in the build context")
    # Every file the build embeds must be let in.
    embedded = 0
    for p in sorted(included):
        if not p.endswith(".rs"):
            continue
        source = (ROOT / p).read_text(encoding="utf-8")
        for macro, arg in re.findall(r"(include_bytes!|include_str!|embed_migrations!)\(\s*\"([^\"]+)\"", source):
            base = (ROOT / p).parent if macro != "embed_migrations!" else ROOT / p.split("/")[0]
            target = (base / arg).resolve().relative_to(ROOT).as_posix()
            wanted = [q for q in files if q == target or q.startswith(target + "/")]
            f.require(bool(wanted), f"{p}: {macro} {arg} names nothing in the repository")
            for q in wanted:
                embedded += 1
                f.require(q in included, f"{p}: {macro} needs {q}, which .dockerignore leaves out")
    for p in files:
        if p.startswith((".git/", ".data/", "target/", "deploy/", "docs/", "bench/", "scripts/", ".ci/", "tests/fixtures/")) \
                or p.endswith((".pem", ".key")) or "/.data/" in p:
            f.require(p not in included, f"{p} must stay out of the build context")
    for p in (".data/x", "target/x", "api/target/x", ".git/HEAD", "tests/fixtures/k.pem", "x.pem", ".env"):
        f.require(excluded(patterns, p), f"a file at {p} would be sent to the builder")
    # The workspace must load from the context alone.
    dest = pathlib.Path(copy_to)
    if dest.exists():
        shutil.rmtree(dest)
    for p in included:
        (dest / p).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / p, dest / p)
    result = subprocess.run(["cargo", "metadata", "--format-version", "1", "--locked", "--offline", "--no-deps"],
                            cwd=dest, capture_output=True, text=True)
    f.require(result.returncode == 0, f"cargo cannot load the workspace from the build context: {result.stderr.strip()[-400:]}")
    print(f"  build context: {len(included)} of {len(files)} files, {embedded} embedded files present")
    return f.finish()


# ------------------------------------------------------------------------------------------
# secrets


def check_secrets(directory: str) -> int:
    """Nothing secret is committed under deploy/: no private keys, tokens or real passwords.
    The only credentials are the local compose stack's, and they all say dev-only."""
    f = Findings("committed secrets")
    allowed_credentials = {"compose.yaml", "init.sql"}
    for path in sorted(pathlib.Path(directory).rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.resolve().parent == HERE:
            continue  # (this folder holds the patterns themselves)
        text = path.read_text(encoding="utf-8", errors="replace")
        rel = path.relative_to(pathlib.Path(directory).parent)
        f.require("-----BEGIN" not in text, f"{rel}: holds a PEM block")
        f.require(not re.search(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.", text), f"{rel}: holds a JWT")
        f.require(not re.search(r"(?m)^kind:\s*Secret\s*$", text), f"{rel}: defines a Secret")
        f.require(not re.search(r"(AKIA[0-9A-Z]{16}|ghp_[A-Za-z0-9]{30,}|xox[bp]-)", text), f"{rel}: holds a cloud or chat token")
        # <placeholders> and ${shell variables} in documentation are fine; anything else must say
        # dev-only and sit in the local compose stack.
        for match in re.finditer(r"://([^/\s:@'\"]+):([^/\s@'\"]+)@", text):
            value = match.group(2)
            f.require(re.fullmatch(r"<[^>]+>|\$\{?\w+\}?", value) is not None
                      or (path.name in allowed_credentials and value.startswith("dev-only-")),
                      f"{rel}: a URL with a password ({match.group(1)}:…)")
        for match in re.finditer(r"(?i)(PASSWORD\s*'([^']*)'|PASSWORD:\s*(\S+))", text):
            value = match.group(2) or match.group(3)
            f.require(value.startswith("<") or (path.name in allowed_credentials and value.startswith("dev-only-")),
                      f"{rel}: a password literal")
    return f.finish()


COMMANDS = {
    "kubernetes": lambda args: max(check_kubernetes(a) for a in args),
    "images": lambda args: check_images_took_effect(*args),
    "compose": lambda args: check_compose(*args),
    "collector": lambda args: check_collector(*args),
    "dashboard": lambda args: check_dashboard(*args),
    "dockerfile": lambda args: check_dockerfile(*args),
    "dockerignore": lambda args: check_dockerignore(*args),
    "secrets": lambda args: check_secrets(*args),
    "render": lambda args: render(*args),
    "same": lambda args: same(*args),
    "split-crds": lambda args: split_crds(*args),
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    sys.exit(COMMANDS[sys.argv[1]](sys.argv[2:]))
