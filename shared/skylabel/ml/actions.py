"""The Data Manager actions of ML backends (`POST /api/dm/actions?id=<action>&project=<id>`).

- `retrieve_tasks_predictions` — what Label Studio's UI and SDK call to predict selected tasks. Label Studio
  answers after predicting, inside the request; here the prediction job starts and the request waits for it
  a bounded time (API Gateway ends a request at 29 s). A small selection therefore answers as Label Studio
  does ("Retrieved n predictions"); a big one answers at once with the running job, which the caller polls.
- `revert_auto_accepted` — takes back the annotations auto-accept made from predictions (Skylabel's own):
  only those nobody has edited since (version 1), each in its own transaction with the task counters.
"""

from __future__ import annotations

from collections.abc import Callable

from skylabel import keys
from skylabel.context import Actor, Context
from skylabel.ml.jobs import PredictJobs
from skylabel.ports import Condition, Delete
from skylabel.tasks.state import LabelChange, commit_labels
from skylabel.tasks.views import Bundle, load_bundle


def retrieve_tasks_predictions(ctx: Context, actor: Actor, project_id: int, task_ids: list[int],
                               wait: bool = True) -> dict:
    """`wait=False` (the browser app, which shows the job's progress) answers at once with the started job."""
    if not task_ids:
        return {"processed_items": 0, "detail": "Retrieved 0 predictions"}
    jobs = PredictJobs(ctx)
    job = jobs.start_for_selection(actor, project_id, task_ids, origin="data_manager")
    if wait:
        job = jobs.wait(job["id"])
    n = len(task_ids)
    status = job.get("status")
    if status == "completed":
        detail = f"Retrieved {n} predictions"
    elif status in ("completed_with_errors", "failed"):
        detail = (f"Retrieved predictions for {job.get('predicted', 0)} of {n} tasks; {job.get('failed', 0)} failed: "
                  f"{job.get('error')}")
    else:
        detail = f"Retrieving predictions for {n} tasks in the background (job {job['id']})"
    return {"processed_items": n, "detail": detail, "job": jobs.view(job)}


def revert_auto_accepted(ctx: Context, actor: Actor, project_id: int, task_ids: list[int]) -> dict:
    reverted = 0
    for task_id in task_ids:
        bundle = load_bundle(ctx.items, task_id)
        if bundle is None or bundle.task.get("project") != project_id:
            continue
        if not _auto(bundle):
            continue

        def change(fresh: Bundle) -> LabelChange:
            gone = _auto(fresh)
            return LabelChange(
                operations=[op for a in gone for op in (
                    Delete(*keys.annotation(fresh.task["id"], a["id"]), Condition.equals("version", 1)),
                    Delete(*keys.annotation_pointer(a["id"])))],
                annotations=[a for a in fresh.annotations if a not in gone],
                result=len(gone))

        count, _ = commit_labels(ctx, task_id, actor.organization_id, change)
        reverted += int(count or 0)  # type: ignore[call-overload]
    return {"processed_items": reverted, "reload": True,
            "detail": f"Removed {reverted} auto-accepted annotations"}


def _auto(bundle: Bundle) -> list[dict]:
    return [a for a in bundle.annotations if a.get("auto_accepted") and a.get("version", 1) == 1]


ML_ACTIONS: dict[str, Callable[[Context, Actor, int, list[int]], dict]] = {
    "retrieve_tasks_predictions": retrieve_tasks_predictions,
    "revert_auto_accepted": revert_auto_accepted,
}
