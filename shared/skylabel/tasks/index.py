"""A project's tasks in id order, over the sharded task index (see keys.py).

Why shards: DynamoDB caps one partition at ~1,000 writes/s, so one index partition per project would cap a
million-task import at ~17 minutes. Task ids come in contiguous blocks and a shard is a range of ids, so
a bulk import's parallel parts write to different partitions, and reading shards in ascending order still
yields tasks in id order. A shard marker item (written idempotently with the tasks) says which shards a
project uses; counts are read live from the index, so they can never drift from the tasks themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from skylabel import keys
from skylabel.ports import Item, ItemStore, Put


def shard_markers(project_id: int, task_ids: Iterable[int]) -> list[dict]:
    """Marker items for the shards these tasks fall in (put them with the tasks; re-putting is harmless)."""
    shards = sorted({keys.task_shard(t) for t in task_ids})
    return [dict(zip(("pk", "sk"), keys.project_shard(project_id, s), strict=True), shard=s) for s in shards]


def marker_puts(project_id: int, task_ids: Iterable[int]) -> list[Put]:
    return [Put(item) for item in shard_markers(project_id, task_ids)]


class TaskIndex:
    def __init__(self, store: ItemStore) -> None:
        self.store = store

    def shards(self, project_id: int) -> list[int]:
        pk, _ = keys.project_shard(project_id, 0)
        return [item["shard"] for item in self.store.query(pk).items]

    def page(self, project_id: int, *, skip: int, limit: int) -> list[Item]:
        """Tasks `skip`..`skip+limit` in id order: whole shards before the page are skipped by their count."""
        out: list[Item] = []
        for shard in self.shards(project_id):
            partition = keys.project_tasks(project_id, shard)
            if skip:
                size = self.store.count(partition, index="gsi1")
                if skip >= size:
                    skip -= size
                    continue
            page = self.store.query(partition, index="gsi1", skip=skip, limit=limit - len(out))
            skip = 0
            out += page.items
            if len(out) >= limit:
                break
        return out

    def iterate(self, project_id: int, page_size: int = 1000) -> Iterator[Item]:
        """Every task of the project in id order, read a page at a time (memory stays flat)."""
        for shard in self.shards(project_id):
            cursor = None
            while True:
                page = self.store.query(keys.project_tasks(project_id, shard), index="gsi1", limit=page_size,
                                        cursor=cursor)
                yield from page.items
                cursor = page.cursor
                if cursor is None:
                    break

    def all(self, project_id: int) -> list[Item]:
        """Every task at once, for Data Manager queries that must see the whole project."""
        items: list[Item] = []
        for shard in self.shards(project_id):
            items += self.store.query(keys.project_tasks(project_id, shard), index="gsi1").items
        return items
