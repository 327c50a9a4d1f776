"""The job workflows, by name: the same step functions run by the thread pool locally and by Step
Functions in AWS (see ports.Workflow and adapters/threads.py, adapters/stepfunctions.py)."""

from __future__ import annotations

from skylabel.context import Context
from skylabel.ports import Workflow


def workflows(ctx: Context) -> dict[str, Workflow]:
    from skylabel.exports.service import ExportService
    from skylabel.imports.jobs import ImportJobs
    from skylabel.ml.events import EventJobs
    from skylabel.ml.jobs import PredictJobs

    def run_import(_payload: dict, part: dict) -> dict:
        job = ImportJobs(ctx).run(int(part["job_id"]))
        return {"status": job["status"], "tasks": job.get("task_count", 0)}

    return {
        # One file per job: the file streams through one part; the job's chunks make it resumable.
        "import": Workflow(
            name="import",
            plan=lambda payload: [{"job_id": payload["job_id"]}],
            run_part=run_import,
            finish=lambda _payload, _results: None,
            on_error=lambda payload, message: ImportJobs(ctx).mark_failed(int(payload["job_id"]), message),
            max_concurrency=1,
        ),
        # One part per task-index shard, written in parallel; finish assembles them into the file.
        "export": Workflow(
            name="export",
            plan=lambda p: ExportService(ctx).plan(int(p["export_id"]), p["format"]),
            run_part=lambda p, part: ExportService(ctx).run_part(int(p["export_id"]), p["format"], part),
            finish=lambda p, results: ExportService(ctx).finish(int(p["export_id"]), p["format"], results),
            on_error=lambda p, message: ExportService(ctx).fail(int(p["export_id"]), p["format"], message),
            max_concurrency=4,
        ),
        # ML backends (skylabel.ml; functions/ml_invoke in AWS): parts are slices of the task index, each sending
        # its batches in turn, so at most `max_concurrency` /predict calls are in flight per job.
        "predict": Workflow(
            name="predict",
            plan=lambda p: PredictJobs(ctx).plan(int(p["job_id"])),
            run_part=lambda p, part: PredictJobs(ctx).run_part(int(p["job_id"]), part),
            finish=lambda p, results: PredictJobs(ctx).finish(int(p["job_id"]), results),
            on_error=lambda p, message: PredictJobs(ctx).fail(int(p["job_id"]), message),
            max_concurrency=4,
        ),
        # One event (START_TRAINING, annotation created/updated/deleted) to each backend's /webhook.
        "ml_event": Workflow(
            name="ml_event",
            plan=lambda p: EventJobs(ctx).plan(p),
            run_part=lambda p, part: EventJobs(ctx).run_part(p, part),
            finish=lambda p, results: EventJobs(ctx).finish(p, results),
            on_error=lambda p, message: EventJobs(ctx).error(p, message),
            max_concurrency=4,
        ),
    }
