"""JSON_MIN: one record per converter item (`skylabel.formats.items`), as `Converter.convert_to_json_min` writes it.

A record is the task data, `id`, each output prettified (`prettify_result`) under its `from_name`, then
`annotator` (the email, else the user id as an int), `annotation_id`, `created_at`, `updated_at`, `lead_time`
(+ `agreement`). The file is `[\\n` + records joined by `,\\n` + `\\n]`, each record written by `ujson.dump(indent=2,
ensure_ascii=False)` (reproduced by `items.ujson_dumps`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from skylabel.formats.base import Chunks, Part
from skylabel.formats.items import Matcher, annotator, build_schema, items, joined_parts, prettify_result, ujson_dumps
from skylabel.labeling_config import LabelConfig


def record(item: dict) -> dict:
    out = dict(item["input"])
    if item.get("id") is not None:
        out["id"] = item["id"]
    for name, value in item["output"].items():
        out[name] = prettify_result(value)
    out["annotator"] = annotator(item, int_id=True)
    out["annotation_id"] = item["annotation_id"]
    out["created_at"] = item["created_at"]
    out["updated_at"] = item["updated_at"]
    out["lead_time"] = item["lead_time"]
    if "agreement" in item:
        out["agreement"] = item["agreement"]
    return out


class JsonMinFormat:
    name = "JSON_MIN"
    title = "JSON-MIN"
    description = ('List of items where only "from_name", "to_name" values from the raw JSON format are '
                   "exported. Use to export only the annotations for a dataset.")
    link = "https://labelstud.io/guide/export.html#JSON-MIN"
    tags: list[str] = []

    def begin(self, config: LabelConfig, project: dict) -> dict:
        return {"schema": build_schema(config)}

    def part(self, state: dict, tasks: list[dict]) -> Part:
        matcher = Matcher(state["schema"])
        records = [ujson_dumps(record(item), indent=2) for item in items(tasks, matcher)]
        return Part(",\n".join(records).encode(), {"count": len(records)})

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]:
        return [("result.json", joined_parts(summaries, read_part, b"[\n", b",\n", b"\n]"))]


JSON_MIN = JsonMinFormat()
