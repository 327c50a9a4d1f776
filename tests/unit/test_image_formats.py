"""The image formats against Label Studio's own converter (`label_studio_sdk.converter.Converter`).

Why: COCO, VOC, YOLO, YOLO_OBB and the brush formats promise Label Studio's bytes. Each test writes the same
export tasks to a JSON file, runs the converter on it and our format on the tasks (in one part and in several
parts, state and summaries passed through JSON as Step Functions would), and compares both output folders
file by file. The only differences allowed are the converter's own: the clock in COCO's / YOLO's `info`, and
BLAS summation noise in the area of polygons of 16 points or more.
"""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest

from skylabel.formats import brush, coco, voc, yolo
from skylabel.labeling_config import parse_label_config

np = pytest.importorskip("numpy")
converter_module = pytest.importorskip("label_studio_sdk.converter")
sdk_brush = pytest.importorskip("label_studio_sdk.converter.brush")
Image = pytest.importorskip("PIL.Image")

BBOX_XML = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Person"/><Label value="Cat"/><Label value="Dog" alias="Doggo"/><Label value="Café &amp; Bar/1"/>
  </RectangleLabels>
  <PolygonLabels name="poly" toName="image">
    <Label value="Road"/><Label value="Cat"/>
  </PolygonLabels>
  <Choices name="quality" toName="image"><Choice value="good"/><Choice value="bad"/></Choices>
</View>"""

CATEGORY_XML = """<View>
  <Image name="img" value="$photo"/>
  <RectangleLabels name="box" toName="img">
    <Label value="Zeta" category="1"/><Label value="Alpha"/><Label value="Beta" category="x"/><Label value="Gamma"/>
  </RectangleLabels>
</View>"""

KEYPOINT_XML = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="face"/><Label value="body"/></RectangleLabels>
  <KeyPointLabels name="kp" toName="image">
    <Label value="nose" model_index="1"/><Label value="eye" model_index="0"/><Label value="ear" model_index="2"/>
  </KeyPointLabels>
</View>"""

BRUSH_XML = """<View>
  <Image name="image" value="$image"/>
  <BrushLabels name="tag" toName="image"><Label value="Sky"/><Label value="Tree/Bush"/></BrushLabels>
</View>"""

ENV = ["LABEL_STUDIO_URL", "LABEL_STUDIO_HOST", "LABEL_STUDIO_API_KEY", "LABEL_STUDIO_ACCESS_TOKEN",
       "LABEL_STUDIO_FORCE_ANNOTATOR_EXPORT", "LOCAL_FILES_DOCUMENT_ROOT"]


@pytest.fixture(autouse=True)
def _no_label_studio_env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


# --- task builders -------------------------------------------------------------------------------------------------

def rect(x, y, w, h, *labels, rotation=None, size=(640, 480), name="label", key="rectanglelabels", rid=None):
    value = {"x": x, "y": y, "width": w, "height": h, key: list(labels)}
    if rotation is not None:
        value["rotation"] = rotation
    region = {"id": rid or f"r{random.randrange(10**6)}", "from_name": name, "to_name": "image",
              "type": key, "value": value, "origin": "manual"}
    if size:
        region["original_width"], region["original_height"] = size
        region["image_rotation"] = 0
    return region


def polygon(points, *labels, size=(640, 480), name="poly"):
    region = {"id": f"p{random.randrange(10**6)}", "from_name": name, "to_name": "image", "type": "polygonlabels",
              "value": {"points": points, "polygonlabels": list(labels), "closed": True}}
    if size:
        region.update(original_width=size[0], original_height=size[1], image_rotation=0)
    return region


def keypoint(x, y, label, parent, size=(400, 300)):
    return {"id": f"k{random.randrange(10**6)}", "from_name": "kp", "to_name": "image", "type": "keypointlabels",
            "parentID": parent, "value": {"x": x, "y": y, "width": 0.5, "keypointlabels": [label]},
            "original_width": size[0], "original_height": size[1], "image_rotation": 0}


def choice(value):
    return {"id": "c1", "from_name": "quality", "to_name": "image", "type": "choices", "value": {"choices": [value]}}


def annotation(aid, created, result, cancelled=False, by=1):
    return {"id": aid, "completed_by": by, "result": result, "was_cancelled": cancelled, "ground_truth": False,
            "created_at": created, "updated_at": created, "lead_time": 3.5, "prediction": {}, "result_count": 0,
            "task": 0, "project": 1, "last_action": None, "parent_prediction": None, "parent_annotation": None}


def task(tid, data, annotations):
    return {"id": tid, "annotations": annotations, "file_upload": None, "drafts": [], "predictions": [],
            "data": data, "meta": {}, "created_at": "2024-05-01T10:00:00.000000Z",
            "updated_at": "2024-05-01T10:00:00.000000Z", "inner_id": tid, "total_annotations": len(annotations),
            "cancelled_annotations": 0, "total_predictions": 0, "comment_count": 0, "unresolved_comment_count": 0,
            "last_comment_updated_at": None, "project": 1, "updated_by": 1, "comment_authors": []}


def t(hour):
    return f"2024-05-0{hour // 24 + 1}T{hour % 24:02d}:00:00.000000Z"


def bbox_tasks() -> list[dict]:
    random.seed(3)
    return [
        # http URL, two annotators: the older wins in VOC/YOLO, both are COCO images
        task(1, {"image": "https://example.com/photos/street.jpg?size=big"}, [
            annotation(11, t(2), [rect(10, 20, 30, 40, "Person"), rect(50.5, 10.25, 20, 15.125, "Cat", rotation=30),
                                  choice("good")]),
            annotation(12, t(1), [rect(0, 0, 100, 100, "Doggo", rotation=0)], by={"id": 2, "email": "ann@x.org"}),
        ]),
        # upload path, polygon + rectangle + multi-label region, a label unknown to the config
        task(2, {"image": "/data/upload/3/b0e8-road.png"}, [
            annotation(21, t(3), [
                polygon([[10, 10], [50, 12.5], [45.123, 60.6789], [12.345, 67.891]], "Road"),
                rect(5, 5, 10, 10, "Cat", "Person"),
                rect(70, 70, 10, 10, "Zebra", rotation=-45),
                polygon([[1, 1], [2, 3], [4, 1]], "Cat"),
            ]),
        ]),
        task(3, {"image": "/data/upload/3/cancelled.jpg"}, [annotation(31, t(4), [rect(1, 1, 1, 1, "Cat")],
                                                                        cancelled=True)]),
        task(4, {"image": "https://example.com/unlabelled.jpg"}, []),
        task(5, {"image": "upload/3/empty.jpg"}, [annotation(51, t(5), [])]),
        # same basename as task 7: the later task overwrites in VOC/YOLO
        task(6, {"image": "/data/upload/3/dup.jpg"}, [annotation(61, t(6), [rect(1, 2, 3, 4, "Person")])]),
        task(7, {"image": "/data/upload/4/dup.jpg"}, [annotation(71, t(7), [rect(4, 3, 2, 1, "Cat")])]),
        # regions without size: YOLO still writes them, COCO gets no image, VOC no file
        task(8, {"image": "s3://bucket/dir/nosize.jpg"}, [annotation(81, t(8), [rect(10, 10, 10, 10, "Cat",
                                                                                    size=None)])]),
        task(9, {"image": "/data/local-files/?d=pics/local.jpeg"}, [annotation(91, t(9), [
            rect(12.5, 33.3, 25.1, 10.7, "Café & Bar/1", rotation=90, size=(1920, 1080)),
            rect(20, 20, 30, 30, "Dog label", size=(1920, 1080))])]),
        task(10, {"image": "relative/photo.final.PNG"}, [
            annotation(101, t(10), [rect(1, 1, 1, 1, "Person")]),
            annotation(102, t(11), [], cancelled=True),
            annotation(103, t(12), [choice("bad")]),
        ]),
        task(11, {"image": "https://example.com/only-choice.jpg"}, [annotation(111, t(13), [choice("good")])]),
        task(12, {"image": "https://example.com/late.jpg"}, [annotation(121, t(14), [rect(3, 3, 3, 3, "Yak"),
                                                                                     rect(4, 4, 4, 4, "Zebra")])]),
        task(13, {"image": "https://example.com/wide.jpg"}, [annotation(131, t(15), [
            rect(10, 10, 20, 20, "Cat", rotation=15.5, size=(3000, 200)),
            rect(33.3333, 66.6667, 11.1111, 22.2222, "Person", rotation=359, size=(3000, 200))])]),
        # the newer annotation has boxes, the older none: the empty one does not overwrite (YOLO) / writes nothing
        task(14, {"image": "https://example.com/photos/newer.jpg"}, [
            annotation(141, t(17), [rect(7, 7, 7, 7, "Person")]), annotation(142, t(16), [])]),
    ]


def random_tasks(seed: int, count: int) -> list[dict]:
    """Many shapes, labels (some unknown to the config), sizes, duplicates, cancellations, in random mixes."""
    rng = random.Random(seed)
    random.seed(seed)
    images = ([f"https://cdn.example.com/a/{i}.jpg" for i in range(8)] + [f"/data/upload/7/{i}.png" for i in range(5)]
              + [f"s3://bucket/x/{i}.jpeg" for i in range(3)])
    labels = ["Person", "Cat", "Doggo", "Café & Bar/1", "Unknown-1", "Unknown-2", "Road"]

    def region(size):
        chosen = rng.sample(labels, rng.choice([1, 1, 1, 2]))
        kind = rng.random()
        if kind < 0.55:
            return rect(rng.uniform(0, 90), rng.uniform(0, 90), rng.uniform(0.5, 10), rng.uniform(0.5, 10), *chosen,
                        rotation=rng.choice([None, 0, rng.uniform(-180, 360)]), size=size)
        if kind < 0.85:
            points = [[rng.uniform(0, 100), rng.uniform(0, 100)] for _ in range(rng.randint(3, 15))]
            return polygon(points, *chosen, size=size)
        return choice(rng.choice(["good", "bad"]))

    tasks = []
    for tid in range(1, count + 1):
        annotations = []
        for aid in range(rng.choice([0, 1, 1, 2, 3])):
            # one size per annotation (the converter fails on a sized region followed by an unsized one)
            size = rng.choice([(640, 480), (1024, 768), (333, 251), None])
            annotations.append(annotation(tid * 10 + aid, t(rng.randint(0, 40)),
                                          [region(size) for _ in range(rng.choice([0, 1, 2, 4]))],
                                          cancelled=rng.random() < 0.15, by=rng.choice([1, 2, {"email": "e@x.y"}])))
        tasks.append(task(tid, {"image": rng.choice(images)}, annotations))
    return tasks


# --- running both sides ----------------------------------------------------------------------------------------

def run_converter(tmp_path: Path, xml: str, tasks: list[dict], fmt: str) -> Path:
    source = tmp_path / "export.json"
    source.write_text(json.dumps(tasks))
    out = tmp_path / f"ls-{fmt}"
    out.mkdir()
    converter = converter_module.Converter(config=xml, project_dir=None, download_resources=False)
    converter.convert(str(source), str(out), fmt, is_dir=False)
    return out


def run_ours(tmp_path: Path, xml: str, tasks: list[dict], formatter, parts: int) -> Path:
    state = json.loads(json.dumps(formatter.begin(parse_label_config(xml), {"id": 1, "label_config": xml})))
    size = max(1, -(-len(tasks) // parts))
    batches = [tasks[i:i + size] for i in range(0, len(tasks), size)] or [[]]
    bodies, summaries = [], []
    for batch in batches:
        result = formatter.part(state, json.loads(json.dumps(batch)))
        bodies.append(result.body)
        summaries.append(json.loads(json.dumps(result.summary)))

    def read_part(index):
        body = bodies[index]
        return iter([body[i:i + 7] for i in range(0, len(body), 7)])  # odd chunk sizes on purpose

    out = tmp_path / f"ours-{formatter.name}-{parts}"
    out.mkdir()
    files = list(formatter.assemble(state, summaries, read_part))
    assert len({name for name, _ in files}) == len(files), "duplicate paths"
    for name, chunks in files:
        target = out / name
        if name.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            assert list(chunks) == []
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"".join(chunks))
    return out


def tree(root: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(root)) + ("/" if p.is_dir() else ""): (None if p.is_dir() else p.read_bytes())
            for p in sorted(root.rglob("*"))}


CLOCK = [(re.compile(rb'"date_created": "[^"]*"'), b'"date_created": "<now>"'),
         (re.compile(rb'"year": \d+'), b'"year": 0')]


def without_clock(data: bytes | None) -> bytes | None:
    for pattern, replacement in CLOCK:
        data = data if data is None else pattern.sub(replacement, data)
    return data


def assert_same(ls: Path, ours: Path) -> dict[str, bytes | None]:
    expected, actual = tree(ls), tree(ours)
    assert sorted(actual) == sorted(expected)
    for name, data in expected.items():
        assert without_clock(actual[name]) == without_clock(data), name
    return expected


def compare(tmp_path, xml, tasks, formatter, fmt=None):
    ls = run_converter(tmp_path, xml, tasks, fmt or formatter.name)
    outputs = {}
    for parts in sorted({1, 2, 3, len(tasks) or 1}):
        outputs[parts] = assert_same(ls, run_ours(tmp_path, xml, tasks, formatter, parts))
    return outputs[1]


# --- COCO / VOC / YOLO / YOLO_OBB -----------------------------------------------------------------------------------

@pytest.mark.parametrize("formatter", [coco.FORMATS["COCO"], voc.FORMATS["VOC"], yolo.FORMATS["YOLO"],
                                       yolo.FORMATS["YOLO_OBB"]], ids=lambda f: f.name)
def test_bbox_project_matches_label_studio(tmp_path, formatter):
    files = compare(tmp_path, BBOX_XML, bbox_tasks(), formatter)
    assert files  # the converter wrote something to compare with


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("formatter", [coco.FORMATS["COCO"], voc.FORMATS["VOC"], yolo.FORMATS["YOLO"],
                                       yolo.FORMATS["YOLO_OBB"]], ids=lambda f: f.name)
def test_random_projects_match_label_studio(tmp_path, formatter, seed):
    compare(tmp_path, BBOX_XML, random_tasks(seed, 60), formatter)


def test_coco_details(tmp_path):
    files = compare(tmp_path, BBOX_XML, bbox_tasks(), coco.FORMATS["COCO"])
    assert set(files) == {"images/", "result.json"}
    result = json.loads(files["result.json"])
    # config labels sorted (alias before value), then labels met in results in the order met
    assert [c["name"] for c in result["categories"]] == ["Café & Bar/1", "Cat", "Doggo", "Person", "Road", "bad",
                                                         "good", "Zebra", "Dog label", "Yak"]
    assert b'"file_name": "images\\/' in files["result.json"]  # ujson escapes slashes
    names = [i["file_name"] for i in result["images"]]
    assert names[0] == names[1] == coco.image_file_name("https://example.com/photos/street.jpg?size=big")
    assert names[0].endswith("__street.jpg")
    assert "/data/upload/3/b0e8-road.png" in names and "/data/local-files/?d=pics/local.jpeg" in names
    unlabelled = result["images"][3]
    assert (unlabelled["width"], unlabelled["height"]) == (None, None)
    assert not any(n.startswith("s3:") for n in names)  # its only region has no size


def test_voc_and_yolo_overwrite_rules(tmp_path):
    (tmp_path / "voc").mkdir()
    voc_files = compare(tmp_path / "voc", BBOX_XML, bbox_tasks(), voc.FORMATS["VOC"])
    street = "Annotations/" + coco.image_file_name("https://example.com/photos/street.jpg?size=big")[7:-4] + ".xml"
    assert b"<annotator>ann@x.org</annotator>" in voc_files[street]  # the older annotation wins
    assert b"<name>Cat</name>" in voc_files["Annotations/dup.xml"]  # task 7 overwrites task 6
    assert "Annotations/empty.xml" not in voc_files and "Annotations/nosize.xml" not in voc_files
    (tmp_path / "yolo").mkdir()
    yolo_files = compare(tmp_path / "yolo", BBOX_XML, bbox_tasks(), yolo.FORMATS["YOLO"])
    unlabelled = "labels/" + coco.image_file_name("https://example.com/unlabelled.jpg")[7:-4] + ".txt"
    assert yolo_files[unlabelled] == b"" and yolo_files["labels/empty.txt"] == b""
    assert "labels/cancelled.txt" not in yolo_files
    assert yolo_files["labels/dup.txt"].startswith(b"1 ")  # Cat, from task 7
    assert yolo_files["labels/nosize.txt"] == b"1 0.15 0.15 0.1 0.1\n"
    assert yolo_files["classes.txt"].decode().splitlines()[-3:] == ["Zebra", "Dog label", "Yak"]
    newer = coco.image_file_name("https://example.com/photos/newer.jpg")[7:-4]
    assert yolo_files[f"labels/{newer}.txt"] == b"3 0.105 0.105 0.07 0.07\n"
    assert b"<name>Person</name>" in voc_files[f"Annotations/{newer}.xml"]


def test_category_attributes_and_aliases(tmp_path):
    tasks = [task(1, {"photo": "https://e.org/a.jpg"}, [annotation(1, t(1), [
        rect(1, 2, 3, 4, "Gamma", name="box"), rect(5, 6, 7, 8, "Zeta", name="box"),
        rect(9, 9, 9, 9, "New", name="box"), rect(2, 2, 2, 2, "Beta", name="box")])])]
    for formatter in (coco.FORMATS["COCO"], yolo.FORMATS["YOLO"]):
        (tmp_path / formatter.name).mkdir()
        compare(tmp_path / formatter.name, CATEGORY_XML, tasks, formatter)
    state = coco.FORMATS["COCO"].begin(parse_label_config(CATEGORY_XML), {})
    assert state["categories"] == [{"id": 1, "name": "Zeta"}, {"id": 0, "name": "Alpha"},
                                   {"id": 2, "name": "Beta"}, {"id": 3, "name": "Gamma"}]


SHAPES_XML = """<View>
  <Image name="image" value="$image"/>
  <Rectangle name="rect" toName="image"/>
  <Polygon name="shape" toName="image"/>
  <Labels name="lab" toName="image"><Label value="B"/><Label value="A"/></Labels>
</View>"""


def test_shapes_with_labels_and_annotator_env(tmp_path, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_FORCE_ANNOTATOR_EXPORT", "1")
    same = t(5)
    tasks = [
        task(1, {"image": "https://e.org/1.jpg"}, [
            annotation(1, same, [rect(10, 10, 20, 20, "A", name="lab", key="labels")], by={"id": 1, "email": "a@b.c"}),
            annotation(2, same, [rect(20, 20, 20, 20, "B", name="lab", key="labels", rotation=12)]),
        ]),
        task(2, {"image": "https://e.org/2.jpg"}, [annotation(3, t(6), [
            {**polygon([[1, 1], [9, 9], [1, 9]], "A", name="lab"), "type": "labels",
             "value": {"points": [[1, 1], [9, 9], [1, 9]], "labels": ["A"]}},
            {**rect(5, 5, 5, 5, name="rect", key="rectangle"), "value": {"x": 5, "y": 5, "width": 5, "height": 5}},
            rect(30, 30, 10, 10, "C", name="lab", key="labels"),
        ])]),
    ]
    for formatter in (coco.FORMATS["COCO"], yolo.FORMATS["YOLO"], yolo.FORMATS["YOLO_OBB"]):
        (tmp_path / formatter.name).mkdir()
        files = compare(tmp_path / formatter.name, SHAPES_XML, tasks, formatter)
        if formatter.name == "COCO":
            assert b'"annotator": "a@b.c"' in files["result.json"]
    # VOC: the converter fails on a `labels` polygon (no x); we skip that region, so compare without it
    ours = tree(run_ours(tmp_path, SHAPES_XML, tasks, voc.FORMATS["VOC"], 2))
    without_polygon = json.loads(json.dumps(tasks))
    del without_polygon[1]["annotations"][0]["result"][0]
    (tmp_path / "VOC").mkdir()
    files = compare(tmp_path / "VOC", SHAPES_XML, without_polygon, voc.FORMATS["VOC"])
    assert ours == files
    assert b"<name>C</name>" in ours[next(k for k in ours if k.endswith("__2.xml"))]


ODD_XML = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="a" toName="image"><Label value="Cat" category="1"/><Label value="default"/></RectangleLabels>
  <PolygonLabels name="b" toName="image"><Label value="Cat" category="4"/><Label value="Ant"/></PolygonLabels>
  <KeyPointLabels name="k" toName="image"><Label value="tip" model_index="0"/></KeyPointLabels>
</View>"""


@pytest.mark.parametrize("xml", [BBOX_XML, CATEGORY_XML, KEYPOINT_XML, BRUSH_XML, ODD_XML])
def test_category_ids_derived_in_parts_equal_the_converters_mapping(xml):
    schema = converter_module.Converter(config=xml, project_dir=None, download_resources=False)._schema
    from label_studio_sdk.converter.keypoints import update_categories_for_keypoints

    expected = update_categories_for_keypoints(*converter_module.Converter._get_labels(
        type("C", (), {"_schema": schema})()), schema)
    assert coco.FORMATS["COCO"].begin(parse_label_config(xml), {})["categories"] == expected[0]
    assert coco.category_ids(expected[0]) == expected[1]


def test_keypoints(tmp_path):
    tasks = [
        task(1, {"image": "https://e.org/people.jpg"}, [annotation(1, t(1), [
            rect(10, 10, 30, 40, "face", name="box", rid="b1", size=(400, 300)),
            rect(50, 50, 20, 20, "body", name="box", rid="b2", size=(400, 300)),
            keypoint(15.5, 20.25, "nose", "b1"), keypoint(20, 22, "eye", "b1"), keypoint(55, 55, "ear", "b2"),
            keypoint(90, 90, "ear", "nope")])]),
        task(2, {"image": "https://e.org/none.jpg"}, []),
        task(3, {"image": "https://e.org/kp-only.jpg"}, [annotation(2, t(2), [keypoint(12.5, 87.5, "eye", "b9")])]),
    ]
    for formatter in (coco.FORMATS["COCO"], yolo.FORMATS["YOLO"], yolo.FORMATS["YOLO_OBB"]):
        (tmp_path / formatter.name).mkdir()
        compare(tmp_path / formatter.name, KEYPOINT_XML, tasks, formatter)


def test_many_point_polygon_area_is_within_blas_noise(tmp_path):
    random.seed(9)
    points = [[random.uniform(0, 100), random.uniform(0, 100)] for _ in range(40)]
    region = polygon(points, "Road", size=(1333, 777))
    tasks = [task(1, {"image": "https://e.org/p.jpg"}, [annotation(1, t(1), [region])])]
    ls = json.loads((run_converter(tmp_path, BBOX_XML, tasks, "COCO") / "result.json").read_bytes())
    ours = json.loads((run_ours(tmp_path, BBOX_XML, tasks, coco.FORMATS["COCO"], 1) / "result.json").read_bytes())
    area_ls, area_ours = ls["annotations"][0].pop("area"), ours["annotations"][0].pop("area")
    assert area_ours == pytest.approx(area_ls, rel=1e-12)
    ls.pop("info"), ours.pop("info")
    assert ours == ls


@pytest.mark.parametrize("formatter", [coco.FORMATS["COCO"], voc.FORMATS["VOC"], yolo.FORMATS["YOLO"],
                                       brush.FORMATS["BRUSH_TO_PNG"]], ids=lambda f: f.name)
def test_no_tasks(tmp_path, formatter):
    xml = BRUSH_XML if formatter.name.startswith("BRUSH") else BBOX_XML
    files = compare(tmp_path, xml, [], formatter)
    assert ("images/" in files) != formatter.name.startswith("BRUSH")


def test_ujson_writer_matches_ujson():
    ujson = pytest.importorskip("ujson")
    random.seed(1)
    values = [0.1, 1e-7, 1e16, 1e22, 179.99999999999997, -0.0, 5e-324, 123456789012345678.0, 2.5e-5, 1e15]
    values += [random.uniform(-1, 1) * 10 ** random.randint(-30, 30) for _ in range(2000)]
    doc = {"f": values, "s": ["a/b", "é\u2028\x7f\x01\n\t\"\\", "\U0001F600", ""], "n": None, "b": [True, False],
           "e": [], "o": {}, "nested": [{"x": [1, [2, []]]}]}
    assert coco.ujson_dumps(doc) == ujson.dumps(doc, indent=2)
    assert b"".join(coco.ujson_list(iter(values), 0, batch=7)).decode() == ujson.dumps(values, indent=2)
    assert b"".join(coco.ujson_list(iter(()), 0)) == b"[]"


def test_image_file_names():
    import hashlib
    md5 = hashlib.md5(b"https://x.org/a/b.jpg?x=1").hexdigest()[:8]
    assert coco.image_file_name("https://x.org/a/b.jpg?x=1") == f"images/{md5}__b.jpg"
    for kept in ("/data/upload/1/a.jpg", "upload/1/a.jpg", "/data/local-files/?d=a/b.jpg", "s3://b/k.png",
                 "gs://b/k.png", "azure-blob://c/k.png", "/storage-data/uploaded/?filepath=upload/1/a.jpg"):
        assert coco.image_file_name(kept) == kept


# --- brush ----------------------------------------------------------------------------------------------------------

def _bits_rle(values: list[int], word: int = 8, sizes=(3, 4, 8, 16)) -> list[int]:
    """An RLE with literal runs of several words and repeats (the SDK encoder only writes 1-word literals)."""
    out = f"{len(values):032b}{word - 1:05b}" + "".join(f"{s - 1:04b}" for s in sizes)
    i = 0
    rng = random.Random(len(values))
    while i < len(values):
        j = i
        while j < len(values) and values[j] == values[i]:
            j += 1
        if j - i >= 2:
            run = min(j - i, 2 ** sizes[3])
            out += "1" + "11" + f"{run - 1:0{sizes[3]}b}" + f"{values[i]:0{word}b}"
            i += run
            continue
        run = min(rng.randint(1, 6), len(values) - i)
        out += "0" + "00" + f"{run - 1:0{sizes[0]}b}" + "".join(f"{v:0{word}b}" for v in values[i:i + run])
        i += run
    out += "0" * (-len(out) % 8)
    return [int(out[k:k + 8], 2) for k in range(0, len(out), 8)]


def _mask(height, width, seed):
    rng = np.random.RandomState(seed)
    mask = np.zeros((height, width), np.uint8)
    yy, xx = np.mgrid[:height, :width]
    for _ in range(4):
        cy, cx, r = rng.randint(height), rng.randint(width), rng.randint(2, max(3, min(height, width) // 2))
        mask[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = 255
    return mask


def test_rle_decoder_matches_the_converter():
    random.seed(4)
    for seed, (h, w) in enumerate([(1, 1), (3, 5), (17, 9), (40, 61)]):
        rgba = np.random.RandomState(seed).randint(0, 4, (h, w, 4)).astype(np.uint8) * 60
        rgba[: h // 2] = 0
        for rle in (sdk_brush.encode_rle(rgba.ravel()), _bits_rle(rgba.ravel().tolist()),
                    sdk_brush.mask2rle(_mask(h, w, seed))):
            assert bytes(brush.decode_rle(rle)) == sdk_brush.decode_rle(rle).tobytes()
    five_bit = _bits_rle([v % 32 for v in range(64)], word=5)
    assert bytes(brush.decode_rle(five_bit)) == sdk_brush.decode_rle(five_bit).tobytes()


@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (31, 17), (120, 200), (7, 20000)])
def test_png_and_npy_bytes_match_pillow_and_numpy(shape):
    mask = _mask(*shape, seed=sum(shape))
    if shape == (31, 17):
        mask = np.random.RandomState(0).randint(0, 256, shape).astype(np.uint8)
    pil = io.BytesIO()
    Image.fromarray(mask).save(pil, format="PNG")
    assert brush.png_bytes(mask.tobytes(), shape[1], shape[0]) == pil.getvalue()
    npy = io.BytesIO()
    np.save(npy, np.repeat(mask[:, :, None], 4, axis=2)[:, :, 3])
    assert brush.npy_header(*shape) + mask.tobytes() == npy.getvalue()


def brush_region(mask, *labels, rle=None, size=True):
    h, w = mask.shape
    region = {"id": f"b{random.randrange(10**6)}", "from_name": "tag", "to_name": "image", "type": "brushlabels",
              "value": {"format": "rle", "rle": rle if rle is not None else sdk_brush.mask2rle(mask),
                        "brushlabels": list(labels)}}
    if size:
        region.update(original_width=w, original_height=h, image_rotation=0)
    return region


def brush_tasks():
    random.seed(8)
    a, b, c = _mask(30, 40, 1), _mask(64, 48, 2), _mask(5, 7, 3)
    rgba = np.random.RandomState(5).randint(0, 3, (5, 7, 4)).astype(np.uint8) * 100
    return [
        task(1, {"image": "/data/upload/1/a.png"}, [
            annotation(11, t(1), [brush_region(a, "Sky"), brush_region(b, "Sky"), brush_region(c, "Tree/Bush")],
                       by={"id": 3, "email": "ann+o'brien@x.org"}),
            annotation(12, t(2), [brush_region(a, "Sky", "Tree/Bush"), rect(1, 1, 1, 1, "Sky", name="tag",
                                                                            key="brushlabels")]),
        ]),
        task(2, {"image": "https://e.org/b.jpg"}, []),
        task(3, {"image": "https://e.org/c.jpg"}, [annotation(31, t(3), [brush_region(c, "Sky")], cancelled=True)]),
        task(4, {"image": "https://e.org/d.jpg"}, [annotation(41, t(4), [
            {**brush_region(c, "Sky", rle=_bits_rle(rgba.ravel().tolist())), "value": {
                "rle": _bits_rle(rgba.ravel().tolist()), "brushlabels": ["Sky"]}},
        ])]),
        # over 1 MB of .npy: streamed out of the part in several chunks
        task(5, {"image": "https://e.org/big.jpg"}, [
            annotation(51, t(5), [brush_region(_mask(1100, 1000, 7), "Sky")])]),
    ]


@pytest.mark.parametrize("formatter", [brush.FORMATS["BRUSH_TO_NUMPY"], brush.FORMATS["BRUSH_TO_PNG"]],
                         ids=lambda f: f.name)
def test_brush_project_matches_label_studio(tmp_path, formatter):
    files = compare(tmp_path, BRUSH_XML, brush_tasks(), formatter)
    ext = formatter.extension
    assert f"task-1-annotation-11-by-annobrien@x.org-tag-Sky-1{ext}" in files
    assert f"task-1-annotation-11-by-annobrien@x.org-tag-Tree-Bush-0{ext}" in files
    assert f"task-1-annotation-12-by-1-tag-Sky-Tree-Bush-0{ext}" in files
    assert not any(name.startswith("task-3-") for name in files)


def test_malformed_brush_regions_are_skipped(tmp_path):
    mask = _mask(6, 6, 1)
    bad = [task(1, {"image": "https://e.org/a.jpg"}, [annotation(1, t(1), [
        brush_region(mask, "Sky", rle=sdk_brush.mask2rle(_mask(5, 6, 1))),  # wrong size
        brush_region(mask, "Sky", size=False),
        brush_region(mask, "Sky", rle=[1, 2, 3]),
        brush_region(mask, "Sky"),
    ])])]
    out = tree(run_ours(tmp_path, BRUSH_XML, bad, brush.FORMATS["BRUSH_TO_PNG"], 1))
    assert list(out) == ["task-1-annotation-1-by-1-tag-Sky-3.png"]
