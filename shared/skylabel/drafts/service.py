"""Drafts, one per slot: (user, task, annotation being edited or none).

A draft lives in its task's partition under a key made of the slot (`keys.draft`), so:
- saving twice into one slot cannot make two drafts: the first save is a create-only put and a concurrent
  second one finds the slot taken and updates it instead;
- a task read (`load_bundle`) sees its drafts, and deleting the task deletes them with its other items;
- submitting an annotation deletes the drafts it supersedes in the same transaction (annotations/service.py).
A pointer item `DRAFT#<id>` finds a draft by id. Drafts are private: another user gets 404, as for
anything of another organization.
"""

from __future__ import annotations

from skylabel import ids, keys
from skylabel.context import Actor, Context
from skylabel.drafts.models import DraftIn, DraftPatch
from skylabel.errors import Conflict, Invalid, not_found
from skylabel.ports import Check, Condition, ConditionFailed, Delete, Put
from skylabel.tasks.views import load_bundle
from skylabel.timeutil import iso

ATTEMPTS = 4


def supersede(drafts: list[dict]) -> list[Delete]:
    """Unconditional deletes of drafts and their pointers, to ride along in an annotation's transaction."""
    return [op for d in drafts for op in (Delete(d["pk"], d["sk"]), Delete(*keys.draft_pointer(d["id"])))]


class DraftService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def _now(self) -> str:
        return iso(self.ctx.clock())

    def _task(self, actor: Actor, task_id: int) -> dict:
        task = self.store.get(*keys.task(task_id))
        if task is None or task.get("organization") != actor.organization_id:
            raise not_found("Task")
        return task

    # --- reading -------------------------------------------------------------------------------------------

    def list_for_task(self, actor: Actor, task_id: int, annotation_id: int | None = None) -> list[dict]:
        """The caller's drafts of a task (of one annotation of it, when given), in id order."""
        bundle = load_bundle(self.store, task_id)
        if bundle is None or bundle.task.get("organization") != actor.organization_id:
            raise not_found("Task")
        mine = [d for d in bundle.drafts if d["user"] == actor.user_id
                and (annotation_id is None or d.get("annotation") == annotation_id)]
        return sorted(mine, key=lambda d: d["id"])

    def get(self, actor: Actor, draft_id: int) -> dict:
        pointer = self.store.get(*keys.draft_pointer(draft_id))
        if pointer is None or pointer["user"] != actor.user_id:
            raise not_found("AnnotationDraft")
        task = self.store.get(*keys.task(pointer["task"]))
        item = self.store.get(*keys.draft(pointer["task"], actor.user_id, pointer.get("annotation")))
        if task is None or task.get("organization") != actor.organization_id or item is None \
                or item["id"] != draft_id:
            raise not_found("AnnotationDraft")
        return item

    def annotation_task(self, actor: Actor, annotation_id: int) -> int:
        """The task an annotation of the caller's organization belongs to."""
        found = self.store.get(*keys.annotation_pointer(annotation_id))
        if found is None:
            raise not_found("Annotation")
        self._task(actor, found["task"])
        return found["task"]

    # --- writing -------------------------------------------------------------------------------------------

    def save(self, actor: Actor, task_id: int, body: DraftIn) -> tuple[dict, bool]:
        """Create the caller's draft for this slot, or update it if there is one; returns (draft, created)."""
        task = self._task(actor, task_id)
        if body.annotation is not None and self.store.get(*keys.annotation(task_id, body.annotation)) is None:
            raise Invalid(f"Task {task_id} has no annotation {body.annotation}.",
                          {"annotation": [f"No annotation {body.annotation} in task {task_id}."]})
        slot = keys.draft(task_id, actor.user_id, body.annotation)
        changes = {"result": body.result, "updated_at": self._now()}
        changes.update({k: getattr(body, k) for k in ("lead_time", "was_postponed") if k in body.model_fields_set})
        for _ in range(ATTEMPTS):
            if self.store.get(*slot) is not None:
                try:
                    return self.store.update(*slot, set=changes, condition=Condition.exists()), False
                except ConditionFailed:
                    continue  # deleted (submitted) meanwhile: create it afresh
            draft_id = ids.allocate_one(self.store, "draft")
            now = self._now()
            item = {"pk": slot[0], "sk": slot[1], "id": draft_id, "task": task_id, "project": task["project"],
                    "annotation": body.annotation, "user": actor.user_id, "result": body.result,
                    "lead_time": body.lead_time, "was_postponed": body.was_postponed, "import_id": None,
                    "created_at": now, "updated_at": now}
            pointer = {"pk": keys.draft_pointer(draft_id)[0], "sk": keys.draft_pointer(draft_id)[1],
                       "task": task_id, "user": actor.user_id, "annotation": body.annotation}
            try:
                # The task check keeps a draft from landing in the partition of a task deleted meanwhile.
                self.store.transact([Put(item, Condition.not_exists()), Put(pointer, Condition.not_exists()),
                                     Check(*keys.task(task_id), Condition.exists())])
                return item, True
            except ConditionFailed as failed:
                if failed.index == 2:
                    raise not_found("Task") from None
                continue  # a concurrent save took the slot first: update that one instead
        raise Conflict("The draft is being saved from several places at once; nothing was saved. Retry shortly.")

    def update(self, actor: Actor, draft_id: int, patch: DraftPatch) -> dict:
        item = self.get(actor, draft_id)
        changes = {**patch.changes(), "updated_at": self._now()}
        try:
            return self.store.update(item["pk"], item["sk"], set=changes, condition=Condition.equals("id", draft_id))
        except ConditionFailed:
            raise not_found("AnnotationDraft") from None

    def delete(self, actor: Actor, draft_id: int) -> None:
        item = self.get(actor, draft_id)
        try:
            self.store.transact([Delete(item["pk"], item["sk"], Condition.equals("id", draft_id)),
                                 Delete(*keys.draft_pointer(draft_id))])
        except ConditionFailed:
            raise not_found("AnnotationDraft") from None
