"""Deploy settings from CDK context: defaults, coercion of `-c key=value` strings, and refusals with a message
(no synth needed: config.py is plain pydantic)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from infrastructure.config import CONTEXT_KEYS, DeploySettings

CDK_JSON = Path(__file__).resolve().parents[2] / "infrastructure" / "cdk.json"


def _from(context: dict) -> DeploySettings:
    return DeploySettings.from_context(context.get)


def test_cdk_json_documents_valid_defaults():
    context = json.loads(CDK_JSON.read_text())["context"]
    assert _from(context) == DeploySettings()
    assert set(CONTEXT_KEYS) - set(context) == {"domainName", "certificateArn", "alarmEmail"}


def test_command_line_strings_are_coerced():
    settings = _from({"corsOrigins": "https://a.example.com, http://localhost:5173", "deletionProtection": "false",
                      "logRetentionDays": 90})
    assert settings.cors_origins == ("https://a.example.com", "http://localhost:5173")
    assert settings.deletion_protection is False and settings.log_retention_days == 90


@pytest.mark.parametrize("context", [
    {"logRetentionDays": 31},
    {"domainName": "label.example.com"},
    {"domainName": "label.example.com", "certificateArn": "arn:aws:acm:eu-west-1:1:certificate/x"},
    {"corsOrigins": "example.com"},
    {"alarmEmail": "not-an-address"},
    {"stage": "has spaces"},
])
def test_bad_settings_fail_before_synth(context):
    with pytest.raises(ValidationError):
        _from(context)
