"""Import a JSON list of tasks (with inline annotations and predictions) in one request.

Everything is validated before anything is written, so a bad item costs nothing: the answer names the
item and the missing field and no task of that import exists. Ids come in blocks (one counter write per
kind), items go in with bulk writes, and the project's counters move once at the end — this is what
makes a 100,000-task body cheap.
"""

from __future__ import annotations

import time

from skylabel import ids, keys
from skylabel.annotations.service import annotation_item, expand_bare_result, pointer, prediction_item
from skylabel.batching import chunked
from skylabel.context import Actor, Context
from skylabel.errors import Invalid
from skylabel.labeling_config import LabelConfig, parse_label_config
from skylabel.ports import Condition, Update
from skylabel.projects.service import ProjectService
from skylabel.tasks.index import marker_updates, shard_counts
from skylabel.tasks.service import new_task_item, task_template
from skylabel.tasks.state import project_deltas, summary_update, task_counters, usage_delta
from skylabel.timeutil import iso

_ZERO = {"total_annotations": 0, "cancelled_annotations": 0, "total_predictions": 0, "is_labeled": False,
         "ground_truth_count": 0}


def _fail(index: int, message: str) -> Invalid:
    text = f"Error at item {index}: {message}"
    return Invalid(text, {"non_field_errors": [text]})


def _normalize(index: int, raw: object, config: LabelConfig, preannotated: list[str]) -> tuple[dict, dict, list, list]:
    if not isinstance(raw, dict):
        raise _fail(index, "a task must be a JSON object")
    if isinstance(raw.get("data"), dict):
        data, meta = raw["data"], raw.get("meta") or {}
        annotations, predictions = raw.get("annotations") or [], raw.get("predictions") or []
    else:
        data, meta, annotations, predictions = raw, {}, [], []
    if not isinstance(meta, dict):
        raise _fail(index, '"meta" must be a JSON object')
    for key in config.data_keys:
        if key not in data:
            raise _fail(index, f'"{key}" key is expected in task data [{", ".join(sorted(map(str, data)))}]')
    for kind, entries in (("annotations", annotations), ("predictions", predictions)):
        if not isinstance(entries, list):
            raise _fail(index, f'"{kind}" must be a list')
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("result", []), list):
                raise _fail(index, f'each of "{kind}" must be an object whose "result" is a list')
    for name in preannotated:
        if name in data:
            predictions = [*predictions, {"result": expand_field(name, data[name], config), "score": 1.0,
                                          "model_version": "preannotated"}]
    return data, meta, annotations, predictions


def _normalize_all(raw_tasks: list, config: LabelConfig, preannotated: list[str]) -> list[tuple]:
    """Normalize every task; flat tasks (the bulk case) take a short path with the same checks."""
    required = config.data_keys
    out = []
    for index, raw in enumerate(raw_tasks):
        if type(raw) is dict and "data" not in raw and not preannotated:
            if all(key in raw for key in required):
                out.append((raw, None, (), ()))
                continue
        out.append(_normalize(index, raw, config, preannotated))
    return out


def expand_field(name: str, value: object, config: LabelConfig) -> list[dict]:
    control = config.controls.get(name)
    if control is None:
        return expand_bare_result(value, config.xml)
    kind = control["type"].lower()
    to_name = control["to_name"][0] if control["to_name"] else ""
    key = "text" if kind == "textarea" else kind
    values = value if isinstance(value, list) else [value]
    return [{"from_name": name, "to_name": to_name, "type": kind, "value": {key: values}}]


class ImportService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.items

    def import_json(self, actor: Actor, project_id: int, payload: object, *, return_task_ids: bool = False,
                    preannotated_from_fields: list[str] | None = None) -> dict:
        started = time.perf_counter()
        project = ProjectService(self.ctx).get_item(actor, project_id)
        raw_tasks = payload if isinstance(payload, list) else [payload] if isinstance(payload, dict) else None
        if raw_tasks is None:
            raise Invalid("Send a JSON list of tasks or one task object.",
                          {"non_field_errors": ["Expected a list of tasks or a task object."]})
        if not raw_tasks:
            raise Invalid("load_tasks: No tasks added", {"non_field_errors": ["load_tasks: No tasks added"]})
        config = parse_label_config(project.get("label_config"))
        normalized = _normalize_all(raw_tasks, config, preannotated_from_fields or [])

        count = len(normalized)
        task_ids = ids.allocate(self.store, "task", count)
        last_inner = self.store.increment(*keys.project(project_id), "next_inner_id", count)
        n_ann = sum(len(n[2]) for n in normalized)
        n_pred = sum(len(n[3]) for n in normalized)
        ann_ids = iter(ids.allocate(self.store, "annotation", n_ann)) if n_ann else iter(())
        pred_ids = iter(ids.allocate(self.store, "prediction", n_pred)) if n_pred else iter(())
        now = iso(self.ctx.clock())
        first_inner = last_inner - count + 1
        template = task_template(project, now)
        tasks, labels, label_items = [], [], []
        deltas: dict[str, int] = {"task_number": count}
        for offset, ((data, meta, raw_anns, raw_preds), task_id) in enumerate(zip(normalized, task_ids, strict=True)):
            task = new_task_item(task_id=task_id, template=template, data=data, meta=meta,
                                 inner_id=first_inner + offset)
            if raw_anns or raw_preds:
                anns = [annotation_item(annotation_id=next(ann_ids), task=task, body=a, user_id=actor.user_id,
                                        now=now) for a in raw_anns]
                preds = [prediction_item(prediction_id=next(pred_ids), task=task, body=p, now=now)
                         for p in raw_preds]
                counters = task_counters(task, anns, preds)
                task.update({k: v for k, v in counters.items() if k != "ground_truth_count"})
                for key, value in project_deltas(_ZERO, counters).items():
                    deltas[key] = deltas.get(key, 0) + value
                labels += anns + [pointer(keys.annotation_pointer(a["id"]), task_id) for a in anns]
                label_items += anns
                labels += preds + [pointer(keys.prediction_pointer(p["id"]), task_id) for p in preds]
            tasks.append(task)
        # Labels before tasks: a task is never visible before its counters are true.
        if labels:
            self.store.batch_put(labels)
        self.store.batch_put(tasks)
        # The project's task_number and the shard counts move together (at most 100 items per transaction).
        counters = Update(*keys.project(project_id), add=deltas, condition=Condition.exists())
        summary = summary_update(project_id, usage_delta([], label_items))
        for chunk in chunked([counters, *summary, *marker_updates(project_id, shard_counts(task_ids))], 100):
            self.store.transact(chunk)
        answer = {
            "task_count": count,
            "annotation_count": n_ann,
            "predictions_count": n_pred,
            "prediction_count": n_pred,
            "duration": round(time.perf_counter() - started, 6),
            "file_upload_ids": [],
            "could_be_tasks_list": False,
            "found_formats": [],
            "data_columns": [],
        }
        if return_task_ids:
            answer["task_ids"] = list(task_ids)
        return answer

    def import_predictions(self, actor: Actor, project_id: int, payload: object) -> dict:
        """`POST /api/projects/{id}/import/predictions`: many predictions, one transaction per task."""
        from skylabel.annotations.models import PredictionIn
        from skylabel.annotations.service import AnnotationService

        ProjectService(self.ctx).get_item(actor, project_id)
        if not isinstance(payload, list) or not payload:
            raise Invalid("Send a non-empty JSON list of predictions.", {"non_field_errors": ["Expected a list."]})
        try:
            bodies = [PredictionIn.model_validate(p) for p in payload]
        except ValueError as exc:
            raise Invalid(f"Invalid prediction: {exc}") from None
        service = AnnotationService(self.ctx)
        for body in bodies:
            task = self.store.get(*keys.task(body.task))
            if task is None or task.get("project") != project_id:
                raise Invalid(f"Task {body.task} is not in project {project_id}.")
        for body in bodies:
            service.create_prediction(actor, body)
        return {"created": len(bodies)}
