"""JobRunner contract: the same workflows run on the thread pool and on Step Functions (moto).

The Step Functions case runs the real ASL from `jobsteps.workflow_definition` in moto's interpreter;
its Lambda tasks are redirected in-process to `jobsteps.dispatch_step` by patching moto's private
`LambdaFunction._invoke_lambda` (moto is pinned, see serverless_facts.md §1b–1d). So a green run proves
the wiring Plan → Map → Finish and Catch → Error → Fail, not only the Python steps.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from skylabel.adapters.threads import ThreadJobRunner
from skylabel.jobsteps import dispatch_step, error_message, workflow_definition
from skylabel.ports import Workflow

TIMEOUT = 15.0


@dataclass
class Recorder:
    """What the workflows did, per job id; shared by every thread the runners use."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    plans: dict[str, int] = field(default_factory=dict)
    parts: dict[str, list[int]] = field(default_factory=dict)
    results: dict[str, list[int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    running: int = 0
    max_running: int = 0

    def add(self, table: dict, job_id: str, value: Any) -> None:
        with self.lock:
            table.setdefault(job_id, []).append(value)


def make_workflows(rec: Recorder) -> dict[str, Workflow]:
    def plan(payload: dict) -> list[dict]:
        with rec.lock:
            rec.plans[payload["job_id"]] = rec.plans.get(payload["job_id"], 0) + 1
        numbers = list(range(1, payload["n"] + 1))
        return [{"numbers": numbers[i : i + 3]} for i in range(0, len(numbers), 3)]

    def run_part(payload: dict, part: dict) -> dict:
        with rec.lock:
            rec.running += 1
            rec.max_running = max(rec.max_running, rec.running)
        try:
            time.sleep(payload.get("sleep", 0))
            if payload.get("fail_on") in part["numbers"]:
                raise ValueError(f"cannot sum a part holding {payload['fail_on']}")
            subtotal = sum(part["numbers"])
            rec.add(rec.parts, payload["job_id"], subtotal)
            return {"sum": subtotal}
        finally:
            with rec.lock:
                rec.running -= 1

    def finish(payload: dict, results: list[dict]) -> None:
        with rec.lock:
            rec.results[payload["job_id"]] = [r["sum"] for r in results]
            rec.totals[payload["job_id"]] = sum(r["sum"] for r in results)

    def on_error(payload: dict, message: str) -> None:
        rec.add(rec.errors, payload["job_id"], message)

    return {
        "sum": Workflow("sum", plan, run_part, finish, on_error, max_concurrency=4),
        "narrow": Workflow("narrow", plan, run_part, finish, on_error, max_concurrency=2),
    }


@dataclass
class Runners:
    kind: str
    runner: Any
    rec: Recorder
    wait: Callable[[str], str]  # job id → "SUCCEEDED" | "FAILED" once it has ended


# --- fixtures: one per world ------------------------------------------------------------------------------


def _thread_runners(rec: Recorder) -> Iterator[Runners]:
    runner = ThreadJobRunner(make_workflows(rec), max_workers=4)

    def wait(job_id: str) -> str:
        assert runner.wait(job_id, TIMEOUT), f"job {job_id} did not end in {TIMEOUT}s"
        return "FAILED" if job_id in rec.errors else "SUCCEEDED"

    yield Runners("threads", runner, rec, wait)
    runner.shutdown()


def _step_function_runners(rec: Recorder, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runners]:
    import boto3
    from moto import mock_aws
    from moto.awslambda.models import LambdaFunction

    from skylabel.adapters.stepfunctions import StepFunctionsJobRunner

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    workflows = make_workflows(rec)

    def invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        # What the deployed step Lambda does, minus the container: run the step, or report the
        # exception the way the Python runtime does (errorType/errorMessage, which Catch reads).
        try:
            return json.dumps(dispatch_step(workflows, event)), False, ""
        except Exception as e:
            return json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)}), True, ""

    monkeypatch.setattr(LambdaFunction, "_invoke_lambda", invoke_in_process)

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        lam = boto3.client("lambda", region_name="us-east-1")
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        # moto's Lambda checks that the role exists; its trust policy is not evaluated.
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="skylabel-contract", AssumeRolePolicyDocument="{}"
        )["Role"]["Arn"]
        function_arn = lam.create_function(
            FunctionName="skylabel-job-step",
            Runtime="python3.12",
            Role=role,
            Handler="handler.main",
            Code={"ZipFile": b"not a real zip: moto never runs it"},
        )["FunctionArn"]
        arns = {
            name: sfn.create_state_machine(
                name=f"skylabel-{name}",
                definition=json.dumps(workflow_definition(function_arn, wf.max_concurrency)),
                roleArn=role,
            )["stateMachineArn"]
            for name, wf in workflows.items()
        }

        def wait(job_id: str) -> str:
            # Jobs are started by name; find the execution among the machines.
            deadline = time.monotonic() + TIMEOUT
            while time.monotonic() < deadline:
                for arn in arns.values():
                    execution_arn = arn.replace(":stateMachine:", ":execution:") + f":{job_id}"
                    try:
                        status = sfn.describe_execution(executionArn=execution_arn)["status"]
                    except sfn.exceptions.ExecutionDoesNotExist:
                        continue
                    if status != "RUNNING":
                        return status
                time.sleep(0.05)
            raise AssertionError(f"execution {job_id} did not end in {TIMEOUT}s")

        yield Runners("stepfunctions", StepFunctionsJobRunner(arns, client=sfn), rec, wait)


@pytest.fixture(params=["threads", "stepfunctions"])
def runners(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runners]:
    rec = Recorder()
    if request.param == "threads":
        yield from _thread_runners(rec)
    else:
        yield from _step_function_runners(rec, monkeypatch)


# --- the contract -----------------------------------------------------------------------------------------


def test_job_runs_plan_parts_and_finish(runners: Runners) -> None:
    # Given numbers 1..10, planned as parts of 3
    # When the job is started
    runners.runner.start("sum", "job-ok", {"job_id": "job-ok", "n": 10})

    # Then start returned at once, and the job ends successfully with the total
    assert runners.wait("job-ok") == "SUCCEEDED"
    assert runners.rec.totals["job-ok"] == 55
    assert sorted(runners.rec.parts["job-ok"]) == [6, 10, 15, 24]
    # finish receives the results in the parts' order, as a Map state returns them
    assert runners.rec.results["job-ok"] == [6, 15, 24, 10]
    assert "job-ok" not in runners.rec.errors


def test_job_with_no_parts_still_finishes(runners: Runners) -> None:
    runners.runner.start("sum", "job-empty", {"job_id": "job-empty", "n": 0})

    assert runners.wait("job-empty") == "SUCCEEDED"
    assert runners.rec.totals["job-empty"] == 0


def test_failing_part_ends_in_on_error_with_a_message(runners: Runners) -> None:
    # Given a job whose part holding 5 raises
    runners.runner.start("sum", "job-bad", {"job_id": "job-bad", "n": 10, "fail_on": 5})

    # Then the job fails, finish never runs, and on_error gets one short message without a traceback
    assert runners.wait("job-bad") == "FAILED"
    assert "job-bad" not in runners.rec.totals
    [message] = runners.rec.errors["job-bad"]
    assert message == "ValueError: cannot sum a part holding 5"
    assert "Traceback" not in message


def test_starting_the_same_job_twice_runs_it_once(runners: Runners) -> None:
    payload = {"job_id": "job-twice", "n": 10}
    runners.runner.start("sum", "job-twice", payload)
    runners.runner.start("sum", "job-twice", payload)

    assert runners.wait("job-twice") == "SUCCEEDED"
    runners.runner.start("sum", "job-twice", payload)  # and again after it ended
    assert runners.rec.plans["job-twice"] == 1
    assert sorted(runners.rec.parts["job-twice"]) == [6, 10, 15, 24]
    assert runners.rec.totals["job-twice"] == 55


def test_parts_respect_max_concurrency(runners: Runners) -> None:
    # Given a workflow allowing 2 parts at a time, with parts slow enough to overlap
    runners.runner.start("narrow", "job-narrow", {"job_id": "job-narrow", "n": 18, "sleep": 0.05})

    assert runners.wait("job-narrow") == "SUCCEEDED"
    assert runners.rec.totals["job-narrow"] == 171
    assert 1 <= runners.rec.max_running <= 2


def test_unknown_workflow_is_refused(runners: Runners) -> None:
    with pytest.raises(ValueError):
        runners.runner.start("nope", "job-x", {"job_id": "job-x"})


# --- the step handler and the definition, without a runner ------------------------------------------------


def test_dispatch_step_runs_each_step() -> None:
    rec = Recorder()
    workflows = make_workflows(rec)
    base = {"workflow": "sum", "job_id": "j", "payload": {"job_id": "j", "n": 4}}

    parts = dispatch_step(workflows, {**base, "step": "plan"})["parts"]
    results = [dispatch_step(workflows, {**base, "step": "part", "part": p}) for p in parts]
    assert dispatch_step(workflows, {**base, "step": "finish", "results": results}) == {}
    error = {"Error": "ValueError", "Cause": json.dumps({"errorType": "ValueError", "errorMessage": "boom"})}
    assert dispatch_step(workflows, {**base, "step": "error", "error": error}) == {}

    assert parts == [{"numbers": [1, 2, 3]}, {"numbers": [4]}]
    assert rec.totals["j"] == 10
    assert rec.errors["j"] == ["ValueError: boom"]
    with pytest.raises(ValueError):
        dispatch_step(workflows, {**base, "step": "dance"})


def test_error_message_from_non_lambda_failures() -> None:
    assert error_message({"Error": "States.Timeout", "Cause": "took too long"}) == "States.Timeout: took too long"
    assert error_message({"Error": "States.Runtime"}) == "States.Runtime"
    assert len(error_message({"Error": "X", "Cause": "y" * 5000})) == 1000


def test_definition_is_small_jsonpath_with_bounded_map() -> None:
    definition = workflow_definition("arn:aws:lambda:us-east-1:123456789012:function:step", 3)

    assert "QueryLanguage" not in json.dumps(definition)  # JSONPath, moto cannot run JSONata
    assert definition["States"]["Parts"]["MaxConcurrency"] == 3
    assert definition["States"]["Parts"]["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    for name in ("Plan", "Parts", "Finish"):
        assert definition["States"][name]["Catch"][0]["Next"] == "Error"
    assert definition["States"]["Error"]["Next"] == "Failed"
    for retry in definition["States"]["Plan"]["Retry"]:
        assert retry["IntervalSeconds"] == 1 and retry["MaxAttempts"] == 2
