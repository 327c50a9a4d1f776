"""Label Studio's JSON export, produced as a stream of chunks.

Tasks are read from the store in pages and written one by one, so memory stays flat whatever the
project's size; the synchronous endpoint joins the chunks, the export job (issue 5) will write them in
parts. Predictions are inlined as objects (Label Studio snapshots do this; its sync export lists ids —
the objects are the superset older pipelines read, see reference/ls_api.md §8).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

from skylabel.context import Actor, Context
from skylabel.projects.service import ProjectService
from skylabel.tasks.index import TaskIndex
from skylabel.tasks.payload import hydrate
from skylabel.tasks.views import Bundle, annotation_view, load_bundle, prediction_view

PAGE = 1000


def _annotation(item: dict) -> dict:
    view = annotation_view(item)
    view.pop("created_username", None)
    view.pop("created_ago", None)
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


class JsonExport:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def bundles(self, actor: Actor, project_id: int, *, all_tasks: bool, only_ids: set[int] | None = None
                ) -> Iterator[Bundle]:
        ProjectService(self.ctx).get_item(actor, project_id)
        for task in TaskIndex(self.store).iterate(project_id, page_size=PAGE):
            if only_ids is not None and task["id"] not in only_ids:
                continue
            labelled = task.get("total_annotations", 0) or task.get("cancelled_annotations", 0)
            if not all_tasks and not labelled:
                continue
            has_any = labelled or task.get("total_predictions", 0)
            bundle = load_bundle(self.store, task["id"]) if has_any else Bundle(task=task)
            if bundle is not None:
                hydrate(self.ctx, [bundle.task])
                yield bundle

    def chunks(self, actor: Actor, project_id: int, *, all_tasks: bool, only_ids: set[int] | None = None
               ) -> Iterator[str]:
        yield "["
        first = True
        for bundle in self.bundles(actor, project_id, all_tasks=all_tasks, only_ids=only_ids):
            yield ("" if first else ", ") + json.dumps(export_task(bundle), ensure_ascii=False)
            first = False
        yield "]"
