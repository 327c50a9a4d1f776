"""One task as Label Studio's JSON export writes it: the input of every export format.

Predictions are inlined as objects (Label Studio snapshots do this; its sync export lists ids — the
objects are the superset older pipelines read, see reference/ls_api.md §8); `ExportOptions` can ask for ids.
"""

from __future__ import annotations

import uuid

from skylabel.tasks.views import Bundle, annotation_view, prediction_view


def _annotation(item: dict) -> dict:
    view = annotation_view(item, for_export=True)
    view["prediction"] = {}
    view["result_count"] = len(view.get("result") or [])
    view["unique_id"] = str(uuid.uuid5(uuid.NAMESPACE_OID, f"skylabel-annotation-{item['id']}"))
    return view


def export_task(bundle: Bundle) -> dict:
    task = bundle.task
    return {
        "id": task["id"],
        "annotations": [_annotation(a) for a in bundle.annotations],
        "file_upload": task.get("file_upload"),
        "drafts": [],
        "predictions": [prediction_view(p) for p in bundle.predictions],
        "data": task.get("data", {}),
        "meta": task.get("meta") or {},
        "created_at": task.get("created_at"),
        "updated_at": task.get("updated_at"),
        "inner_id": task.get("inner_id"),
        "total_annotations": task.get("total_annotations", 0),
        "cancelled_annotations": task.get("cancelled_annotations", 0),
        "total_predictions": task.get("total_predictions", 0),
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": task.get("project"),
        "updated_by": task.get("updated_by"),
        "comment_authors": [],
    }
