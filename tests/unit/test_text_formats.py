"""The text export formats (JSON, JSON_MIN, CSV, TSV, CONLL2003) against Label Studio's own converter, byte for byte.

Every case builds Label Studio JSON-export tasks, writes them the way Label Studio writes an export snapshot,
runs `label_studio_sdk.converter.Converter(...).convert(file, dir, FORMAT, is_dir=False)` (the installed SDK,
exactly what Label Studio's export calls) and compares the files with what our format writes — split into
one part, into one part per task, and into uneven parts with empty ones, re-read in tiny chunks. The
converter is given the XML config (as the brief's reference call does) and Label Studio's parsed config dict
(what the server really passes; it is the one that knows Repeater names).
"""

from __future__ import annotations

import json
import random
import string

import pytest
import ujson
from label_studio_sdk._extensions.label_studio_tools.core.label_config import parse_config as ls_parse_config
from label_studio_sdk.converter import Converter
from nltk.tokenize.treebank import TreebankWordTokenizer

from skylabel.errors import Invalid
from skylabel.formats import FORMATS, get_format
from skylabel.formats.conll import span_tokenize, tokens_and_tags
from skylabel.formats.items import ujson_dumps
from skylabel.labeling_config import parse_label_config

TEXT_FORMATS = ["JSON", "JSON_MIN", "CSV", "TSV"]

CLASSIFICATION = """
<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
  <Choices name="topics" toName="text" choice="multiple">
    <Choice value="Price"/><Choice value="Support"/><Choice value="Shipping"/>
  </Choices>
  <TextArea name="comment" toName="text"/>
  <Rating name="rating" toName="text" maxRating="5"/>
</View>
"""

NER = """
<View>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Choices name="quality" toName="text"><Choice value="ok"/><Choice value="bad"/></Choices>
</View>
"""

REPEATER = """
<View>
  <Repeater on="$items" indexFlag="{{idx}}">
    <Text name="item_{{idx}}" value="$items[{{idx}}].body"/>
    <Choices name="verdict_{{idx}}" toName="item_{{idx}}"><Choice value="yes"/><Choice value="no"/></Choices>
  </Repeater>
</View>
"""


# ------------------------------------------------------------------------------------------------ builders


def result(from_name: str, kind: str, value: dict, to_name: str = "text", **extra) -> dict:
    return {"id": f"r{random.randrange(10**6)}", "from_name": from_name, "to_name": to_name, "type": kind,
            "origin": "manual", "value": value, **extra}


def choices(name: str, *picked: str) -> dict:
    return result(name, "choices", {"choices": list(picked)})


def span(start: int, end: int, text: str, label: str, name: str = "label") -> dict:
    return result(name, "labels", {"start": start, "end": end, "text": text[start:end], "labels": [label]})


def annotation(ann_id: int, task_id: int, results: list, *, user=1, created: str = "2024-05-01T10:00:00.000000Z",
               cancelled: bool = False, lead_time=5.0, **extra) -> dict:
    """An annotation as Skylabel's JSON export writes it (`exports.json_export._annotation`)."""
    return {"id": ann_id, "completed_by": user, "result": results, "was_cancelled": cancelled,
            "ground_truth": False, "created_at": created, "updated_at": created.replace("10:", "11:"),
            "draft_created_at": None, "lead_time": lead_time, "import_id": None, "last_action": None,
            "bulk_created": False, "task": task_id, "project": 1, "updated_by": user, "parent_prediction": None,
            "parent_annotation": None, "last_created_by": None, "prediction": {}, "result_count": len(results),
            "unique_id": f"00000000-0000-0000-0000-{ann_id:012d}", **extra}


def task(task_id: int, data: dict, annotations: list, **extra) -> dict:
    """A task as `skylabel.exports.json_export.export_task` writes it."""
    return {"id": task_id, "annotations": annotations, "file_upload": None, "drafts": [], "predictions": [],
            "data": data, "meta": {}, "created_at": "2024-04-30T09:00:00.000000Z",
            "updated_at": "2024-05-01T12:00:00.000000Z", "inner_id": task_id,
            "total_annotations": sum(not a["was_cancelled"] for a in annotations),
            "cancelled_annotations": sum(a["was_cancelled"] for a in annotations), "total_predictions": 0,
            "comment_count": 0, "unresolved_comment_count": 0, "last_comment_updated_at": None, "project": 1,
            "updated_by": None, "comment_authors": [], **extra}


def classification_tasks() -> list[dict]:
    long_text = 'Great value, I love it.\nShipping was "fast", really; 10/10 — ça marche! ✓'
    return [
        task(1, {"text": "Great value, I love it", "source": "web", "score": 0.75}, [
            annotation(11, 1, [choices("sentiment", "Positive"), choices("topics", "Price", "Support"),
                               result("comment", "textarea", {"text": ['Nice, "quoted"\nsecond line']}),
                               result("rating", "rating", {"rating": 4})]),
        ]),
        task(2, {"text": long_text, "source": "api", "score": 1}, [  # two annotators and a cancelled one
            annotation(21, 2, [choices("sentiment", "Negative")], user=1, created="2024-05-01T10:00:00.000000Z"),
            annotation(22, 2, [], user=2, created="2024-05-03T10:00:00.000000Z", cancelled=True, lead_time=1.5),
            annotation(23, 2, [choices("sentiment", "Neutral"), choices("topics", "Shipping")], user=3,
                       created="2024-05-02T10:00:00.000000Z", lead_time=12),
        ]),
        task(3, {"text": "Everyone skipped me", "source": "web", "score": None}, [  # all cancelled: disappears
            annotation(31, 3, [], cancelled=True), annotation(32, 3, [], user=2, cancelled=True),
        ]),
        task(4, {"text": "Nobody labeled this yet", "source": "api", "score": 2.5}, []),
        task(5, {"text": "Empty result", "source": None, "score": -0.0}, [annotation(51, 5, [], lead_time=None)]),
        task(6, {"text": "Ünïcødé — 東京, \"quotes\", tabs\tand\r\nCRLF", "source": "https://x.test/a/b?q=1",
                 "score": 1e-07, "meta": {"k": [1, 2.5, None, True, "/x"]}, "tags": ["a", "b/c"], "flag": True}, [
            annotation(61, 6, [choices("sentiment", "Positive", "Negative"),  # a multi-pick in a single Choices
                               result("comment", "textarea", {"text": ["one", "two"]}),
                               result("unknown_tag", "choices", {"choices": ["dropped"]}),
                               result("rating", "rating", {"rating": 5})],
                       user={"id": 7, "email": "ann@example.com", "first_name": "Ann"},
                       history=[{"action": "created", "at": "2024-05-01"}]),
        ], agreement=66.66666666666667),
        task(7, {"text": "Two regions", "source": "web", "score": 9007199254740993}, [
            annotation(71, 7, [choices("sentiment", "Positive"), choices("sentiment", "Negative"),
                               result("comment", "textarea", {"text": ["only"]}),
                               result("comment", "textarea", {"text": ["twice"]})], created="2024-05-01T10:00:00Z"),
            annotation(72, 7, [choices("topics", "Price")], user=2, created="2024-05-01T10:00:00Z"),  # same time
        ]),
        task(8, {"text": "Chat and strange results", "source": "web", "score": 3}, [
            annotation(81, 8, [result("dialog", "chatmessage", {"chatmessage": {"role": "user", "content": "hi"}},
                                      to_name="dialog"),
                               result("dialog", "chatmessage", {"chatmessage": {"role": "assistant", "content": ""}},
                                      to_name="dialog"),
                               choices("sentiment", "Neutral")]),
        ]),
    ]


def colliding_tasks() -> list[dict]:
    """Data keys named like control tags (`sentiment`, `label`) and like the fixed columns (`annotator`)."""
    return [
        task(1, {"text": "No collision in this part", "extra": "x"}, [annotation(11, 1, [])]),
        task(2, {"text": "Data has a sentiment key", "sentiment": "from data", "annotator": "data-annotator"}, []),
        task(3, {"text": "Labelled", "sentiment": "also data"}, [
            annotation(31, 3, [choices("sentiment", "Positive")])]),
        task(4, {"text": "Another", "id": "data-id", "_data_sentiment": "pre-renamed"}, [
            annotation(41, 4, [choices("topics", "Price")])]),
    ]


NER_TEXTS = [
    "Tim Cook leads Apple Inc. in Cupertino, California.",
    "The U.S. Corp. said on Monday (in Paris-Nord) that it's 3.5% up, with 1,000 new jobs.",
    'He said, "Mr. O\'Neil can\'t come--he\'s in New York." Then left...',
    "Prices: $3.88 vs. €4,50 at 10:30; e-mail j.doe@example.com / call #42!",
    "Les élèves de São Paulo ont visité l'Académie française à 14h.",
    "  Leading   spaces\tand\nnewlines\n",
    "",
    "''Quoted'' and `odd` quotes \"everywhere\"",
]


def ner_spans(text: str) -> list[dict]:
    spans = []
    for word, label in (("Tim Cook", "PER"), ("Apple Inc.", "ORG"), ("Cupertino", "LOC"), ("U.S. Corp.", "ORG"),
                        ("Paris", "LOC"), ("Mr. O'Neil", "PER"), ("New York", "LOC"), ("j.doe@example.com", "MISC"),
                        ("São Paulo", "LOC"), ("Académie française", "ORG"), ("spaces\tand", "MISC"),
                        ("Quoted", "MISC"), ("1,000", "MISC"), ("3.5", "MISC"), ("$3.88", "MISC")):
        start = text.find(word)
        if start >= 0:
            spans.append(span(start, start + len(word), text, label))
    return spans[::-1]  # unsorted on purpose: the converter sorts by start


def ner_tasks() -> list[dict]:
    tasks = []
    for i, text in enumerate(NER_TEXTS, start=1):
        spans = ner_spans(text)
        created = f"2024-05-0{i % 9 + 1}T10:00:00Z"
        anns = [annotation(i * 10 + 1, i, spans + [choices("quality", "ok")], created=created)]
        if i % 3 == 0:  # a newer second annotator, a span cutting a token
            anns.append(annotation(i * 10 + 2, i, [span(0, 2, text, "MISC")] if text else [], user=2,
                                   created="2024-06-01T00:00:00Z"))
        if i == 4:
            anns.append(annotation(i * 10 + 3, i, spans, user=3, cancelled=True))
        tasks.append(task(i, {"text": text}, anns))
    tasks.append(task(99, {"text": "Nobody labeled this."}, []))
    tasks.append(task(100, {"text": "No spans, only a choice."}, [annotation(1001, 100, [choices("quality", "bad")])]))
    tasks.append(task(101, {"text": "A span without end."}, [
        annotation(1011, 101, [result("label", "labels", {"start": 2, "labels": ["PER"]})])]))
    tasks.append(task(102, {"text": "Overlapping New York City spans."}, [
        annotation(1021, 102, [span(12, 20, "Overlapping New York City spans.", "LOC"),
                               span(12, 25, "Overlapping New York City spans.", "ORG"),
                               span(21, 25, "Overlapping New York City spans.", "MISC")])]))
    return tasks


def repeater_tasks() -> list[dict]:
    items = [{"body": "first / one"}, {"body": "second"}]
    return [
        task(1, {"items": items}, [annotation(11, 1, [
            result("verdict_0", "choices", {"choices": ["yes"]}, to_name="item_0"),
            result("verdict_1", "choices", {"choices": ["no"]}, to_name="item_1")])]),
        task(2, {"items": items[:1]}, []),
    ]


def free_tasks() -> list[dict]:
    """Results for a config without control tags: the converter keeps them all, with their own type."""
    return [task(1, {"text": "x"}, [annotation(11, 1, [
        choices("anything", "A"), result("free", "textarea", {"text": ["t"]}), {"from_name": "novalue", "type": "x"},
        result("box", "rectanglelabels", {"x": 1.5, "y": 2, "width": 3, "height": 4, "rectanglelabels": ["Car"]},
               original_width=640, original_height=480)])])]


# ------------------------------------------------------------------------------------------------ runners


def snapshot_bytes(tasks: list[dict]) -> bytes:
    """Label Studio's snapshot serialization (`data_export/mixins.py`, `export_to_file`)."""
    return "".join(json.JSONEncoder(ensure_ascii=False).iterencode(tasks)).encode()


def label_studio(tmp_path, fmt: str, xml: str, tasks: list[dict], parsed: bool = False) -> dict[str, bytes]:
    source = tmp_path / "project-1-at-2024-05-01-10-00-abcdef12.json"
    source.write_bytes(snapshot_bytes(tasks))
    out = tmp_path / f"out-{fmt}-{parsed}"
    config = ls_parse_config(xml) if parsed else xml
    Converter(config=config, project_dir=None, download_resources=False).convert(str(source), str(out), fmt,
                                                                                  is_dir=False)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def split(tasks: list[dict], how: str) -> list[list[dict]]:
    if how == "one":
        return [tasks]
    if how == "each":
        return [[t] for t in tasks]
    parts, i, sizes = [[]], 0, [2, 0, 3, 1]  # uneven, with empty parts first, between and last
    while i < len(tasks):
        size = sizes[len(parts) % len(sizes)]
        parts.append(tasks[i:i + size])
        i += size
    return parts + [[]]


def ours(fmt: str, xml: str, tasks: list[dict], how: str = "one", chunk: int = 7) -> dict[str, bytes]:
    """Run a format as the export job does: begin, one `part` per slice (through JSON, as Step Functions
    carries state and summaries), then assemble re-reading each part in small chunks."""
    export = get_format(fmt)
    state = json.loads(json.dumps(export.begin(parse_label_config(xml), {"id": 1})))
    parts = [export.part(state, list(slice_)) for slice_ in split(tasks, how)]
    bodies = [p.body for p in parts]
    summaries = json.loads(json.dumps([p.summary for p in parts]))

    def read_part(i: int):
        return iter([bodies[i][j:j + chunk] for j in range(0, len(bodies[i]), chunk)])

    return {path: b"".join(chunks) for path, chunks in export.assemble(state, summaries, read_part)}


def assert_same(tmp_path, fmt: str, xml: str, tasks: list[dict], how: str, parsed: bool = False) -> dict:
    expected = label_studio(tmp_path, fmt, xml, tasks, parsed)
    got = ours(fmt, xml, tasks, how)
    assert list(got) == list(expected)
    for path in expected:
        assert got[path] == expected[path], f"{fmt} {path} differs"
    return got


SPLITS = ["one", "each", "uneven"]


# ------------------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("how", SPLITS)
@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_text_classification_matches_label_studio(tmp_path, fmt, how):
    assert_same(tmp_path, fmt, CLASSIFICATION, classification_tasks(), how)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_parsed_config_dict_gives_the_same_bytes(tmp_path, fmt):
    assert_same(tmp_path, fmt, CLASSIFICATION, classification_tasks(), "uneven", parsed=True)


@pytest.mark.parametrize("how", SPLITS)
@pytest.mark.parametrize("fmt", ["CSV", "TSV", "JSON_MIN"])
def test_data_keys_colliding_with_control_names(tmp_path, fmt, how):
    got = assert_same(tmp_path, fmt, CLASSIFICATION, colliding_tasks(), how)
    if fmt == "CSV":
        header = got["result.csv"].split(b"\r\n", 1)[0].decode()
        assert '"_data_sentiment"' in header and '"sentiment"' in header and '"annotator"' in header


@pytest.mark.parametrize("how", SPLITS)
@pytest.mark.parametrize("fmt", TEXT_FORMATS + ["CONLL2003"])
def test_ner_matches_label_studio(tmp_path, fmt, how):
    assert_same(tmp_path, fmt, NER, ner_tasks(), how)


@pytest.mark.parametrize("fmt", ["JSON_MIN", "CSV"])
def test_repeater_names_match_like_label_studio_server(tmp_path, fmt):
    got = assert_same(tmp_path, fmt, REPEATER, repeater_tasks(), "each", parsed=True)
    assert b"verdict_0" in got[next(iter(got))]


@pytest.mark.parametrize("fmt", ["JSON_MIN", "CSV", "TSV"])
def test_config_without_controls_keeps_every_result(tmp_path, fmt):
    assert_same(tmp_path, fmt, '<View><Text name="text" value="$text"/></View>', free_tasks(), "one")


@pytest.mark.parametrize("fmt", TEXT_FORMATS + ["CONLL2003"])
def test_empty_export(tmp_path, fmt):
    got = assert_same(tmp_path, fmt, NER, [], "one")
    assert ours(fmt, NER, [], "uneven") == got


def test_file_names_and_layout():
    text_formats = ("JSON", "JSON_MIN", "CSV", "TSV", "CONLL2003")
    names = {fmt: list(ours(fmt, NER, ner_tasks()[:2])) for fmt in text_formats}
    assert names == {"JSON": ["result.json"], "JSON_MIN": ["result.json"], "CSV": ["result.csv"],
                     "TSV": ["result.csv"], "CONLL2003": ["result.conll"]}


def test_csv_details_from_the_reference():
    text = ours("CSV", CLASSIFICATION, classification_tasks())["result.csv"].decode()
    lines = text.split("\r\n")
    assert lines[0] == ('"agreement","annotation_id","annotator","comment","created_at","dialog","dialog_transcript",'
                        '"flag","history","id","lead_time","meta","rating","score","sentiment","source","tags","text",'
                        '"topics","updated_at"')  # sorted union over all rows
    assert lines[4] == '"","","","","","","","","",4,"","","",2.5,"","api","","Nobody labeled this yet","",""'
    assert '"user: hi\nassistant:"' in text  # chat transcript column
    assert '"{""choices"":[""Price"",""Support""]}"' in text  # multi-choice → compact JSON
    assert '"https:\\/\\/x.test\\/a\\/b?q=1"' not in text  # plain strings are not JSON-escaped...
    assert '"[""a"",""b\\/c""]"' in text  # ...but dict/list values are ujson, with "/" escaped
    assert ',"Everyone skipped me"' not in text  # fully cancelled task is gone


def test_json_is_the_snapshot_serialization():
    tasks = classification_tasks()
    assert ours("JSON", CLASSIFICATION, tasks, "uneven")["result.json"] == snapshot_bytes(tasks)
    assert json.loads(ours("JSON", CLASSIFICATION, tasks, "each")["result.json"]) == tasks


def test_json_min_layout():
    body = ours("JSON_MIN", CLASSIFICATION, classification_tasks())["result.json"].decode()
    assert body.startswith('[\n{\n  "text": "Great value, I love it",\n  "source": "web"')
    assert body.endswith("\n}\n]") and "},\n{" in body
    records = json.loads(body)
    assert [r["id"] for r in records] == [1, 2, 2, 4, 5, 6, 7, 7, 8]  # task 3 gone; newest annotation first
    assert [r["annotation_id"] for r in records[1:3]] == [23, 21]
    assert records[0]["sentiment"] == "Positive" and records[0]["topics"] == {"choices": ["Price", "Support"]}
    assert records[3]["annotator"] is None and "sentiment" not in records[4]


# ------------------------------------------------------------------------------------------------ CoNLL


TRICKY = [
    "The U.S. economy grew 3.5% in 2023, adding 1,000 jobs.",
    "Apple Corp.'s CEO (Tim Cook) visited Paris-Nord station.",
    '"Hello," she said. "It\'s fine -- really!"',
    "Don't you think we'll gonna win? I cannot say... 'tis odd.",
    "Dr. Smith's e-mail: smith@uni.edu/lab #3 & co; 50/50 odds.",
    "They're here; we've left, haven't we? D'ye know?",
    "Brackets [a] {b} <c> and ''double'' `single' quotes.",
    "Ends with a quote.\"",
    "Numbers 10:30, 3,14 and 1.000.000 and 2.",
    "Wait... what?!",
]


@pytest.mark.parametrize("text", TRICKY)
def test_tokenizer_matches_nltk_treebank_as_label_studio_patches_it(text):
    assert span_tokenize(text) == list(TreebankWordTokenizer().span_tokenize(text))


def test_tokenizer_fuzz_against_nltk():
    alphabet = list(string.ascii_letters[:6] + "09 .,:;'\"`()[]{}<>-/$%&@#?!\n\t") + [
        "'s", "n't", "can", "not", "gonna", "'tis", "U.S.", "...", "--", "''", "``", "é", "\u00a0", "1,000", "3.5",
        "wanna ", "d'ye", "'ll", "'T", "Corp."]
    rng = random.Random(5)
    tokenizer = TreebankWordTokenizer()
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert span_tokenize(text) == list(tokenizer.span_tokenize(text)), repr(text)


def test_conll_tags_partial_overlap_and_iob():
    text = "Visit Paris-Nord and New York City."
    spans = [{"start": 6, "end": 11, "labels": ["LOC"]}, {"start": 21, "end": 34, "labels": ["LOC"]}]
    words, tags = tokens_and_tags(text, spans)
    assert list(zip(words, tags, strict=True)) == [
        ("Visit", "O"), ("Paris-Nord", "B-LOC"), ("and", "O"), ("New", "B-LOC"), ("York", "I-LOC"),
        ("City", "I-LOC"), (".", "O")]


@pytest.mark.parametrize("how", ["one", "each"])
def test_conll_tricky_sentences_match_label_studio(tmp_path, how):
    tasks = [task(i, {"text": t}, [annotation(i, i, ner_spans(t) + [span(0, 3, t, "MISC")] if t else [])])
             for i, t in enumerate(TRICKY, start=1)]
    got = assert_same(tmp_path, "CONLL2003", NER, tasks, how)
    assert got["result.conll"].startswith(b"-DOCSTART- -X- O\nThe -X- _ B-MISC\nU.S. -X- _ O\n")
    assert got["result.conll"].endswith(b"\n\n")


def test_conll_needs_a_text_labels_config():
    with pytest.raises(Invalid):
        get_format("CONLL2003").begin(parse_label_config('<View><Image name="i" value="$img"/></View>'), {})


# ------------------------------------------------------------------------------------------------ helpers


def test_ujson_dumps_matches_ujson():
    rng = random.Random(3)
    pieces = ["/", "\\", '"', "\n", "\t", "\x00", "\x1f", "\x7f", "é", "東", "😀", "\u2028", "e-0", "1e-07", " "]

    def value(depth: int):
        kind = rng.randrange(9 if depth < 3 else 6)
        if kind == 0:
            return rng.choice([None, True, False])
        if kind == 1:
            return rng.randint(-10**20, 10**20)
        if kind == 2:
            return rng.choice([rng.random() * 10 ** rng.randint(-12, 22), -rng.random(), 1e-7, 5e-5, 1e16, 0.1, 5.0])
        if kind in (3, 4, 5):
            return "".join(rng.choice(pieces + list("ab")) for _ in range(rng.randint(0, 8)))
        if kind in (6, 7):
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {str(value(depth + 1))[:6]: value(depth + 1) for _ in range(rng.randint(0, 4))}

    for _ in range(3000):
        v = value(0)
        assert ujson_dumps(v) == ujson.dumps(v, ensure_ascii=False)
        assert ujson_dumps(v, indent=2) == ujson.dumps(v, ensure_ascii=False, indent=2)


def test_registry_and_unknown_format():
    assert list(FORMATS)[:5] == ["JSON", "JSON_MIN", "CSV", "TSV", "CONLL2003"]
    assert {"COCO", "VOC", "YOLO", "YOLO_OBB", "BRUSH_TO_PNG", "BRUSH_TO_NUMPY"} <= set(FORMATS)
    assert all(FORMATS[name].name == name for name in FORMATS)
    with pytest.raises(Invalid) as error:
        get_format("XLSX")
    assert "XLSX" in error.value.message and "JSON_MIN" in error.value.message and "CONLL2003" in error.value.message


@pytest.mark.parametrize("fmt", ["JSON_MIN", "CSV", "CONLL2003"])
def test_legacy_task_shapes(tmp_path, fmt):
    """Old exports: `completions` instead of `annotations`, `skipped` for cancelled, a task with neither key."""
    text = "Legacy Inc. export"
    old = task(1, {"text": text}, [])
    old["completions"] = [annotation(11, 1, [span(0, 11, text, "ORG")]), annotation(12, 1, [], skipped=True)]
    del old["annotations"]
    bare = {"id": 2, "data": {"text": "no annotations key at all"}}
    assert_same(tmp_path, fmt, NER, [old, bare, task(3, {"text": "kept"}, [])], "each")
