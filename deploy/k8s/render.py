"""A small, strict subset of `kustomize build`, enough for deploy/k8s/ and checked by the
tests on a machine without the kustomize binary:

- `resources` (files, and folders holding a kustomization.yaml), built first;
- then, in kustomize's order: `patches` (strategic merge, inline or by path, with an
  optional `target` of kind/name), `namespace`, `images` (newName/newTag), `replacements`
  (source and targets by kind/name, dotted field paths with `[name=x]` list selectors,
  `delimiter`/`index` options).

Any other kustomization field is refused rather than ignored, so the real kustomize cannot
quietly disagree with what the tests saw.

    python deploy/k8s/render.py deploy/k8s/overlays/production   # the YAML on stdout
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

SUPPORTED = {
    "apiVersion", "kind", "namespace", "resources", "patches", "images", "replacements",
}  # fmt: skip
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}
# list items merged by this key in a strategic merge patch (else the list is replaced)
MERGE_KEYS = ("name", "mountPath", "containerPort")

Doc = dict[str, Any]


class RenderError(ValueError):
    pass


def load_docs(path: Path) -> list[Doc]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def build(folder: str | Path) -> list[Doc]:
    folder = Path(folder)
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    if unknown:
        raise RenderError(f"{folder}: unsupported kustomization fields {sorted(unknown)}")
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = (folder / entry).resolve()
        docs += build(path) if path.is_dir() else load_docs(path)
    _check_unique(docs, folder)
    for patch in kustomization.get("patches", []):
        _apply_patch(docs, folder, patch)
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        for doc in docs:
            for container in _containers(doc):
                _set_image(container, image)
    for replacement in kustomization.get("replacements", []):
        _replace(docs, replacement)
    return docs


def _check_unique(docs: list[Doc], folder: Path) -> None:
    seen = set()
    for doc in docs:
        key = (doc["kind"], doc["metadata"]["name"])
        if key in seen:
            raise RenderError(f"{folder}: {key} defined twice")
        seen.add(key)


def _matches(doc: Doc, select: dict[str, Any]) -> bool:
    for field in ("kind", "name", "namespace"):
        if field in select:
            actual = doc["kind"] if field == "kind" else doc["metadata"].get(field)
            if actual != select[field]:
                return False
    if "labelSelector" in select:
        wanted = dict(part.split("=", 1) for part in select["labelSelector"].split(","))
        have = doc["metadata"].get("labels", {})
        if any(have.get(k) != v for k, v in wanted.items()):
            return False
    return True


def _apply_patch(docs: list[Doc], folder: Path, patch: dict[str, Any]) -> None:
    if "path" in patch:
        [body] = load_docs(folder / patch["path"])
    else:
        body = yaml.safe_load(patch["patch"])
    if isinstance(body, list):
        raise RenderError("JSON 6902 patches are not supported here: use strategic merge")
    target = patch.get("target") or {"kind": body["kind"], "name": body["metadata"]["name"]}
    hits = [doc for doc in docs if _matches(doc, target)]
    if not hits:
        raise RenderError(f"patch target not found: {target}")
    for doc in hits:
        merged = merge(doc, {k: v for k, v in body.items() if k != "metadata"} | {
            "metadata": {k: v for k, v in body.get("metadata", {}).items() if k != "name"}
        })  # fmt: skip
        doc.clear()
        doc.update(merged)


def merge(base: Any, patch: Any) -> Any:
    """Strategic merge: maps merged key by key (None deletes), lists of named items merged
    by name, other lists replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(patch, list):
        key = _merge_key(base + patch)
        if key is None:
            return copy.deepcopy(patch)
        out = [copy.deepcopy(item) for item in base]
        for item in patch:
            index = next((i for i, o in enumerate(out) if o.get(key) == item.get(key)), None)
            if item.get("$patch") == "delete":
                if index is not None:
                    out.pop(index)
            elif index is None:
                out.append(copy.deepcopy(item))
            else:
                out[index] = merge(out[index], item)
        return out
    return copy.deepcopy(patch)


def _merge_key(items: list[Any]) -> str | None:
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in MERGE_KEYS:
        if all(key in i for i in items):
            return key
    return None


def _containers(doc: Doc) -> list[dict[str, Any]]:
    spec = doc.get("spec", {})
    pod = spec.get("template", {}).get("spec")
    if doc["kind"] == "CronJob":
        pod = spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
    if not pod:
        return []
    return [*pod.get("initContainers", []), *pod.get("containers", [])]


def split_image(image: str) -> tuple[str, str | None]:
    last = image.rsplit("/", 1)[-1]
    if ":" in last:
        return image.rsplit(":", 1)[0], image.rsplit(":", 1)[1]
    return image, None


def _set_image(container: dict[str, Any], image: dict[str, Any]) -> None:
    name, tag = split_image(container["image"])
    if name != image["name"]:
        return
    name = image.get("newName", name)
    tag = image.get("newTag", tag)
    container["image"] = f"{name}:{tag}" if tag else name


def _walk(doc: Doc, path: str, create: bool = False) -> tuple[Any, Any]:
    """The container and key of the field at `path` (dotted, `[name=x]` selects an item)."""
    parts = path.split(".")
    node: Any = doc
    for part in parts[:-1]:
        node = _step(node, part, create)
    last = parts[-1]
    if isinstance(node, list):
        return node, int(last)
    return node, last


def _step(node: Any, part: str, create: bool) -> Any:
    if part.startswith("[") and part.endswith("]"):
        key, value = part[1:-1].split("=", 1)
        for item in node:
            if item.get(key) == value:
                return item
        raise RenderError(f"no list item with {key}={value}")
    if isinstance(node, list):
        return node[int(part)]
    if part not in node:
        if not create:
            raise RenderError(f"field {part} not found")
        node[part] = {}
    return node[part]


def _replace(docs: list[Doc], replacement: dict[str, Any]) -> None:
    source = replacement["source"]
    [origin] = [d for d in docs if _matches(d, source)] or [None]
    if origin is None:
        raise RenderError(f"replacement source not found: {source}")
    holder, key = _walk(origin, source.get("fieldPath", "metadata.name"))
    value = str(holder[key])
    options = source.get("options", {})
    if "delimiter" in options:
        pieces = value.split(options["delimiter"])
        index = options.get("index", 0)
        if index >= len(pieces):
            raise RenderError(f"replacement source {value!r} has no piece {index}")
        value = pieces[index]
    for target in replacement["targets"]:
        for doc in docs:
            if not _matches(doc, target["select"]):
                continue
            for path in target["fieldPaths"]:
                holder, key = _walk(doc, path)
                options = target.get("options", {})
                if "delimiter" in options:
                    pieces = str(holder[key]).split(options["delimiter"])
                    pieces[options.get("index", 0)] = value
                    holder[key] = options["delimiter"].join(pieces)
                else:
                    holder[key] = value


def main(argv: list[str]) -> int:
    docs = build(argv[0] if argv else Path(__file__).parent / "overlays" / "production")
    sys.stdout.write(yaml.safe_dump_all(docs, sort_keys=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
