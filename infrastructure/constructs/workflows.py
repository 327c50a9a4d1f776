"""The job workflows (import, export, predict, ml_event) as Step Functions state machines, built with CDK chains.

Shape, per `skylabel.jobsteps.workflow_definition` (the runtime's reference and the local thread runner's
order): Plan → Map(Part, bounded concurrency) → Finish; any failure → Error (reports it to the domain) →
Fail. Every task invokes one step Lambda (`jobsteps.dispatch_step`), which reads the step and workflow from
its input: functions/export for import and export, functions/ml_invoke for the ML workflows (it calls users'
ML backends, so it gets a long timeout and none of the export work). A part that reaches its time budget
raises `PartUnfinished`, which the Part step retries (the part resumes). The chain is written with CDK's
constructs rather than loaded from that dict so CDK grants the invoke permissions and validates the graph;
tests/infrastructure checks that the synthesized definition equals `workflow_definition` for the deployed
function, and runs it under moto. Concurrency bounds come from the workflows themselves
(`skylabel.workflows`). JSONPath only (moto's interpreter, and the reference, do not use JSONata).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from infrastructure.bundling import ROOT
from infrastructure.functions import SkylabelFunction, handler_code
from infrastructure.nag import acknowledge, logical_id
from skylabel.jobsteps import LAMBDA_SERVICE_ERRORS, PART_RESUMES, PART_UNFINISHED
from skylabel.workflows import workflows

COMMENT = "Skylabel job: plan → map(run_part) → finish; any failure → error → Fail"
STEP_TIMEOUT = Duration.minutes(15)
JOB_TIMEOUT = Duration.hours(6)
ML_WORKFLOWS = ("predict", "ml_event")  # run by functions/ml_invoke; every other workflow by functions/export


def construct_name(workflow: str) -> str:
    """"ml_event" → "MlEvent": the construct (and so the resource path) of a workflow's state machine."""
    return "".join(part.capitalize() for part in workflow.split("_"))


def concurrency_bounds() -> dict[str, int]:
    """Each workflow's Map concurrency, from the workflow definitions (they use no context until run)."""
    return {name: workflow.max_concurrency for name, workflow in workflows(None).items()}  # type: ignore[arg-type]


def _step(scope: Construct, name: str, function: lambda_.IFunction, step: str, *, extra: dict[str, str] | None = None,
          **props) -> tasks.LambdaInvoke:
    """A `lambda:invoke` task sending {"step", "workflow", "job_id", "payload", **extra}, retried on Lambda's own
    transient errors only (our errors go to Catch: steps are idempotent, but a bug should fail fast)."""
    payload = {"step": step, "workflow": sfn.JsonPath.string_at("$.workflow"),
               "job_id": sfn.JsonPath.string_at("$.job_id"), "payload": sfn.JsonPath.object_at("$.payload")}
    payload.update({key: sfn.JsonPath.object_at(path) for key, path in (extra or {}).items()})
    task = tasks.LambdaInvoke(scope, name, lambda_function=function, payload=sfn.TaskInput.from_object(payload),
                              retry_on_service_exceptions=False, **props)
    task.add_retry(errors=LAMBDA_SERVICE_ERRORS, interval=Duration.seconds(1), max_attempts=2, backoff_rate=2)
    return task


def job_chain(scope: Construct, function: lambda_.IFunction, max_concurrency: int) -> sfn.IChainable:
    """Plan → Parts(Map of Part) → Finish, each caught into Error → Failed."""
    failed = sfn.Fail(scope, "Failed", error="JobFailed", cause="the job failed; see the Error step")
    # The error step reports the failure to the domain; whether or not that works, the execution fails.
    error = _step(scope, "Error", function, "error", extra={"error": "$.error"}, result_path=sfn.JsonPath.DISCARD)
    error.add_catch(failed, errors=["States.ALL"], result_path="$.error_step")
    error_chain = error.next(failed)

    plan = _step(scope, "Plan", function, "plan", result_selector={"parts": sfn.JsonPath.object_at("$.Payload.parts")},
                 result_path="$.plan")
    plan.add_catch(error_chain, errors=["States.ALL"], result_path="$.error")

    part = _step(scope, "Part", function, "part", extra={"part": "$.part"}, output_path="$.Payload")
    part.add_retry(errors=[PART_UNFINISHED], interval=Duration.seconds(1), max_attempts=PART_RESUMES, backoff_rate=1)
    parts = sfn.Map(
        scope, "Parts",
        items_path="$.plan.parts",
        item_selector={"workflow": sfn.JsonPath.string_at("$.workflow"),
                       "job_id": sfn.JsonPath.string_at("$.job_id"),
                       "payload": sfn.JsonPath.object_at("$.payload"),
                       "part": sfn.JsonPath.object_at("$$.Map.Item.Value")},
        max_concurrency=max(1, max_concurrency),
        result_path="$.results",
    )
    parts.item_processor(part)
    parts.add_catch(error_chain, errors=["States.ALL"], result_path="$.error")

    finish = _step(scope, "Finish", function, "finish", extra={"results": "$.results"},
                   result_path=sfn.JsonPath.DISCARD)
    finish.add_catch(error_chain, errors=["States.ALL"], result_path="$.error")
    return plan.next(parts).next(finish)


class Workflows(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, layer: lambda_.ILayerVersion,
                 environment: dict[str, str], table: dynamodb.ITableV2, files: s3.IBucket,
                 log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, construct_id)
        self.step_function = SkylabelFunction(
            self, "StepFunction",
            code=handler_code(ROOT / "functions" / "export"),
            handler="handler.lambda_handler",
            description="Skylabel job steps (plan, part, finish, error) for every workflow",
            layer=layer, environment=environment, log_retention=log_retention,
            memory_size=1769, timeout=STEP_TIMEOUT,
        )
        table.grant_read_write_data(self.step_function)
        files.grant_read_write(self.step_function)  # incl. delete: an export's parts go once assembled
        self.step_function.acknowledge_grants(
            table, files, "read/write of the table and its indexes (index/*), and of the "
            "files bucket's objects (<bucket>/*) where exports are written")

        self.ml_function = SkylabelFunction(
            self, "MlFunction",
            code=handler_code(ROOT / "functions" / "ml_invoke"),
            handler="handler.lambda_handler",
            description="Skylabel ML job steps: predictions from ML backends, training events to their /webhook",
            layer=layer, environment=environment, log_retention=log_retention,
            memory_size=1024, timeout=STEP_TIMEOUT,
        )
        table.grant_read_write_data(self.ml_function)
        files.grant_read_write(self.ml_function)  # a prediction job's task selection, deleted once it ends
        self.ml_function.acknowledge_grants(
            table, files, "read/write of the table and its indexes (index/*), and of the files bucket's "
            "objects (<bucket>/*) where a prediction job keeps its task selection")

        self.state_machines: dict[str, sfn.StateMachine] = {}
        for name, bound in sorted(concurrency_bounds().items()):
            function = self.ml_function if name in ML_WORKFLOWS else self.step_function
            scope_ = Construct(self, construct_name(name))
            logs_ = logs.LogGroup(scope_, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY)
            self.state_machines[name] = sfn.StateMachine(
                scope_, "StateMachine",
                definition_body=sfn.DefinitionBody.from_chainable(job_chain(scope_, function, bound)),
                comment=COMMENT,
                timeout=JOB_TIMEOUT,
                tracing_enabled=True,
                logs=sfn.LogOptions(destination=logs_, level=sfn.LogLevel.ALL, include_execution_data=False),
            )
            acknowledge(self.state_machines[name], "IAM5", "CDK's LambdaInvoke grant covers the step function's "
                        "versions (<function arn>:*); X-Ray tracing and log delivery actions take no resource (*).",
                        [f"Resource::<{logical_id(function)}.Arn>:*", "Resource::*"])

    def allow_starting(self, workflow: str, function: lambda_.Function, env_name: str) -> None:
        """Let `function` start executions of `workflow`, found at runtime through `env_name`."""
        self.state_machines[workflow].grant_start_execution(function)
        function.add_environment(env_name, self.state_machines[workflow].state_machine_arn)
