"""The job workflows, by name: the same step functions run by the thread pool locally and by Step
Functions in AWS (see ports.Workflow and adapters/threads.py, adapters/stepfunctions.py)."""

from __future__ import annotations

from skylabel.context import Context
from skylabel.ports import Workflow


def workflows(ctx: Context) -> dict[str, Workflow]:
    from skylabel.exports.service import ExportService
    from skylabel.imports.jobs import ImportJobs

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
    }
