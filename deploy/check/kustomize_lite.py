"""A small, strict renderer for the subset of kustomize that deploy/kubernetes uses.

scripts/check-deploy.sh renders with `kubectl kustomize` where kubectl is installed (it is on
this project's machines) and ALSO with this renderer, and requires both to give the same
objects; where kubectl is missing it uses this renderer alone, so the checks run offline on any
machine with Python. It refuses every kustomization field and patch directive it does not
implement, so it cannot silently render something different from kustomize.

Supported: resources (files and directories), namespace, images (newName, newTag, digest),
replicas, patches (strategic-merge patch files targeted by kind and name).
"""

from __future__ import annotations

import copy
import pathlib

import yaml

SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "namespace", "images", "replicas", "patches"}
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PersistentVolume", "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration", "IngressClass",
}
# Lists that a strategic-merge patch merges item by item, and the key that identifies an item.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "envFrom": None,  # replaced
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}


class RenderError(Exception):
    pass


def load_docs(path: pathlib.Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def render(directory: pathlib.Path) -> list[dict]:
    kustomization = _kustomization(directory)
    unknown = set(kustomization) - SUPPORTED_FIELDS
    if unknown:
        raise RenderError(f"{directory}: kustomization fields not supported here: {sorted(unknown)}")

    objects: list[dict] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            objects.extend(render(path))
        elif path.is_file():
            objects.extend(load_docs(path))
        else:
            raise RenderError(f"{directory}: resource {entry} not found")

    for patch in kustomization.get("patches", []):
        _apply_patch(directory, objects, patch)
    for image in kustomization.get("images", []):
        _set_image(objects, image)
    for replicas in kustomization.get("replicas", []):
        _set_replicas(objects, replicas)
    if "namespace" in kustomization:
        for obj in objects:
            if obj.get("kind") not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    _check_unique(objects)
    return objects


def _kustomization(directory: pathlib.Path) -> dict:
    for name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
        path = directory / name
        if path.is_file():
            docs = load_docs(path)
            if len(docs) != 1:
                raise RenderError(f"{path}: expected one document")
            return docs[0]
    raise RenderError(f"{directory}: no kustomization.yaml")


def _apply_patch(directory: pathlib.Path, objects: list[dict], patch: dict) -> None:
    if set(patch) - {"path", "target"}:
        raise RenderError(f"{directory}: patch fields not supported here: {sorted(set(patch) - {'path', 'target'})}")
    target = patch.get("target", {})
    if set(target) - {"kind", "name"}:
        raise RenderError(f"{directory}: patch target fields not supported here: {sorted(target)}")
    docs = load_docs(directory / patch["path"])
    if len(docs) != 1:
        raise RenderError(f"{patch['path']}: a patch file holds one document here")
    body = docs[0]
    kind = target.get("kind", body.get("kind"))
    name = target.get("name", body.get("metadata", {}).get("name"))
    matches = [o for o in objects if o.get("kind") == kind and o.get("metadata", {}).get("name") == name]
    if len(matches) != 1:
        raise RenderError(f"{patch['path']}: targets {kind}/{name}, which matches {len(matches)} objects")
    merged = _merge(matches[0], body, patch["path"])
    matches[0].clear()
    matches[0].update(merged)


def _merge(base, patch, where: str, key: str | None = None):
    if isinstance(patch, dict):
        if any(isinstance(k, str) and k.startswith("$") for k in patch):
            raise RenderError(f"{where}: patch directives ($patch, $setElementOrder...) are not supported here")
        if not isinstance(base, dict):
            return copy.deepcopy(patch)
        out = copy.deepcopy(base)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = _merge(out[k], v, where, k)
            else:
                out[k] = copy.deepcopy(v)
        return out
    if isinstance(patch, list):
        merge_key = MERGE_KEYS.get(key or "")
        if merge_key and isinstance(base, list) and all(isinstance(i, dict) and merge_key in i for i in patch + base):
            out = copy.deepcopy(base)
            for item in patch:
                for index, existing in enumerate(out):
                    if existing[merge_key] == item[merge_key]:
                        out[index] = _merge(existing, item, where)
                        break
                else:
                    out.append(copy.deepcopy(item))
            return out
        return copy.deepcopy(patch)
    return copy.deepcopy(patch)


def _pod_spec(obj: dict) -> dict | None:
    spec = obj.get("spec", {})
    if obj.get("kind") == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
    return spec.get("template", {}).get("spec")


def _set_image(objects: list[dict], image: dict) -> None:
    if set(image) - {"name", "newName", "newTag", "digest"}:
        raise RenderError(f"images: fields not supported here: {sorted(image)}")
    for obj in objects:
        pod = _pod_spec(obj)
        if not pod:
            continue
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            current = container.get("image", "")
            name, tag, digest = _split_image(current)
            if name != image["name"]:
                continue
            name = image.get("newName", name)
            if "digest" in image:
                container["image"] = f"{name}@{image['digest']}"
            elif "newTag" in image:
                container["image"] = f"{name}:{image['newTag']}"
            else:
                container["image"] = name + (f"@{digest}" if digest else f":{tag}" if tag else "")


def _split_image(image: str) -> tuple[str, str | None, str | None]:
    digest = None
    if "@" in image:
        image, digest = image.split("@", 1)
    tag = None
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        image, tag = image.rsplit(":", 1)
    return image, tag, digest


def _set_replicas(objects: list[dict], replicas: dict) -> None:
    found = False
    for obj in objects:
        if obj.get("kind") in {"Deployment", "StatefulSet", "ReplicaSet"} and obj["metadata"]["name"] == replicas["name"]:
            obj["spec"]["replicas"] = replicas["count"]
            found = True
    if not found:
        raise RenderError(f"replicas: no workload named {replicas['name']}")


def _check_unique(objects: list[dict]) -> None:
    seen = set()
    for obj in objects:
        ident = identity(obj)
        if ident in seen:
            raise RenderError(f"two objects are {ident}")
        seen.add(ident)


def identity(obj: dict) -> tuple[str, str, str, str]:
    meta = obj.get("metadata", {})
    return (obj.get("apiVersion", ""), obj.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))
