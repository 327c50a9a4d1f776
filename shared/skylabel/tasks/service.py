"""Task CRUD and listing.

Listing has two paths. With no filter, no selection and the default order (what SDK pagers and the
benchmark do), a page is one offset query on the project's task index — the cost does not grow with the
page number beyond the index walk. Anything else reads the project's tasks once, evaluates Label
Studio's Data Manager query over them (`skylabel.dm_query`), and pages the result; totals are over the
filtered set, as Label Studio reports them.
"""

from __future__ import annotations

from skylabel import ids, keys
from skylabel.batching import chunked
from skylabel.context import Actor, Context
from skylabel.dm_query import parse_query
from skylabel.errors import Conflict, Invalid, NotFound, not_found
from skylabel.labeling_config import parse_label_config
from skylabel.ports import Condition, ConditionFailed, Put, Update
from skylabel.projects.service import ProjectService
from skylabel.tasks.index import TaskIndex, marker_updates, shard_counts
from skylabel.tasks.payload import hydrate, offload_large
from skylabel.tasks.state import summary_update, usage_delta
from skylabel.tasks.views import TASK_DEFAULTS, Bundle, listing_columns, listing_row, load_bundle, task_full, task_short
from skylabel.timeutil import iso

# Columns a filter or ordering may touch that live outside the task item (they need the task partition).
PARTITION_COLUMNS = {
    "annotations_results", "predictions_results", "predictions_score", "predictions_model_versions",
    "ground_truth", "avg_lead_time", "draft_exists", "annotations_ids",
}


def task_template(project: dict, now: str) -> dict:
    """The attributes every new task of a project starts with (copied per task: cheap for bulk imports).

    Attributes at their default (zero counters, no annotators, null timestamps) are not stored: readers
    apply `TASK_DEFAULTS`, which keeps a 100,000-task import lean.
    """
    return {
        "project": project["id"],
        "organization": project["organization"],
        "created_at": now,
        "updated_at": now,
        "overlap": project.get("maximum_annotations", 1),
        "version": 1,
    }


def new_task_item(*, task_id: int, template: dict, data: dict, meta: dict | None, inner_id: int) -> dict:
    item = template.copy()
    item["pk"], item["sk"] = keys.task(task_id)
    item["gsi1pk"] = keys.project_tasks(item["project"], keys.task_shard(task_id))
    item["gsi1sk"] = keys.pad(task_id)
    item["id"] = task_id
    item["data"] = data
    item["inner_id"] = inner_id
    if meta:
        item["meta"] = meta
    return item


class TaskService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items
        self.projects = ProjectService(ctx)

    def _now(self) -> str:
        return iso(self.ctx.clock())

    def _emails(self, bundles: list[Bundle]) -> dict[int, str]:
        user_ids = {a.get("completed_by") for b in bundles for a in b.annotations} - {None}
        users = self.store.get_many([keys.user(u) for u in user_ids]) if user_ids else []
        return {u["id"]: u["email"] for u in users}

    # --- single tasks ----------------------------------------------------------------------------------------

    def create(self, actor: Actor, project_id: int | None, data: object, meta: object = None) -> dict:
        if project_id is None:
            raise Invalid("This field is required.", {"project": ["This field is required."]})
        if not isinstance(data, dict):
            raise Invalid("Task data must be a JSON object.", {"data": ["Expected a JSON object."]})
        if meta is not None and not isinstance(meta, dict):
            raise Invalid("Task meta must be a JSON object.", {"meta": ["Expected a JSON object."]})
        project = self.projects.get_item(actor, project_id)
        missing = parse_label_config(project.get("label_config")).missing_keys(data)
        if missing:
            raise Invalid(f'"{missing[0]}" key is expected in task data', {"data": [f'"{missing[0]}" is missing']})
        task_id = ids.allocate_one(self.store, "task")
        inner_id = self.store.increment(*keys.project(project_id), "next_inner_id", 1)
        item = new_task_item(task_id=task_id, template=task_template(project, self._now()), data=data, meta=meta,
                             inner_id=inner_id)
        offload_large(self.ctx, [item])
        try:
            counter = Update(*keys.project(project_id), add={"task_number": 1}, condition=Condition.exists())
            self.store.transact([Put(item, Condition.not_exists()), counter,
                                 *marker_updates(project_id, shard_counts([task_id]))])
        except ConditionFailed:
            raise not_found("Project") from None
        return task_short(item)

    def bundle(self, actor: Actor, task_id: int) -> Bundle:
        bundle = load_bundle(self.store, task_id)
        if bundle is None or bundle.task.get("organization") != actor.organization_id:
            raise not_found("Task")
        hydrate(self.ctx, [bundle.task])
        return bundle

    def get(self, actor: Actor, task_id: int) -> dict:
        bundle = self.bundle(actor, task_id)
        return task_full(bundle, emails=self._emails([bundle]), now=self.ctx.clock(), drafts_of=actor.user_id)

    def update(self, actor: Actor, task_id: int, changes: dict) -> dict:
        """PATCH: `data` replaces the whole dict (as in Label Studio), `meta` likewise."""
        bundle = self.bundle(actor, task_id)
        updates: dict = {}
        if "data" in changes:
            if not isinstance(changes["data"], dict):
                raise Invalid("Task data must be a JSON object.", {"data": ["Expected a JSON object."]})
            project = self.store.get(*keys.project(bundle.task["project"])) or {}
            missing = parse_label_config(project.get("label_config")).missing_keys(changes["data"])
            if missing:
                raise Invalid(f'"{missing[0]}" key is expected in task data',
                              {"data": [f'"{missing[0]}" is missing']})
            updates["data"] = changes["data"]
        if "meta" in changes:
            if not isinstance(changes["meta"], dict):
                raise Invalid("Task meta must be a JSON object.", {"meta": ["Expected a JSON object."]})
            updates["meta"] = changes["meta"]
        version = bundle.task.get("version", 0)
        updates.update(updated_at=self._now(), updated_by=actor.user_id, version=version + 1)
        remove: list[str] = []
        if "data" in updates:
            sized = {"id": task_id, "project": bundle.task["project"], "data": updates["data"]}
            if offload_large(self.ctx, [sized]):
                updates.update(data={}, data_ref=sized["data_ref"])
            elif bundle.task.get("data_ref"):
                remove.append("data_ref")
        try:
            task = self.store.update(*keys.task(task_id), set=updates, remove=remove,
                                     condition=Condition.equals("version", version))
        except ConditionFailed:
            raise Conflict("The task changed while you edited it; nothing was saved. Reload and retry.") from None
        hydrate(self.ctx, [task])
        out = task_full(Bundle(task=task, annotations=bundle.annotations, predictions=bundle.predictions,
                               drafts=bundle.drafts),
                        emails=self._emails([bundle]), now=self.ctx.clock(), drafts_of=actor.user_id)
        return out

    def delete(self, actor: Actor, task_id: int) -> None:
        bundle = self.bundle(actor, task_id)
        self._delete_bundles([bundle])

    def delete_all(self, actor: Actor, project_id: int) -> int:
        self.projects.get_item(actor, project_id)
        return self.delete_all_items(project_id)

    def delete_all_items(self, project_id: int) -> int:
        removed = 0
        while True:
            batch = TaskIndex(self.store).page(project_id, skip=0, limit=500)
            if not batch:
                return removed
            bundles = [b for b in (load_bundle(self.store, t["id"]) for t in batch) if b is not None]
            self._delete_bundles(bundles)
            removed += len(batch)

    def delete_many(self, actor: Actor, project_id: int, task_ids: list[int]) -> int:
        self.projects.get_item(actor, project_id)
        bundles = [b for b in (load_bundle(self.store, i) for i in task_ids)
                   if b is not None and b.task.get("project") == project_id]
        self._delete_bundles(bundles)
        return len(bundles)

    def _delete_bundles(self, bundles: list[Bundle]) -> None:
        """Delete tasks with their labels and pointers, and take them out of the project's counters."""
        if not bundles:
            return
        doomed: list[tuple[str, str]] = []
        deltas = {"task_number": 0, "total_annotations_number": 0, "skipped_annotations_number": 0,
                  "total_predictions_number": 0, "num_tasks_with_annotations": 0, "finished_task_number": 0,
                  "ground_truth_number": 0}
        for b in bundles:
            t = b.task
            deltas["task_number"] -= 1
            deltas["total_annotations_number"] -= t.get("total_annotations", 0)
            deltas["skipped_annotations_number"] -= t.get("cancelled_annotations", 0)
            deltas["total_predictions_number"] -= t.get("total_predictions", 0)
            deltas["num_tasks_with_annotations"] -= int(t.get("total_annotations", 0) > 0)
            deltas["finished_task_number"] -= int(bool(t.get("is_labeled")))
            deltas["ground_truth_number"] -= sum(1 for a in b.annotations if a.get("ground_truth"))
            doomed += [(a["pk"], a["sk"]) for a in b.annotations] + [keys.annotation_pointer(a["id"])
                                                                     for a in b.annotations]
            doomed += [(p["pk"], p["sk"]) for p in b.predictions] + [keys.prediction_pointer(p["id"])
                                                                     for p in b.predictions]
            doomed += [(d["pk"], d["sk"]) for d in b.drafts] + [keys.draft_pointer(d["id"]) for d in b.drafts]
        # Labels first, tasks last: a crash in between leaves tasks without labels, never orphaned labels.
        self.store.batch_delete(doomed)
        self.store.batch_delete([keys.task(b.task["id"]) for b in bundles])
        for b in bundles:
            if b.task.get("data_ref"):
                self.ctx.blobs.delete(b.task["data_ref"])
        project_id = bundles[0].task["project"]
        if self.store.get(*keys.project(project_id)) is not None:
            counters = Update(*keys.project(project_id), add={k: v for k, v in deltas.items() if v},
                              condition=Condition.exists())
            shards = marker_updates(project_id, shard_counts((b.task["id"] for b in bundles), sign=-1))
            summary = summary_update(project_id, usage_delta([a for b in bundles for a in b.annotations], []))
            for chunk in chunked([counters, *summary, *shards], 100):
                self.store.transact(chunk)

    # --- listing ---------------------------------------------------------------------------------------------

    def list(self, actor: Actor, project_id: int, *, page: int = 1, page_size: int = 100, fields: str = "task_only",
             include: list[str] | None = None, query: str | dict | None = None,
             only_annotated: bool = False) -> dict:
        if page < 1 or page_size < 1:
            raise NotFound("Invalid page.")
        project = self.projects.get_item(actor, project_id)
        compiled = parse_query(query)
        with_labels = fields == "all"
        if compiled.is_trivial and not only_annotated:
            items = TaskIndex(self.store).page(project_id, skip=(page - 1) * page_size, limit=page_size)
            total = project.get("task_number", 0)
            totals = (project.get("total_annotations_number", 0), project.get("total_predictions_number", 0))
            bundles = [self._bundle_for_listing(t, with_labels) for t in items]
        else:
            bundles, total, totals = self._filtered(project_id, compiled, only_annotated, page, page_size)
        if page > 1 and not bundles:
            raise NotFound("Invalid page.")
        hydrate(self.ctx, [b.task for b in bundles])
        emails = self._emails(bundles) if with_labels else {}
        now = self.ctx.clock()
        tasks = [task_full(b, emails=emails, now=now, with_labels=with_labels) for b in bundles]
        if include:
            tasks = [{k: t.get(k) for k in include} for t in tasks]
        return {"tasks": tasks, "total": total, "total_annotations": totals[0], "total_predictions": totals[1]}

    def _bundle_for_listing(self, task: dict, with_labels: bool) -> Bundle:
        """Only tasks that have labels cost a partition read."""
        has_labels = task.get("total_annotations") or task.get("cancelled_annotations") or task.get(
            "total_predictions")
        if not has_labels:
            return Bundle(task=task)
        return load_bundle(self.store, task["id"]) or Bundle(task=task)

    def _filtered(self, project_id: int, compiled, only_annotated: bool, page: int,
                  page_size: int) -> tuple[list[Bundle], int, tuple[int, int]]:
        """Evaluate the query over the project's task items. Only the columns the query reads get their
        defaults filled in, and only tasks on the requested page become bundles: at 100,000 tasks the cost is
        reading the items, not building objects for them."""
        items = hydrate(self.ctx, TaskIndex(self.store).all(project_id))
        if only_annotated:
            items = [t for t in items if t.get("total_annotations", 0) > 0]
        needed = set(compiled.needed_columns) | {"total_annotations", "total_predictions"}
        defaults = [(c, TASK_DEFAULTS[c]) for c in needed if c in TASK_DEFAULTS]
        needs_partition = bool(needed & PARTITION_COLUMNS)
        for task in items:  # fresh items from the store: filling them in place copies nothing
            for column, value in defaults:
                if column not in task:
                    task[column] = value
            if needs_partition:
                task.update(listing_columns(self._bundle_for_listing(task, True)))
        matched = compiled.sort([t for t in items if compiled.matches(t)])
        totals = (sum(t.get("total_annotations", 0) for t in matched),
                  sum(t.get("total_predictions", 0) for t in matched))
        window = matched[(page - 1) * page_size: page * page_size]
        return [self._bundle_for_listing(t, True) for t in window], len(matched), totals

    def ids_matching(self, actor: Actor, project_id: int, selected: dict | None) -> list[int]:
        """Task ids a Data Manager selection (`selectedItems` + filters) covers, for bulk actions."""
        self.projects.get_item(actor, project_id)
        compiled = parse_query(selected or {})
        selected_items = (selected or {}).get("selectedItems") or {}
        if selected_items.get("all") is False and not selected_items.get("included"):
            return []  # Label Studio's engine reads an empty inclusion as "everything": never for actions
        items = [listing_row(t) for t in TaskIndex(self.store).all(project_id)]
        return [t["id"] for t in compiled.sort([t for t in items if compiled.matches(t)])]
