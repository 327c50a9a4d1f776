"""Target (export) storages: every annotation of a project written to the user's bucket as one JSON object.

Two ways in, as in Label Studio: `push_annotation` right after an annotation is created or updated (the
annotation service calls it once the write has committed), and a full sync that re-writes every annotation.
The object is Label Studio's storage serialization — the Annotation with the task nested under `"task"` and
the annotator under `"completed_by"` — at `<prefix>/<annotation id>` (Label Studio 1.23 writes `out//2` for a
prefix `out/`; the doubled slash is not kept). A push never fails the annotation it follows: the annotation
is already saved, so a bucket problem is logged and shown on the storage (`status`, `traceback`), and the
next sync writes what was missed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from skylabel import keys
from skylabel.context import Context
from skylabel.errors import DomainError
from skylabel.storages.source import ObjectSource, open_source
from skylabel.tasks.index import TaskIndex
from skylabel.tasks.payload import hydrate
from skylabel.tasks.views import annotation_view, load_bundle, task_short
from skylabel.timeutil import iso

logger = logging.getLogger("skylabel.storages")


def export_key(storage: dict, annotation_id: int) -> str:
    prefix = (storage.get("prefix") or "").rstrip("/")
    return f"{prefix}/{annotation_id}" if prefix else str(annotation_id)


def _user(ctx: Context, user_id: int | None, cache: dict) -> dict | None:
    if user_id is None:
        return None
    if user_id not in cache:
        user = ctx.items.get(*keys.user(user_id))
        cache[user_id] = None if user is None else {
            "id": user_id, "first_name": user.get("first_name", ""), "last_name": user.get("last_name", ""),
            "email": user.get("email", "")}
    return cache[user_id]


def serialize(ctx: Context, annotation: dict, task: dict, users: dict) -> bytes:
    """Label Studio's StorageAnnotationSerializer: the annotation, its task (short form) and its annotator."""
    annotator = _user(ctx, annotation.get("completed_by"), users)
    emails = {annotator["id"]: annotator["email"]} if annotator else {}
    view = annotation_view(annotation, emails=emails, now=ctx.clock())
    view["completed_by"] = annotator or annotation.get("completed_by")
    view["task"] = task_short(task)
    return json.dumps(view, ensure_ascii=False).encode()


def project_export_storages(ctx: Context, project_id: int) -> list[dict]:
    return ctx.items.query(keys.project_storages(project_id, "export"), index="gsi1").items


def push_annotation(ctx: Context, annotation: dict) -> None:
    """Write one created/updated annotation to every export storage of its project. Never raises."""
    try:
        storages = project_export_storages(ctx, annotation["project"])
        if not storages:
            return
        task = ctx.items.get(*keys.task(annotation["task"]))
        if task is None:
            return
        hydrate(ctx, [task])
        body = serialize(ctx, annotation, task, {})
    except Exception:
        logger.exception("annotation %s: could not prepare the export-storage push", annotation.get("id"))
        return
    for storage in storages:
        try:
            _push_source(ctx, storage).put(export_key(storage, annotation["id"]), body)
        except Exception as exc:
            logger.warning("export storage %s: annotation %s not written", storage["id"], annotation["id"],
                           exc_info=not isinstance(exc, DomainError))
            _record_failure(ctx, storage, annotation["id"], exc)


def remove_annotation(ctx: Context, project_id: int, annotation_id: int) -> None:
    """A deleted annotation leaves the buckets whose storage allows deleting objects. Never raises."""
    try:
        storages = [s for s in project_export_storages(ctx, project_id) if s.get("can_delete_objects")]
    except Exception:
        logger.exception("annotation %s: could not look up export storages", annotation_id)
        return
    for storage in storages:
        try:
            _push_source(ctx, storage).delete(export_key(storage, annotation_id))
        except Exception as exc:
            logger.warning("export storage %s: annotation %s not deleted", storage["id"], annotation_id,
                           exc_info=not isinstance(exc, DomainError))
            _record_failure(ctx, storage, annotation_id, exc)


def _push_source(ctx: Context, storage: dict) -> ObjectSource:
    """One client per storage (and per version of its settings) per process: building one costs more than a PUT."""
    memo_key = ("export-storage-source", storage["id"])
    version = storage.get("updated_at")
    cached = ctx.memo.get(memo_key)
    if cached is None or cached[0] != version:
        cached = ctx.memo[memo_key] = (version, open_source(ctx, storage))
    return cached[1]


def _record_failure(ctx: Context, storage: dict, annotation_id: int, exc: Exception) -> None:
    reason = exc.message if isinstance(exc, DomainError) else "an unexpected error (see the service logs)"
    message = f"Annotation {annotation_id} was not written to the bucket: {reason} Sync the storage to retry."
    try:
        ctx.items.update(storage["pk"], storage["sk"], set={"status": "failed", "traceback": message,
                                                            "updated_at": iso(ctx.clock())})
    except Exception:
        logger.exception("export storage %s: could not record the failed push", storage["id"])


def annotations_of(ctx: Context, project_id: int) -> Iterator[tuple[dict, dict]]:
    """(annotation, task) for every annotation of the project, a task partition at a time."""
    for task in TaskIndex(ctx.items).iterate(project_id):
        if not (task.get("total_annotations") or task.get("cancelled_annotations")):
            continue
        bundle = load_bundle(ctx.items, task["id"])
        if bundle is None or not bundle.annotations:
            continue
        hydrate(ctx, [bundle.task])
        for annotation in bundle.annotations:
            yield annotation, bundle.task


def export_all(ctx: Context, storage: dict, source: ObjectSource) -> int:
    """Re-write every annotation of the storage's project; how many were written."""
    users: dict = {}
    written = 0
    for annotation, task in annotations_of(ctx, storage["project"]):
        source.put(export_key(storage, annotation["id"]), serialize(ctx, annotation, task, users))
        written += 1
    return written
