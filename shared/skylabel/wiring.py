"""Build a Context for one of the two worlds. The only place that picks adapters.

Adapters are imported inside each builder, so the local runtime never imports boto3 and a Lambda never
imports sqlite3 code it does not use.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from skylabel.context import Context
from skylabel.settings import Settings, settings_from_env


def local_context(data_dir: Path, *, base_url: str, settings: Settings | None = None) -> Context:
    """SQLite + a folder + in-process jobs, all under `data_dir` (which survives restarts)."""
    from skylabel.adapters.localfs import LocalBlobStore
    from skylabel.adapters.sqlite import SqliteItemStore
    from skylabel.adapters.threads import ThreadJobRunner

    data_dir.mkdir(parents=True, exist_ok=True)
    settings = settings or Settings()
    if not settings.secret:
        settings = settings.model_copy(update={"secret": _local_secret(data_dir)})
    if not settings.drop_folder:
        settings = settings.model_copy(update={"drop_folder": str(data_dir / "drop")})
    from skylabel.workflows import workflows

    ctx = Context(
        items=SqliteItemStore(data_dir / "skylabel.db"),
        blobs=LocalBlobStore(data_dir / "files", base_url=base_url, secret=settings.secret.encode()),
        settings=settings,
    )
    ctx.jobs = ThreadJobRunner(workflows(ctx), part_concurrency=1)
    return ctx


def _local_secret(data_dir: Path) -> str:
    """One signing secret per data dir, created on first start, readable only by its owner."""
    path = data_dir / "secret.key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def aws_context(settings: Settings) -> Context:
    from skylabel.adapters.dynamodb import DynamoItemStore
    from skylabel.adapters.s3 import S3BlobStore

    if not settings.table_name or not settings.bucket_name:
        raise RuntimeError("SKYLABEL_TABLE and SKYLABEL_BUCKET must be set in the AWS runtime")
    from skylabel.adapters.stepfunctions import StepFunctionsJobRunner

    named = {"import": settings.import_state_machine, "export": settings.export_state_machine,
             "predict": settings.predict_state_machine, "ml_event": settings.ml_event_state_machine}
    machines = {name: arn for name, arn in named.items() if arn}
    return Context(items=DynamoItemStore(settings.table_name), blobs=S3BlobStore(settings.bucket_name),
                   jobs=StepFunctionsJobRunner(machines), settings=settings)


def context_from_env() -> Context:
    settings = settings_from_env()
    if settings.runtime == "aws":
        return aws_context(settings)
    import os

    data_dir = Path(os.environ.get("SKYLABEL_DATA_DIR") or default_data_dir())
    return local_context(data_dir, base_url=os.environ.get("SKYLABEL_BASE_URL", "http://127.0.0.1:8080"),
                         settings=settings)


def default_data_dir() -> Path:
    """The user's data folder (XDG on Linux, Application Support on macOS)."""
    import os
    import sys

    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "skylabel"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "skylabel"
