"""JobRunner on AWS Step Functions: one state machine per workflow, one execution per job.

Why this shape: the execution name is the job id, and Step Functions refuses a second execution with
the same name (`ExecutionAlreadyExists`), so idempotency comes from the service, not from a lock
table. Each state machine runs `skylabel.jobsteps.workflow_definition`, whose tasks all invoke the one
step Lambda (`jobsteps.dispatch_step`). The client is injectable and boto3 is imported only when none
is given, so the local runtime never loads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class StepFunctionsJobRunner:
    def __init__(self, state_machine_arns: Mapping[str, str], client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("stepfunctions")
        self._arns = dict(state_machine_arns)
        self._client = client

    def start(self, workflow: str, job_id: str, payload: dict) -> None:
        if workflow not in self._arns:
            raise ValueError(f"unknown workflow {workflow!r}")
        execution_input = json.dumps({"workflow": workflow, "job_id": job_id, "payload": payload})
        try:
            self._client.start_execution(stateMachineArn=self._arns[workflow], name=job_id, input=execution_input)
        except self._client.exceptions.ExecutionAlreadyExists:
            # Same name → same job: it was already started (maybe by a retried request).
            return
