"""The label stream: which task an annotator gets next (`GET /api/projects/{id}/next`).

Why a task is chosen, in order: it is in the project; this annotator has neither annotated nor skipped
it; it still needs annotations (total + live reservations by others < maximum_annotations); then the
project's sampling decides the order (Sequential = lowest id, Uniform = random, Uncertainty = lowest
prediction score first, from an index — then random among tasks without predictions, as in Label Studio).
Tasks this annotator skipped come back last. The chosen task is reserved to the annotator for `task_lock_seconds` with a
conditional write on the task's version, so two annotators racing for the last slot cannot both win.
"""

from __future__ import annotations

import random

from skylabel import keys
from skylabel.context import Actor, Context
from skylabel.errors import NotFound
from skylabel.ports import Condition, ConditionFailed
from skylabel.projects.service import ProjectService
from skylabel.tasks.index import TaskIndex

PAGE = 500


class NextTaskService:
    def __init__(self, ctx: Context, rng: random.Random | None = None) -> None:
        self.ctx = ctx
        self.store = ctx.items
        self.rng = rng or random.Random()

    def next_task(self, actor: Actor, project_id: int) -> tuple[dict, str]:
        """The task to label and why it was chosen; NotFound when none is left (Label Studio's answer)."""
        found = self.find_next(actor, project_id)
        if found is None:
            raise NotFound("No more tasks to label in this project.")
        return found

    def find_next(self, actor: Actor, project_id: int) -> tuple[dict, str] | None:
        """The task to label and why it was chosen, or None when the caller has nothing left to label."""
        project = ProjectService(self.ctx).get_item(actor, project_id)
        limit = project.get("maximum_annotations", 1) or 1
        now = self.ctx.clock()
        if project.get("sampling") == "Uncertainty sampling":
            chosen = self._least_certain(actor.user_id, project_id, limit, now)
            if chosen is not None:
                return chosen, "Uncertainty sampling: lowest prediction score"
        candidates, skipped = [], []
        sequential = project.get("sampling", "Sequential sampling") == "Sequential sampling"
        for task in TaskIndex(self.store).iterate(project_id, page_size=PAGE):
            if actor.user_id in task.get("annotators", []):
                continue
            if actor.user_id in task.get("skipped_by", []):
                skipped.append(task)
            elif self._free_slots(task, actor.user_id, limit, now) > 0:
                candidates.append(task)
                if sequential and len(candidates) >= PAGE:
                    break  # the lowest ids come first: enough candidates to survive a few races
        if project.get("sampling") in ("Uniform sampling", "Uncertainty sampling"):
            self.rng.shuffle(candidates)  # uncertainty without predictions falls back to random, as in Label Studio
        for reason, queue in (("sampling", candidates), ("skipped earlier", skipped)):
            for task in queue:
                if self._reserve(task, actor.user_id, limit, now):
                    return task, f"{project.get('sampling', 'Sequential sampling')}: {reason}"
        return None

    def _least_certain(self, user_id: int, project_id: int, limit: int, now: float) -> dict | None:
        """The unlabeled task with the lowest prediction score, read from the uncertainty index (ml/sampling.py)
        in score order: only tasks this annotator cannot take (done, skipped, reserved) are read past."""
        cursor = None
        while True:
            page = self.store.query(keys.project_uncertain(project_id), index="gsi2", limit=PAGE, cursor=cursor)
            for task in page.items:
                if user_id in task.get("annotators", []) or user_id in task.get("skipped_by", []):
                    continue
                if self._free_slots(task, user_id, limit, now) > 0 and self._reserve(task, user_id, limit, now):
                    return task
            cursor = page.cursor
            if cursor is None:
                return None

    @staticmethod
    def _free_slots(task: dict, user_id: int, limit: int, now: float) -> int:
        """Slots left: a live reservation counts unless its holder has since annotated or skipped the task."""
        done = set(task.get("annotators", [])) | set(task.get("skipped_by", [])) | {user_id}
        held = [u for u, until in (task.get("locks") or {}).items() if until > now and int(u) not in done]
        return limit - task.get("total_annotations", 0) - len(held)

    def _reserve(self, task: dict, user_id: int, limit: int, now: float) -> bool:
        for _ in range(3):
            if self._free_slots(task, user_id, limit, now) <= 0 and user_id not in task.get("annotators", []):
                return False
            live = {u: until for u, until in (task.get("locks") or {}).items() if until > now}
            live[str(user_id)] = now + self.ctx.settings.task_lock_seconds
            version = task.get("version", 0)
            try:
                self.store.update(*keys.task(task["id"]), set={"locks": live, "version": version + 1},
                                  condition=Condition.equals("version", version))
                return True
            except ConditionFailed:
                fresh = self.store.get(*keys.task(task["id"]))
                if fresh is None:
                    return False
                task = fresh
        return False
