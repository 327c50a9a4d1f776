"""The local drop folder: files put in `<data-dir>/drop/<project-id>/` become tasks, as S3 drops do in AWS.

A polling thread (portable, no inotify dependency) waits until a file has stopped changing, moves it into
the BlobStore under `drop/<project-id>/…` (the key S3 would have), and hands the import function the same
SQS-wrapped ObjectCreated event AWS would deliver, with the file's MD5 as its ETag — so dropping the same
file twice imports it once, as a redelivered S3 event does.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path

from skylabel.context import Context
from skylabel.imports.events import handle_sqs_event, s3_event
from skylabel.imports.service import drop_bucket, safe_filename

logger = logging.getLogger("skylabel.local")


class DropWatcher:
    def __init__(self, ctx: Context, folder: Path, interval: float = 1.0) -> None:
        self.ctx = ctx
        self.folder = folder
        self.interval = interval
        self._seen: dict[Path, tuple[int, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="drop-watcher", daemon=True)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.scan()
            except Exception:  # noqa: BLE001 - the watcher must survive one bad file
                logger.exception("drop folder scan failed")

    def scan(self) -> int:
        """Import every file that has not changed since the previous scan; returns how many were handed on."""
        handed = 0
        for path in sorted(self.folder.glob("*/*")):
            if not path.is_file() or path.name.startswith(".") or not path.parent.name.isdigit():
                continue
            stat = path.stat()
            signature = (stat.st_size, stat.st_mtime)
            if self._seen.get(path) != signature:
                self._seen[path] = signature  # still being written, or new: look again next time
                continue
            del self._seen[path]
            self._hand_on(path)
            handed += 1
        return handed

    def _hand_on(self, path: Path) -> None:
        digest = hashlib.md5(usedforsecurity=False)
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        size = path.stat().st_size
        key = f"drop/{path.parent.name}/{safe_filename(path.name)}"
        self.ctx.blobs.adopt(key, path)  # type: ignore[union-attr] - the local BlobStore
        started = time.perf_counter()
        handle_sqs_event(self.ctx, s3_event(drop_bucket(self.ctx), key, digest.hexdigest(), size))
        logger.info("imported drop %s in %.2f s", key, time.perf_counter() - started)
