"""The Skylabel stack: the constructs of constructs/ wired together, and the cdk-nag acknowledgements.

Wiring happens here and only here: each construct receives what it uses (table, bucket, layer, environment)
and exposes what others need; permissions are granted with `grant_*` on the resources themselves. The
environment every function gets is built from the runtime's own names (`skylabel.settings`), so a renamed
variable breaks the synth, not production.

Every cdk-nag acknowledgement sits next to the resource it concerns and carries its reason.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infrastructure.config import LOG_RETENTION_DAYS, DeploySettings
from infrastructure.constructs.api import Api
from infrastructure.constructs.data import Data
from infrastructure.constructs.frontend import Frontend
from infrastructure.constructs.imports import IMPORT_TIMEOUT, Imports
from infrastructure.constructs.observability import Observability
from infrastructure.constructs.storage import Storage
from infrastructure.constructs.workflows import Workflows
from infrastructure.functions import code_layer, runtime_environment
from infrastructure.nag import BASIC_EXECUTION_ROLE, acknowledge
from skylabel import settings as runtime_settings


def log_retention(days: int) -> logs.RetentionDays:
    """CDK's enum member for a number of days (config.py has already checked it is one CloudWatch accepts)."""
    finite = [member for member in logs.RetentionDays if member is not logs.RetentionDays.INFINITE]
    return dict(zip(LOG_RETENTION_DAYS, finite, strict=True))[days]


MACHINE_ENV = {"import": runtime_settings.ENV_IMPORT_MACHINE, "export": runtime_settings.ENV_EXPORT_MACHINE,
               "predict": runtime_settings.ENV_PREDICT_MACHINE, "ml_event": runtime_settings.ENV_ML_EVENT_MACHINE}


class SkylabelStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: DeploySettings, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        retention = log_retention(config.log_retention_days)

        data = Data(self, "Data", deletion_protection=config.deletion_protection)
        storage = Storage(self, "Storage", export_retention_days=config.export_retention_days,
                          drop_retention_days=config.drop_retention_days, import_timeout=IMPORT_TIMEOUT)
        # Signs access tokens and refresh JWTs. Generated at deploy, never in the template: the function
        # environment carries a CloudFormation dynamic reference resolved at deploy time (so the value is
        # visible to whoever may read the functions' configuration, as any SKYLABEL_SECRET would be).
        secret = secretsmanager.Secret(self, "SigningSecret", description="Skylabel token signing secret",
                                       generate_secret_string=secretsmanager.SecretStringGenerator(
                                           exclude_punctuation=True, password_length=64))
        environment = runtime_environment(table_name=data.table.table_name, bucket_name=storage.files.bucket_name,
                                          secret=secret.secret_value.unsafe_unwrap(),
                                          allow_signup=config.allow_signup)
        layer = code_layer(self, "CodeLayer")

        workflows = Workflows(self, "Workflows", layer=layer, environment=environment, table=data.table,
                              files=storage.files, log_retention=retention)
        api = Api(self, "Api", layer=layer, environment=environment, table=data.table, files=storage.files,
                  log_retention=retention, throttle_rate=config.api_throttle_rate,
                  throttle_burst=config.api_throttle_burst, cors_origins=list(config.cors_origins))
        for name, machine in workflows.state_machines.items():
            api.allow_starting(machine, MACHINE_ENV[name])
        imports = Imports(self, "Imports", layer=layer, environment=environment, table=data.table,
                          files=storage.files, queue=storage.drop_queue, log_retention=retention)
        # An import that completes starts the project's automatic predictions (skylabel.ml), wherever it ran.
        for function in (imports.function, workflows.step_function):
            workflows.allow_starting("predict", function, runtime_settings.ENV_PREDICT_MACHINE)
        frontend = Frontend(self, "Frontend", http_api=api.http_api, access_logs=storage.logs,
                            domain_name=config.domain_name, certificate_arn=config.certificate_arn)
        storage.allow_browser_uploads([frontend.url, *config.cors_origins])
        Observability(self, "Observability", http_api=api.http_api, dead_letters=storage.drop_dlq,
                      state_machines=workflows.state_machines, alarm_email=config.alarm_email)

        self.data, self.storage, self.api, self.imports, self.workflows, self.frontend = (
            data, storage, api, imports, workflows, frontend)
        CfnOutput(self, "Url", value=frontend.url, description="the SPA and, under /api/, the API")
        CfnOutput(self, "ApiEndpoint", value=api.http_api.api_endpoint, description="the HTTP API, direct")
        CfnOutput(self, "FilesBucket", value=storage.files.bucket_name,
                  description="drop files under drop/<project-id>/ to import them")
        CfnOutput(self, "TableName", value=data.table.table_name)
        self._acknowledge(secret)

    def _acknowledge(self, secret: secretsmanager.Secret) -> None:
        acknowledge(self, "IAM4", "AWSLambdaBasicExecutionRole only lets a function write its own logs; the roles "
                    "CDK generates for functions and its bucket-notification handler use it.", [BASIC_EXECUTION_ROLE])
        acknowledge(secret, "SMG4", "Rotating the signing secret would sign every user out; replace the secret "
                    "and redeploy when it must change.")
