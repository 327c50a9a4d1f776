"""Shared fixtures of the contract suites: fake AWS credentials, so moto never meets a real account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

AWS_REGION = "us-east-1"


@pytest.fixture(scope="module")
def aws_credentials() -> Iterator[None]:
    """Fake credentials and a fixed region for boto3 under moto's `mock_aws` (module-scoped, so a suite can
    start moto once; the environment is restored when the module ends)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": AWS_REGION,
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        yield
