"""Annotation and prediction writes, each one transaction with the task and project counters."""

from __future__ import annotations

from skylabel import ids, keys
from skylabel.annotations.models import AnnotationIn, AnnotationPatch, PredictionIn, PredictionPatch
from skylabel.context import Actor, Context
from skylabel.drafts.service import supersede
from skylabel.errors import Invalid, not_found
from skylabel.labeling_config import parse_label_config
from skylabel.ml.events import annotation_event
from skylabel.ports import Condition, Delete, Put, Update
from skylabel.storages.exporting import push_annotation, remove_annotation
from skylabel.tasks.state import LabelChange, commit_labels
from skylabel.tasks.views import Bundle, annotation_view, load_bundle, prediction_view
from skylabel.timeutil import iso


def annotation_item(*, annotation_id: int, task: dict, body: dict, user_id: int, now: str) -> dict:
    pk, sk = keys.annotation(task["id"], annotation_id)
    return {
        "pk": pk,
        "sk": sk,
        "gsi2pk": keys.shard_labels(task["project"], task["id"]),
        "gsi2sk": f"{keys.pad(task['id'])}#A#{keys.pad(annotation_id)}",
        "id": annotation_id,
        "task": task["id"],
        "project": task["project"],
        "result": body.get("result", []),
        "completed_by": body.get("completed_by") or user_id,
        "updated_by": user_id,
        "was_cancelled": bool(body.get("was_cancelled", False)),
        "ground_truth": bool(body.get("ground_truth", False)),
        "lead_time": body.get("lead_time"),
        "created_at": body.get("created_at") or now,
        "updated_at": body.get("updated_at") or now,
        "draft_created_at": None,
        "import_id": body.get("import_id"),
        "last_action": body.get("last_action"),
        "bulk_created": bool(body.get("bulk_created", False)),
        "parent_prediction": body.get("parent_prediction"),
        "parent_annotation": body.get("parent_annotation"),
        "last_created_by": None,
        "version": 1,
    }


def prediction_item(*, prediction_id: int, task: dict, body: dict, now: str) -> dict:
    pk, sk = keys.prediction(task["id"], prediction_id)
    return {
        "pk": pk,
        "sk": sk,
        "gsi1pk": keys.project_predictions(task["project"]),
        "gsi1sk": keys.pad(prediction_id),
        "gsi2pk": keys.shard_labels(task["project"], task["id"]),
        "gsi2sk": f"{keys.pad(task['id'])}#P#{keys.pad(prediction_id)}",
        "id": prediction_id,
        "task": task["id"],
        "project": task["project"],
        "result": body.get("result", []),
        "score": body.get("score"),
        "model_version": body.get("model_version") or "",
        "created_at": now,
        "updated_at": now,
        "mislabeling": 0.0,
    }


def pointer(key: tuple[str, str], task_id: int) -> dict:
    return {"pk": key[0], "sk": key[1], "task": task_id}


class AnnotationService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def _now(self) -> str:
        return iso(self.ctx.clock())

    # --- annotations ---------------------------------------------------------------------------------------

    def create(self, actor: Actor, task_id: int, body: AnnotationIn) -> dict:
        annotation_id = ids.allocate_one(self.store, "annotation")
        fields = body.model_dump()

        def change(bundle: Bundle) -> LabelChange:
            item = annotation_item(annotation_id=annotation_id, task=bundle.task, body=fields,
                                   user_id=actor.user_id, now=self._now())
            # Submitting ends the caller's draft of a new annotation for this task and the draft it names.
            drafts = [d for d in bundle.drafts if d["user"] == actor.user_id
                      and (d["id"] == body.draft_id or d.get("annotation") is None)]
            named = next((d for d in drafts if d["id"] == body.draft_id), drafts[0] if drafts else None)
            item["draft_created_at"] = named["created_at"] if named else None
            return LabelChange(
                operations=[Put(item, Condition.not_exists()),
                            Put(pointer(keys.annotation_pointer(annotation_id), task_id), Condition.not_exists()),
                            *supersede(drafts)],
                annotations=[*bundle.annotations, item],
                result=item,
                updated_by=actor.user_id,
            )

        item, _ = commit_labels(self.ctx, task_id, actor.organization_id, change)
        push_annotation(self.ctx, item)  # type: ignore[arg-type]
        annotation_event(self.ctx, "ANNOTATION_CREATED", project_id=item["project"],  # type: ignore[index]
                         annotation_id=annotation_id)
        return item  # type: ignore[return-value]

    def _locate(self, actor: Actor, pointer_key: tuple[str, str], entity: str) -> tuple[int, dict]:
        found = self.store.get(*pointer_key)
        if found is None:
            raise not_found(entity)
        task = self.store.get(*keys.task(found["task"]))
        if task is None or task.get("organization") != actor.organization_id:
            raise not_found(entity)
        return found["task"], task

    def get(self, actor: Actor, annotation_id: int) -> dict:
        task_id, _ = self._locate(actor, keys.annotation_pointer(annotation_id), "Annotation")
        item = self.store.get(*keys.annotation(task_id, annotation_id))
        if item is None:
            raise not_found("Annotation")
        return item

    def list_for_task(self, actor: Actor, task_id: int) -> list[dict]:
        bundle = load_bundle(self.store, task_id)
        if bundle is None or bundle.task.get("organization") != actor.organization_id:
            raise not_found("Task")
        return bundle.annotations

    def update(self, actor: Actor, annotation_id: int, patch: AnnotationPatch) -> dict:
        task_id, _ = self._locate(actor, keys.annotation_pointer(annotation_id), "Annotation")
        changes = patch.changes()
        current = self.store.get(*keys.annotation(task_id, annotation_id))
        if current is None:
            raise not_found("Annotation")
        base_version = current.get("version", 0)

        def change(bundle: Bundle) -> LabelChange:
            existing = next((a for a in bundle.annotations if a["id"] == annotation_id), None)
            if existing is None:
                raise not_found("Annotation")
            new = {**existing, **changes, "updated_at": self._now(), "updated_by": actor.user_id,
                   "version": base_version + 1}
            # Conditional on the version this edit was based on: a concurrent edit makes it a 409, not a loss.
            op = Put(new, Condition.equals("version", base_version))
            others = [new if a["id"] == annotation_id else a for a in bundle.annotations]
            drafts = [d for d in bundle.drafts if d["user"] == actor.user_id and d.get("annotation") == annotation_id]
            return LabelChange(operations=[op, *supersede(drafts)], annotations=others, result=new,
                               updated_by=actor.user_id)

        item, _ = commit_labels(self.ctx, task_id, actor.organization_id, change)
        push_annotation(self.ctx, item)  # type: ignore[arg-type]
        annotation_event(self.ctx, "ANNOTATION_UPDATED", project_id=item["project"],  # type: ignore[index]
                         annotation_id=annotation_id, version=item["version"])  # type: ignore[index]
        return item  # type: ignore[return-value]

    def delete(self, actor: Actor, annotation_id: int) -> None:
        task_id, _ = self._locate(actor, keys.annotation_pointer(annotation_id), "Annotation")

        def change(bundle: Bundle) -> LabelChange:
            if not any(a["id"] == annotation_id for a in bundle.annotations):
                raise not_found("Annotation")
            # Drafts of an annotation go with it, everyone's (Label Studio cascades them too).
            drafts = [d for d in bundle.drafts if d.get("annotation") == annotation_id]
            return LabelChange(
                operations=[Delete(*keys.annotation(task_id, annotation_id), Condition.exists()),
                            Delete(*keys.annotation_pointer(annotation_id)), *supersede(drafts)],
                annotations=[a for a in bundle.annotations if a["id"] != annotation_id],
            )

        _, bundle = commit_labels(self.ctx, task_id, actor.organization_id, change)
        remove_annotation(self.ctx, bundle.task["project"], annotation_id)
        annotation_event(self.ctx, "ANNOTATIONS_DELETED", project_id=bundle.task["project"],
                         annotation_id=annotation_id)

    def view(self, item: dict) -> dict:
        email = self._email(item.get("completed_by"))
        return annotation_view(item, emails=email, now=self.ctx.clock())

    def _email(self, user_id: int | None) -> dict[int, str]:
        if user_id is None:
            return {}
        user = self.store.get(*keys.user(user_id))
        return {user_id: user["email"]} if user else {}

    # --- predictions ---------------------------------------------------------------------------------------

    def create_prediction(self, actor: Actor, body: PredictionIn) -> dict:
        task = self.store.get(*keys.task(body.task))
        if task is None or task.get("organization") != actor.organization_id:
            raise not_found("Task")
        project = self.store.get(*keys.project(task["project"])) or {}
        result = expand_bare_result(body.result, project.get("label_config"))
        prediction_id = ids.allocate_one(self.store, "prediction")
        fields = {"result": result, "score": body.score,
                  "model_version": body.model_version if body.model_version is not None
                  else project.get("model_version", "")}

        def change(bundle: Bundle) -> LabelChange:
            item = prediction_item(prediction_id=prediction_id, task=bundle.task, body=fields, now=self._now())
            return LabelChange(
                operations=[Put(item, Condition.not_exists()),
                            Put(pointer(keys.prediction_pointer(prediction_id), body.task), Condition.not_exists())],
                predictions=[*bundle.predictions, item],
                result=item,
            )

        item, _ = commit_labels(self.ctx, body.task, actor.organization_id, change)
        return item  # type: ignore[return-value]

    def get_prediction(self, actor: Actor, prediction_id: int) -> dict:
        task_id, _ = self._locate(actor, keys.prediction_pointer(prediction_id), "Prediction")
        item = self.store.get(*keys.prediction(task_id, prediction_id))
        if item is None:
            raise not_found("Prediction")
        return item

    def update_prediction(self, actor: Actor, prediction_id: int, patch: PredictionPatch) -> dict:
        """Through the task's counters: a new score moves the task in the uncertainty index (ml/sampling.py)
        in the same transaction."""
        task_id, _ = self._locate(actor, keys.prediction_pointer(prediction_id), "Prediction")
        changes = {**patch.changes(), "updated_at": self._now()}

        def change(bundle: Bundle) -> LabelChange:
            current = next((p for p in bundle.predictions if p["id"] == prediction_id), None)
            if current is None:
                raise not_found("Prediction")
            item = {**current, **changes}
            return LabelChange(
                operations=[Update(current["pk"], current["sk"], set=changes, condition=Condition.exists())],
                predictions=[item if p["id"] == prediction_id else p for p in bundle.predictions],
                result=item,
            )

        item, _ = commit_labels(self.ctx, task_id, actor.organization_id, change)
        return item  # type: ignore[return-value]

    def delete_prediction(self, actor: Actor, prediction_id: int) -> None:
        task_id, _ = self._locate(actor, keys.prediction_pointer(prediction_id), "Prediction")

        def change(bundle: Bundle) -> LabelChange:
            if not any(p["id"] == prediction_id for p in bundle.predictions):
                raise not_found("Prediction")
            return LabelChange(
                operations=[Delete(*keys.prediction(task_id, prediction_id), Condition.exists()),
                            Delete(*keys.prediction_pointer(prediction_id))],
                predictions=[p for p in bundle.predictions if p["id"] != prediction_id],
            )

        commit_labels(self.ctx, task_id, actor.organization_id, change)

    def list_predictions(self, actor: Actor, *, task: int | None, project: int | None) -> list[dict]:
        if task is not None:
            bundle = load_bundle(self.store, task)
            if bundle is None or bundle.task.get("organization") != actor.organization_id:
                raise not_found("Task")
            return bundle.predictions
        if project is not None:
            item = self.store.get(*keys.project(project))
            if item is None or item.get("organization") != actor.organization_id:
                raise not_found("Project")
            return self.store.query(keys.project_predictions(project), index="gsi1").items
        raise Invalid("Pass task or project.", {"non_field_errors": ["Pass ?task=<id> or ?project=<id>."]})

    def prediction_view(self, item: dict) -> dict:
        return prediction_view(item, now=self.ctx.clock())


def expand_bare_result(result: object, label_config: str | None) -> list[dict]:
    """The legacy client sends `"result": "A"`; Label Studio expands it with the config's first control."""
    if isinstance(result, list):
        return result
    if isinstance(result, dict):
        return [result]
    config = parse_label_config(label_config)
    for name, control in config.controls.items():
        kind = control["type"].lower()
        to_name = control["to_name"][0] if control["to_name"] else ""
        if kind == "choices":
            return [{"from_name": name, "to_name": to_name, "type": kind, "value": {"choices": [result]}}]
        if kind == "textarea":
            return [{"from_name": name, "to_name": to_name, "type": kind, "value": {"text": [result]}}]
    raise Invalid("A bare prediction result needs a Choices or TextArea control in the label config.",
                  {"result": ["Send a list of result objects."]})
