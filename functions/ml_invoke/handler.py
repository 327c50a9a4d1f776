"""The ML job steps' Lambda: Step Functions calls it for each step of the `predict` workflow (plan, every part,
finish, error) and of `ml_event` (training and annotation events to a backend's /webhook).

Thin: the event names the step; `dispatch_step` runs the same workflow functions the local thread pool runs.
A separate function from the export/import steps because it calls users' ML backends: it gets the
outbound-call budget (a long timeout for slow models) and none of the heavy export work.
A part that reaches its time budget raises `PartUnfinished`; the state machine retries it and it resumes.
"""

from __future__ import annotations

from skylabel.jobsteps import dispatch_step
from skylabel.wiring import context_from_env
from skylabel.workflows import workflows

_workflows = None


def lambda_handler(event: dict, context: object) -> dict:
    global _workflows
    if _workflows is None:
        _workflows = workflows(context_from_env())
    return dispatch_step(_workflows, event)
