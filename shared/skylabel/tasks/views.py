"""Stored items → Label Studio's Task, Annotation and Prediction objects.

A task's partition (`TASK#<id>`) holds the task and its annotations, predictions, locks and drafts; `Bundle`
is one read of it, and every view here is computed from a bundle, so answers never need a second read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from skylabel import keys
from skylabel.drafts.models import draft_view
from skylabel.ports import ItemStore

TASK_ITEM_FIELDS = (
    "id", "data", "meta", "project", "inner_id", "created_at", "updated_at", "is_labeled", "overlap",
    "total_annotations", "cancelled_annotations", "total_predictions", "completed_at", "file_upload",
    "storage_filename", "updated_by",
)


# What a stored task means when an attribute is absent (new tasks store only what differs).
TASK_DEFAULTS = {
    "meta": {}, "is_labeled": False, "total_annotations": 0, "cancelled_annotations": 0, "total_predictions": 0,
    "completed_at": None, "annotators": [], "skipped_by": [], "file_upload": None, "storage_filename": None,
    "updated_by": None, "overlap": 1, "reviewed": None, "agreement": None,
}


def listing_row(task: dict) -> dict:
    """A task with every default filled in: what the Data Manager query engine evaluates."""
    return {**TASK_DEFAULTS, **task}


@dataclass
class Bundle:
    task: dict
    annotations: list[dict] = field(default_factory=list)
    predictions: list[dict] = field(default_factory=list)
    drafts: list[dict] = field(default_factory=list)  # every user's: callers filter to their own


def load_bundle(store: ItemStore, task_id: int) -> Bundle | None:
    items = store.query(keys.task_partition(task_id)).items
    task = None
    bundle = Bundle(task={})
    for item in items:
        sk = item["sk"]
        if sk == "TASK":
            task = item
        elif sk.startswith("ANN#"):
            bundle.annotations.append(item)
        elif sk.startswith("PRED#"):
            bundle.predictions.append(item)
        elif sk.startswith("DRAFT#"):
            bundle.drafts.append(item)
    if task is None:
        return None
    bundle.task = task
    return bundle


def _ago(created_at: str | None, now: float) -> str:
    if not created_at:
        return ""
    try:
        then = datetime.fromisoformat(created_at).timestamp()  # C-fast; accepts the trailing "Z" (3.11+)
    except ValueError:
        return ""
    minutes = max(0, int((now - then) // 60))
    return f"{minutes} minutes" if minutes != 1 else "1 minute"


def annotation_view(item: dict, *, emails: dict[int, str] | None = None, now: float = 0.0,
                    for_export: bool = False) -> dict:
    """The API's Annotation; `for_export` leaves out the two display fields exports drop (and skips their cost)."""
    completed_by = item.get("completed_by")
    email = (emails or {}).get(completed_by, "") if completed_by is not None else ""
    view = {
        "id": item["id"],
        "created_username": f" {email}, {completed_by}",
        "created_ago": "" if for_export else _ago(item.get("created_at"), now),
        "completed_by": completed_by,
        "result": item.get("result", []),
        "was_cancelled": item.get("was_cancelled", False),
        "ground_truth": item.get("ground_truth", False),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "draft_created_at": item.get("draft_created_at"),
        "lead_time": item.get("lead_time"),
        "import_id": item.get("import_id"),
        "last_action": item.get("last_action"),
        "bulk_created": item.get("bulk_created", False),
        "task": item["task"],
        "project": item.get("project"),
        "updated_by": item.get("updated_by"),
        "parent_prediction": item.get("parent_prediction"),
        "parent_annotation": item.get("parent_annotation"),
        "last_created_by": item.get("last_created_by"),
    }
    if for_export:
        del view["created_username"], view["created_ago"]
    return view


def prediction_view(item: dict, *, now: float = 0.0) -> dict:
    return {
        "id": item["id"],
        "result": item.get("result", []),
        "model_version": item.get("model_version", ""),
        "created_ago": _ago(item.get("created_at"), now),
        "score": item.get("score"),
        "cluster": item.get("cluster"),
        "neighbors": item.get("neighbors"),
        "mislabeling": item.get("mislabeling", 0.0),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "model": item.get("model"),
        "model_run": item.get("model_run"),
        "task": item["task"],
        "project": item.get("project"),
    }


def task_short(task: dict) -> dict:
    """The short Task form (create/update answers, webhooks)."""
    out = {name: task.get(name, TASK_DEFAULTS.get(name)) for name in TASK_ITEM_FIELDS}
    out["meta"] = task.get("meta") or {}
    out["overlap"] = task.get("overlap", 1)
    for counter in ("total_annotations", "cancelled_annotations", "total_predictions"):
        out[counter] = task.get(counter, 0)
    out["is_labeled"] = bool(task.get("is_labeled", False))
    out["comment_count"] = 0
    out["unresolved_comment_count"] = 0
    out["last_comment_updated_at"] = None
    return out


def listing_columns(bundle: Bundle) -> dict:
    """The computed Data Manager columns of a task (also what filters and ordering see)."""
    anns = [a for a in bundle.annotations if not a.get("was_cancelled")]
    preds = bundle.predictions
    scores = [p["score"] for p in preds if isinstance(p.get("score"), int | float)]
    lead_times = [a["lead_time"] for a in anns if isinstance(a.get("lead_time"), int | float)]
    return {
        "annotations_ids": ",".join(str(a["id"]) for a in bundle.annotations),
        "annotations_results": json.dumps([a.get("result", []) for a in anns]) if anns else "",
        "predictions_results": json.dumps([p.get("result", []) for p in preds]) if preds else "",
        "predictions_score": sum(scores) / len(scores) if scores else None,
        "predictions_model_versions": sorted({p.get("model_version", "") for p in preds}),
        "avg_lead_time": sum(lead_times) / len(lead_times) if lead_times else None,
        "ground_truth": any(a.get("ground_truth") for a in bundle.annotations),
        "draft_exists": False,
    }


def task_full(bundle: Bundle, *, emails: dict[int, str] | None = None, now: float = 0.0,
              with_labels: bool = True, drafts_of: int | None = None) -> dict:
    """The full Task form (GET /api/tasks/{id}, list items with fields=all); `drafts` are those of user `drafts_of`."""
    task = bundle.task
    out = task_short(task)
    out.update(listing_columns(bundle))
    out["annotators"] = list(task.get("annotators", []))
    out["updated_by"] = [{"user_id": task["updated_by"]}] if task.get("updated_by") else []
    out["comment_authors"] = []
    out["drafts"] = [draft_view(d) for d in sorted(bundle.drafts, key=lambda d: d["id"])
                     if drafts_of is not None and d["user"] == drafts_of]
    if with_labels:
        out["annotations"] = [annotation_view(a, emails=emails, now=now) for a in bundle.annotations]
        out["predictions"] = [prediction_view(p, now=now) for p in bundle.predictions]
    return out
