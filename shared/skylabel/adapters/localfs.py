"""BlobStore on a local folder: one file per object, with URLs signed and served by the app itself.

Why this shape: the local runtime has no S3 endpoint, so a "presigned URL" points back at the app
(`{base_url}/local-blob/{key}`) and carries an HMAC over exactly what S3 would bind (method, key,
expiry, the PUT content type, the GET download name). The HTTP route only calls `verify` and then
`open`/`put`, so the browser flow (ask for a URL, then GET/PUT it directly) is the same in both worlds.

Writes go to a temp file in `<root>/.tmp` and are moved into place with `os.replace`, so a reader sees
either the old object or the new one, never half a file. That one top-level folder is reserved.
Keys are '/'-separated and validated before they touch the filesystem: a key can never name a path
outside `root`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

from skylabel.ports import BlobNotFound

CHUNK_SIZE = 1024 * 1024
TMP_DIR = ".tmp"
ROUTE = "/local-blob/"


def content_disposition(filename: str) -> str:
    """An `attachment` header value that survives non-ASCII names (RFC 6266 / RFC 5987)."""
    ascii_name = "".join(c if " " <= c <= "~" and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def validate_key(key: str, *, prefix: bool = False) -> None:
    """Raise ValueError unless `key` is a relative '/'-separated name that stays inside the store.

    With `prefix=True` the empty string and a trailing '/' are allowed (they select a whole folder).
    """
    if not isinstance(key, str):
        raise ValueError("blob key must be a string")
    if prefix and key == "":
        return
    if not key or "\x00" in key or "\\" in key or key.startswith("/"):
        raise ValueError(f"invalid blob key {key!r}")
    segments = key.split("/")
    if prefix and segments[-1] == "":
        segments = segments[:-1]
    if any(segment in ("", ".", "..") for segment in segments):
        raise ValueError(f"invalid blob key {key!r}: empty, '.' or '..' segment")
    if segments[0] == TMP_DIR:
        raise ValueError(f"invalid blob key {key!r}: {TMP_DIR!r} is reserved")


class LocalBlobStore:
    def __init__(self, root: Path, base_url: str, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("LocalBlobStore needs a non-empty signing secret")
        self._root = Path(root).resolve()
        self._base_url = base_url.rstrip("/")
        self._secret = secret
        self._clock = clock
        (self._root / TMP_DIR).mkdir(parents=True, exist_ok=True)

    # --- objects ------------------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        validate_key(key)
        path = self._root.joinpath(*key.split("/"))
        # Belt and braces: validation already forbids escapes, this also catches a symlinked folder.
        if not path.resolve().is_relative_to(self._root):
            raise ValueError(f"invalid blob key {key!r}: outside the store")
        return path

    def put(self, key: str, data: bytes, content_type: str | None = None) -> None:
        # The content type is not stored: the local route derives it from the key (or the signed URL).
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._root / TMP_DIR)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str | None = None) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._root / TMP_DIR)
        size = 0
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in chunks:
                    f.write(chunk)
                    size += len(chunk)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return size

    def adopt(self, key: str, source: Path) -> None:
        """Move a local file in as the object `key` (no copy): how the local drop folder hands files over."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)

    def size(self, key: str) -> int:
        """Bytes in the object (the local server sends it as Content-Length while streaming the file)."""
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None

    def open(self, key: str, start: int = 0, length: int | None = None) -> Iterator[bytes]:
        """The object's bytes in chunks; `start`/`length` serve an HTTP Range request (video seeking needs it)."""
        # Open now, so a missing key raises here rather than on the caller's first next().
        path = self._path(key)
        try:
            f = path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(key) from None
        f.seek(start)
        return _chunks(f, length)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        # Empty folders are left behind on purpose: pruning them races with a concurrent put's mkdir.
        try:
            self._path(key).unlink()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            pass

    def list(self, prefix: str) -> list[str]:
        validate_key(prefix, prefix=True)
        # S3 prefixes are plain string prefixes ("a/b" matches "a/bc"), so walk the deepest whole folder.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._root.joinpath(*folder.split("/")) if folder else self._root
        keys = []
        for dirpath, dirnames, filenames in os.walk(start):
            here = Path(dirpath)
            if here == self._root and TMP_DIR in dirnames:
                dirnames.remove(TMP_DIR)
            rel = here.relative_to(self._root).as_posix()
            base = "" if rel == "." else rel + "/"
            keys.extend(base + name for name in filenames if (base + name).startswith(prefix))
        return sorted(keys)

    # --- signed URLs --------------------------------------------------------------------------------------

    def _signature(self, method: str, key: str, expires: int, content_type: str | None, filename: str | None) -> str:
        message = "\n".join([method, key, str(expires), content_type or "", filename or ""])
        return hmac.new(self._secret, message.encode("utf-8"), hashlib.sha256).hexdigest()

    def _presign(self, method: str, key: str, expires_in: int, content_type: str | None, filename: str | None) -> str:
        validate_key(key)
        expires = int(self._clock()) + int(expires_in)
        query = {"method": method, "expires": str(expires)}
        if content_type:
            query["content_type"] = content_type
        if filename:
            query["filename"] = filename
        query["sig"] = self._signature(method, key, expires, content_type, filename)
        return f"{self._base_url}{ROUTE}{quote(key, safe='/')}?{urlencode(query)}"

    def presign_get(self, key: str, expires_in: int = 3600, filename: str | None = None) -> str:
        return self._presign("GET", key, expires_in, None, filename)

    def presign_put(self, key: str, expires_in: int = 3600, content_type: str | None = None) -> str:
        return self._presign("PUT", key, expires_in, content_type, None)

    def verify(
        self,
        method: str,
        key: str,
        expires: int | str,
        sig: str,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> bool:
        """True when the URL parts were signed by this store and have not expired.

        Pass the request's HTTP method, the unquoted key from the path and the query values
        (`expires`, `sig`, `filename`, `content_type`). Like S3, a PUT URL signed with a content type
        should only be honoured when the request's Content-Type header equals it; the route checks that.
        """
        try:
            expires_at = int(expires)
            validate_key(key)
        except (TypeError, ValueError):
            return False
        if not isinstance(sig, str) or self._clock() > expires_at:
            return False
        expected = self._signature(method.upper(), key, expires_at, content_type, filename)
        return hmac.compare_digest(expected.encode("ascii"), sig.encode("utf-8", "replace"))


def _chunks(f, length: int | None = None) -> Iterator[bytes]:
    with f:
        left = length
        while left is None or left > 0:
            chunk = f.read(CHUNK_SIZE if left is None else min(CHUNK_SIZE, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk
