"""The template gallery: every template is complete, validates, and its sample task passes the import check."""

import json
from importlib.resources import files

import pytest

from skylabel.errors import NotFound
from skylabel.labeling_config import parse_label_config
from skylabel.labeling_config.gallery import get_template, list_templates

ROOT = files("skylabel.labeling_config") / "templates"
INDEX = json.loads((ROOT / "index.json").read_text(encoding="utf-8"))
SLUGS = [entry["slug"] for entry in INDEX]
GROUPS = {
    "Natural Language Processing", "Computer Vision", "Audio/Speech Processing", "Videos", "Time Series Analysis",
    "Conversational AI", "Ranking & Scoring", "Structured Data Parsing", "Generative AI",
}
# The use cases the issue asks the gallery to cover, each with the slug that covers it.
REQUIRED = [
    "text-classification", "multi-label-text-classification", "named-entity-recognition", "relation-extraction",
    "taxonomy", "sentiment-with-rating", "image-classification", "object-detection-bounding-boxes",
    "polygon-segmentation", "keypoints", "semantic-segmentation-brush", "optical-character-recognition",
    "audio-classification", "audio-transcription", "speaker-segmentation", "video-classification",
    "video-object-tracking", "time-series-segmentation", "html-entity-recognition", "dialogue-intent-and-slots",
    "pairwise-comparison", "search-results-ranking", "llm-response-grading", "chatbot-evaluation",
    "question-answering", "text-summarization",
]


def test_index_and_folders_match():
    folders = sorted(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    assert sorted(SLUGS) == folders
    for slug in SLUGS:
        assert sorted(p.name for p in (ROOT / slug).iterdir()) == ["config.xml", "sample.json"], slug


def test_slugs_and_titles_are_unique():
    assert len(SLUGS) == len(set(SLUGS))
    titles = [entry["title"] for entry in INDEX]
    assert len(titles) == len(set(titles))


def test_index_entries_are_well_formed():
    for entry in INDEX:
        assert set(entry) == {"slug", "title", "group", "description", "tags"}, entry
        assert entry["slug"].replace("-", "").isalnum() and entry["slug"] == entry["slug"].lower()
        assert entry["title"].strip() and entry["description"].strip()
        assert entry["group"] in GROUPS, entry["group"]
        assert entry["tags"] and all(isinstance(tag, str) and tag for tag in entry["tags"])


def test_gallery_covers_the_required_use_cases():
    assert [slug for slug in REQUIRED if slug not in SLUGS] == []


def test_groups_are_contiguous_in_gallery_order():
    groups = [entry["group"] for entry in INDEX]
    seen = [g for i, g in enumerate(groups) if i == 0 or groups[i - 1] != g]
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("slug", SLUGS)
def test_config_validates(slug):
    xml = (ROOT / slug / "config.xml").read_text(encoding="utf-8")
    assert xml.lstrip().startswith("<View")
    config = parse_label_config(xml)
    assert config.controls, f"{slug} has no control tag"


@pytest.mark.parametrize("slug", SLUGS)
def test_sample_passes_the_import_check(slug):
    xml = (ROOT / slug / "config.xml").read_text(encoding="utf-8")
    sample = json.loads((ROOT / slug / "sample.json").read_text(encoding="utf-8"))
    assert isinstance(sample, dict)
    config = parse_label_config(xml)
    assert config.missing_keys(sample) == []
    assert sorted(sample) == sorted(config.data_keys), "the sample carries keys the config never reads"


def test_list_templates_returns_index_order_with_config_and_sample():
    templates = list_templates()
    assert [t["slug"] for t in templates] == SLUGS
    for template, entry in zip(templates, INDEX, strict=True):
        assert {k: template[k] for k in entry} == entry
        assert template["config"] == (ROOT / entry["slug"] / "config.xml").read_text(encoding="utf-8")
        assert isinstance(template["sample"], dict) and template["sample"]


def test_get_template_and_unknown_slug():
    template = get_template("named-entity-recognition")
    assert template["group"] == "Natural Language Processing"
    assert "<Labels" in template["config"] and "text" in template["sample"]
    with pytest.raises(NotFound) as err:
        get_template("no-such-template")
    assert err.value.status == 404 and "no-such-template" in err.value.message


def test_callers_cannot_alter_the_cached_gallery():
    get_template("text-classification")["sample"]["text"] = "changed"
    list_templates()[0]["title"] = "changed"
    assert get_template("text-classification")["sample"]["text"] != "changed"
    assert list_templates()[0]["title"] != "changed"
