"""JobRunner on in-process threads: the local stand-in for Step Functions.

Why this shape: it runs the same Workflow functions in the same order as the state machine in
`skylabel.jobsteps` (plan → parts, at most `max_concurrency` at a time → finish; any failure →
on_error), so a job behaves the same on a laptop and in AWS. Two pools keep it deadlock-free: a
coordinator thread per running job waits on its parts, and the parts run in a separate pool that
nothing ever blocks in. Values crossing a step boundary are round-tripped through JSON and checked
against the Step Functions state limit, so a workflow that would break in AWS breaks here too.

Idempotency mirrors Step Functions' execution names: a job id is started at most once per runner.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from typing import Any

from skylabel.jobsteps import check_state_size, format_error
from skylabel.ports import Workflow

logger = logging.getLogger(__name__)


def _json_copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


class ThreadJobRunner:
    def __init__(self, workflows: Mapping[str, Workflow], max_workers: int = 4,
                 part_concurrency: int | None = None) -> None:
        """`part_concurrency` caps every workflow's parallel parts: in one CPython process threads share the
        GIL, so CPU-bound parts gain nothing from running together and only multiply memory."""
        self._workflows = dict(workflows)
        self._part_cap = part_concurrency
        self._jobs = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="skylabel-job")
        self._parts = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="skylabel-part")
        self._done: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def start(self, workflow: str, job_id: str, payload: dict) -> None:
        if workflow not in self._workflows:
            raise ValueError(f"unknown workflow {workflow!r}")
        payload = _json_copy(payload)
        with self._lock:
            if job_id in self._done:
                return
            done = self._done[job_id] = threading.Event()
        self._jobs.submit(self._run, self._workflows[workflow], job_id, payload, done)

    def wait(self, job_id: str, timeout: float | None = None) -> bool:
        """True once the job has finished (successfully or through on_error); for tests and shutdown."""
        with self._lock:
            done = self._done.get(job_id)
        return done is not None and done.wait(timeout)

    def shutdown(self, wait: bool = True) -> None:
        self._jobs.shutdown(wait=wait, cancel_futures=not wait)
        self._parts.shutdown(wait=wait, cancel_futures=not wait)

    # --- one job ------------------------------------------------------------------------------------------

    def _run(self, workflow: Workflow, job_id: str, payload: dict, done: threading.Event) -> None:
        try:
            parts = _json_copy(list(workflow.plan(payload)))
            check_state_size("the plan's part list", parts)
            results = self._run_parts(workflow, payload, parts)
            check_state_size("the part results", results)
            workflow.finish(payload, results)
        except Exception as e:
            logger.exception("job %s (%s) failed", job_id, workflow.name)
            self._report_error(workflow, job_id, payload, format_error(type(e).__name__, str(e)))
        finally:
            done.set()

    def _run_parts(self, workflow: Workflow, payload: dict, parts: list[dict]) -> list[dict]:
        """Run parts with a sliding window of `max_concurrency`; results keep the parts' order, as Map does."""
        limit = max(1, min(workflow.max_concurrency, self._part_cap or workflow.max_concurrency))
        results: list[Any] = [None] * len(parts)
        running: dict[Future, int] = {}
        queue = iter(enumerate(parts))
        try:
            while True:
                while len(running) < limit and (nxt := next(queue, None)) is not None:
                    index, part = nxt
                    running[self._parts.submit(self._run_part, workflow, payload, part)] = index
                if not running:
                    return results
                finished, _ = wait_futures(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    results[running.pop(future)] = future.result()  # re-raises the part's exception
        finally:
            # On failure, stop the parts not yet started and let the running ones end before on_error.
            for future in running:
                future.cancel()
            wait_futures(running)

    @staticmethod
    def _run_part(workflow: Workflow, payload: dict, part: dict) -> Any:
        return _json_copy(workflow.run_part(payload, part))

    @staticmethod
    def _report_error(workflow: Workflow, job_id: str, payload: dict, message: str) -> None:
        try:
            workflow.on_error(payload, message)
        except Exception:
            logger.exception("job %s (%s): on_error failed too", job_id, workflow.name)
