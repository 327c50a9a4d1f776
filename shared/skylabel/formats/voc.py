"""Pascal VOC XML (`Annotations/<image basename>.xml` + an empty `images/` folder), as Label Studio writes it.

Why our own: the converter's VOC needs nothing but the standard library's minidom, so we use the same
minidom calls and get the same bytes (`<?xml version="1.0" encoding="utf-8"?>`, one element per line, no
indentation) without the converter's dependencies. Rules kept (reference/export_formats.md §4):

* one XML per item (non-cancelled annotation) with regions, named after the basename of the image path
  (`images/<md5(url)[:8]>__<name>` for http(s) URLs, the task value for uploads: images.image_file_name);
  the first region's `original_width/height` give the size (no size → no file), `depth` is 3;
* boxes truncated to pixels, `xmax = xmin + int(width)`, rotation ignored, first label only, only
  `rectanglelabels` / `labels` regions; the annotator is the email or the user id;
* items are processed newest annotation first and later files overwrite earlier ones, so for one image the
  oldest annotation wins, and across tasks with the same image basename the later task wins;
* `Annotations/` exists as soon as there is one item, even when no XML is written; nothing for tasks
  without annotations.

Streaming: a part keeps, per file name, the XML of its last writer; `assemble` first reads every part to
find which part writes each file last (it holds the set of file names, not their content), then streams
each file from its part. Deviation: a box region without `x`/`y`/`width`/`height` is skipped where the
converter would fail the whole export; images are never opened (`depth` is always 3, as for remote images).
"""

from __future__ import annotations

import io
import posixpath
import xml.dom.minidom
from collections.abc import Callable, Iterable, Iterator

from skylabel.formats.base import Chunks, Part
from skylabel.formats.images import data_key, image_file_name
from skylabel.formats.items import Matcher, PartCache, all_regions, annotator, build_schema, items, jsonl, read_jsonl
from skylabel.labeling_config import LabelConfig


def _child(doc, tag: str, text: str, parent) -> None:
    node = doc.createElement(tag)
    node.appendChild(doc.createTextNode(text))
    parent.appendChild(node)


def _box(doc, region: dict, width, height):
    key = "rectanglelabels" if "rectanglelabels" in region else ("labels" if "labels" in region else None)
    if key is None or len(region[key]) == 0:
        return None
    try:
        x = int(region["x"] / 100 * width)
        y = int(region["y"] / 100 * height)
        w = int(region["width"] / 100 * width)
        h = int(region["height"] / 100 * height)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    node = doc.createElement("object")
    _child(doc, "name", region[key][0], node)
    _child(doc, "pose", "Unspecified", node)
    _child(doc, "truncated", "0", node)
    _child(doc, "difficult", "0", node)
    box = doc.createElement("bndbox")
    for tag, value in (("xmin", x), ("ymin", y), ("xmax", x + w), ("ymax", y + h)):
        _child(doc, tag, str(value), box)
    node.appendChild(box)
    return node


def voc_xml(item: dict, image_name: str, regions: list[dict]) -> str:
    """The document `Converter.convert_to_voc` writes for one item."""
    width, height = regions[0]["original_width"], regions[0]["original_height"]
    doc = xml.dom.getDOMImplementation().createDocument(None, "annotation", None)
    root = doc.documentElement
    _child(doc, "folder", "images", root)
    _child(doc, "filename", image_name, root)
    source = doc.createElement("source")
    for tag, text in (("database", "MyDatabase"), ("annotation", "COCO2017"), ("image", "flickr"),
                      ("flickrid", "NULL"), ("annotator", annotator(item) or "")):
        _child(doc, tag, text, source)
    root.appendChild(source)
    owner = doc.createElement("owner")
    _child(doc, "flickrid", "NULL", owner)
    _child(doc, "name", "Label Studio", owner)
    root.appendChild(owner)
    size = doc.createElement("size")
    for tag, text in (("width", str(width)), ("height", str(height)), ("depth", "3")):
        _child(doc, tag, text, size)
    root.appendChild(size)
    _child(doc, "segmented", "0", root)
    for region in regions:
        node = _box(doc, region, width, height)
        if node is not None:
            root.appendChild(node)
    out = io.StringIO()
    doc.writexml(out, addindent="", newl="\n", encoding="utf-8")
    return out.getvalue()


class VocFormat:
    name = "VOC"
    title = "Pascal VOC XML"
    description = "Popular XML format used for object detection and polygon image segmentation tasks."

    def begin(self, config: LabelConfig, project: dict) -> dict:
        return {"data_key": data_key(config), "schema": build_schema(config)}

    def part(self, state: dict, tasks: list[dict]) -> Part:
        files: dict[str, str] = {}
        count = 0
        key = state["data_key"]
        for item in items(tasks, Matcher(state["schema"])):
            if key not in item["input"]:
                continue
            count += 1
            image_path = image_file_name(item["input"][key])
            if not item["output"] or not isinstance(image_path, str):
                continue
            regions = all_regions(item)
            if "original_width" not in regions[0] or "original_height" not in regions[0]:
                continue
            image_name = posixpath.basename(image_path)
            files[posixpath.splitext(image_name)[0] + ".xml"] = voc_xml(item, image_name, regions)
        return Part(jsonl([name, text] for name, text in files.items()), {"items": count})

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]:
        owner: dict[str, int] = {}
        for index in range(len(summaries)):
            for name, _text in read_jsonl(read_part(index)):
                owner.pop(name, None)
                owner[name] = index
        out: list[tuple[str, Chunks]] = [("images/", iter(()))]
        if any(s.get("items") for s in summaries):
            out.append(("Annotations/", iter(())))
        cache = PartCache(read_part, lambda records: {name: text for name, text in records})
        out.extend((f"Annotations/{name}", _content(cache, index, name)) for name, index in owner.items())
        return out


def _content(cache: PartCache, index: int, name: str) -> Iterator[bytes]:
    yield cache.get(index)[name].encode("utf-8")


FORMATS = {"VOC": VocFormat()}
