"""Task counters, recomputed from the task's own partition and committed with the change that moves them.

Every change to a task's annotations or predictions goes through `commit_labels`: read the partition,
apply the change in memory, recompute the task's counters from scratch (so they can never drift), and
write the change + the task (conditional on its `version`) + the project's counter deltas in ONE
transaction. If another writer touched the task in between, nothing was written and the whole step is
re-run on fresh data; a condition on the changed annotation itself (an edit based on a stale version)
surfaces as Conflict instead, because retrying it would silently overwrite the other edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from skylabel import keys
from skylabel.context import Context
from skylabel.errors import Conflict, not_found
from skylabel.labeling_config.usage import annotation_usage
from skylabel.ml.sampling import uncertainty_keys
from skylabel.ports import Condition, ConditionFailed, Operation, Update
from skylabel.tasks.views import Bundle, load_bundle
from skylabel.timeutil import iso

MAX_ATTEMPTS = 8


def task_counters(task: dict, annotations: list[dict], predictions: list[dict]) -> dict:
    done = [a for a in annotations if not a.get("was_cancelled")]
    overlap = task.get("overlap", 1) or 1
    is_labeled = len(done) >= overlap
    return {
        "total_annotations": len(done),
        "cancelled_annotations": len(annotations) - len(done),
        "total_predictions": len(predictions),
        "is_labeled": is_labeled,
        "completed_at": max((a.get("created_at") or "" for a in done), default=None) if is_labeled else None,
        "annotators": sorted({a["completed_by"] for a in done if a.get("completed_by") is not None}),
        "skipped_by": sorted({a["completed_by"] for a in annotations
                              if a.get("was_cancelled") and a.get("completed_by") is not None}),
        "ground_truth_count": sum(1 for a in annotations if a.get("ground_truth")),
        # The uncertainty-sampling index moves with the counters, in the same write (skylabel.ml.sampling).
        **uncertainty_keys(task, is_labeled, predictions),
    }


def usage_delta(before: list[dict], after: list[dict]) -> dict[str, int]:
    """How the project's label-usage counts move when a task's annotations go from `before` to `after`."""
    old, new = annotation_usage(before), annotation_usage(after)
    return {key: new[key] - old[key] for key in old.keys() | new.keys() if new[key] != old[key]}


def summary_update(project_id: int, delta: dict[str, int]) -> list[Update]:
    return [Update(*keys.project_summary(project_id), add=delta)] if delta else []


def project_deltas(before: dict, after: dict) -> dict[str, int]:
    """How the project's counters move when one task's counters go from `before` to `after`."""
    deltas = {
        "total_annotations_number": after["total_annotations"] - before["total_annotations"],
        "skipped_annotations_number": after["cancelled_annotations"] - before["cancelled_annotations"],
        "total_predictions_number": after["total_predictions"] - before["total_predictions"],
        "num_tasks_with_annotations": int(after["total_annotations"] > 0) - int(before["total_annotations"] > 0),
        "finished_task_number": int(after["is_labeled"]) - int(before["is_labeled"]),
        "ground_truth_number": after["ground_truth_count"] - before["ground_truth_count"],
    }
    return {k: v for k, v in deltas.items() if v}


@dataclass
class LabelChange:
    """What a change does to one task's partition, expressed on the in-memory bundle."""

    operations: list[Operation] = field(default_factory=list)  # writes of annotation/prediction items
    annotations: list[dict] | None = None  # the task's annotations after the change
    predictions: list[dict] | None = None
    result: object = None  # what the service returns
    updated_by: int | None = None


def commit_labels(ctx: Context, task_id: int, organization_id: int,
                  change: Callable[[Bundle], LabelChange]) -> tuple[object, Bundle]:
    store = ctx.items
    for _attempt in range(MAX_ATTEMPTS):
        bundle = load_bundle(store, task_id)
        if bundle is None or bundle.task.get("organization") != organization_id:
            raise not_found("Task")
        task = bundle.task
        outcome = change(bundle)
        annotations = outcome.annotations if outcome.annotations is not None else bundle.annotations
        predictions = outcome.predictions if outcome.predictions is not None else bundle.predictions
        before = task_counters(task, bundle.annotations, bundle.predictions)
        after = task_counters(task, annotations, predictions)
        now = iso(ctx.clock())
        task_set = {k: v for k, v in after.items() if k != "ground_truth_count"}
        task_set["updated_at"] = now
        if outcome.updated_by is not None:
            task_set["updated_by"] = outcome.updated_by
        version = task.get("version", 0)
        task_update = Update(*keys.task(task_id), set={**task_set, "version": version + 1},
                             condition=Condition.equals("version", version))
        operations: list[Operation] = [*outcome.operations, task_update]
        deltas = project_deltas(before, after)
        if deltas:
            operations.append(Update(*keys.project(task["project"]), add=deltas, condition=Condition.exists()))
        operations += summary_update(task["project"], usage_delta(bundle.annotations, annotations))
        try:
            store.transact(operations)
        except ConditionFailed as failed:
            if failed.index == len(outcome.operations):
                continue  # another writer changed the task: re-read and recompute
            if failed.index > len(outcome.operations):
                raise not_found("Project") from None
            raise Conflict(
                "This item was changed by someone else while you edited it; nothing was saved. "
                "Reload it and apply your change again."
            ) from None
        task.update(task_set, version=version + 1)
        return outcome.result, Bundle(task=task, annotations=annotations, predictions=predictions)
    raise Conflict("The task is being changed by many writers at once; nothing was saved. Retry shortly.")
