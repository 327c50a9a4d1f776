"""HTTP byte ranges for the local server's files (the app's static files and the local blob URLs).

Browsers ask for `Range: bytes=…` to seek in audio and video: without a 206 answer `video.seekable` stays empty
and the editor cannot step through frames (video object tracking). S3 and CloudFront answer ranges themselves;
this gives the laptop runtime the same. Only a single range is served (what media elements send); several
ranges or a malformed header get the whole file, as RFC 9110 allows.
"""

from __future__ import annotations

import re

_SINGLE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    """The range starts beyond the end of the file: answer 416 with `Content-Range: bytes */<size>`."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (start, length) a Range header asks for, or None to send the whole file."""
    match = _SINGLE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        length = min(int(last), size)
        return (size - length, length) if length else None
    start = int(first)
    if start >= size:
        raise Unsatisfiable
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return None
    return start, end - start + 1


def content_range(start: int, length: int, size: int) -> str:
    return f"bytes {start}-{start + length - 1}/{size}"
