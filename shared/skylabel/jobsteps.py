"""Job steps: the one body behind every Step Functions task, and the state machine that calls it.

Why this shape: a `Workflow` is plain Python (plan → map(run_part) → finish, on_error). In AWS one
Lambda runs every step; the state machine tells it which step through the event, so there is one
handler and one deployment artefact, whatever the workflow. Locally `ThreadJobRunner` calls the same
Workflow functions in the same order. The contract suite runs the definition below in moto's ASL
interpreter, so the wiring (Plan → Map → Finish, Catch → Error → Fail) is tested, not just written.

The state carries only `workflow`, `job_id`, `payload`, the part descriptors and the part results,
all small by the Workflow contract (Step Functions caps state at 256 KB). No task data ever flows
through it. The definition uses JSONPath, not JSONata (moto's interpreter cannot run JSONata).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from skylabel.ports import Workflow

STATE_LIMIT_BYTES = 256 * 1024
MAX_ERROR_MESSAGE = 1000

# Transient failures of the Lambda service itself (not of our code): worth one quick retry.
LAMBDA_SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]


# A part that stops at its time budget (a Lambda lives at most 15 minutes) raises this; the state machine runs it
# again and it resumes where it stopped. Parts that raise it must be resumable (skylabel.ml.jobs is).
PART_UNFINISHED = "PartUnfinished"
PART_RESUMES = 50  # attempts: with ~12-minute budgets, a part may run for about ten hours


class PartUnfinished(Exception):
    """The part stopped at its time budget; running it again resumes it."""


def format_error(error_type: str, message: str) -> str:
    """The message `on_error` receives in both runners: 'Type: message', no stack trace, bounded."""
    text = f"{error_type}: {message}" if message else error_type
    return text[:MAX_ERROR_MESSAGE]


def error_message(error: Any) -> str:
    """Turn a Step Functions Catch result ({"Error", "Cause"}) into a `format_error` message.

    A failed Lambda puts its error payload ({"errorType", "errorMessage", "stackTrace"}) in Cause as
    JSON; other failures (States.Timeout, Lambda.ServiceException…) carry a plain-text Cause.
    """
    if not isinstance(error, dict):
        return format_error("Error", str(error or ""))
    name = str(error.get("Error") or "Error")
    cause = error.get("Cause") or ""
    try:
        payload = json.loads(cause) if isinstance(cause, str) else cause
    except ValueError:
        payload = None
    if isinstance(payload, dict) and "errorMessage" in payload:
        return format_error(str(payload.get("errorType") or name), str(payload["errorMessage"]))
    return format_error(name, str(cause))


def check_state_size(what: str, value: Any) -> None:
    """Fail like Step Functions would (States.DataLimitExceeded) when a step's output is too big."""
    size = len(json.dumps(value, separators=(",", ":")).encode("utf-8"))
    if size > STATE_LIMIT_BYTES:
        raise ValueError(f"{what} is {size} bytes; Step Functions state is limited to {STATE_LIMIT_BYTES} bytes")


def dispatch_step(workflows: Mapping[str, Workflow], event: dict) -> dict:
    """Run one step of a job. Event: {"step", "workflow", "job_id", "payload", "part"?, "results"?, "error"?}.

    plan → {"parts": [...]}; part → the part's result; finish and error → {}. Exceptions propagate:
    the Lambda runtime reports them, and the state machine's Catch routes the job to the error step.
    """
    name = event.get("workflow")
    if name not in workflows:
        raise ValueError(f"unknown workflow {name!r}")
    workflow = workflows[name]
    payload = event.get("payload") or {}
    step = event.get("step")
    if step == "plan":
        return {"parts": list(workflow.plan(payload))}
    if step == "part":
        return workflow.run_part(payload, event["part"])
    if step == "finish":
        workflow.finish(payload, list(event.get("results") or []))
        return {}
    if step == "error":
        workflow.on_error(payload, error_message(event.get("error")))
        return {}
    raise ValueError(f"unknown step {step!r}")


def _invoke(step_function_arn: str, step: str, extra: Mapping[str, str] | None = None) -> dict:
    """A `lambda:invoke` Task that sends {"step", "workflow", "job_id", "payload", **extra}."""
    payload = {"step": step, "workflow.$": "$.workflow", "job_id.$": "$.job_id", "payload.$": "$.payload"}
    payload.update(extra or {})
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": step_function_arn, "Payload": payload},
        "Retry": [
            {"ErrorEquals": LAMBDA_SERVICE_ERRORS, "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2.0},
        ],
    }


def _catch_to_error() -> list[dict]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Error"}]


def workflow_definition(step_function_arn: str, max_concurrency: int) -> dict:
    """The Amazon States Language document for one workflow; execution input {"workflow", "job_id", "payload"}."""
    plan = _invoke(step_function_arn, "plan")
    plan.update(
        ResultSelector={"parts.$": "$.Payload.parts"},
        ResultPath="$.plan",
        Catch=_catch_to_error(),
        Next="Parts",
    )

    part = _invoke(step_function_arn, "part", {"part.$": "$.part"})
    part["Retry"].append({"ErrorEquals": [PART_UNFINISHED], "IntervalSeconds": 1, "MaxAttempts": PART_RESUMES,
                          "BackoffRate": 1.0})
    part.update(OutputPath="$.Payload", End=True)

    parts = {
        "Type": "Map",
        "ItemsPath": "$.plan.parts",
        "ItemSelector": {
            "workflow.$": "$.workflow",
            "job_id.$": "$.job_id",
            "payload.$": "$.payload",
            "part.$": "$$.Map.Item.Value",
        },
        "MaxConcurrency": max(1, int(max_concurrency)),
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Part",
            "States": {"Part": part},
        },
        "ResultPath": "$.results",
        "Catch": _catch_to_error(),
        "Next": "Finish",
    }

    finish = _invoke(step_function_arn, "finish", {"results.$": "$.results"})
    finish.update(ResultPath=None, Catch=_catch_to_error(), End=True)

    # The error step reports the failure to the domain; whether or not that works, the execution fails.
    error = _invoke(step_function_arn, "error", {"error.$": "$.error"})
    error.update(
        ResultPath=None,
        Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error_step", "Next": "Failed"}],
        Next="Failed",
    )

    return {
        "Comment": "Skylabel job: plan → map(run_part) → finish; any failure → error → Fail",
        "StartAt": "Plan",
        "States": {
            "Plan": plan,
            "Parts": parts,
            "Finish": finish,
            "Error": error,
            "Failed": {"Type": "Fail", "Error": "JobFailed", "Cause": "the job failed; see the Error step"},
        },
    }
