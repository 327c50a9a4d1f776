"""JSON_MIN, and the converter's "item" view of an export that JSON_MIN, CSV, TSV and CONLL2003 share.

Label Studio builds every format but JSON from the JSON export through `label_studio_sdk.converter.Converter`
(reference/export_formats.md §1-§2). Its pipeline, reproduced here because the output must be byte-identical:

- a task without annotations gives one empty item; cancelled (`was_cancelled` / legacy `skipped`) annotations
  are dropped, and a task whose annotations are all cancelled gives nothing;
- the remaining annotations are sorted by `created_at` descending (a stable string sort), one item each;
- a result is kept when its `from_name` is a control tag of the config (Repeater names like `q_{{idx}}` match
  as a regex, as Label Studio's parsed config says), its `value` gets `type` = the control tag's type and
  `original_width/height`; chat messages are kept; with no control tag at all every result is kept;
- `prettify_result`: one single-choice Choices region or one single-text TextArea region becomes the bare
  string, everything else the list of region values.

The schema comes from the config XML the way Label Studio's `parse_config` reads it (any tag with `name` and
`toName` except `<Filter>` is a control, its type spelled as written), so types and names match exactly.

JSON_MIN itself is `[\\n` + records joined by `,\\n` + `\\n]`, each record written by `ujson.dump(indent=2,
ensure_ascii=False)`. Skylabel does not depend on ujson: `ujson_dumps` reproduces its output with the
standard library (ujson escapes `/` as `\\/` and writes `1e-7` where Python writes `1e-07`; everything else —
separators, indentation, key order, escapes of control characters, raw non-ASCII — is the same).

Where Label Studio's converter crashes (a result `value` that is not an object, annotations whose
`created_at` cannot be compared, a Choices value without `choices`), these functions pick a sane output
instead of failing the export; there is no Label Studio output to be identical to in those cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator

from skylabel.formats.base import Chunks, Part
from skylabel.labeling_config import LabelConfig
from skylabel.labeling_config.parse import parse_xml

# ---------------------------------------------------------------------------------------------- ujson output

_EXPONENT = re.compile(r'"(?:[^"\\]|\\.)*"|(?<=[\d.])e-0(?=\d)')


def _ujson_exponent(match: re.Match) -> str:
    return match.group() if match.group().startswith('"') else "e-"


def ujson_dumps(value, indent: int | None = None) -> str:
    """`ujson.dumps(value, ensure_ascii=False[, indent=indent])`, byte for byte, for JSON-typed values."""
    if indent is None:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=indent)
    if "e-0" in text:  # Python's repr pads one-digit negative exponents (1e-07), ujson does not (1e-7)
        text = _EXPONENT.sub(_ujson_exponent, text)
    return text.replace("/", "\\/")  # "/" only ever occurs inside JSON strings


# ---------------------------------------------------------------------------------------------- the schema


def build_schema(config: LabelConfig) -> dict:
    """The part of Label Studio's parsed config the converter reads, as small JSON-serializable state.

    `controls`: [name, type, regex pattern or None] in document order; `data_keys`: the task data keys the
    controls' object tags read (the converter's `_data_keys`), in document order.
    """
    root = parse_xml(config.xml)
    controls: dict[str, list] = {}
    to_names: dict[str, list[str]] = {}
    inputs: dict[str, str] = {}
    variables: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        attrib = element.attrib
        if "indexFlag" in attrib:
            variables.append(attrib["indexFlag"])
        name = attrib.get("name")
        if name and attrib.get("toName") and element.tag != "Filter":
            targets = attrib["toName"].split(",")
            # Repeater: a control whose toName holds an indexFlag seen so far matches names by regex.
            used = [v for v in variables if any(v in t for t in targets)]
            pattern = None
            if used:
                pattern = name
                for variable in used:
                    pattern = pattern.replace(variable, ".*")
            controls[name] = [name, element.tag, pattern]
            to_names[name] = targets
        elif name and (attrib.get("value") or attrib.get("valueList")):
            inputs[name] = (attrib["value"] if "value" in attrib else attrib["valueList"]).lstrip("$")
    data_keys: list[str] = []
    for name in controls:
        for target in to_names[name]:
            if target in inputs and inputs[target] not in data_keys:
                data_keys.append(inputs[target])
    return {"controls": list(controls.values()), "data_keys": data_keys}


class Matcher:
    """`Converter._maybe_matching_tag_from_schema`: exact name first, else the longest matching Repeater regex."""

    def __init__(self, schema: dict) -> None:
        self.types = {name: kind for name, kind, _ in schema["controls"]}
        self.patterns = []
        for name, _, pattern in schema["controls"]:
            if pattern:
                try:
                    self.patterns.append((name, len(pattern), re.compile(pattern)))
                except re.error:
                    continue
        self.cache: dict[str, str | None] = {}

    def __bool__(self) -> bool:
        return bool(self.types)

    def tag(self, from_name: str) -> str | None:
        if from_name in self.types:
            return from_name
        if from_name not in self.cache:
            best, best_len = None, 0
            for name, length, regex in self.patterns:
                if regex.match(from_name) and length > best_len:
                    best, best_len = name, length
            self.cache[from_name] = best
        return self.cache[from_name]


# ---------------------------------------------------------------------------------------------- items


def _copy_value(value) -> dict:
    # The converter deep-copies; values are never mutated below their top level, so a shallow copy is enough.
    return dict(value) if isinstance(value, dict) else {}


def _outputs(result: list, matcher: Matcher) -> dict[str, list[dict]]:
    outputs: dict[str, list[dict]] = {}
    for r in result:
        if not isinstance(r, dict):
            continue
        from_name = r.get("from_name")
        tag = matcher.tag(from_name) if isinstance(from_name, str) else None
        if from_name and tag:
            v = _copy_value(r.get("value"))
            v["type"] = matcher.types[tag]
        elif from_name and r.get("type") == "chatmessage":
            v = _copy_value(r.get("value", {}))
            v["type"] = "chatmessage"
            outputs.setdefault(from_name, []).append(v)
            continue
        elif from_name and not matcher:
            v = _copy_value(r.get("value") or {})
            v["type"] = r.get("type") or "unknown"
        else:
            continue
        if "original_width" in r:
            v["original_width"] = r["original_width"]
        if "original_height" in r:
            v["original_height"] = r["original_height"]
        outputs.setdefault(from_name, []).append(v)
    return outputs


def _item(task: dict, outputs: dict, annotation: dict) -> dict:
    return {
        "id": task.get("id"),
        "input": task.get("data") or {},
        "output": outputs,
        "completed_by": annotation.get("completed_by", {}),
        "annotation_id": annotation.get("id"),
        "created_at": annotation.get("created_at"),
        "updated_at": annotation.get("updated_at"),
        "lead_time": annotation.get("lead_time"),
        "history": annotation.get("history"),
        "was_cancelled": annotation.get("was_cancelled"),
    }


def _newest_first(annotations: list[dict]) -> list[dict]:
    try:
        return sorted(annotations, key=lambda a: a.get("created_at", 0), reverse=True)
    except TypeError:  # mixed types: Label Studio fails here; compare them as strings instead
        return sorted(annotations, key=lambda a: str(a.get("created_at") or ""), reverse=True)


def task_items(task: dict, matcher: Matcher) -> Iterator[dict]:
    """`Converter.annotation_result_from_task`: the items of one export task."""
    if "annotations" not in task and "completions" not in task:
        return
    annotations = task["annotations"] if "annotations" in task else task["completions"]
    if not annotations:
        yield _item(task, {}, {})
        return
    kept = [a for a in annotations if not (a.get("skipped", False) or a.get("was_cancelled", False))]
    for annotation in _newest_first(kept):
        item = _item(task, _outputs(annotation.get("result") or [], matcher), annotation)
        if "agreement" in task:
            item["agreement"] = task["agreement"]
        yield item


def items(tasks: Iterable[dict], matcher: Matcher) -> Iterator[dict]:
    for task in tasks:
        yield from task_items(task, matcher)


def prettify_result(values: list[dict]):
    """One single-choice Choices / single-text TextArea region → the bare string; otherwise the region list."""
    out = []
    tag_type = None
    for value in values:
        region = dict(value)
        tag_type = region.pop("type", None)
        if tag_type == "Choices" and _one(region.get("choices")):
            out.append(region["choices"][0])
        elif tag_type == "TextArea" and _one(region.get("text")):
            out.append(region["text"][0])
        elif tag_type in ("Chat", "chatmessage"):
            out.append(region.get("chatmessage", region))
        else:
            out.append(region)
    return out[0] if tag_type in ("Choices", "TextArea") and len(out) == 1 else out


def _one(values) -> bool:
    try:
        return len(values) == 1
    except TypeError:
        return False


def annotator(item: dict, int_id: bool = False):
    """`get_annotator`: the email of a user object, else the id (an int for JSON_MIN, a string for CSV)."""
    who = item["completed_by"]
    if isinstance(who, dict):
        return who.get("email")
    if isinstance(who, int) and int_id:
        return who
    return str(who)


# ---------------------------------------------------------------------------------------------- the format


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
        return [("result.json", _json_min_chunks(summaries, read_part))]


def _json_min_chunks(summaries: list[dict], read_part: Callable[[int], Chunks]) -> Chunks:
    yield b"[\n"
    first = True
    for index, summary in enumerate(summaries):
        if not summary.get("count"):
            continue
        if not first:
            yield b",\n"
        first = False
        yield from read_part(index)
    yield b"\n]"


JSON_MIN = JsonMinFormat()
