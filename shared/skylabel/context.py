"""The ports a service call runs on, gathered once per process and handed to services.

`Context` is built by the edge (the API Lambda, the local runtime, a job step) and passed down; services
never build adapters or read the environment themselves, so tests can hand them any adapter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from skylabel.settings import Settings
from skylabel.timeutil import Clock

if TYPE_CHECKING:
    from skylabel.ports import BlobStore, ItemStore, JobRunner
    from skylabel.storages.source import ObjectSource, S3Location


def s3_object_source(location: S3Location) -> ObjectSource:
    """The default way to reach a user's bucket (cloud storages): the S3 adapter, imported on first use."""
    from skylabel.adapters.s3_storage import S3ObjectSource

    return S3ObjectSource.connect(location)


@dataclass
class Context:
    items: ItemStore
    settings: Settings = field(default_factory=Settings)
    blobs: BlobStore | None = None
    jobs: JobRunner | None = None
    clock: Clock = time.time
    # Per-process memo for values that never change while the process lives (e.g. the signing secret).
    memo: dict = field(default_factory=dict)
    # Builds a client for a user's bucket from a storage's settings; tests hand in a moto-bound one.
    object_sources: Callable[[S3Location], ObjectSource] = s3_object_source


@dataclass(frozen=True)
class Actor:
    """Who is calling: every request is scoped to the caller's organization."""

    user_id: int
    organization_id: int
