"""Just enough CloudFormation evaluation to run synthesized definitions outside CloudFormation: `Ref`,
`Fn::GetAtt` and `Fn::Join` resolved from a table the test fills with the values moto handed out."""

from __future__ import annotations

from typing import Any

PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
          "AWS::URLSuffix": "amazonaws.com"}


def resolve(value: Any, refs: dict[str, str]) -> Any:
    """`refs` maps logical ids (for Ref) and "LogicalId.Attribute" (for GetAtt) to values."""
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, arg), = value.items()
        if key == "Ref":
            return {**PSEUDO, **refs}[arg]
        if key == "Fn::GetAtt":
            return refs[f"{arg[0]}.{arg[1]}"]
        if key == "Fn::Join":
            return arg[0].join(str(resolve(part, refs)) for part in arg[1])
    return {k: resolve(v, refs) for k, v in value.items()}
