"""CSV and TSV: one row per converter item, as `label_studio_sdk.converter.exports.csv2` writes them.

Rules (reference/export_formats.md §4): `csv.DictWriter(quoting=QUOTE_NONNUMERIC)` with the default `\\r\\n`
line terminator and a header; columns are the **sorted** union over all rows of the data keys, `id`, the
control-tag names (+ `<name>_transcript` for chats), `annotator`, `annotation_id`, `created_at`, `updated_at`,
`lead_time` (+ `agreement`, `history`). A data key that is also a control-tag name anywhere in the export is
renamed `_data_<key>`. Values that are not strings after `prettify_result`, and dict/list data values, are
written as compact ujson (`/` escaped as `\\/`). TSV is the same with a tab delimiter and — as Label Studio
serves it — still named `result.csv`.

Why rows go through the parts as JSON lines: the header and the `_data_` renaming depend on every task of
the export, but a part sees only its own. So `part` writes each row's cells (already prettified and
JSON-encoded, in the order the converter fills its row dict, so later keys overwrite earlier ones the same
way) plus a summary of the keys it met; `assemble` unites the summaries into the header and colliding keys,
then re-reads the parts and writes the CSV rows with the standard `csv` module — the very writer the
converter uses, so quoting and number formatting are identical. The output file is written in text mode
by the converter on Linux, so there is no newline translation inside values either.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from skylabel.formats.base import Chunks, Part
from skylabel.formats.items import (
    Matcher,
    annotator,
    build_schema,
    items,
    jsonl,
    prettify_result,
    read_jsonl,
    ujson_dumps,
)
from skylabel.labeling_config import LabelConfig

ALWAYS = ("annotator", "annotation_id", "created_at", "updated_at", "lead_time")
FLUSH_BYTES = 1 << 20


def _transcript(pretty) -> str:
    """`csv2.generate_chat_transcript`: "role: content" per chat message."""
    lines = []
    if isinstance(pretty, list):
        for message in pretty:
            if not isinstance(message, dict):
                continue
            role = str(message.get("role", ""))
            content = str(message.get("content", ""))
            if role:
                lines.append(f"{role}: {content}" if content else f"{role}:")
            else:
                lines.append(content)
    return "\n".join(lines)


def _is_chat(values: list) -> bool:
    return any(isinstance(v, dict) and v.get("type") in ("Chat", "chatmessage") for v in values)


def row(item: dict) -> tuple[dict, set[str]]:
    """One item → its cells (`out` and `tail` column names are final, `in` keys may be renamed later) and the
    columns it adds besides its data keys."""
    columns: set[str] = set()
    out: list[list] = []
    for name, values in item["output"].items():
        pretty = prettify_result(values)
        out.append([name, pretty if isinstance(pretty, str) else ujson_dumps(pretty)])
        columns.add(name)
        if _is_chat(values):
            out.append([f"{name}_transcript", _transcript(pretty)])
            columns.add(f"{name}_transcript")
    cells_in = [[k, ujson_dumps(v) if isinstance(v, dict | list) else v] for k, v in item["input"].items()]
    tail = [["annotator", annotator(item)], ["annotation_id", item["annotation_id"]],
            ["created_at", item["created_at"]], ["updated_at", item["updated_at"]], ["lead_time", item["lead_time"]]]
    if "agreement" in item:
        tail.append(["agreement", item["agreement"]])
        columns.add("agreement")
    if item.get("history"):
        tail.append(["history", ujson_dumps(item["history"])])
        columns.add("history")
    if item.get("id") is not None:
        columns.add("id")
    return {"id": item.get("id"), "out": out, "in": cells_in, "tail": tail}, columns


class CsvFormat:
    title = "CSV"
    description = ("Results are stored as comma-separated values with the column names specified by the "
                   'values of the "from_name" and "to_name" fields.')
    link = "https://labelstud.io/guide/export.html#CSV"
    tags: list[str] = []

    def __init__(self, name: str = "CSV", delimiter: str = ",") -> None:
        self.name = name
        self.delimiter = delimiter
        if name == "TSV":
            self.title = "TSV"
            self.description = ('Results are stored in tab-separated tabular file with column names specified by '
                                '"from_name" "to_name" values')
            self.link = "https://labelstud.io/guide/export.html#TSV"

    def begin(self, config: LabelConfig, project: dict) -> dict:
        return {"schema": build_schema(config)}

    def part(self, state: dict, tasks: list[dict]) -> Part:
        matcher = Matcher(state["schema"])
        rows = []
        inputs: set[str] = set()
        outputs: set[str] = set()
        columns: set[str] = set()
        for item in items(tasks, matcher):
            cells, added = row(item)
            inputs.update(item["input"])
            outputs.update(item["output"])
            columns |= added
            rows.append(cells)
        summary = {"count": len(rows), "inputs": sorted(inputs), "outputs": sorted(outputs),
                   "columns": sorted(columns)}
        return Part(jsonl(rows), summary)

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]:
        return [("result.csv", self._chunks(summaries, read_part))]

    def _chunks(self, summaries: list[dict], read_part: Callable[[int], Chunks]) -> Chunks:
        inputs = set().union(*(s.get("inputs", ()) for s in summaries))
        outputs = set().union(*(s.get("outputs", ()) for s in summaries))
        colliding = inputs & outputs

        def column(key: str) -> str:
            return f"_data_{key}" if key in colliding else key

        header = set(ALWAYS) | {column(k) for k in inputs}
        header.update(*(s.get("columns", ()) for s in summaries))
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=sorted(header), quoting=csv.QUOTE_NONNUMERIC,
                                delimiter=self.delimiter)
        writer.writeheader()
        for index, summary in enumerate(summaries):
            if not summary.get("count"):
                continue
            for cells in read_jsonl(read_part(index)):
                record = {} if cells["id"] is None else {"id": cells["id"]}
                record.update(cells["out"])
                record.update((column(k), v) for k, v in cells["in"])
                record.update(cells["tail"])
                writer.writerow(record)
                if buffer.tell() >= FLUSH_BYTES:
                    yield buffer.getvalue().encode()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue().encode()


CSV = CsvFormat("CSV", ",")
TSV = CsvFormat("TSV", "\t")
