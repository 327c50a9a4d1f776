"""The export job's step Lambda: Step Functions calls it for plan, each part, finish and error.

Thin: the event names the step; `dispatch_step` runs the same workflow functions the local thread pool runs.
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
