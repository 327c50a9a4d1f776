"""Files: one bucket for uploads, media, drops and exports, plus the drop queue and the access-log bucket.

Why one bucket: the runtime has one BlobStore (`SKYLABEL_BUCKET`) and separates concerns by prefix
(`uploads/`, `drop/`, `exports/`), so lifecycle rules and the drop notification are scoped by prefix rather
than by bucket. Every bucket blocks public access, encrypts at rest, refuses plain HTTP and logs access.
Objects created under `drop/` notify an SQS queue (with a dead-letter queue), which feeds the import
function: S3 delivers at least once and unordered, the import is idempotent (DESIGN.md).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sqs as sqs
from constructs import Construct

DROP_PREFIX = "drop/"
EXPORTS_PREFIX = "exports/"
# SQS redelivers a message this often before parking it on the dead-letter queue.
MAX_RECEIVES = 5


def private_bucket(scope: Construct, construct_id: str, *, access_logs: s3.IBucket | None, prefix: str = "",
                   **kwargs) -> s3.Bucket:
    """A bucket with the stack's baseline: no public access, SSE-S3, TLS only, access logs."""
    return s3.Bucket(
        scope, construct_id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix=f"s3/{prefix}/" if access_logs else None,
        **kwargs,
    )


class Storage(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, export_retention_days: int,
                 drop_retention_days: int, import_timeout: Duration) -> None:
        super().__init__(scope, construct_id)
        # Log deliveries for S3 and CloudFront land here; CloudFront's standard logs need object ACLs.
        self.logs = s3.Bucket(
            self, "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
        )
        rules = [s3.LifecycleRule(abort_incomplete_multipart_upload_after=Duration.days(1))]
        if export_retention_days:
            rules.append(s3.LifecycleRule(prefix=EXPORTS_PREFIX, expiration=Duration.days(export_retention_days)))
        if drop_retention_days:
            rules.append(s3.LifecycleRule(prefix=DROP_PREFIX, expiration=Duration.days(drop_retention_days)))
        self.files = private_bucket(self, "Files", access_logs=self.logs, prefix="files",
                                    removal_policy=RemovalPolicy.RETAIN, lifecycle_rules=rules)

        self.drop_dlq = sqs.Queue(self, "DropDeadLetters", enforce_ssl=True,
                                  encryption=sqs.QueueEncryption.SQS_MANAGED, retention_period=Duration.days(14))
        self.drop_queue = sqs.Queue(
            self, "DropQueue",
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            # AWS's advice for Lambda event sources: six times the function timeout.
            visibility_timeout=Duration.seconds(import_timeout.to_seconds() * 6),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.drop_dlq, max_receive_count=MAX_RECEIVES),
        )
        self.files.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.SqsDestination(self.drop_queue),
                                          s3.NotificationKeyFilter(prefix=DROP_PREFIX))

    def allow_browser_uploads(self, origins: list[str]) -> None:
        """Presigned PUT/GET from the SPA's origin(s)."""
        self.files.add_cors_rule(
            allowed_methods=[s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
            allowed_origins=origins,
            allowed_headers=["*"],
            exposed_headers=["ETag"],
            max_age=3000,
        )
