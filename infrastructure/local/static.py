"""Serves the built browser app (frontend/dist) on the local server, as CloudFront does in AWS.

A GET for a path that is not the API's answers the file when one exists and `index.html` otherwise, so the
SPA's own routes (`/projects/3/data`) survive a reload — except a missing path that names a file (its last
segment has an extension), which is a 404 as in CloudFront: a stale tab asking for an old hashed bundle must
not get HTML back as JavaScript. Files in the top-level `assets/` (Vite's output) carry content hashes in
their names, and each `vendor/<name>-<version>/` folder (the editor bundle) its version, so both are cached for a
year; everything else is revalidated. Text and script files are gzipped once per
file version and kept in memory (the editor bundle is 2 MB raw, 0.6 MB gzipped).
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path

from skylabel.webpolicy import security_headers
from skylabel_local.ranges import Unsatisfiable, byte_range, content_range

API_PREFIXES = ("/api/", "/local-blob/", "/data/")
API_PATHS = {"/api", "/health", "/version", "/user/signup"}
COMPRESSIBLE = (".js", ".css", ".html", ".json", ".svg", ".txt", ".map")
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".txt": "text/plain; charset=utf-8", ".map": "application/json", ".png": "image/png",
         ".ico": "image/x-icon", ".woff2": "font/woff2", ".ttf": "font/ttf", ".wasm": "application/wasm",
         ".mp4": "video/mp4", ".wav": "audio/wav", ".csv": "text/csv; charset=utf-8"}


def default_root() -> Path:
    """The repository's frontend/dist (the package is installed in editable mode from the checkout)."""
    return Path(__file__).resolve().parents[2] / "frontend" / "dist"


def is_app_path(method: str, path: str) -> bool:
    """True when a request is for the browser app rather than the API."""
    if method not in ("GET", "HEAD"):
        return False
    return path not in API_PATHS and not path.startswith(API_PREFIXES)


def accepts_gzip(accept_encoding: str) -> bool:
    """True when the client takes gzip (`gzip;q=0` is a refusal, and `*` covers it)."""
    offered: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        offered[name.strip()] = quality
    return offered.get("gzip", offered.get("*", 0.0)) > 0


@dataclass(frozen=True)
class StaticAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


class StaticSite:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._gzipped: dict[tuple[Path, int], bytes] = {}
        self._lock = threading.Lock()

    def available(self) -> bool:
        return (self.root / "index.html").is_file()

    def answer(self, path: str, accept_encoding: str = "", range_header: str | None = None) -> StaticAnswer:
        if not self.available():
            body = (b"The browser app is not built. Run `make install` (or `cd frontend && npm ci && npm run build`);"
                    b" the API is at /api/.\n")
            return StaticAnswer(503, {"Content-Type": "text/plain; charset=utf-8", **security_headers()}, body)
        file = self._resolve(path)
        if file is None and "." in path.rsplit("/", 1)[-1]:
            return StaticAnswer(404, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-cache",
                                      **security_headers()}, b"Not found.\n")
        file = file or self.root / "index.html"
        data = file.read_bytes()
        headers = {"Content-Type": TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0]
                   or "application/octet-stream", **security_headers()}
        hashed = file.parent == self.root / "assets" or file.parent.parent == self.root / "vendor"
        headers["Cache-Control"] = "public, max-age=31536000, immutable" if hashed else "no-cache"
        if file.suffix in COMPRESSIBLE and accepts_gzip(accept_encoding):
            data = self._gzip(file, data)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
            return StaticAnswer(200, headers, data)
        headers["Accept-Ranges"] = "bytes"
        try:
            wanted = byte_range(range_header, len(data))
        except Unsatisfiable:
            return StaticAnswer(416, {**headers, "Content-Range": f"bytes */{len(data)}"}, b"")
        if wanted is None:
            return StaticAnswer(200, headers, data)
        start, length = wanted
        return StaticAnswer(206, {**headers, "Content-Range": content_range(start, length, len(data))},
                            data[start:start + length])

    def _resolve(self, path: str) -> Path | None:
        """The file a path names inside the root, or None (unknown paths, folders and escapes alike)."""
        relative = path.lstrip("/")
        if not relative or "\x00" in relative:
            return None
        try:
            candidate = (self.root / relative).resolve()
            if not candidate.is_relative_to(self.root) or not candidate.is_file():
                return None
        except (OSError, ValueError):  # a name too long for the file system is simply not one of our files
            return None
        return candidate

    def _gzip(self, file: Path, data: bytes) -> bytes:
        key = (file, file.stat().st_mtime_ns)
        with self._lock:
            cached = self._gzipped.get(key)
        if cached is None:
            cached = gzip.compress(data, compresslevel=6, mtime=0)
            with self._lock:
                self._gzipped[key] = cached
        return cached
