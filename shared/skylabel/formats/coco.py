"""COCO (`result.json` + an empty `images/` folder), byte-compatible with Label Studio's converter, in parts.

Why a module of our own and not `label_studio_sdk.converter`: the converter needs numpy, Pillow, nltk and
lxml (~150 MB, reference/export_formats.md §5) and reads one whole JSON file; Skylabel converts parts of a
project in parallel Lambdas with the standard library only. The output is the converter's, byte for byte,
for the same tasks (tests/unit/test_image_formats.py runs both):

* the converter's items (`skylabel.formats.items`): one per non-cancelled annotation, newest first; a task
  without annotations is one empty item; results whose `from_name` is not a control tag are dropped; each
  region value gets the control's type;
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

What VOC, YOLO and the brush formats share with COCO lives in `skylabel.formats.items` (items, the
ujson-compatible writer, part helpers) and `skylabel.formats.images` (labels, categories, image file names).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from skylabel.formats.base import Chunks, Part
from skylabel.formats.images import (
    LabelIds,
    category_ids,
    config_categories,
    data_key,
    image_file_name,
    kp_order,
    ls_schema,
    merge_keypoint_categories,
    new_label_ids,
)
from skylabel.formats.items import (
    Matcher,
    all_regions,
    annotator,
    build_schema,
    items,
    jsonl,
    read_jsonl,
    ujson_list,
    ujson_pretty,
)
from skylabel.labeling_config import LabelConfig

ujson_dumps = ujson_pretty  # COCO's JSON is `ujson.dumps(indent=2)` with ujson's defaults

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
        categories, _ = merge_keypoint_categories(categories, name_to_id, schema)
        return {"data_key": data_key(config), "schema": build_schema(config), "categories": categories,
                "kp_order": kp_order(schema)}

    def part(self, state: dict, tasks: list[dict]) -> Part:
        built = _CocoPart(state)
        for item in items(tasks, Matcher(state["schema"])):
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
        yield b',\n  "categories": ' + ujson_pretty(categories, 1).encode()
        yield b',\n  "annotations": '
        yield from ujson_list(annotations(), 1)
        yield b',\n  "info": ' + ujson_pretty(info, 1).encode() + b"\n}"


FORMATS = {"COCO": CocoFormat()}
