"""The contract every export format implements: tasks in, bytes out, in parts.

Why parts: an export of a million tasks must never hold the project in memory, and in AWS the parts are
written in parallel by a Step Functions Map and joined at the end. So a format works in three steps:

- `begin(config, project)` → a small JSON-serializable state every part starts from;
- `part(state, tasks)` → the bytes of one part (any intermediate encoding the format likes) and a small
  JSON summary of what the part saw (e.g. CSV columns, COCO image/annotation counts, labels met);
- `assemble(state, summaries, read_part)` → the output files as (path, chunk iterator) pairs, streaming:
  it may re-read each part through `read_part(i)` (an iterator of byte chunks) as often as it needs.

Input tasks are Label Studio JSON-export task dicts (`skylabel.exports.json_export.export_task`), in id order.
One output file is served as is; several are zipped (`project-<id>-at-...zip`), as Label Studio does.
Summaries and state must stay small: in AWS they travel through Step Functions (256 KB per state).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from skylabel.labeling_config import LabelConfig

Chunks = Iterator[bytes]


@dataclass
class Part:
    body: bytes
    summary: dict = field(default_factory=dict)


class ExportFormat(Protocol):
    name: str  # Label Studio's format name, e.g. "CSV"
    title: str
    description: str

    def begin(self, config: LabelConfig, project: dict) -> dict: ...

    def part(self, state: dict, tasks: list[dict]) -> Part: ...

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]: ...
