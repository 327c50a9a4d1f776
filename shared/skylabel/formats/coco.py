"""COCO (`result.json` + an empty `images/` folder), byte-compatible with Label Studio's converter, in parts.

Why a module of our own and not `label_studio_sdk.converter`: the converter needs numpy, Pillow, nltk and
lxml (~150 MB, reference/export_formats.md §5) and reads one whole JSON file; Skylabel converts parts of a
project in parallel Lambdas with the standard library only. The output is the converter's, byte for byte,
for the same tasks (tests/unit/test_image_formats.py runs both):

* one item per non-cancelled annotation, newest first (`created_at` descending); a task without
  annotations is one empty item, a task whose annotations are all cancelled is nothing; results whose
  `from_name` is not a control tag are dropped; each region value gets the control's type;
* `images`: one entry per item, `file_name` resolved as the converter does without downloading:
  uploads (`/data/upload/...`, `upload/...`), Local Storage (`/data/local-files/?d=`), cloud URIs and
  `/storage-data/uploaded/` stay as they are, anything else (http(s) URLs, plain names) becomes the cache
  path `images/<md5(url)[:8]>__<basename>`; size = `original_width/height` of the first labelled region,
  `null` for an item without regions; an item whose regions all lack a size gets no image;
* categories: `<Label category="N">` ids first, then the other labels of every control (Label Studio's
  label names: `alias` before `value`) numbered in sorted order on the free ids; KeyPointLabels merged
  into one `default` category with its `keypoints`; labels met in results but not in the config are
  appended (`id = len(categories)`) in the order they are met;
* rectangles in pixels (`x * original_width / 100`), rotated ones as the axis-aligned box of the rotated
  rectangle; polygons as `segmentation` with a min/max `bbox` and the shoelace `area`; keypoints grouped
  per item into one COCO keypoint annotation (needs `model_index` on the keypoint labels, as LS);
* written as `ujson.dump(indent=2)` writes: `\\/` escaped, non-ASCII as `\\uXXXX`, floats as the shortest
  repr with exponents like `1e-7` / `1e+16`.

Streaming: `part()` sees only its tasks, so image/annotation ids are local there and shifted in `assemble`
by the counts of the parts before (the summaries); labels unknown to the config travel by name in the part
and get their id in `assemble`, from the new labels the summaries list in the order the parts met them.

Deviations (the converter's own nondeterminism or environment, not choices of ours):
* `info.year` / `info.date_created` come from the clock, as in Label Studio;
* polygon `area`: Label Studio computes it with `numpy.dot`, whose summation order depends on the BLAS
  kernel of the machine; we sum in order, which equals numpy's result for polygons of fewer than 16
  points and may differ in the last bits beyond (compare with a relative tolerance of 1e-12);
* images are never read: Label Studio reads the real size when the image file exists on its disk (a
  local path, or `COCO_WITH_IMAGES`); we always use the regions' `original_width/height` (what it does
  for every remote image). The `*_WITH_IMAGES` formats are not offered;
* where the converter would crash on a malformed region (missing `x`, zero width with a rotation, a
  keypoint without size, a task without the image data key), that region or task is skipped instead;
* `LABEL_STUDIO_FORCE_ANNOTATOR_EXPORT` adds `annotator` to rectangle/polygon annotations; Label Studio
  also (by accident) stamps the previous annotation when a keypoint region is met, which we do not copy.

This module also holds what VOC, YOLO and the brush formats share with it: the converter's item rules
(`items`), image file names (`image_file_name`), the config as the converter sees it (`ls_schema`,
`data_key`, `config_categories`), the ujson-compatible writer (`ujson_dumps`) and part re-reading helpers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from urllib.parse import urlparse

from skylabel.formats.base import Chunks, Part
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


def keypoint_labels(schema: dict[str, dict]) -> list[str]:
    names: list[str] = []
    for info in schema.values():
        if info["type"] == "KeyPointLabels":
            names.extend(info["labels"])
    return list(dict.fromkeys(names))


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


def _merge_keypoint_categories(categories: list[dict], name_to_id: dict, schema: dict) -> tuple[list[dict], dict]:
    """`update_categories_for_keypoints`: all keypoint labels become one `default` category."""
    kp_names = keypoint_labels(schema)
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


# --- items: Converter.annotation_result_from_task --------------------------------------------------------------


def _created_order(annotations: list[dict]) -> list[dict]:
    try:
        return sorted(annotations, key=lambda a: a.get("created_at", 0), reverse=True)
    except TypeError:  # mixed None / strings: Label Studio would fail; keep a total order instead
        return sorted(annotations, key=lambda a: str(a.get("created_at") or ""), reverse=True)


def _outputs(result: list, controls: dict[str, str], with_ids: bool) -> dict[str, list[dict]]:
    outputs: dict[str, list[dict]] = {}
    for region in result:
        if not isinstance(region, dict):
            continue
        from_name = region.get("from_name")
        if not from_name:
            continue
        if from_name in controls or not controls:
            value = dict(region.get("value") or {})
            value["type"] = controls[from_name] if controls else (region.get("type") or "unknown")
            for key in ("original_width", "original_height"):
                if key in region:
                    value[key] = region[key]
            if with_ids and controls:
                value["id"] = region.get("id")
                value["parentID"] = region.get("parentID")
        elif region.get("type") == "chatmessage":
            value = dict(region.get("value") or {})
            value["type"] = "chatmessage"
        else:
            continue
        outputs.setdefault(from_name, []).append(value)
    return outputs


def items(task: dict, controls: dict[str, str], with_ids: bool = False) -> Iterator[dict]:
    """The converter's items of one task: one per non-cancelled annotation, newest first."""
    if "annotations" not in task and "completions" not in task:
        return
    annotations = (task["annotations"] if "annotations" in task else task["completions"]) or []
    base = {"id": task.get("id"), "input": task.get("data") or {}}
    if not annotations:
        yield {**base, "output": {}, "completed_by": {}, "annotation_id": None}
        return
    kept = [a for a in annotations if not (a.get("skipped", False) or a.get("was_cancelled", False))]
    for annotation in _created_order(kept):
        yield {**base, "output": _outputs(annotation.get("result") or [], controls, with_ids),
               "completed_by": annotation.get("completed_by", {}), "annotation_id": annotation.get("id")}


def annotator(item: dict, default: str | None = None) -> str | None:
    """`get_annotator`: the email of a user object, else the id as a string."""
    who = item["completed_by"]
    if isinstance(who, dict):
        return who.get("email", default)
    return str(who)


def all_regions(item: dict) -> list[dict]:
    return [region for values in item["output"].values() for region in values]


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


# --- ujson-compatible output ----------------------------------------------------------------------------------

_ESCAPE = re.compile(r'[\\"/\x00-\x1f]|[^\x00-\x7f]')
_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _escape(match: re.Match) -> str:
    char = match.group(0)
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def _float(value: float) -> str:
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else "+"
        text = f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    return text


def ujson_dumps(obj, level: int = 0) -> str:
    """What `ujson.dumps(obj, indent=2)` writes (ujson 5/6 defaults), the object starting at `level`."""
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return str(int(obj))
    if isinstance(obj, float):
        return _float(obj)
    if isinstance(obj, str):
        return '"' + _ESCAPE.sub(_escape, obj) + '"'
    pad = "\n" + "  " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        body = ",".join(f"{pad}{ujson_dumps(str(k))}: {ujson_dumps(v, level + 1)}" for k, v in obj.items())
        return "{" + body + "\n" + "  " * level + "}"
    if isinstance(obj, list | tuple):
        if not obj:
            return "[]"
        return "[" + ",".join(pad + ujson_dumps(v, level + 1) for v in obj) + "\n" + "  " * level + "]"
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


def ujson_list(elements: Iterable, level: int, batch: int = 500) -> Iterator[bytes]:
    """A JSON list at `level`, streamed: ujson's layout without holding the list."""
    pad = "\n" + "  " * (level + 1)
    first, buffer = True, []
    for element in elements:
        buffer.append(("[" if first else ",") + pad + ujson_dumps(element, level + 1))
        first = False
        if len(buffer) >= batch:
            yield "".join(buffer).encode()
            buffer = []
    buffer.append("[]" if first else "\n" + "  " * level + "]")
    yield "".join(buffer).encode()


# --- parts: JSON lines in, re-read lazily -----------------------------------------------------------------------


def jsonl(records: Iterable) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for r in records)


def read_jsonl(chunks: Chunks) -> Iterator:
    rest = b""
    for chunk in chunks:
        rest += chunk
        *lines, rest = rest.split(b"\n")
        for line in lines:
            if line:
                yield json.loads(line)
    if rest.strip():
        yield json.loads(rest)


class PartCache:
    """Parts parsed on demand, one held at a time: files of the same part are read from one parse."""

    def __init__(self, read_part: Callable[[int], Chunks], parse: Callable[[Iterator], object]) -> None:
        self.read_part, self.parse = read_part, parse
        self.index: int | None = None
        self.value = None

    def get(self, index: int):
        if self.index != index:
            self.value = None
            self.value = self.parse(read_jsonl(self.read_part(index)))
            self.index = index
        return self.value


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


# --- geometry -----------------------------------------------------------------------------------------------------


def rotated_rectangle(label: dict) -> tuple | None:
    """`Converter.rotated_rectangle`: the axis-aligned box (percent) of a rectangle rotated about its corner."""
    if not ("x" in label and "y" in label and "width" in label and "height" in label):
        return None
    x, y, w, h = label["x"], label["y"], label["width"], label["height"]
    r = label["rotation"] if "rotation" in label else 0.0
    if abs(r) > 0:
        alpha = math.atan(h / w)
        beta = math.pi * (r / 180)
        radius = math.sqrt((w / 2) ** 2 + (h / 2) ** 2)
        x_0 = x - radius * (math.cos(math.pi - alpha - beta) - math.cos(math.pi - alpha)) + w / 2
        y_0 = y + radius * (math.sin(math.pi - alpha - beta) - math.sin(math.pi - alpha)) + h / 2
        thetas = (alpha + beta, math.pi - alpha + beta, math.pi + alpha + beta, 2 * math.pi - alpha + beta)
        xs = [x_0 + radius * math.cos(t) for t in thetas]
        ys = [y_0 + radius * math.sin(t) for t in thetas]
        x, y = min(xs), min(ys)
        w, h = max(xs) - x, max(ys) - y
    return x, y, w, h


def polygon_area(xs: tuple, ys: tuple) -> float:
    """Shoelace, as `get_polygon_area` (numpy.dot of x with y rolled by one), summed in order."""
    n = len(xs)
    first = 0.0
    second = 0.0
    for i in range(n):
        first += xs[i] * ys[i - 1]
    for i in range(n):
        second += ys[i] * xs[i - 1]
    return float(0.5 * abs(first - second))


def _keypoint_annotation(labels: list[dict], order: list[str], ids: LabelIds) -> dict:
    """`process_keypoints_for_coco` (without ids: the caller adds them)."""
    if not order:
        raise ValueError(
            "No keypoint order found. Please ensure that KeyPointLabels in your label config "
            "have 'model_index' attributes defined. For example:\n"
            "<KeyPointLabels name=\"keypoints\" toName=\"image\">\n"
            "  <Label value=\"eye\" model_index=\"0\"/>\n"
            "  <Label value=\"nose\" model_index=\"1\"/>\n"
            "</KeyPointLabels>"
        )
    keypoints = [0] * (len(order) * 3)
    for kp in labels:
        width, height = kp.get("original_width"), kp.get("original_height")
        try:
            x, y = kp["x"] / 100 * width, kp["y"] / 100 * height
        except (KeyError, TypeError):
            continue
        names = kp.get("keypointlabels", [])
        visible = 2 if names else 0
        for name in names:
            if name in order:
                idx = order.index(name)
                keypoints[3 * idx] = int(round(x))
                keypoints[3 * idx + 1] = int(round(y))
                keypoints[3 * idx + 2] = visible
    seen = [i for i in range(len(order)) if keypoints[3 * i + 2] > 0]
    if seen:
        xs = [keypoints[3 * i] for i in seen]
        ys = [keypoints[3 * i + 1] for i in seen]
        bbox = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    else:
        bbox = [0, 0, 0, 0]
    category = ids.known.get(order[0], 0)
    return {"category_id": category, "keypoints": keypoints, "num_keypoints": len(seen), "bbox": bbox,
            "iscrowd": 0}


# --- COCO ---------------------------------------------------------------------------------------------------------

_CATEGORY_KEYS = ("rectanglelabels", "polygonlabels", "keypointlabels", "labels")


class _CocoPart:
    """One part's images and annotations with local ids, as `convert_to_coco` builds them."""

    def __init__(self, state: dict) -> None:
        self.state = state
        self.ids = LabelIds(category_ids(state["categories"]))
        self.images: list[dict] = []
        self.annotations: list[dict] = []
        self.force_annotator = bool(os.getenv("LABEL_STUDIO_FORCE_ANNOTATOR_EXPORT"))

    def add(self, item: dict) -> None:
        key = self.state["data_key"]
        if key not in item["input"]:
            return
        image_path = image_file_name(item["input"][key])
        image_id = len(self.images)
        if not item["output"]:
            self._image(None, None, image_id, image_path)
            return
        size: list = [None, None]
        keypoints: list[dict] = []
        for label in all_regions(item):
            self._region(item, label, size, image_id, image_path, keypoints)
        if keypoints:
            record = _keypoint_annotation(keypoints, self.state["kp_order"], self.ids)
            self.annotations.append({"id": len(self.annotations), "image_id": image_id, **record})

    def _image(self, width, height, image_id: int, path) -> None:
        self.images.append({"width": width, "height": height, "id": image_id, "file_name": path})

    def _region(self, item: dict, label: dict, size: list, image_id: int, path, keypoints: list) -> None:
        category_name = next((label[k][0] for k in _CATEGORY_KEYS if k in label and len(label[k]) > 0), None)
        if category_name is None:
            return
        if not size[0] or not size[1]:
            if "original_width" not in label or "original_height" not in label:
                return
            size[:] = [label["original_width"], label["original_height"]]
            self._image(size[0], size[1], image_id, path)
        category_id = self.ids(category_name)
        if "rectanglelabels" in label or "labels" in label:
            record = self._rectangle(label)
        elif "polygonlabels" in label:
            record = self._polygon(label, size)
        else:
            keypoints.append(label)
            return
        if record is None:
            return
        annotation = {"id": len(self.annotations), "image_id": image_id, "category_id": category_id, **record}
        if self.force_annotator:
            annotation["annotator"] = annotator(item)
        self.annotations.append(annotation)

    @staticmethod
    def _rectangle(label: dict) -> dict | None:
        try:
            box = rotated_rectangle(label)
            if box is None:
                return None
            x, y, w, h = box
            x = x * label["original_width"] / 100
            y = y * label["original_height"] / 100
            w = w * label["original_width"] / 100
            h = h * label["original_height"] / 100
        except (KeyError, TypeError, ZeroDivisionError, ValueError):
            return None
        return {"segmentation": [], "bbox": [x, y, w, h], "ignore": 0, "iscrowd": 0, "area": w * h}

    @staticmethod
    def _polygon(label: dict, size: list) -> dict | None:
        width, height = size
        try:
            points = [(x / 100 * width, y / 100 * height) for x, y in label["points"]]
            xs, ys = zip(*points, strict=True)
        except (KeyError, TypeError, ValueError):
            return None
        x1, y1, x2, y2 = min(xs), min(ys), max(xs), max(ys)
        return {"segmentation": [[c for point in points for c in point]], "bbox": [x1, y1, x2 - x1, y2 - y1],
                "ignore": 0, "iscrowd": 0, "area": polygon_area(xs, ys)}


class CocoFormat:
    name = "COCO"
    title = "COCO"
    description = ("Popular machine learning format used by the COCO dataset for object detection and image "
                   "segmentation tasks with polygons and rectangles.")

    def begin(self, config: LabelConfig, project: dict) -> dict:
        schema = ls_schema(config)
        categories, name_to_id = config_categories(schema)
        categories, _ = _merge_keypoint_categories(categories, name_to_id, schema)
        return {"data_key": data_key(config), "controls": {n: s["type"] for n, s in schema.items()},
                "categories": categories, "kp_order": kp_order(schema)}

    def part(self, state: dict, tasks: list[dict]) -> Part:
        built = _CocoPart(state)
        for task in tasks:
            for item in items(task, state["controls"]):
                built.add(item)
        body = jsonl(itertools.chain((["i", i] for i in built.images), (["a", a] for a in built.annotations)))
        return Part(body, {"images": len(built.images), "annotations": len(built.annotations),
                           "new_labels": built.ids.new})

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]:
        return [("images/", iter(())), ("result.json", self._result(state, summaries, read_part))]

    def _result(self, state: dict, summaries: list[dict], read_part: Callable[[int], Chunks]) -> Chunks:
        categories, new_ids = new_label_ids(state["categories"], summaries)
        image_offsets = list(itertools.accumulate((s.get("images", 0) for s in summaries), initial=0))
        annotation_offsets = list(itertools.accumulate((s.get("annotations", 0) for s in summaries), initial=0))

        def images() -> Iterator[dict]:
            for index in range(len(summaries)):
                for kind, record in read_jsonl(read_part(index)):
                    if kind == "i":
                        record["id"] += image_offsets[index]
                        yield record

        def annotations() -> Iterator[dict]:
            for index in range(len(summaries)):
                for kind, record in read_jsonl(read_part(index)):
                    if kind == "a":
                        record["id"] += annotation_offsets[index]
                        record["image_id"] += image_offsets[index]
                        if isinstance(record["category_id"], str):
                            record["category_id"] = new_ids[record["category_id"]]
                        yield record

        now = datetime.now()
        info = {"year": now.year, "version": "1.0", "description": "", "contributor": "Label Studio", "url": "",
                "date_created": str(now)}
        yield b'{\n  "images": '
        yield from ujson_list(images(), 1)
        yield b',\n  "categories": ' + ujson_dumps(categories, 1).encode()
        yield b',\n  "annotations": '
        yield from ujson_list(annotations(), 1)
        yield b',\n  "info": ' + ujson_dumps(info, 1).encode() + b"\n}"


FORMATS = {"COCO": CocoFormat()}
