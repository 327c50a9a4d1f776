"""The tag catalogue: pure data describing Label Studio 1.23's labeling-config tag language.

The validator reads it to refuse unknown tags (with `suggest` for the nearest known name), missing
attributes, controls pointed at objects they cannot label and child tags outside their parents; the
describer reads `result_type` and `region` to know what each control produces.

Where the facts came from (learned, not copied): Label Studio 1.23.2 and label-studio-sdk 2.1.2 as
installed from PyPI — the SDK's `label_interface` tag classes (result types, the self-referencing Chat and
ReactCode tags), the server's config validation and JSON schema, the 69 shipped `annotation_templates` and
the `core/examples` configs — plus the Label Studio editor's tag documentation and tag models (which tags
it registers, `controlledTags` for control → object restrictions, `parentTypes` for child tags).

Field meanings:
- `required`: attributes that must be present and non-empty.
- `one_of`: groups of attributes of which at least one must be present (Image takes `value` or `valueList`).
- `objects`: control only — the object tags it can label; empty means any object tag. `EDITOR_ENFORCED`
  lists the controls whose restriction Label Studio's own editor enforces; for the others it is the
  documented usage and Label Studio itself accepts the mismatch (the editor then cannot label it).
- `children`: the child tags specific to this tag; empty means none (containers such as View take any tag).
- `parents`: child only — the tag that must enclose it, looking through visual tags (View, Header...);
  Label Studio checks this against every ancestor.
- `result_type`: the annotation result `"type"` the tag produces (Label Studio's own names).
- `region`: the control creates regions (spans, shapes, segments) rather than classifying the whole task.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

Kind = Literal["object", "control", "visual", "child"]


@dataclass(frozen=True)
class TagSpec:
    name: str
    kind: Kind
    required: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    result_type: str | None = None
    parents: tuple[str, ...] = ()
    region: bool = False
    one_of: tuple[tuple[str, ...], ...] = ()


_NAME_VALUE = ("name", "value")
_NAME_TO = ("name", "toName")
# What a *Labels control may contain; Label Studio allows decoration (View, Header, HyperText) among labels.
_LABEL_KIDS = ("Label", "View", "Header", "HyperText")


def _object(name: str, required: tuple[str, ...] = _NAME_VALUE, **kw) -> TagSpec:
    return TagSpec(name, "object", required, **kw)


def _control(name: str, result_type: str, objects: tuple[str, ...] = (), *, region: bool = False,
             children: tuple[str, ...] = (), required: tuple[str, ...] = _NAME_TO) -> TagSpec:
    return TagSpec(name, "control", required, objects, children, result_type, region=region)


def _labels(name: str, *objects: str, children: tuple[str, ...] = _LABEL_KIDS) -> TagSpec:
    return _control(name, name.lower(), objects, region=True, children=children)


def _shape(name: str, *objects: str) -> TagSpec:
    return _control(name, name.lower(), objects, region=True)


def _visual(name: str, required: tuple[str, ...] = (), children: tuple[str, ...] = ()) -> TagSpec:
    return TagSpec(name, "visual", required, children=children)


def _child(name: str, required: tuple[str, ...], parents: tuple[str, ...], children: tuple[str, ...] = ()) -> TagSpec:
    return TagSpec(name, "child", required, children=children, parents=parents)


_SPECS: tuple[TagSpec, ...] = (
    # --- object tags: show task data, need a name and a `value="$field"` --------------------------------------
    _object("Text"),  # an object even when it only shows fixed text: it still needs a name
    _object("HyperText", ("value",)),  # name is optional: HyperText also serves as plain markup, e.g. in Choices
    _object("Paragraphs"),
    _object("Image", ("name",), one_of=(("value", "valueList"),)),  # valueList = multi-page image list
    _object("Audio"),
    _object("AudioPlus"),  # an alias of Audio kept for old configs
    _object("Video"),
    _object("TimeSeries", children=("Channel", "MultiChannel")),
    _object("Table"),
    _object("List"),  # the item list a Ranker orders
    _object("Pdf"),
    # Self-referencing: both object and control (from_name == to_name); toName, if given, names the tag itself.
    _object("Chat", result_type="chatmessage"),
    _object("ReactCode", ("name",), result_type="reactcode"),  # takes data="$field", not value
    # --- control tags: label an object (toName) and produce annotation results --------------------------------
    _control("Choices", "choices", children=("Choice", "View", "Header", "HyperText")),
    _control("Taxonomy", "taxonomy", children=("Choice",)),
    _control("TextArea", "textarea", children=("Shortcut",)),
    # toName is optional: Label Studio's own chatbot-assessment template has a Rating without one.
    _control("Rating", "rating", required=("name",)),
    _control("Number", "number"),
    _control("DateTime", "datetime"),
    _control("Pairwise", "pairwise"),  # toName names exactly two objects: "left,right"
    _control("Ranker", "ranker", ("List",), children=("Bucket",)),
    # Relations has neither name nor toName: it labels links between regions of any control.
    _control("Relations", "relation", children=("Relation",), required=()),
    # Labels is the universal region labeller: on Image/Video it labels shapes drawn by Rectangle, Polygon,
    # VideoRectangle... (Label Studio's OCR and video-tracking templates). It does not label Paragraphs.
    _labels("Labels", "Text", "HyperText", "Audio", "AudioPlus", "Image", "Video", children=(*_LABEL_KIDS, "Text")),
    _labels("RectangleLabels", "Image"),
    _labels("PolygonLabels", "Image"),
    _labels("KeyPointLabels", "Image"),
    _labels("EllipseLabels", "Image"),
    _labels("BrushLabels", "Image"),
    _labels("BitmaskLabels", "Image"),
    _labels("VectorLabels", "Image"),
    _labels("HyperTextLabels", "HyperText"),
    _labels("ParagraphLabels", "Paragraphs"),
    _labels("TimeSeriesLabels", "TimeSeries"),
    _labels("TimelineLabels", "Video"),  # frame spans on a Video's timeline, not audio
    _labels("VideoVectorLabels", "Video"),
    _labels("OcrLabels", "Pdf"),  # boxes plus captured text on a PDF page; images use RectangleLabels + TextArea
    _shape("Rectangle", "Image"),
    _shape("Polygon", "Image"),
    _shape("KeyPoint", "Image"),
    _shape("Ellipse", "Image"),
    _shape("Brush", "Image"),
    _shape("Bitmask", "Image"),
    _shape("Vector", "Image"),
    _shape("MagicWand", "Image"),
    _shape("VideoRectangle", "Video"),  # labels come from a Labels tag on the same Video
    _shape("VideoVector", "Video"),
    # --- visual tags: layout and presentation, no results ------------------------------------------------------
    _visual("View"),
    _visual("Header"),  # value="..." or the text content
    _visual("Style"),  # CSS as text content
    # Filter's toName names a Labels/Choices control, not an object: it filters that control's options.
    _visual("Filter", _NAME_TO),
    _visual("Collapse", children=("Panel",)),
    _visual("Panel"),  # a Collapse section; Label Studio does not check where it sits
    _visual("Markdown"),
    _visual("Repeater", ("on",)),  # repeats its children per item of on="$array", substituting {{idx}}
    # --- child tags: only meaningful inside their parent ------------------------------------------------------
    _child("Choice", ("value",), ("Choices", "Taxonomy", "Choice"), children=("Choice",)),  # nests in Taxonomy
    _child("Relation", ("value",), ("Relations",)),
    _child("Bucket", ("name",), ("Ranker",)),
    _child("Channel", ("column",), ("TimeSeries", "MultiChannel")),
    _child("MultiChannel", (), ("TimeSeries",), children=("Channel",)),  # several channels on one plot
    _child("Shortcut", ("value",), ("TextArea",)),
)

# Label sits in every control that lists it as a child (Labels and all the *Labels tags).
_LABEL_PARENTS = tuple(s.name for s in _SPECS if s.kind == "control" and "Label" in s.children)
TAGS: dict[str, TagSpec] = {s.name: s for s in (*_SPECS, _child("Label", ("value",), _LABEL_PARENTS))}

OBJECT_TAGS: frozenset[str] = frozenset(n for n, s in TAGS.items() if s.kind == "object")
CONTROL_TAGS: frozenset[str] = frozenset(n for n, s in TAGS.items() if s.kind == "control")
VISUAL_TAGS: frozenset[str] = frozenset(n for n, s in TAGS.items() if s.kind == "visual")
CHILD_TAGS: frozenset[str] = frozenset(n for n, s in TAGS.items() if s.kind == "child")

# Controls whose `objects` Label Studio's editor itself enforces (any other object is an editor error).
EDITOR_ENFORCED: frozenset[str] = frozenset({
    "RectangleLabels", "PolygonLabels", "Polygon", "KeyPointLabels", "BrushLabels", "BitmaskLabels",
    "Vector", "VectorLabels", "HyperTextLabels",
})

# On these objects the universal <Labels> only labels shapes that a drawing control on the same object makes
# (Label Studio's OCR and video-tracking templates pair them). Label Studio accepts Labels alone on an Image or
# Video, but the annotator then has nothing to draw with.
LABELS_NEED_TOOL: dict[str, tuple[str, ...]] = {
    "Image": tuple(n for n, s in TAGS.items() if s.region and s.objects == ("Image",)),
    "Video": tuple(n for n, s in TAGS.items() if s.region and s.objects == ("Video",) and n != "TimelineLabels"),
}

# Documented by Label Studio as Enterprise / Starter Cloud features; its SDK and templates still know them.
ENTERPRISE_TAGS: frozenset[str] = frozenset({"Chat", "ReactCode", "OcrLabels", "VideoVector", "VideoVectorLabels"})

_BY_LOWER = {name.lower(): name for name in TAGS}


def suggest(tag_name: str) -> str | None:
    """The known tag name nearest to `tag_name` (case-insensitive), for "unknown tag — did you mean ...?"."""
    lowered = tag_name.strip().lower()
    if lowered in _BY_LOWER:
        return _BY_LOWER[lowered]
    close = difflib.get_close_matches(lowered, list(_BY_LOWER), n=1, cutoff=0.6)
    return _BY_LOWER[close[0]] if close else None


__all__ = [
    "CHILD_TAGS", "CONTROL_TAGS", "EDITOR_ENFORCED", "ENTERPRISE_TAGS", "LABELS_NEED_TOOL", "OBJECT_TAGS", "TAGS",
    "VISUAL_TAGS", "TagSpec", "suggest",
]
