"""The local server's browser-app serving (infrastructure/local/static.py) and how the gateway routes to it.

Given a throwaway dist folder: files are served with their type and the CSP, SPA routes get index.html,
nothing outside the folder ever leaks, and API paths never reach the file server. The gateway tests run the
real LocalGateway on an ephemeral port with a stub Lambda handler, so they show what a browser would get.
"""

from __future__ import annotations

import gzip
import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylabel.adapters.localfs import LocalBlobStore
from skylabel.adapters.sqlite import SqliteItemStore
from skylabel.context import Context
from skylabel.webpolicy import content_security_policy
from skylabel_local.gateway import LocalGateway
from skylabel_local.ranges import Unsatisfiable, byte_range
from skylabel_local.static import StaticSite, accepts_gzip, is_app_path

INDEX = b"<!doctype html><title>Skylabel</title><script type=module src=/assets/index-abc123.js></script>"
SCRIPT = b"console.log('app');" * 200


@pytest.fixture
def dist(tmp_path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX)
    (root / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (root / "assets" / "logo.png").write_bytes(b"\x89PNG fake")
    (root / "vendor" / "label-studio-1.4.0" / "assets").mkdir(parents=True)
    (root / "vendor" / "label-studio-1.4.0" / "main.js").write_bytes(b"var LabelStudio;")
    (root / "vendor" / "label-studio-1.4.0" / "assets" / "font.woff2").write_bytes(b"font")
    (tmp_path / "secret.txt").write_text("outside the dist folder")
    (tmp_path / "secret").write_text("outside the dist folder")
    return root


def test_a_file_is_served_with_its_type_and_the_csp(dist):
    answer = StaticSite(dist).answer("/assets/index-abc123.js")
    assert answer.status == 200 and answer.body == SCRIPT
    assert answer.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert answer.headers["Content-Security-Policy"] == content_security_policy()
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert StaticSite(dist).answer("/assets/logo.png").headers["Content-Type"] == "image/png"


def test_hashed_assets_are_immutable_and_everything_else_revalidated(dist):
    site = StaticSite(dist)
    assert site.answer("/assets/index-abc123.js").headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for path in ("/", "/index.html", "/projects/3/data",
                 "/vendor/label-studio-1.4.0/assets/font.woff2"):  # an `assets` folder deeper down is not Vite's
        assert site.answer(path).headers["Cache-Control"] == "no-cache", path


@pytest.mark.parametrize("path", ["/", "/projects", "/projects/3/label", "/assets", "/vendor/label-studio"])
def test_app_routes_and_folders_answer_index_html(dist, path):
    answer = StaticSite(dist).answer(path)
    assert (answer.status, answer.body) == (200, INDEX)
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"


def test_a_missing_file_is_404_not_html(dist):
    # A stale tab asking for an old bundle must not get index.html back as JavaScript (CloudFront does the same)
    answer = StaticSite(dist).answer("/assets/index-old999.js")
    assert answer.status == 404 and INDEX not in answer.body


@pytest.mark.parametrize("path", ["/../secret", "/../secret.txt", "/assets/../../secret", "/%2e%2e/secret",
                                  "//../secret", "/assets/..%2f..%2fsecret", "/\x00/secret", "/" + "a" * 300,
                                  "/" + "a" * 300 + ".js"])
def test_nothing_outside_the_folder_is_served(dist, path):
    answer = StaticSite(dist).answer(path)
    assert b"outside the dist folder" not in answer.body
    assert answer.status in (200, 404) and (answer.status == 404 or answer.body == INDEX)


def test_a_symlink_out_of_the_folder_is_not_followed(dist):
    (dist / "leak.txt").symlink_to(dist.parent / "secret.txt")
    answer = StaticSite(dist).answer("/leak.txt")
    assert answer.status == 404 and b"outside" not in answer.body


def test_gzip_when_accepted(dist):
    site = StaticSite(dist)
    zipped = site.answer("/assets/index-abc123.js", "br, gzip, deflate")
    assert zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
    assert gzip.decompress(zipped.body) == SCRIPT and len(zipped.body) < len(SCRIPT)
    assert site.answer("/assets/index-abc123.js", "br, gzip").body is zipped.body  # compressed once, then kept
    for refused in ("", "br", "gzip;q=0", "identity"):
        plain = site.answer("/assets/index-abc123.js", refused)
        assert plain.body == SCRIPT and "Content-Encoding" not in plain.headers, refused
    assert "Content-Encoding" not in site.answer("/assets/logo.png", "gzip").headers  # already compressed


@pytest.mark.parametrize(("header", "expected"), [
    ("gzip", True), ("deflate, gzip;q=0.5", True), ("GZIP", True), ("*", True), ("gzip;q=0", False),
    ("*;q=0", False), ("br", False), ("", False), ("gzip;q=zero", False), ("gzip;q=0, *", False),
])
def test_accepts_gzip(header, expected):
    assert accepts_gzip(header) is expected


def test_503_with_a_clear_message_when_the_app_is_not_built(tmp_path):
    answer = StaticSite(tmp_path / "nowhere").answer("/projects")
    assert answer.status == 503 and b"not built" in answer.body and b"/api/" in answer.body
    assert answer.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(("method", "path", "app"), [
    ("GET", "/", True), ("GET", "/projects/1/data", True), ("HEAD", "/assets/x.js", True),
    ("GET", "/api", False), ("GET", "/api/projects", False), ("GET", "/local-blob/files/x", False),
    ("GET", "/health", False), ("GET", "/version", False), ("GET", "/user/signup", False),
    ("POST", "/", False), ("DELETE", "/projects", False),
])
def test_is_app_path(method, path, app):
    assert is_app_path(method, path) is app


# --- through the local gateway -----------------------------------------------------------------------------


@pytest.fixture
def server(dist, tmp_path) -> Iterator[tuple[LocalGateway, list[dict]]]:
    (dist / "api").mkdir()
    (dist / "api" / "projects").write_text("a file named like an API path")
    (dist / "local-blob").mkdir()
    (dist / "local-blob" / "x").write_text("a file named like a blob URL")
    events: list[dict] = []

    def handler(event, _context):
        events.append(event)
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": '{"api": true}'}

    ctx = Context(items=SqliteItemStore(tmp_path / "t.db"))
    gateway = LocalGateway(("127.0.0.1", 0), ctx, handler, StaticSite(dist))
    thread = threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield gateway, events
    finally:
        gateway.shutdown()
        gateway.server_close()
        thread.join(timeout=5)


def _get(gateway: LocalGateway, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.server_address[1], timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_gateway_serves_the_app_with_its_headers(server):
    gateway, events = server
    status, headers, body = _get(gateway, "/projects/3/data?tab=1")
    assert (status, body) == (200, INDEX) and events == []
    assert headers["content-security-policy"] == content_security_policy()
    status, headers, body = _get(gateway, "/assets/index-abc123.js", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip" and gzip.decompress(body) == SCRIPT
    assert int(headers["content-length"]) == len(body)


def test_gateway_never_serves_api_or_blob_paths_as_files(server):
    gateway, events = server
    status, _, body = _get(gateway, "/api/projects")
    assert (status, json.loads(body)) == (200, {"api": True}) and events[-1]["rawPath"] == "/api/projects"
    status, _, body = _get(gateway, "/local-blob/x")
    assert status == 403 and b"like a blob" not in body  # unsigned: refused by the blob route, not served
    status, _, body = _get(gateway, "/../../secret")
    assert b"outside" not in body


def test_gateway_survives_a_path_too_long_for_the_file_system(server):
    gateway, _ = server
    status, _, body = _get(gateway, "/" + "a" * 1000)
    assert (status, body) == (200, INDEX)


def test_the_versioned_editor_bundle_is_cached_for_good(tmp_path):
    # Given the editor vendored under its version, beside a plain file
    (tmp_path / "index.html").write_bytes(b"<!doctype html>")
    (tmp_path / "vendor" / "label-studio-1.4.0").mkdir(parents=True)
    (tmp_path / "vendor" / "label-studio-1.4.0" / "main.js").write_bytes(b"window.LabelStudio=1")
    (tmp_path / "robots.txt").write_bytes(b"")
    site = StaticSite(tmp_path)
    # Then the bundle is immutable and the plain file revalidated
    assert site.answer("/vendor/label-studio-1.4.0/main.js").headers["Cache-Control"] == (
        "public, max-age=31536000, immutable")
    assert site.answer("/robots.txt").headers["Cache-Control"] == "no-cache"


# --- byte ranges (media seeking) ---------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "size", "expected"), [
    ("bytes=0-99", 1000, (0, 100)), ("bytes=900-", 1000, (900, 100)), ("bytes=-100", 1000, (900, 100)),
    ("bytes=990-5000", 1000, (990, 10)), (None, 1000, None), ("bytes=0-1,5-6", 1000, None), ("items=0-1", 1000, None),
    ("bytes=-", 1000, None), ("bytes=5-2", 1000, None),
])
def test_byte_range(header, size, expected):
    assert byte_range(header, size) == expected


def test_a_range_past_the_end_is_unsatisfiable():
    with pytest.raises(Unsatisfiable):
        byte_range("bytes=1000-", 1000)


def test_a_media_file_of_the_app_is_served_in_ranges(dist):
    (dist / "clip.mp4").write_bytes(bytes(range(200)))
    site = StaticSite(dist)
    whole = site.answer("/clip.mp4")
    assert whole.status == 200 and whole.headers["Accept-Ranges"] == "bytes" and len(whole.body) == 200
    part = site.answer("/clip.mp4", range_header="bytes=10-19")
    assert part.status == 206 and part.body == bytes(range(10, 20))
    assert part.headers["Content-Range"] == "bytes 10-19/200" and part.headers["Content-Type"] == "video/mp4"
    assert site.answer("/clip.mp4", range_header="bytes=500-").status == 416


def test_a_signed_blob_url_is_served_in_ranges(dist, tmp_path):
    # Given an imported video in the local blob store and the server's signed URL for it
    blobs = LocalBlobStore(tmp_path / "files", "http://127.0.0.1", b"secret")
    blobs.put("uploads/1/clip.mp4", bytes(range(256)) * 4)
    ctx = Context(items=SqliteItemStore(tmp_path / "b.db"), blobs=blobs)
    gateway = LocalGateway(("127.0.0.1", 0), ctx, lambda e, c: {}, StaticSite(dist))
    thread = threading.Thread(target=gateway.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        path = blobs.presign_get("uploads/1/clip.mp4").removeprefix("http://127.0.0.1")
        # When the browser seeks, it gets exactly the bytes asked for
        status, headers, body = _get(gateway, path, {"Range": "bytes=1000-"})
        assert (status, headers["content-range"], body) == (206, "bytes 1000-1023/1024", bytes(range(232, 256)))
        assert headers["content-type"] == "video/mp4" and headers["accept-ranges"] == "bytes"
        status, headers, body = _get(gateway, path)
        assert status == 200 and len(body) == 1024
        assert _get(gateway, path, {"Range": "bytes=2000-"})[0] == 416
    finally:
        gateway.shutdown()
        gateway.server_close()
        thread.join(timeout=5)
