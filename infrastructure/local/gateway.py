"""A local API Gateway: each HTTP request becomes an HTTP API (v2) event for the same Lambda handler.

Why not an ASGI server: the standard library's threaded server with HTTP/1.1 keep-alive adds no
dependency, starts in milliseconds and keeps the code path byte-for-byte the one API Gateway drives.
Powertools keeps the current event on a class attribute, so resolving is serialized with a lock;
sockets, parsing and writing still run in parallel threads, and the work itself is CPU-bound under the GIL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import mimetypes
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from skylabel.adapters.localfs import content_disposition
from skylabel.context import Context
from skylabel.imports.events import handle_sqs_event, s3_event
from skylabel.imports.service import drop_bucket
from skylabel_local.ranges import Unsatisfiable, byte_range, content_range
from skylabel_local.static import StaticSite, is_app_path

logger = logging.getLogger("skylabel.local")
_RESOLVE = threading.Lock()
MAX_BODY = 256 * 1024 * 1024


def to_event(method: str, target: str, headers: dict[str, str], body: bytes, client_ip: str) -> dict:
    parts = urlsplit(target)
    query = parse_qs(parts.query, keep_blank_values=True)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": unquote(parts.path) or "/",
        "rawQueryString": parts.query,
        "cookies": [c.strip() for c in headers.get("cookie", "").split(";") if c.strip()],
        "headers": headers,
        "queryStringParameters": {k: ",".join(v) for k, v in query.items()} or None,
        "requestContext": {
            "accountId": "local",
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "http": {"method": method, "path": unquote(parts.path) or "/", "protocol": "HTTP/1.1",
                     "sourceIp": client_ip, "userAgent": headers.get("user-agent", "")},
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "body": text if body else None,
        "isBase64Encoded": encoded,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per answer.
    disable_nagle_algorithm = True
    server_version = "Skylabel"
    sys_version = ""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's signature
        logger.debug("%s - %s", self.address_string(), format % args)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, {"content-type": "application/json"},
                       json.dumps({"status_code": 413, "detail": "Request body too large."}).encode())
            return
        body = self.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        if self.path.startswith("/local-blob/"):
            self._blob(body)
            return
        site = self.server.site  # type: ignore[attr-defined]
        if site is not None and is_app_path(self.command, urlsplit(self.path).path):
            answer = site.answer(unquote(urlsplit(self.path).path), headers.get("accept-encoding", ""),
                                 headers.get("range"))
            self._send(answer.status, answer.headers, answer.body)
            return
        event = to_event(self.command, self.path, headers, body, self.client_address[0])
        with _RESOLVE:
            result = self.server.lambda_handler(event, None)  # type: ignore[attr-defined]
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        # No CSP on API answers: JSON is never rendered, and /api/docs (Swagger UI) loads its script from a CDN.
        out_headers = {"X-Content-Type-Options": "nosniff", **dict(result.get("headers") or {})}
        self._send(result.get("statusCode", 200), out_headers, data, result.get("cookies") or [])

    def _blob(self, body: bytes) -> None:
        """Serve the app-signed URLs of the local BlobStore (what presigned S3 URLs are in AWS)."""
        ctx: Context = self.server.context  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        key = unquote(parts.path[len("/local-blob/"):])
        q = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        blobs = ctx.blobs
        method = "PUT" if self.command == "PUT" else "GET"
        try:
            expires = int(q.get("expires", "0"))
        except ValueError:
            expires = 0
        valid = blobs is not None and q.get("method") == method and blobs.verify(  # type: ignore[attr-defined]
            method, key, expires, q.get("sig", ""), filename=q.get("filename"), content_type=q.get("content_type"))
        if not valid:
            self._send(403, {"content-type": "application/json"},
                       b'{"status_code": 403, "detail": "The link is invalid or has expired."}')
            return
        if method == "PUT":
            blobs.put(key, body, q.get("content_type"))
            etag = hashlib.md5(body, usedforsecurity=False).hexdigest()
            self._send(200, {"ETag": f'"{etag}"'}, b"")
            if key.startswith("drop/"):
                # What S3 does in AWS: an object landing in the drop area notifies the import function.
                event = s3_event(drop_bucket(ctx), key, etag, len(body))
                threading.Thread(target=handle_sqs_event, args=(ctx, event), daemon=True).start()
            return
        try:
            size = blobs.size(key)  # type: ignore[attr-defined]
            wanted = byte_range(self.headers.get("Range"), size)  # media seeking (see ranges.py)
            start, length = wanted or (0, size)
            chunks = blobs.open(key, start, length)  # type: ignore[call-arg]
        except Unsatisfiable:
            self._send(416, {"Content-Range": f"bytes */{size}"}, b"")
            return
        except Exception:  # noqa: BLE001 - any miss is a 404 for the client
            self._send(404, {"content-type": "application/json"}, b'{"status_code": 404, "detail": "Not found."}')
            return
        self.send_response(206 if wanted else 200)
        media_type = mimetypes.guess_type(q.get("filename") or key)[0]
        self.send_header("Content-Type", media_type or "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        if wanted:
            self.send_header("Content-Range", content_range(start, length, size))
        if q.get("filename"):
            self.send_header("Content-Disposition", content_disposition(q["filename"]))
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        for chunk in chunks:  # streamed from disk: a 1 GB export never sits in memory
            self.wfile.write(chunk)

    def _send(self, status: int, headers: dict, data: bytes, cookies: list[str] | None = None) -> None:
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, str(value))
        for cookie in cookies or []:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle


class LocalGateway(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], context: Context, lambda_handler,
                 site: StaticSite | None = None) -> None:
        super().__init__(address, Handler)
        self.context = context
        self.lambda_handler = lambda_handler
        self.site = site
