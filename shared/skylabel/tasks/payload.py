"""Task data too big for one item lives in the BlobStore, with a pointer in the item.

DynamoDB caps an item at 400 KB; a task with a long document, a big JSON structure or inline media would
hit it. Above `LIMIT` the data moves to `tasks/<project>/<task>.json` (a key derived from the task id, so a
retried import rewrites the same object) and the item keeps `data_ref`. Services hydrate items before
answering, so callers never see the difference. The size check is cheap for the common case (plain
strings are measured by length, only nested values are serialized).
"""

from __future__ import annotations

import json

from skylabel.context import Context

LIMIT = 300 * 1024  # leaves room under 400 KB for the task's other attributes and UTF-8 growth


def _approximate_size(data: dict) -> int:
    size = 0
    for key, value in data.items():
        size += len(key) + 6
        if isinstance(value, str):
            size += len(value) * (1 if value.isascii() else 4)
        elif isinstance(value, int | float | bool) or value is None:
            size += 24
        else:
            size += len(json.dumps(value, ensure_ascii=False).encode())
        if size > LIMIT:
            return size
    return size


def data_key(project_id: int, task_id: int) -> str:
    return f"tasks/{project_id}/{task_id}.json"


def offload_large(ctx: Context, tasks: list[dict]) -> int:
    """Move oversized `data` of these task items to the BlobStore (in place); returns how many moved."""
    moved = 0
    for task in tasks:
        data = task.get("data")
        if not isinstance(data, dict) or _approximate_size(data) <= LIMIT:
            continue
        encoded = json.dumps(data, ensure_ascii=False).encode()
        if len(encoded) <= LIMIT:
            continue
        key = data_key(task["project"], task["id"])
        ctx.blobs.put(key, encoded, "application/json")
        task["data"] = {}
        task["data_ref"] = key
        moved += 1
    return moved


def hydrate(ctx: Context, tasks: list[dict]) -> list[dict]:
    """Put offloaded data back into task items (in place)."""
    for task in tasks:
        ref = task.get("data_ref")
        if ref:
            task["data"] = json.loads(ctx.blobs.get(ref))
    return tasks
