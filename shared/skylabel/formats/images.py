"""What the image formats (COCO, VOC, YOLO, brush) share beyond the converter's items (`skylabel.formats.items`):
the config's labels as the converter sees them, its categories, and the image file names it writes.

* labels: Label Studio's label names (`alias` before `value`) per control, with their attributes
  (`ls_schema`); the image is read from the data key of the first control's input (`data_key`);
* categories: `<Label category="N">` ids first, then the other labels of every control numbered in sorted
  order on the free ids (`config_categories`); labels met in results but not in the config are kept by name
  inside a part (`LabelIds`) and appended (`id = len(categories)`) in the order the parts met them
  (`new_label_ids`); KeyPointLabels are ordered by `model_index` (`kp_order`);
* image file names, resolved as the converter does without downloading (`image_file_name`).
"""

from __future__ import annotations

import hashlib
import itertools
import posixpath
from urllib.parse import urlparse

from skylabel.labeling_config import LabelConfig

# --- the config as the converter sees it ---------------------------------------------------------------------


def ls_schema(config: LabelConfig) -> dict[str, dict]:
    """Control name → {"type", "labels": {label name: attrs}}, with Label Studio's label names (alias first)."""
    schema: dict[str, dict] = {}
    for name, control in config.controls.items():
        labels: dict[str, dict] = {}
        for attrs in (control.get("labels_attrs") or {}).values():
            label = attrs.get("alias") or attrs.get("value")
            if label:
                labels[label] = dict(attrs)
        schema[name] = {"type": control["type"], "labels": labels}
    return schema


def data_key(config: LabelConfig) -> str | None:
    """The task data key the converter reads the image from (`_data_keys[0]`: an input of a control)."""
    for control in config.controls.values():
        for source in control.get("inputs") or []:
            if source.get("value"):
                return source["value"]
    return config.data_keys[0] if config.data_keys else None


def config_categories(schema: dict[str, dict]) -> tuple[list[dict], dict[str, int]]:
    """`Converter._get_labels`: explicit `category` ids first, the other labels sorted onto the free ids."""
    labels: set[str] = set()
    categories: list[dict] = []
    name_to_id: dict[str, int] = {}
    for info in schema.values():
        labels |= set(info["labels"])
        for label, attrs in info["labels"].items():
            raw = attrs.get("category")
            if raw is None:
                continue
            try:
                category_id = int(raw)
            except (TypeError, ValueError):
                continue
            categories.append({"id": category_id, "name": label})
            name_to_id[label] = category_id
    used = set(name_to_id.values())
    free = (c for c in itertools.count() if c not in used)
    for label, idx in zip(sorted(labels - set(name_to_id)), free, strict=False):
        categories.append({"id": idx, "name": label})
        name_to_id[label] = idx
    return categories, name_to_id


def category_ids(categories: list[dict]) -> dict[str, int]:
    """The converter's `category_name_to_id` for a category list (a merged keypoint category maps its keypoints):
    derived in each part rather than carried, so the state holds the label list once."""
    mapping: dict[str, int] = {}
    for category in categories:
        for name in category["keypoints"] if "keypoints" in category else [category["name"]]:
            mapping[name] = category["id"]
    return mapping


def labels_of(schema: dict[str, dict], kind: str) -> list[str]:
    """The labels of every control of type `kind` (e.g. "KeyPointLabels"), in config order, once each."""
    return list(dict.fromkeys(name for info in schema.values() if info["type"] == kind for name in info["labels"]))


def kp_order(schema: dict[str, dict]) -> list[str]:
    """`build_kp_order`: keypoint labels ordered by their `model_index` attribute (others left out)."""
    block: dict[str, dict] = {}
    for info in schema.values():
        if info["type"] == "KeyPointLabels":
            block.update(info["labels"])
    pairs, used = [], set()
    for name, attrs in block.items():
        try:
            idx = int(attrs.get("model_index"))
        except (TypeError, ValueError):
            continue
        if idx not in used:
            pairs.append((idx, name))
            used.add(idx)
    pairs.sort(key=lambda p: p[0])
    return [name for _, name in pairs]


def merge_keypoint_categories(categories: list[dict], name_to_id: dict, schema: dict) -> tuple[list[dict], dict]:
    """`update_categories_for_keypoints`: all keypoint labels become one `default` category."""
    kp_names = labels_of(schema, "KeyPointLabels")
    if not kp_names:
        return categories, name_to_id
    merged = [dict(c) for c in categories if c["name"] not in kp_names]
    mapping = {c["name"]: c["id"] for c in merged}
    numeric = [c["id"] for c in merged if isinstance(c["id"], int)]
    merged_id = max(numeric) + 1 if numeric else 0
    merged.append({"id": merged_id, "name": "default", "supercategory": "default", "keypoints": kp_names,
                   "skeleton": []})
    for name in kp_names:
        mapping[name] = merged_id
    return merged, mapping


# --- image file names -------------------------------------------------------------------------------------------

_KEPT_PREFIXES = ("s3:", "gs:", "azure-blob:")


def image_file_name(value):
    """The image path the converter writes when it downloads nothing (`get_local_path`, no hostname).

    Files only Label Studio itself can serve (uploads, Local Storage, cloud storage, the storage proxy) cannot
    be resolved and keep the task's value; everything else is named after its would-be cache file.
    """
    if not isinstance(value, str):
        return value
    url = value
    if url.startswith("upload") or url.startswith("/upload"):
        url = "/data" + ("" if url.startswith("/") else "/") + url
    try:
        path = urlparse(url).path
    except ValueError:
        return value
    if (url.startswith("/data/upload") or (url.startswith("/data/") and "?d=" in url) or url.startswith(_KEPT_PREFIXES)
            or path.startswith(("/storage-data/uploaded", "storage-data/uploaded"))):
        return value
    digest = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"images/{digest}__{posixpath.basename(path)}"



# --- labels met in results -----------------------------------------------------------------------------------


def new_label_ids(categories: list[dict], summaries: list[dict]) -> tuple[list[dict], dict[str, int]]:
    """Labels met in results but not in the config, appended in the order the parts met them."""
    categories = [dict(c) for c in categories]
    ids: dict[str, int] = {}
    for summary in summaries:
        for name in summary.get("new_labels") or []:
            if name not in ids:
                ids[name] = len(categories)
                categories.append({"id": ids[name], "name": name})
    return categories, ids


class LabelIds:
    """Category lookup inside one part: known ids from `begin`, new labels kept by name (resolved later)."""

    def __init__(self, known: dict[str, int]) -> None:
        self.known = known
        self.new: list[str] = []
        self._seen: set[str] = set()

    def __call__(self, name: str):
        if name in self.known:
            return self.known[name]
        if name not in self._seen:
            self._seen.add(name)
            self.new.append(name)
        return name
