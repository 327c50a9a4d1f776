"""Timestamps in Label Studio's wire format ("2026-11-27T21:03:25.123456Z"), from an injectable clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], float]


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso(clock: Clock = time.time) -> str:
    return iso(clock())
