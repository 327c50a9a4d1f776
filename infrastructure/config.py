"""Deploy-time settings, read from CDK context (`cdk.json`, `-c key=value`) and validated before any construct
is built, so a typo fails the synth with a message instead of deploying a half-configured stack.

Every key is optional; `cdk.json` documents the defaults. Lists may be given as JSON lists (in cdk.json) or
as comma-separated strings (on the command line).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)

CONTEXT_KEYS = {
    "stage": "stage",
    "domainName": "domain_name",
    "certificateArn": "certificate_arn",
    "corsOrigins": "cors_origins",
    "logRetentionDays": "log_retention_days",
    "exportRetentionDays": "export_retention_days",
    "dropRetentionDays": "drop_retention_days",
    "alarmEmail": "alarm_email",
    "deletionProtection": "deletion_protection",
    "apiThrottleRate": "api_throttle_rate",
    "apiThrottleBurst": "api_throttle_burst",
    "allowSignup": "allow_signup",
}


class DeploySettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: str = Field(default="prod", pattern=r"^[A-Za-z][A-Za-z0-9-]{0,19}$")
    domain_name: str | None = None
    certificate_arn: str | None = None  # an ACM certificate in us-east-1 (CloudFront's region) for domain_name
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to PUT presigned uploads, besides the app's own
    log_retention_days: int = 30
    export_retention_days: int = Field(default=90, ge=0)  # 0 keeps exports forever
    drop_retention_days: int = Field(default=0, ge=0)  # 0 keeps dropped files forever
    alarm_email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    deletion_protection: bool = True
    api_throttle_rate: int = Field(default=200, ge=1)
    api_throttle_burst: int = Field(default=400, ge=1)
    allow_signup: bool = True

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(v.strip() for v in value.split(",") if v.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if not re.fullmatch(r"https?://[^/\s]+", origin):
                raise ValueError(f"{origin!r} is not an origin like https://app.example.com")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"CloudWatch Logs retention must be one of {LOG_RETENTION_DAYS}")
        return value

    @model_validator(mode="after")
    def _domain_needs_certificate(self) -> DeploySettings:
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise ValueError("domainName and certificateArn go together")
        if self.certificate_arn and ":us-east-1:" not in self.certificate_arn:
            raise ValueError("CloudFront needs the certificate in us-east-1")
        return self

    @classmethod
    def from_context(cls, get: Any) -> DeploySettings:
        """`get` is `node.try_get_context`; absent keys keep their defaults, strings from `-c` are coerced."""
        values = {field: get(key) for key, field in CONTEXT_KEYS.items() if get(key) is not None}
        for field in ("deletion_protection", "allow_signup"):
            if isinstance(values.get(field), str):
                values[field] = values[field].lower() in ("1", "true", "yes")
        return cls(**values)
