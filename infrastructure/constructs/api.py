"""The API: the one API Lambda (functions/api) behind an API Gateway HTTP API, with throttling and access logs.

Why HTTP API (v2) rather than REST: the handler is an `APIGatewayHttpResolver`, the payload format 2.0
events are what the local gateway emulates, and HTTP APIs cost about a third of REST APIs. A single
`$default` route hands every path to the resolver, which does routing, validation and auth (tokens), so API
Gateway carries no authorizer. The function gets the table and files bucket through grants, and may start
the job state machines it is handed.
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infrastructure.bundling import ROOT
from infrastructure.functions import SkylabelFunction, handler_code
from infrastructure.nag import acknowledge

# The access-log line: API Gateway's own variables, one JSON object per request.
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "time": "$context.requestTime",
    "method": "$context.httpMethod", "path": "$context.path", "status": "$context.status",
    "latencyMs": "$context.responseLatency", "integrationError": "$context.integrationErrorMessage",
    "responseLength": "$context.responseLength",
})


class Api(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, layer: lambda_.ILayerVersion,
                 environment: dict[str, str], table: dynamodb.ITableV2, files: s3.IBucket,
                 log_retention: logs.RetentionDays, throttle_rate: int, throttle_burst: int,
                 cors_origins: list[str]) -> None:
        super().__init__(scope, construct_id)
        self.function = SkylabelFunction(
            self, "Function",
            code=handler_code(ROOT / "functions" / "api", package="skylabel_api"),
            handler="skylabel_api.handler.lambda_handler",
            description="Skylabel API (Label Studio-compatible REST)",
            layer=layer, environment=environment, log_retention=log_retention,
            memory_size=1769,  # one full vCPU: the cold import is CPU-bound
            timeout=Duration.seconds(29),  # API Gateway's own limit
        )
        table.grant_read_write_data(self.function)
        files.grant_read_write(self.function)
        self.function.acknowledge_grants(
            table, files, "read/write of the table and its indexes (index/*), and of the files "
            "bucket's objects (s3:GetObject*, DeleteObject*… on <bucket>/*), as "
            "grant_read_write writes them")

        self.http_api = apigwv2.HttpApi(
            self, "HttpApi",
            description="Skylabel API",
            default_integration=integrations.HttpLambdaIntegration("Lambda", self.function),
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=cors_origins, allow_headers=["authorization", "content-type", "x-api-key"],
                allow_methods=[apigwv2.CorsHttpMethod.ANY], max_age=Duration.hours(1),
            ) if cors_origins else None,
        )
        acknowledge(self.http_api, "APIG4", "The resolver authenticates every request itself (Label Studio's "
                    "`Token` keys and Bearer JWTs, checked against the table); public paths are listed in "
                    "functions/api/handler.py. An API Gateway authorizer would duplicate that per request.")
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention,
                                         removal_policy=RemovalPolicy.DESTROY)
        stage = self.http_api.default_stage.node.default_child
        stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn, format=ACCESS_LOG_FORMAT)
        stage.default_route_settings = apigwv2.CfnStage.RouteSettingsProperty(
            throttling_rate_limit=throttle_rate, throttling_burst_limit=throttle_burst)

    def allow_starting(self, state_machine, env_name: str) -> None:
        """Let the API start executions of `state_machine`, found at runtime through `env_name`."""
        state_machine.grant_start_execution(self.function)
        self.function.add_environment(env_name, state_machine.state_machine_arn)
