"""Source (import) storage sync: objects in the user's bucket become tasks, each object exactly once.

Why links with id blocks: a sync may be cut short (a timeout, a crash) and run again, or run twice at once,
and must neither lose nor duplicate a task. Each object gets a link item (`keys.storage_link`) recording the
ids its tasks take *before* they are written; the link is marked committed in the same transaction as the
project's counters. So a re-sync skips committed objects (reported as `tasks_existed`, Label Studio's word),
and an object caught half-way is rewritten with its recorded ids — the same items, counted once. Objects
are committed in groups (up to `GROUP_OBJECTS` links in one transaction) so a bucket of images costs a few
writes per group, not per object.

What an object becomes (Label Studio's rules): with `use_blob_urls` one task whose first data key holds
`s3://bucket/key` (no read of the object); otherwise the object is read as task file(s) by the same readers
as uploads (JSON object or list, JSON Lines, CSV/TSV, TXT; a key without a known extension is JSON). A bad
object is reported on the storage and skipped; the others still import. Every task carries its object's key
as `storage_filename`. `regex_filter` must match from the start of the full key (`re.match`, as Label Studio),
so "only JPEGs" is `.*\\.jpe?g$`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from skylabel import keys
from skylabel.context import Context
from skylabel.errors import Invalid
from skylabel.imports.readers import is_media, is_task_file, read_tasks
from skylabel.imports.service import Built, IdBlocks, build, normalize, write
from skylabel.labeling_config import parse_label_config
from skylabel.ports import Condition, ConditionFailed, Put, Update
from skylabel.storages.source import ObjectSource, StoredObject
from skylabel.timeutil import iso

# One transaction holds a group's link commits plus the counter moves (project, label usage, <= 2 shard
# markers): 80 + 4 stays under the store's 100 operations per transaction.
GROUP_OBJECTS = 80
GROUP_TASKS = 5000  # below one task shard (10,000 ids), so a group touches at most two shard markers
MAX_REPORTED_ERRORS = 100


def import_prefix(storage: dict) -> str:
    prefix = (storage.get("prefix") or "").strip()
    return prefix.rstrip("/") + "/" if prefix else ""


def compile_filter(pattern: str | None) -> re.Pattern | None:
    if not pattern:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise Invalid(f"regex_filter is not a valid regular expression: {exc}",
                      {"regex_filter": [f"Invalid regular expression: {exc}"]}) from None


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class SyncResult:
    created: int = 0
    existed: int = 0
    objects: int = 0
    errors: list[str] = field(default_factory=list)
    ranges: list[list[int]] = field(default_factory=list)  # the created tasks' ids as [first, count] runs

    def add_tasks(self, task_ids: list[int]) -> None:
        """Record created tasks; a group's ids are one block, so a big sync keeps a few runs, not every id."""
        for task_id in task_ids:
            if self.ranges and sum(self.ranges[-1]) == task_id:
                self.ranges[-1][1] += 1
            else:
                self.ranges.append([task_id, 1])


class ImportSync:
    def __init__(self, ctx: Context, storage: dict, project: dict, user_id: int, source: ObjectSource) -> None:
        self.ctx = ctx
        self.store = ctx.items
        self.storage = storage
        self.project = project
        self.user_id = user_id
        self.source = source
        self.config = parse_label_config(project.get("label_config"))
        self.data_key = self.config.data_keys[0] if self.config.data_keys else "image"
        self.result = SyncResult()

    def run(self) -> SyncResult:
        regex = compile_filter(self.storage.get("regex_filter"))
        page: list[StoredObject] = []
        for obj in self.source.list(import_prefix(self.storage), bool(self.storage.get("recursive_scan"))):
            if regex is not None and not regex.match(obj.key):
                continue
            page.append(obj)
            if len(page) == GROUP_OBJECTS:
                self._page(page)
                page = []
        if page:
            self._page(page)
        return self.result

    # --- one page of listed objects ---------------------------------------------------------------------

    def _link_key(self, key: str) -> tuple[str, str]:
        return keys.storage_link(self.storage["id"], _digest(key))

    def _page(self, objects: list[StoredObject]) -> None:
        self.result.objects += len(objects)
        found = {link["key"]: link for link in self.store.get_many([self._link_key(o.key) for o in objects])}
        group: list[tuple[StoredObject, list[tuple]]] = []
        for obj in objects:
            link = found.get(obj.key)
            if link is not None and link.get("committed"):
                self.result.existed += link.get("count", 0)
                continue
            try:
                entries = self._entries(obj)
            except Invalid as exc:
                self._error(exc.message)
                continue
            if link is not None:  # caught half-way by an earlier sync: finish it with its recorded ids
                self._commit_one(obj, entries, link)
                continue
            if group and sum(len(e) for _, e in group) + len(entries) > GROUP_TASKS:
                self._commit_group(group)
                group = []
            group.append((obj, entries))
        if group:
            self._commit_group(group)

    def _error(self, message: str) -> None:
        if len(self.result.errors) < MAX_REPORTED_ERRORS:
            self.result.errors.append(message)

    def _entries(self, obj: StoredObject) -> list[tuple]:
        """The object's tasks, normalized and checked against the config (nothing is written yet)."""
        key = obj.key
        if self.storage.get("use_blob_urls"):
            uri = f"s3://{self.storage['bucket']}/{key}"
            return [normalize(key, {self.data_key: uri}, self.config, [])]
        if is_media(key):
            raise Invalid(f"{key}: a media file is not a task file; turn on use_blob_urls to import media.")
        if obj.size > self.ctx.settings.max_import_bytes:
            raise Invalid(f"{key}: {obj.size} bytes is over the {self.ctx.settings.max_import_bytes}-byte limit "
                          "of a storage sync; split the file.")
        name = key if is_task_file(key) else f"{key}.json"
        content = self.source.get(key)
        entries = [normalize(f"{key}, {position}", raw, self.config, [])
                   for position, raw in read_tasks([content], name, data_key=self.data_key)]
        if not entries:
            raise Invalid(f"{key}: the object has no tasks.")
        return entries

    # --- commits ----------------------------------------------------------------------------------------

    def _link(self, obj: StoredObject, count: int, blocks: dict, now: str) -> dict:
        pk, sk = self._link_key(obj.key)
        return {"pk": pk, "sk": sk, "key": obj.key, "storage": self.storage["id"], "count": count,
                "blocks": blocks, "committed": False, "created_at": now}

    def _commit_group(self, group: list[tuple[StoredObject, list[tuple]]]) -> None:
        entries = [entry for _, object_entries in group for entry in object_entries]
        blocks = IdBlocks.allocate(self.store, self.project["id"], entries)
        now = iso(self.ctx.clock())
        links, tasks_before, anns_before, preds_before = [], 0, 0, 0
        for obj, object_entries in group:
            # Each link records the ids its own tasks take inside the group's blocks, so it can be redone alone.
            own = {"task": blocks.task + tasks_before, "inner": blocks.inner + tasks_before,
                   "annotation": blocks.annotation + anns_before, "prediction": blocks.prediction + preds_before}
            links.append(self._link(obj, len(object_entries), own, now))
            tasks_before += len(object_entries)
            anns_before += sum(len(e[2]) for e in object_entries)
            preds_before += sum(len(e[3]) for e in object_entries)
        try:
            self.store.transact([Put(link, Condition.not_exists()) for link in links])
        except ConditionFailed:  # a concurrent sync claimed some of these objects: settle them one by one
            self._one_by_one(group)
            return
        built = build(self.project, self.user_id, entries, blocks, now)
        self._commit(built, [obj.key for obj, object_entries in group for _ in object_entries], links, group)

    def _commit(self, built: Built, task_keys: list[str], links: list[dict],
                group: list[tuple[StoredObject, list[tuple]]]) -> None:
        for task, key in zip(built.tasks, task_keys, strict=True):
            task["storage_filename"] = key
        unsettled = Condition.equals("committed", False)
        commits = [Update(link["pk"], link["sk"], set={"committed": True}, condition=unsettled) for link in links]
        try:
            write(self.ctx, built, extra=commits)
        except ConditionFailed:  # another sync committed one of them first (with the same ids): recount
            if len(group) == 1:
                self.result.existed += len(task_keys)
                return
            self._one_by_one(group)
            return
        self.result.created += len(task_keys)
        self.result.add_tasks([task["id"] for task in built.tasks])

    def _one_by_one(self, group: list[tuple[StoredObject, list[tuple]]]) -> None:
        for obj, object_entries in group:
            self._commit_one(obj, object_entries, self.store.get(*self._link_key(obj.key)))

    def _commit_one(self, obj: StoredObject, entries: list[tuple], link: dict | None) -> None:
        if link is not None and link.get("committed"):
            self.result.existed += link.get("count", 0)
            return
        if link is None or link.get("count") != len(entries):
            # New, or the object changed since the interrupted attempt: take fresh ids for what it holds now.
            blocks = IdBlocks.allocate(self.store, self.project["id"], entries)
            fresh = self._link(obj, len(entries), vars(blocks), iso(self.ctx.clock()))
            condition = Condition.not_exists() if link is None else Condition.equals("committed", False)
            try:
                self.store.put(fresh, condition)
            except ConditionFailed:
                current = self.store.get(*self._link_key(obj.key))
                if current is None or current.get("committed") or current.get("count") != len(entries):
                    self.result.existed += (current or {}).get("count", 0)
                    return
                fresh = current
            link = fresh
        built = build(self.project, self.user_id, entries, IdBlocks(**link["blocks"]), link["created_at"])
        self._commit(built, [obj.key] * len(entries), [link], [(obj, entries)])
