"""JSON: the export tasks themselves, written the way Label Studio writes its export snapshots.

Label Studio's converter does not re-encode JSON: it copies its input file (`copy2(input, "result.json")`),
so the bytes are those of Label Studio's own serialization. Label Studio 1.23 has two:

- export snapshots (`POST api/projects/{id}/exports`, what the export job replaces) stream
  `json.JSONEncoder(ensure_ascii=False).iterencode(tasks)`: `[` + tasks joined by `, ` + `]`, no indent,
  `", "` / `": "` separators, non-ASCII kept (`data_export/mixins.py`, `export_to_file`);
- the legacy synchronous `GET api/projects/{id}/export` writes `ujson.dumps(tasks, ensure_ascii=False)`:
  compact separators and `/` escaped as `\\/` (`data_export/models.py`, `generate_export_file`).

Both parse to the same value. This format writes the snapshot form; Skylabel's synchronous endpoint runs
the same export job steps inline, so the job and the small-project path agree byte for byte. Cancelled
annotations are kept here (JSON is not filtered by the converter).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from skylabel.formats.base import Chunks, Part
from skylabel.formats.items import joined_parts
from skylabel.labeling_config import LabelConfig


class JsonFormat:
    name = "JSON"
    title = "JSON"
    description = ("List of items in raw JSON format stored in one JSON file. Use to export both the data "
                   "and the annotations for a dataset. It's Label Studio Common Format")
    link = "https://labelstud.io/guide/export.html#JSON"
    tags: list[str] = []

    def begin(self, config: LabelConfig, project: dict) -> dict:
        return {}

    def part(self, state: dict, tasks: list[dict]) -> Part:
        body = ", ".join(json.dumps(task, ensure_ascii=False) for task in tasks)
        return Part(body.encode(), {"count": len(tasks)})

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]:
        return [("result.json", joined_parts(summaries, read_part, b"[", b", ", b"]"))]


JSON = JsonFormat()
