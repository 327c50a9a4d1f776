"""The one DynamoDB table: the layout `skylabel.adapters.dynamodb.create_table` builds for tests and
emulators (pk/sk, the GSIs named in `skylabel.ports.INDEXES`, TTL on `ttl`), read from the same constants so
the deployed table cannot drift from the code. On demand, point-in-time recovery on, retained on delete."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from skylabel.ports import INDEXES


class Data(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, deletion_protection: bool) -> None:
        super().__init__(scope, construct_id)
        string = dynamodb.AttributeType.STRING
        self.table = dynamodb.TableV2(
            self, "Table",
            partition_key=dynamodb.Attribute(name="pk", type=string),
            sort_key=dynamodb.Attribute(name="sk", type=string),
            billing=dynamodb.Billing.on_demand(),
            time_to_live_attribute="ttl",
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True),
            deletion_protection=deletion_protection,
            removal_policy=RemovalPolicy.RETAIN,
            global_secondary_indexes=[
                dynamodb.GlobalSecondaryIndexPropsV2(
                    index_name=name,
                    partition_key=dynamodb.Attribute(name=hash_key, type=string),
                    sort_key=dynamodb.Attribute(name=range_key, type=string),
                    projection_type=dynamodb.ProjectionType.ALL,
                )
                for name, (hash_key, range_key) in INDEXES.items()
            ],
        )
