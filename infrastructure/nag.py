"""cdk-nag acknowledgements, in one helper so every one of them carries a reason.

cdk-nag 3 is a CDK policy-validation plugin: an acknowledgement is `Validations.of(scope).acknowledge(...)`
with the plugin's prefix (`AwsSolutions::`) and applies to `scope` and everything below it, so each is made
on the narrowest construct it concerns.
"""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from constructs import IConstruct

PACK = "AwsSolutions"


BASIC_EXECUTION_ROLE = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
# What `grant_read_write` on a bucket writes (each a separate IAM5 finding).
BUCKET_READ_WRITE = ("Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
                     "Action::s3:List*")


def acknowledge(scope: IConstruct, rule: str, reason: str, findings: Iterable[str] = ()) -> None:
    """Acknowledge `rule` (e.g. "L1") of the AWS Solutions pack on `scope` and below; rules that report one
    finding per wildcard (IAM4, IAM5) need each finding named: a bare rule id does not cover them."""
    ids = [f"{PACK}::{PACK}-{rule}[{finding}]" for finding in findings] or [f"{PACK}::{PACK}-{rule}"]
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id_, reason=reason) for id_ in ids))


def logical_id(construct: IConstruct) -> str:
    """The CloudFormation logical id of a construct's resource, as cdk-nag names it in findings."""
    stack = Stack.of(construct)
    element = construct if isinstance(construct, CfnElement) else construct.node.default_child
    return stack.resolve(stack.get_logical_id(element))
