"""Offline conversion: a Label Studio JSON export file → any format, into a folder (`skylabel convert`).

What Label Studio users do with `label-studio-converter`, done by the very format modules the export job
uses, so the files are the same bytes. The input streams (a JSON list read one task at a time) and is
cut into parts of PART_TASKS tasks kept in temporary files, so a huge export converts in bounded memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from skylabel.formats import get_format
from skylabel.imports.readers import read_tasks
from skylabel.labeling_config import parse_label_config

PART_TASKS = 1000


def convert_file(source: Path, config_xml: str, fmt: str, out_dir: Path) -> list[Path]:
    """Write the format's files under `out_dir` (folders as Label Studio's converter makes them)."""
    formatter = get_format(fmt.upper())
    state = formatter.begin(parse_label_config(config_xml), {"id": 0, "title": "", "label_config": config_xml})
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="skylabel-convert-") as scratch:
        parts: list[Path] = []
        summaries: list[dict] = []
        batch: list[dict] = []

        def flush() -> None:
            result = formatter.part(state, batch)
            path = Path(scratch) / f"part-{len(parts):06d}"
            path.write_bytes(result.body)
            parts.append(path)
            summaries.append(result.summary)
            batch.clear()

        with source.open("rb") as stream:
            for _position, task in read_tasks(stream, source.name, data_key=None):
                batch.append(task)
                if len(batch) == PART_TASKS:
                    flush()
        if batch or not parts:
            flush()

        def read_part(index: int) -> Iterator[bytes]:
            with parts[index].open("rb") as f:
                while chunk := f.read(1 << 20):
                    yield chunk

        written = []
        for relative, chunks in formatter.assemble(state, summaries, read_part):
            target = out_dir / relative
            if relative.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as f:
                for chunk in chunks:
                    f.write(chunk)
            written.append(target)
        return written
