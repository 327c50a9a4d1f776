"""The tag catalogue: internally consistent, true to hard-coded Label Studio facts, and — where a Label Studio
1.23 install is at hand (`.venv-ls`, not present in CI) — covering every tag of its shipped templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skylabel.labeling_config.catalogue import (
    CHILD_TAGS,
    CONTROL_TAGS,
    EDITOR_ENFORCED,
    ENTERPRISE_TAGS,
    LABELS_NEED_TOOL,
    OBJECT_TAGS,
    TAGS,
    VISUAL_TAGS,
    suggest,
)

ROOT = Path(__file__).resolve().parents[2]

# (control, object, Label Studio lets the control label that object) — checked against LS 1.23's templates,
# its editor's tag models and its tag documentation.
FACTS = [
    ("RectangleLabels", "Image", True), ("Rectangle", "Image", True), ("PolygonLabels", "Image", True),
    ("Polygon", "Image", True), ("KeyPointLabels", "Image", True), ("KeyPoint", "Image", True),
    ("EllipseLabels", "Image", True), ("Ellipse", "Image", True), ("BrushLabels", "Image", True),
    ("Brush", "Image", True), ("BitmaskLabels", "Image", True), ("MagicWand", "Image", True),
    ("VectorLabels", "Image", True),
    ("Labels", "Text", True), ("Labels", "HyperText", True), ("Labels", "Audio", True),
    ("Labels", "Image", True),  # LS's OCR template: Labels + Rectangle + Polygon on one Image
    ("Labels", "Video", True),  # LS's video tracking template: Labels + VideoRectangle
    ("HyperTextLabels", "HyperText", True), ("ParagraphLabels", "Paragraphs", True),
    ("TimeSeriesLabels", "TimeSeries", True), ("TimelineLabels", "Video", True), ("VideoRectangle", "Video", True),
    ("Ranker", "List", True), ("OcrLabels", "Pdf", True),
    ("Choices", "Text", True), ("Choices", "Image", True), ("Choices", "Audio", True), ("Choices", "Pdf", True),
    ("Choices", "Chat", True), ("TextArea", "Audio", True), ("TextArea", "Image", True), ("Rating", "Pdf", True),
    ("Rating", "Chat", True), ("Taxonomy", "Text", True), ("Pairwise", "Text", True), ("Pairwise", "Image", True),
    ("Number", "Text", True), ("DateTime", "Text", True),
    ("RectangleLabels", "Text", False), ("PolygonLabels", "Video", False), ("BrushLabels", "Video", False),
    ("HyperTextLabels", "Text", False), ("ParagraphLabels", "Text", False),
    ("Labels", "Paragraphs", False),  # Paragraphs only takes ParagraphLabels regions
    ("TimeSeriesLabels", "Audio", False), ("VideoRectangle", "Image", False), ("TimelineLabels", "Audio", False),
    ("Ranker", "Text", False),
]

# (child, a parent it sits in)
CHILD_FACTS = [
    ("Label", "Labels"), ("Label", "RectangleLabels"), ("Label", "TimelineLabels"), ("Label", "OcrLabels"),
    ("Choice", "Choices"), ("Choice", "Taxonomy"), ("Choice", "Choice"), ("Relation", "Relations"),
    ("Bucket", "Ranker"), ("Channel", "TimeSeries"), ("Shortcut", "TextArea"),
]

RESULT_TYPES = {
    "Choices": "choices", "Labels": "labels", "RectangleLabels": "rectanglelabels", "TextArea": "textarea",
    "Rating": "rating", "Taxonomy": "taxonomy", "Ranker": "ranker", "Pairwise": "pairwise", "Relations": "relation",
    "VideoRectangle": "videorectangle", "TimelineLabels": "timelinelabels", "DateTime": "datetime",
    "Number": "number", "Chat": "chatmessage",
}


# --- the catalogue on its own ---------------------------------------------------------------------------------

def test_kinds_partition_the_catalogue():
    assert all(name == spec.name for name, spec in TAGS.items())
    kinds = (OBJECT_TAGS, CONTROL_TAGS, VISUAL_TAGS, CHILD_TAGS)
    assert sum(len(k) for k in kinds) == len(TAGS)
    assert set().union(*kinds) == set(TAGS)
    assert "Text" in OBJECT_TAGS and "Header" in VISUAL_TAGS and "Label" in CHILD_TAGS


def test_the_issue_list_of_tags_is_covered():
    wanted = {
        "Text", "HyperText", "Paragraphs", "Image", "Audio", "AudioPlus", "Video", "TimeSeries", "Channel", "Table",
        "List", "Pdf", "Chat", "Choices", "Choice", "Labels", "Label", "RectangleLabels", "Rectangle",
        "PolygonLabels", "Polygon", "KeyPointLabels", "KeyPoint", "EllipseLabels", "Ellipse", "BrushLabels", "Brush",
        "BitmaskLabels", "Bitmask", "TextArea", "Rating", "Number", "DateTime", "Taxonomy", "Ranker", "Bucket",
        "Pairwise", "Relations", "Relation", "TimeSeriesLabels", "TimelineLabels", "VideoRectangle",
        "ParagraphLabels", "HyperTextLabels", "OcrLabels", "MagicWand", "View", "Header", "Style", "Filter",
        "Collapse", "Shortcut",
    }
    assert wanted - set(TAGS) == set()


def test_controls_label_object_tags_and_produce_a_result():
    for spec in TAGS.values():
        if spec.kind == "control":
            assert set(spec.objects) <= OBJECT_TAGS, spec.name
            assert spec.result_type, spec.name
        else:
            assert spec.objects == (), spec.name
            assert not spec.region, spec.name


def test_children_and_parents_refer_to_known_tags_and_agree():
    for spec in TAGS.values():
        assert set(spec.children) <= set(TAGS), spec.name
        assert set(spec.parents) <= set(TAGS), spec.name
        assert bool(spec.parents) == (spec.kind == "child"), spec.name
        for parent in spec.parents:
            assert spec.name in TAGS[parent].children, f"{parent} should list {spec.name} as a child"


def test_attribute_rules():
    assert all("name" in TAGS[t].required and "toName" in TAGS[t].required
               for t in CONTROL_TAGS - {"Relations", "Rating"})
    assert TAGS["Relations"].required == ()  # no name, no toName
    assert TAGS["Rating"].required == ("name",)  # LS's chatbot-assessment template omits toName
    assert TAGS["Text"].required == ("name", "value")
    assert TAGS["Image"].one_of == (("value", "valueList"),) and "value" not in TAGS["Image"].required
    assert TAGS["Channel"].required == ("column",)
    assert TAGS["Filter"].kind == "visual" and TAGS["Filter"].required == ("name", "toName")


def test_extra_sets_name_known_tags():
    assert EDITOR_ENFORCED <= CONTROL_TAGS and all(TAGS[t].objects for t in EDITOR_ENFORCED)
    assert ENTERPRISE_TAGS <= set(TAGS)


def test_labels_on_image_or_video_needs_a_drawing_tool():
    assert set(LABELS_NEED_TOOL) == {"Image", "Video"} and set(LABELS_NEED_TOOL) <= set(TAGS["Labels"].objects)
    assert {"Rectangle", "Polygon", "RectangleLabels", "MagicWand", "Brush"} <= set(LABELS_NEED_TOOL["Image"])
    assert {"VideoRectangle"} <= set(LABELS_NEED_TOOL["Video"]) and "TimelineLabels" not in LABELS_NEED_TOOL["Video"]
    for obj, tools in LABELS_NEED_TOOL.items():
        assert all(TAGS[t].region and obj in TAGS[t].objects for t in tools)


@pytest.mark.parametrize(("control", "obj", "allowed"), FACTS)
def test_control_object_matrix(control, obj, allowed):
    spec = TAGS[control]
    assert spec.kind == "control" and obj in OBJECT_TAGS
    assert (not spec.objects or obj in spec.objects) is allowed


@pytest.mark.parametrize(("child", "parent"), CHILD_FACTS)
def test_child_parents(child, parent):
    assert TAGS[child].kind == "child" and parent in TAGS[child].parents


def test_result_types_and_regions():
    assert {t: TAGS[t].result_type for t in RESULT_TYPES} == RESULT_TYPES
    assert all(TAGS[t].region for t in ("Labels", "RectangleLabels", "Rectangle", "VideoRectangle", "OcrLabels"))
    assert not any(TAGS[t].region for t in ("Choices", "TextArea", "Rating", "Taxonomy", "Ranker", "Relations"))


def test_suggest_finds_the_nearest_tag():
    assert suggest("RectangleLabel") == "RectangleLabels"
    assert suggest("choices") == "Choices"
    assert suggest("HYPERTEXT") == "HyperText"
    assert suggest("TextArae") == "TextArea"
    assert suggest("Imgae") == "Image"
    assert suggest("xyzzy") is None


# --- against the installed Label Studio 1.23 ------------------------------------------------------------------

def _site_packages() -> Path | None:
    found = sorted(ROOT.glob(".venv-ls/lib/python3*/site-packages/label_studio"))
    return found[0].parent if found else None


@pytest.fixture(scope="module")
def ls_site() -> Path:
    site = _site_packages()
    if site is None:
        pytest.skip(".venv-ls (a read-only Label Studio 1.23 install) is not here, as in CI; "
                    "the hard-coded facts above still ran")
    return site


@pytest.fixture(scope="module")
def ls_configs(ls_site):
    yaml = pytest.importorskip("yaml")
    from lxml import etree

    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    templates = ls_site / "label_studio" / "annotation_templates"
    texts = [(str(p.relative_to(ls_site)), yaml.safe_load(p.read_text())["config"])
             for p in sorted(templates.rglob("config.yml"))]
    examples = ls_site / "label_studio" / "core" / "examples"
    xml_files = [*sorted(templates.rglob("config.xml")), *sorted(examples.glob("*/config.xml"))]
    texts += [(str(p.relative_to(ls_site)), p.read_text()) for p in xml_files]
    assert len(texts) > 60
    return [(where, etree.fromstring(text.encode(), parser)) for where, text in texts]


def _elements(root):
    return [el for el in root.iter() if isinstance(el.tag, str)]


def test_every_template_tag_is_known(ls_configs):
    unknown = {(el.tag, where) for where, root in ls_configs for el in _elements(root) if el.tag not in TAGS}
    assert sorted(unknown) == []


def test_template_controls_label_allowed_objects(ls_configs):
    problems = []
    for where, root in ls_configs:
        names = {el.get("name"): el.tag for el in _elements(root) if el.get("name")}
        for el in _elements(root):
            spec = TAGS.get(el.tag)
            if not spec or spec.kind != "control" or not spec.objects:
                continue
            for target in filter(None, (el.get("toName") or "").split(",")):
                if names.get(target) in OBJECT_TAGS and names[target] not in spec.objects:
                    problems.append(f"{where}: {el.tag} -> {names[target]}")
    assert problems == []


def test_template_labels_on_image_or_video_come_with_a_tool(ls_configs):
    problems = []
    for where, root in ls_configs:
        names = {el.get("name"): el.tag for el in _elements(root) if el.get("name")}
        targets: dict[str, set[str]] = {}
        for el in _elements(root):
            for target in filter(None, (el.get("toName") or "").split(",")):
                targets.setdefault(target, set()).add(el.tag)
        for target, controls in targets.items():
            tools = LABELS_NEED_TOOL.get(names.get(target, ""))
            if "Labels" in controls and tools and not controls & set(tools):
                problems.append(f"{where}: Labels on {names[target]} {target!r} without a drawing tool")
    assert problems == []


def test_template_children_sit_in_their_parents(ls_configs):
    problems = []
    for where, root in ls_configs:
        for el in _elements(root):
            spec = TAGS.get(el.tag)
            if not spec or spec.kind != "child":
                continue
            parent = next((p for p in el.iterancestors() if TAGS.get(p.tag) and TAGS[p.tag].kind != "visual"), None)
            if parent is None or parent.tag not in spec.parents:
                problems.append(f"{where}: {el.tag} in {parent.tag if parent is not None else 'nothing'}")
    assert problems == []


def test_template_tags_carry_the_required_attributes(ls_configs):
    problems = []
    for where, root in ls_configs:
        for el in _elements(root):
            spec = TAGS.get(el.tag)
            if spec is None:
                continue
            missing = [a for a in spec.required if not el.get(a)]
            missing += ["|".join(group) for group in spec.one_of if not any(el.get(a) for a in group)]
            if missing:
                problems.append(f"{where}: <{el.tag}> lacks {missing}")
    assert problems == []


def test_every_sdk_tag_class_is_known(ls_site):
    interface = ls_site / "label_studio_sdk" / "label_interface"
    pattern = re.compile(r'^\s+tag: str = "(\w+)"', re.M)
    controls = set(pattern.findall((interface / "control_tags.py").read_text()))
    objects = set(pattern.findall((interface / "object_tags.py").read_text()))
    # ChatMessage is the SDK's control half of the self-referencing <Chat>; no config uses it as a tag.
    assert controls - {"ChatMessage"} - CONTROL_TAGS - {"ReactCode"} == set()
    assert "ReactCode" in OBJECT_TAGS and "Chat" in OBJECT_TAGS
    assert objects - OBJECT_TAGS == set()
