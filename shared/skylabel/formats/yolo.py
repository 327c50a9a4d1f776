"""YOLO and YOLO_OBB (`labels/<image basename>.txt`, `classes.txt`, `notes.json`, empty `images/`), as Label
Studio's converter writes them.

Why our own: YOLO is string formatting of percent values; the converter would bring ~150 MB of
dependencies into the Lambda for it. Rules kept (reference/export_formats.md §4, converter `convert_to_yolo`):

* label file name: basename of the image path without extension, cut to 251 characters
  (`<md5(url)[:8]>__<name>` for http(s) URLs, the task value's basename for uploads);
* rectangles: `class x_center y_center width height` from the percent values (`/100`, no image size
  needed, rotation ignored); polygons: `class x1 y1 x2 y2 ...`; one line per label of a multi-label region;
  numbers are Python's `str()` of the same float operations, so the digits are the converter's;
* YOLO_OBB: `class x1 y1 ... x4 y4`, the corners of the rectangle rotated about its top-left corner, in
  pixels then normalized; regions without `original_width/height` or without a `rotation` key are dropped;
* keypoint configs (KeyPointLabels): `class xc yc w h` + `x y v` per keypoint in `model_index` order for each
  rectangle, keypoints attached by `parentID`; classes are the rectangle labels in config order;
* categories otherwise as COCO (`category` attributes, then sorted labels); labels met in results but not in
  the config are appended in the order met; `classes.txt` lists the names in that list order;
* an item without regions creates an empty file only if none exists; an item with regions (re)writes the
  file, so per image the oldest annotation wins, and a later task with the same basename overwrites an
  earlier one; fully cancelled tasks write nothing.

Streaming: a part keeps, per file name, its final content (or "empty unless written") with labels unknown
to the config left by name; `assemble` reads every part once to find each file's last writer (holding the
file names only), resolves the new labels' class ids from the summaries and streams each file from its part.
Deviations: `notes.json`'s `info.year` is the clock's (as in Label Studio); images are never downloaded, so
`*_WITH_IMAGES` is not offered; a task without the image data key is skipped (the converter fails).
"""

from __future__ import annotations

import math
import posixpath
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
    labels_of,
    ls_schema,
    new_label_ids,
)
from skylabel.formats.items import Matcher, PartCache, all_regions, build_schema, items, jsonl, read_jsonl, ujson_pretty
from skylabel.labeling_config import LabelConfig


def yolo_box(label: dict) -> tuple | None:
    """`convert_annotation_to_yolo`: centre and size, all / 100."""
    if not ("x" in label and "y" in label and "width" in label and "height" in label):
        return None
    try:
        x, y, w, h = label["x"], label["y"], label["width"], label["height"]
        if x is None or y is None or w is None or h is None:
            return None
        return (x + w / 2) / 100, (y + h / 2) / 100, w / 100, h / 100
    except (TypeError, ValueError):
        return None


def yolo_obb(label: dict) -> list | None:
    """`convert_annotation_to_yolo_obb`: the four corners, normalized by the image size."""
    needed = ("original_width", "original_height", "x", "y", "width", "height", "rotation")
    if not all(k in label for k in needed):
        return None
    try:
        org_width, org_height = label["original_width"], label["original_height"]
        x = label["x"] / 100 * org_width
        y = label["y"] / 100 * org_height
        w = label["width"] / 100 * org_width
        h = label["height"] / 100 * org_height
        rotation = math.radians(label.get("rotation", 0))
        cos, sin = math.cos(rotation), math.sin(rotation)
        corners = [(x, y), (x + w * cos, y + w * sin), (x + w * cos - h * sin, y + w * sin + h * cos),
                   (x - h * sin, y + h * cos)]
        return [value for cx, cy in corners for value in (cx / org_width, cy / org_height)]
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _label_lines(labels: list[dict], ids: LabelIds, obb: bool) -> list:
    """`process_and_save_yolo_annotations`: pieces of the file, class ids of new labels left by name."""
    pieces: list = []
    for label in labels:
        names = [name for key in ("rectanglelabels", "polygonlabels", "labels")
                 if key in label and label[key] and len(label[key]) > 0 for name in label[key]]
        for name in names:
            category = ids(name)
            if "rectanglelabels" in label or "rectangle" in label or "labels" in label:
                values = yolo_obb(label) if obb else yolo_box(label)
                if values is None:
                    continue
            elif "polygonlabels" in label or "polygon" in label:
                if "points" not in label:
                    continue
                values = [c for x, y in label["points"] for c in (x / 100, y / 100)]
            else:
                continue
            pieces.append({"c": name} if isinstance(category, str) else str(category))
            pieces.append("".join(f" {v}" for v in values) + "\n")
    return pieces


def _keypoint_lines(labels: list[dict], class_map: dict[str, int], order: list[str]) -> list:
    """`process_keypoints_for_yolo`: one line per rectangle with its keypoints, no final newline."""
    rectangles: dict = {}
    for item in labels:
        if item["type"].lower() != "rectanglelabels":
            continue
        names = item.get("rectanglelabels") or []
        if not names or class_map.get(names[0]) is None:
            continue
        x, y = item["x"] / 100.0, item["y"] / 100.0
        width, height = item["width"] / 100.0, item["height"] / 100.0
        rectangles[item["id"]] = {"base": [class_map[names[0]], x + width / 2.0, y + height / 2.0, width, height],
                                  "kp": {}}
    for item in labels:
        if item["type"].lower() != "keypointlabels" or item.get("parentID") not in rectangles:
            continue
        names = item.get("keypointlabels") or []
        if names:
            rectangles[item["parentID"]]["kp"][names[0]] = (item["x"] / 100.0, item["y"] / 100.0, 2)
    lines = []
    for rect in rectangles.values():
        keypoints = [v for name in order for v in rect["kp"].get(name, (0.0, 0.0, 0))]
        lines.append(" ".join(map(str, rect["base"] + keypoints)))
    return ["\n".join(lines)]


def _label_file(image_path) -> str | None:
    if isinstance(image_path, list):
        image_path = image_path[-1] if image_path else None
    resolved = image_file_name(image_path)
    if not resolved or not isinstance(resolved, str):
        return None
    return posixpath.splitext(posixpath.basename(resolved))[0][0:251] + ".txt"


class YoloFormat:
    name = "YOLO"
    title = "YOLO"
    description = ("Popular TXT format is created for each image file. Each txt file contains annotations for the "
                   "corresponding image file, that is object class, object coordinates, height & width.")
    obb = False

    def begin(self, config: LabelConfig, project: dict) -> dict:
        schema = ls_schema(config)
        keypoints = any(s["type"] == "KeyPointLabels" for s in schema.values())
        if keypoints:
            names = labels_of(schema, "KeyPointLabels")
            boxes = labels_of(schema, "RectangleLabels")
            categories = [{"id": i, "name": label, "keypoints": names} for i, label in enumerate(boxes)]
        else:
            categories, _ = config_categories(schema)
        return {"data_key": data_key(config), "schema": build_schema(config), "categories": categories,
                "keypoints": keypoints, "kp_order": kp_order(schema)}

    def part(self, state: dict, tasks: list[dict]) -> Part:
        ids = LabelIds({} if state["keypoints"] else category_ids(state["categories"]))
        class_map = {c["name"]: c["id"] for c in state["categories"]}
        files: dict[str, list | None] = {}
        key = state["data_key"]
        for item in items(tasks, Matcher(state["schema"]), with_ids=state["keypoints"]):
            if key not in item["input"]:
                continue
            name = _label_file(item["input"][key])
            if name is None:
                continue
            if not item["output"]:
                files.setdefault(name, None)
            elif state["keypoints"]:
                files[name] = _keypoint_lines(all_regions(item), class_map, state["kp_order"])
            else:
                files[name] = _label_lines(all_regions(item), ids, self.obb)
        return Part(jsonl([name, pieces] for name, pieces in files.items()), {"new_labels": ids.new})

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]:
        categories, new_ids = new_label_ids(state["categories"], summaries)
        owner: dict[str, int | None] = {}  # file → the last part writing it (None: only created empty)
        for index in range(len(summaries)):
            for name, pieces in read_jsonl(read_part(index)):
                if pieces is not None:
                    owner[name] = index
                else:
                    owner.setdefault(name, None)
        notes = {"categories": categories,
                 "info": {"year": datetime.now().year, "version": "1.0", "contributor": "Label Studio"}}
        out: list[tuple[str, Chunks]] = [
            ("images/", iter(())),
            ("labels/", iter(())),
            ("classes.txt", iter(["".join(c["name"] + "\n" for c in categories).encode()])),
            ("notes.json", iter([ujson_pretty(notes).encode()])),
        ]
        cache = PartCache(read_part, lambda records: {name: pieces for name, pieces in records})
        for name, index in owner.items():
            chunks = iter(()) if index is None else _content(cache, index, name, new_ids)
            out.append((f"labels/{name}", chunks))
        return out


def _content(cache: PartCache, index: int, name: str, new_ids: dict[str, int]) -> Iterator[bytes]:
    pieces = cache.get(index)[name]
    yield "".join(p if isinstance(p, str) else str(new_ids[p["c"]]) for p in pieces).encode()


class YoloObbFormat(YoloFormat):
    name = "YOLO_OBB"
    title = "YOLOv8 OBB"
    description = ("Popular TXT format is created for each image file. Each txt file contains annotations for the "
                   "corresponding image file. The YOLO OBB format designates bounding boxes by their four corner "
                   "points with coordinates normalized between 0 and 1, so it is possible to export rotated objects.")
    obb = True


FORMATS = {"YOLO": YoloFormat(), "YOLO_OBB": YoloObbFormat()}
