"""The synthesized template: what a deploy creates, how it is wired, and that AWS's own checks pass.

Given the stack synthesized once (conftest.py), each test reads one concern of the template. The wiring tests
check names, not just presence: the environment variables are the ones `skylabel.settings` reads, and the
state machines are the definition `skylabel.jobsteps` documents.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from skylabel import settings
from skylabel.jobsteps import workflow_definition
from skylabel.ports import INDEXES
from tests.infrastructure.cfn import resolve

ROOT = Path(__file__).resolve().parents[2]


def _statements(synthesized, path_part: str) -> list[dict]:
    _, policy = synthesized.one("AWS::IAM::Policy", path_part)
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _actions(statement: dict) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


def test_what_a_deploy_creates(synthesized):
    counts = {kind: len(synthesized.resources(kind)) for kind in (
        "AWS::DynamoDB::GlobalTable", "AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::Lambda::Function",
        "AWS::Lambda::LayerVersion", "AWS::StepFunctions::StateMachine", "AWS::ApiGatewayV2::Api",
        "AWS::CloudFront::Distribution", "AWS::CloudWatch::Alarm", "AWS::SecretsManager::Secret")}
    # A built SPA adds CDK's BucketDeployment handler and its AWS CLI layer.
    built = int((ROOT / "frontend" / "dist" / "index.html").is_file())
    assert counts == {
        "AWS::DynamoDB::GlobalTable": 1, "AWS::S3::Bucket": 3, "AWS::SQS::Queue": 2,
        "AWS::Lambda::Function": 5 + built,  # api, import, job steps, ML job steps, CDK's bucket-notification handler
        "AWS::Lambda::LayerVersion": 1 + built, "AWS::StepFunctions::StateMachine": 4, "AWS::ApiGatewayV2::Api": 1,
        "AWS::CloudFront::Distribution": 1, "AWS::CloudWatch::Alarm": 6, "AWS::SecretsManager::Secret": 1,
    }


def test_no_hard_coded_physical_names(synthesized):
    named = {"AWS::DynamoDB::GlobalTable": "TableName", "AWS::S3::Bucket": "BucketName",
             "AWS::SQS::Queue": "QueueName", "AWS::Lambda::Function": "FunctionName",
             "AWS::StepFunctions::StateMachine": "StateMachineName", "AWS::IAM::Role": "RoleName"}
    offenders = [k for kind, prop in named.items() for k, v in synthesized.resources(kind).items()
                 if prop in v.get("Properties", {})]
    assert offenders == []


def test_table_matches_the_runtime_layout(synthesized):
    """The layout `skylabel.adapters.dynamodb.create_table` builds: pk/sk, INDEXES projecting all, TTL on ttl."""
    _, table = synthesized.one("AWS::DynamoDB::GlobalTable")
    props = table["Properties"]
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                  {"AttributeName": "sk", "KeyType": "RANGE"}]
    indexes = {i["IndexName"]: (tuple(k["AttributeName"] for k in i["KeySchema"]), i["Projection"]["ProjectionType"])
               for i in props["GlobalSecondaryIndexes"]}
    assert indexes == {name: (keys, "ALL") for name, keys in INDEXES.items()}
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    replica = props["Replicas"][0]
    assert replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert replica["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"


def test_every_bucket_is_private_encrypted_and_tls_only(synthesized):
    buckets = synthesized.resources("AWS::S3::Bucket")
    policies = {resolve_ref(p["Properties"]["Bucket"]): p["Properties"]["PolicyDocument"]["Statement"]
                for p in synthesized.resources("AWS::S3::BucketPolicy").values()}
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True}, logical_id
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
            "ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", logical_id
        denies_http = [s for s in policies[logical_id] if s["Effect"] == "Deny"
                       and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"]
        assert denies_http, f"{logical_id} accepts plain HTTP"


def resolve_ref(value: dict) -> str:
    return value["Ref"]


def test_files_bucket_lifecycle_cors_and_drop_notification(synthesized):
    files_id, files = synthesized.one("AWS::S3::Bucket", "/Storage/Files/")
    props = files["Properties"]
    rules = props["LifecycleConfiguration"]["Rules"]
    assert {"AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}, "Status": "Enabled"} in rules
    assert any(r.get("Prefix") == "exports/" and r.get("ExpirationInDays") == 90 for r in rules)
    cors = props["CorsConfiguration"]["CorsRules"][0]
    assert "PUT" in cors["AllowedMethods"] and "ETag" in cors["ExposedHeaders"]
    assert props["LoggingConfiguration"]["DestinationBucketName"]["Ref"] != files_id

    _, notifications = synthesized.one("Custom::S3BucketNotifications")
    assert notifications["Properties"]["BucketName"] == {"Ref": files_id}
    queue_id, queue = synthesized.one("AWS::SQS::Queue", "/Storage/DropQueue/")
    [config] = notifications["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert config["QueueArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert config["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "drop/"}]
    dlq_id, _ = synthesized.one("AWS::SQS::Queue", "/Storage/DropDeadLetters/")
    assert queue["Properties"]["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                                                    "maxReceiveCount": 5}


def test_import_function_reads_the_drop_queue_with_partial_batch_failures(synthesized):
    function_id, _ = synthesized.one("AWS::Lambda::Function", "/Imports/Function/")
    queue_id, _ = synthesized.one("AWS::SQS::Queue", "/Storage/DropQueue/")
    _, mapping = synthesized.one("AWS::Lambda::EventSourceMapping")
    assert mapping["Properties"]["FunctionName"] == {"Ref": function_id}
    assert mapping["Properties"]["EventSourceArn"] == {"Fn::GetAtt": [queue_id, "Arn"]}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


FUNCTIONS = {"/Api/Function/": ("skylabel_api.handler.lambda_handler", ROOT / "functions/api/handler.py"),
             "/Imports/Function/": ("handler.lambda_handler", ROOT / "functions/import/handler.py"),
             "/Workflows/StepFunction/": ("handler.lambda_handler", ROOT / "functions/export/handler.py"),
             "/Workflows/MlFunction/": ("handler.lambda_handler", ROOT / "functions/ml_invoke/handler.py")}


@pytest.mark.parametrize("path_part", sorted(FUNCTIONS))
def test_functions_share_the_defaults_and_the_runtime_names(synthesized, path_part):
    _, function = synthesized.one("AWS::Lambda::Function", path_part)
    props = function["Properties"]
    handler, source = FUNCTIONS[path_part]
    assert props["Handler"] == handler and "def lambda_handler(" in source.read_text()
    assert props["Runtime"] == "python3.13" and props["Architectures"] == ["arm64"]
    assert props["LoggingConfig"]["LogFormat"] == "JSON"
    assert len(props["Layers"]) == 1
    env = props["Environment"]["Variables"]
    table_id, _ = synthesized.one("AWS::DynamoDB::GlobalTable")
    files_id, _ = synthesized.one("AWS::S3::Bucket", "/Storage/Files/")
    secret_id, _ = synthesized.one("AWS::SecretsManager::Secret")
    assert env[settings.ENV_RUNTIME] == "aws"
    assert env[settings.ENV_TABLE] == {"Ref": table_id}
    assert env[settings.ENV_BUCKET] == {"Ref": files_id}
    # The secret's value never appears in the template: a dynamic reference CloudFormation resolves at deploy.
    assert resolve(env[settings.ENV_SECRET], {secret_id: "arn:secret"}) == (
        "{{resolve:secretsmanager:arn:secret:SecretString:::}}")
    # Every variable the functions get is one the runtime reads (or Powertools').
    runtime_names = {getattr(settings, n) for n in dir(settings) if n.startswith("ENV_")}
    assert set(env) - runtime_names <= {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"}


def test_the_api_may_start_exactly_the_job_machines(synthesized):
    _, api = synthesized.one("AWS::Lambda::Function", "/Api/Function/")
    env = api["Properties"]["Environment"]["Variables"]
    machines = {name: synthesized.one("AWS::StepFunctions::StateMachine", f"/Workflows/{name}/")[0]
                for name in ("Import", "Export", "Predict", "MlEvent")}
    assert env[settings.ENV_IMPORT_MACHINE] == {"Ref": machines["Import"]}
    assert env[settings.ENV_EXPORT_MACHINE] == {"Ref": machines["Export"]}
    assert env[settings.ENV_PREDICT_MACHINE] == {"Ref": machines["Predict"]}
    assert env[settings.ENV_ML_EVENT_MACHINE] == {"Ref": machines["MlEvent"]}

    def started(path: str) -> list[str]:
        starts = [s for s in _statements(synthesized, path) if "states:StartExecution" in _actions(s)]
        return sorted(r["Ref"] for s in starts for r in (s["Resource"] if isinstance(s["Resource"], list)
                                                         else [s["Resource"]]))

    assert started("/Api/Function/") == sorted(machines.values())
    # An import that completes may start the project's automatic predictions, and nothing else.
    for path in ("/Imports/Function/", "/Workflows/StepFunction/"):
        assert started(path) == [machines["Predict"]]
    assert not any(a.startswith("states:") for s in _statements(synthesized, "/Workflows/MlFunction/")
                   for a in _actions(s))


def test_iam_comes_from_grants_and_is_scoped(synthesized):
    """No statement grants every action; the function policies name this stack's table and bucket only."""
    table_id, _ = synthesized.one("AWS::DynamoDB::GlobalTable")
    files_id, _ = synthesized.one("AWS::S3::Bucket", "/Storage/Files/")
    for policy_id, policy in synthesized.resources("AWS::IAM::Policy").items():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert "*" not in _actions(statement) and not any(a.endswith(":*") for a in _actions(statement)), policy_id
    for path in FUNCTIONS:
        text = json.dumps(_statements(synthesized, path))
        assert table_id in text and files_id in text
        for statement in _statements(synthesized, path):
            assert statement["Resource"] != "*", (path, statement)


def test_api_stage_throttles_and_logs(synthesized):
    _, stage = synthesized.one("AWS::ApiGatewayV2::Stage")
    props = stage["Properties"]
    assert props["DefaultRouteSettings"] == {"ThrottlingBurstLimit": 400, "ThrottlingRateLimit": 200}
    log_format = json.loads(props["AccessLogSettings"]["Format"])
    assert log_format["status"] == "$context.status"


def test_cloudfront_serves_the_spa_and_routes_api(synthesized):
    _, distribution = synthesized.one("AWS::CloudFront::Distribution")
    config = distribution["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["Origins"][0]["OriginAccessControlId"]
    default = config["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["FunctionAssociations"][0]["EventType"] == "viewer-request"
    [api] = config["CacheBehaviors"]
    assert api["PathPattern"] == "/api/*" and "POST" in api["AllowedMethods"]
    security_headers = "67f7725c-6f97-4210-82d7-5512b31e9d03"  # the managed SECURITY_HEADERS policy
    assert api["ResponseHeadersPolicyId"] == security_headers  # the SPA's own policy: test_frontend_headers.py
    assert "CustomErrorResponses" not in config  # they would also rewrite the API's own 403/404 answers
    # The built SPA (frontend/dist, made by `make install`) is deployed to the site bucket; without one, nothing is.
    built = (ROOT / "frontend" / "dist" / "index.html").is_file()
    assert len(synthesized.resources("Custom::CDKBucketDeployment")) == int(built)


def test_alarms_notify_the_topic(synthesized):
    topic_id, _ = synthesized.one("AWS::SNS::Topic")
    alarms = synthesized.resources("AWS::CloudWatch::Alarm").values()
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": topic_id}] for a in alarms)
    described = sorted(a["Properties"]["AlarmDescription"] for a in alarms)
    assert any("5xx" in d for d in described) and any("drop files" in d for d in described)
    assert sum("job executions failed" in d for d in described) == 4


@pytest.mark.parametrize(("name", "bound"), [("Import", 1), ("Export", 4)])
def test_state_machines_are_the_reference_definition(synthesized, name, bound):
    """The CDK chain renders exactly `jobsteps.workflow_definition` for the deployed step function."""
    _, machine = synthesized.one("AWS::StepFunctions::StateMachine", f"/Workflows/{name}/")
    step_id, _ = synthesized.one("AWS::Lambda::Function", "/Workflows/StepFunction/")
    arn = "arn:aws:lambda:us-east-1:123456789012:function:steps"
    definition = json.loads(resolve(machine["Properties"]["DefinitionString"], {f"{step_id}.Arn": arn}))
    assert definition.pop("TimeoutSeconds") == 6 * 3600
    assert definition == workflow_definition(arn, bound)
    assert machine["Properties"]["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_cdk_nag_has_no_unacknowledged_findings(synthesized):
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    [nag] = report["pluginReports"]
    assert nag["pluginName"] == "AwsSolutions"
    assert nag["violations"] == [] and nag["conclusion"] == "success"
    assert nag["suppressedViolations"], "the report lists acknowledged findings"
    for finding in nag["suppressedViolations"]:
        assert len(finding["reason"]) > 40, finding["ruleName"]


def test_cfn_lint_is_clean(synthesized):
    # W3005 (a DependsOn that a Ref already implies) is how CDK writes templates.
    cfn_lint = Path(sys.executable).with_name("cfn-lint")  # the console script of this venv
    result = subprocess.run([str(cfn_lint), "-i", "W3005", "--", str(synthesized.template_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
