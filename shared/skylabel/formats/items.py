"""The converter's common pipeline, shared by every format but JSON: config → schema, task → items, the item
helpers, the ujson-compatible writer, and the helpers that write and re-read parts.

Label Studio builds every format but JSON from the JSON export through `label_studio_sdk.converter.Converter`
(reference/export_formats.md §1-§2). Its pipeline, reproduced here because the output must be byte-identical:

- a task without annotations gives one empty item; cancelled (`was_cancelled` / legacy `skipped`) annotations
  are dropped, and a task whose annotations are all cancelled gives nothing;
- the remaining annotations are sorted by `created_at` descending (a stable string sort), one item each;
- a result is kept when its `from_name` is a control tag of the config (Repeater names like `q_{{idx}}` match
  as a regex, as Label Studio's parsed config says), its `value` gets `type` = the control tag's type and
  `original_width/height` (and, for YOLO with keypoints, the region's `id` / `parentID`); chat messages are
  kept; with no control tag at all every result is kept;
- `prettify_result`: one single-choice Choices region or one single-text TextArea region becomes the bare
  string, everything else the list of region values.

The schema comes from the config XML the way Label Studio's `parse_config` reads it (any tag with `name` and
`toName` except `<Filter>` is a control, its type spelled as written), so types and names match exactly.

Skylabel does not depend on ujson: `ujson_dumps` reproduces its output with the standard library (ujson
escapes `/` as `\\/` and writes `1e-7` where Python writes `1e-07`; everything else — separators, indentation,
key order, escapes of control characters, raw or `\\uXXXX` non-ASCII — is the same).

Where Label Studio's converter crashes (a result `value` that is not an object, annotations whose
`created_at` cannot be compared, a Choices value without `choices`), these functions pick a sane output
instead of failing the export; there is no Label Studio output to be identical to in those cases.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator

from skylabel.formats.base import Chunks
from skylabel.labeling_config import LabelConfig
from skylabel.labeling_config.parse import parse_xml

# ---------------------------------------------------------------------------------------------- ujson output

_EXPONENT = re.compile(r'"(?:[^"\\]|\\.)*"|(?<=[\d.])e-0(?=\d)')


def _ujson_exponent(match: re.Match) -> str:
    return match.group() if match.group().startswith('"') else "e-"


_ESCAPE_OR_DEL = re.compile(r"\\\\|\\u007f")  # an escaped backslash (skipped whole), or an escaped DEL


def _raw_del(match: re.Match) -> str:
    return match.group() if match.group() == "\\\\" else "\x7f"


def ujson_dumps(value, indent: int | None = None, ensure_ascii: bool = False, level: int = 0) -> str:
    """`ujson.dumps(value, ensure_ascii=ensure_ascii[, indent=indent])`, byte for byte, for JSON-typed values.

    `level` (with `indent`): the value stands that many levels deep in an enclosing document.
    """
    if indent is None:
        text = json.dumps(value, ensure_ascii=ensure_ascii, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
        if level:  # a raw newline only ever occurs between elements (strings escape theirs)
            text = text.replace("\n", "\n" + " " * (indent * level))
    if ensure_ascii and "\\u007f" in text:  # ujson's ASCII mode writes DEL raw, Python's escapes it
        text = _ESCAPE_OR_DEL.sub(_raw_del, text)
    if "e-0" in text:  # Python's repr pads one-digit negative exponents (1e-07), ujson does not (1e-7)
        text = _EXPONENT.sub(_ujson_exponent, text)
    return text.replace("/", "\\/")  # "/" only ever occurs inside JSON strings


def ujson_pretty(value, level: int = 0) -> str:
    """`ujson.dumps(value, indent=2)` with ujson's defaults (non-ASCII as `\\uXXXX`): the image formats' JSON."""
    return ujson_dumps(value, indent=2, ensure_ascii=True, level=level)


def ujson_list(elements: Iterable, level: int, batch: int = 500) -> Iterator[bytes]:
    """A JSON list at `level`, as `ujson_pretty` writes it, streamed: ujson's layout without holding the list."""
    pad = "\n" + "  " * (level + 1)
    first, buffer = True, []
    for element in elements:
        buffer.append(("[" if first else ",") + pad + ujson_pretty(element, level + 1))
        first = False
        if len(buffer) >= batch:
            yield "".join(buffer).encode()
            buffer = []
    buffer.append("[]" if first else "\n" + "  " * level + "]")
    yield "".join(buffer).encode()


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


def _outputs(result: list, matcher: Matcher, with_ids: bool) -> dict[str, list[dict]]:
    outputs: dict[str, list[dict]] = {}
    for r in result:
        if not isinstance(r, dict):
            continue
        from_name = r.get("from_name")
        tag = matcher.tag(from_name) if isinstance(from_name, str) else None
        if from_name and tag:
            v = _copy_value(r.get("value"))
            v["type"] = matcher.types[tag]
            if with_ids:  # the converter's `is_keypoints`, set by its YOLO export only
                v["id"] = r.get("id")
                v["parentID"] = r.get("parentID")
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


def task_items(task: dict, matcher: Matcher, with_ids: bool = False) -> Iterator[dict]:
    """`Converter.annotation_result_from_task`: the items of one export task."""
    if "annotations" not in task and "completions" not in task:
        return
    annotations = task["annotations"] if "annotations" in task else task["completions"]
    if not annotations:
        yield _item(task, {}, {})
        return
    kept = [a for a in annotations if not (a.get("skipped", False) or a.get("was_cancelled", False))]
    for annotation in _newest_first(kept):
        item = _item(task, _outputs(annotation.get("result") or [], matcher, with_ids), annotation)
        if "agreement" in task:
            item["agreement"] = task["agreement"]
        yield item


def items(tasks: Iterable[dict], matcher: Matcher, with_ids: bool = False) -> Iterator[dict]:
    for task in tasks:
        yield from task_items(task, matcher, with_ids)


def all_regions(item: dict) -> list[dict]:
    return [region for values in item["output"].values() for region in values]


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
    """`get_annotator`: the email of a user object, else the id (an int for JSON_MIN, a string elsewhere)."""
    who = item["completed_by"]
    if isinstance(who, dict):
        return who.get("email")
    if isinstance(who, int) and int_id:
        return who
    return str(who)


# ---------------------------------------------------------------------------------------------- parts


def joined_parts(summaries: list[dict], read_part: Callable[[int], Chunks], head: bytes, separator: bytes,
                 tail: bytes) -> Chunks:
    """`head`, the parts that hold something (`count` in their summary) joined by `separator`, `tail`."""
    yield head
    first = True
    for index, summary in enumerate(summaries):
        if not summary.get("count"):
            continue
        if not first:
            yield separator
        first = False
        yield from read_part(index)
    yield tail


def jsonl(records: Iterable) -> bytes:
    """Records as JSON lines (compact, non-ASCII kept): the intermediate encoding of parts."""
    return b"".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for r in records)


def read_jsonl(chunks: Chunks) -> Iterator:
    """The records of `jsonl` bytes; lines split on b"\\n" only (JSON text may hold U+2028, which splitlines cuts)."""
    rest = b""
    for chunk in chunks:
        rest += chunk
        *lines, rest = rest.split(b"\n")
        for line in lines:
            if line:
                yield json.loads(line)
    if rest.strip():
        yield json.loads(rest)


class PartCache:
    """Parts parsed on demand, one held at a time: files of the same part are read from one parse."""

    def __init__(self, read_part: Callable[[int], Chunks], parse: Callable[[Iterator], object]) -> None:
        self.read_part, self.parse = read_part, parse
        self.index: int | None = None
        self.value = None

    def get(self, index: int):
        if self.index != index:
            self.value = None
            self.value = self.parse(read_jsonl(self.read_part(index)))
            self.index = index
        return self.value
