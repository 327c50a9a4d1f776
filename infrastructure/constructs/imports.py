"""The drop import: the SQS queue fed by the files bucket's `drop/` notifications triggers functions/import.

Partial batch failure reporting is on: the handler answers `batchItemFailures`, so one bad message is retried
(and eventually dead-lettered) alone while the rest of the batch is deleted. Batches stay small because each
record is a whole file to import.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infrastructure.bundling import ROOT
from infrastructure.functions import SkylabelFunction, handler_code

IMPORT_TIMEOUT = Duration.minutes(5)


class Imports(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, layer: lambda_.ILayerVersion,
                 environment: dict[str, str], table: dynamodb.ITableV2, files: s3.IBucket, queue: sqs.IQueue,
                 log_retention: logs.RetentionDays) -> None:
        super().__init__(scope, construct_id)
        self.function = SkylabelFunction(
            self, "Function",
            code=handler_code(ROOT / "functions" / "import"),
            handler="handler.lambda_handler",
            description="Skylabel drop import (S3 → SQS → tasks)",
            layer=layer, environment=environment, log_retention=log_retention,
            memory_size=1769, timeout=IMPORT_TIMEOUT,
        )
        table.grant_read_write_data(self.function)
        files.grant_read_write(self.function)
        self.function.acknowledge_grants(
            table, files, "read/write of the table and its indexes (index/*), and of the files "
            "bucket's objects (<bucket>/*) it imports from and writes chunks to")
        self.function.add_event_source(sources.SqsEventSource(
            queue, batch_size=5, max_batching_window=Duration.seconds(1), report_batch_item_failures=True))
