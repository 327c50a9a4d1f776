"""`SkylabelFunction`: every Lambda of the stack with the same defaults, and the one code layer they share.

Why one helper: runtime, architecture, JSON logging, log retention and the environment names the runtime
reads (`skylabel.settings`) are decided once, so the API, import and job functions cannot drift apart.
Why a layer: the dependencies (pydantic, lxml, Powertools) and the `skylabel` domain package are the same for
every function and make up nearly all of the bytes; each function's own asset is just its handler.

Python 3.13, not the newest runtime CDK knows (3.14): the bundle is precompiled to `.pyc`, which needs an
interpreter of the runtime's version on the synth machine, and 3.13 is the one available here (bundling.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from infrastructure.bundling import ROOT, LocalPythonBundler, python_asset, runtime_requirements
from infrastructure.nag import BUCKET_READ_WRITE, acknowledge, logical_id
from skylabel import settings as runtime_settings

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
SERVICE = "skylabel"
METRICS_NAMESPACE = "Skylabel"


def code_layer(scope: Construct, construct_id: str) -> lambda_.LayerVersion:
    """Dependencies + the `skylabel` package, under /opt/python."""
    bundler = LocalPythonBundler(requirements=runtime_requirements(),
                                 packages={"skylabel": ROOT / "shared" / "skylabel"}, prefix="python")
    return lambda_.LayerVersion(
        scope, construct_id,
        code=python_asset(ROOT / "shared", bundler),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        description="Skylabel: the skylabel package with pydantic, lxml and Powertools",
        removal_policy=RemovalPolicy.RETAIN,  # a rollback or an older version may still reference it
    )


def handler_code(source: Path, *, package: str | None = None) -> lambda_.AssetCode:
    """A function's own asset: its folder as a package (`package`) or its handler.py at the top level."""
    if package:
        bundler = LocalPythonBundler(packages={package: source})
    else:
        bundler = LocalPythonBundler(files={"handler.py": source / "handler.py"})
    return python_asset(source, bundler)


def runtime_environment(*, table_name: str, bucket_name: str, secret: str, allow_signup: bool) -> dict[str, str]:
    """The variables `skylabel.settings.Settings.from_env` reads, by the names it defines."""
    return {
        runtime_settings.ENV_RUNTIME: "aws",
        runtime_settings.ENV_TABLE: table_name,
        runtime_settings.ENV_BUCKET: bucket_name,
        runtime_settings.ENV_SECRET: secret,
        runtime_settings.ENV_ALLOW_SIGNUP: "true" if allow_signup else "false",
        "POWERTOOLS_SERVICE_NAME": SERVICE,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
    }


class SkylabelFunction(lambda_.Function):
    """A Lambda function with Skylabel's defaults; callers give the code, handler, purpose and environment."""

    def __init__(self, scope: Construct, construct_id: str, *, code: lambda_.Code, handler: str, description: str,
                 layer: lambda_.ILayerVersion, environment: Mapping[str, str], log_retention: logs.RetentionDays,
                 memory_size: int = 1024, timeout: Duration | None = None, **kwargs) -> None:
        log_group = logs.LogGroup(scope, f"{construct_id}Logs", retention=log_retention,
                                  removal_policy=RemovalPolicy.DESTROY)
        super().__init__(
            scope, construct_id,
            code=code,
            handler=handler,
            description=description,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            layers=[layer],
            memory_size=memory_size,
            timeout=timeout or Duration.seconds(29),
            environment=dict(environment),
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            **kwargs,
        )
        acknowledge(self, "L1", f"{RUNTIME.name}, not the newest runtime: the bundle ships .pyc compiled by a "
                    "matching interpreter, and that version is what the build machine has (bundling.py).")

    def acknowledge_grants(self, table: IConstruct, bucket: IConstruct, what: str) -> None:
        """The wildcards `grant_read_write` writes into this function's policy (bucket object keys and
        actions, the table's index/*), acknowledged finding by finding."""
        findings = [f"Resource::<{logical_id(table)}.Arn>/index/*", f"Resource::<{logical_id(bucket)}.Arn>/*",
                    *BUCKET_READ_WRITE]
        acknowledge(self, "IAM5", f"From grant_* only, scoped to this stack's resources: {what}.", findings)
