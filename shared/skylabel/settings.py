"""Runtime settings, every environment variable name in one place, read lazily and validated.

Read on first use (not at import), so a Lambda cold start pays nothing for unused settings and tests
build their own `Settings(...)` instead of patching the environment.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

# Environment variable names, shared with the CDK stack (infrastructure/) and the local runtime.
ENV_RUNTIME = "SKYLABEL_RUNTIME"  # "local" | "aws"
ENV_TABLE = "SKYLABEL_TABLE"
ENV_BUCKET = "SKYLABEL_BUCKET"
ENV_SECRET = "SKYLABEL_SECRET"  # signs access tokens and local blob URLs; generated and stored locally if unset
ENV_ALLOW_SIGNUP = "SKYLABEL_ALLOW_SIGNUP"
ENV_USERNAME = "SKYLABEL_USERNAME"
ENV_PASSWORD = "SKYLABEL_PASSWORD"
ENV_USER_TOKEN = "SKYLABEL_USER_TOKEN"
ENV_IMPORT_MACHINE = "SKYLABEL_IMPORT_STATE_MACHINE"
ENV_EXPORT_MACHINE = "SKYLABEL_EXPORT_STATE_MACHINE"
ENV_PREDICT_MACHINE = "SKYLABEL_PREDICT_STATE_MACHINE"  # ML prediction jobs (skylabel.ml)
ENV_ML_EVENT_MACHINE = "SKYLABEL_ML_EVENT_STATE_MACHINE"  # training and annotation events to ML backends
ENV_ALLOW_PRIVATE_URLS = "SKYLABEL_ALLOW_PRIVATE_URLS"
ENV_FRONTEND_DIR = "SKYLABEL_FRONTEND_DIR"  # local server only: the built browser app to serve at /


class Settings(BaseModel):
    runtime: Literal["local", "aws"] = "local"
    table_name: str | None = None
    bucket_name: str | None = None
    secret: str | None = None
    allow_signup: bool = True
    # How long a task handed out by /next stays reserved to its annotator (Label Studio: lock TTL).
    task_lock_seconds: int = Field(default=600, ge=1)
    access_token_seconds: int = Field(default=300, ge=1)
    max_import_bytes: int = Field(default=200 * 1024 * 1024, ge=1)
    # Files up to this size import inside the request (Label Studio's synchronous answer); bigger ones are jobs.
    inline_import_bytes: int = Field(default=32 * 1024 * 1024, ge=0)
    import_state_machine: str | None = None
    export_state_machine: str | None = None
    predict_state_machine: str | None = None
    ml_event_state_machine: str | None = None
    # URLs users give may reach private/loopback hosts only on the laptop runtime (the user's own ML backend).
    allow_private_urls: bool | None = None
    # Local runtime only: the folder whose `<project-id>/` subfolders turn dropped files into tasks (set by wiring).
    drop_folder: str | None = None

    @property
    def private_urls_allowed(self) -> bool:
        return self.runtime == "local" if self.allow_private_urls is None else self.allow_private_urls

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            runtime=env.get(ENV_RUNTIME, "local"),
            table_name=env.get(ENV_TABLE) or None,
            bucket_name=env.get(ENV_BUCKET) or None,
            secret=env.get(ENV_SECRET) or None,
            allow_signup=env.get(ENV_ALLOW_SIGNUP, "true").lower() in ("1", "true", "yes"),
            import_state_machine=env.get(ENV_IMPORT_MACHINE) or None,
            export_state_machine=env.get(ENV_EXPORT_MACHINE) or None,
            predict_state_machine=env.get(ENV_PREDICT_MACHINE) or None,
            ml_event_state_machine=env.get(ENV_ML_EVENT_MACHINE) or None,
            allow_private_urls=(env[ENV_ALLOW_PRIVATE_URLS].lower() in ("1", "true", "yes")
                                if env.get(ENV_ALLOW_PRIVATE_URLS) else None),
        )


@lru_cache(maxsize=1)
def settings_from_env() -> Settings:
    return Settings.from_env()
