"""BlobStore contract: every case runs on the local folder and on S3 (moto), which must agree.

Presigned URLs are exercised end to end: on S3 with `requests` (moto intercepts it inside `mock_aws`),
locally through a stand-in for the app's `/local-blob/` route that does what the real route must do:
verify the signed parts, then read or write the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from skylabel.adapters.localfs import CHUNK_SIZE, LocalBlobStore, content_disposition
from skylabel.ports import BlobNotFound

BUCKET = "skylabel-contract-blobs"
SECRET = b"contract-test-secret"
BASE_URL = "http://127.0.0.1:8080"


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Blobs:
    kind: str
    store: Any

    def http_get(self, url: str) -> tuple[int, bytes, dict[str, str]]:
        if self.kind == "s3":
            import requests

            response = requests.get(url, timeout=10)
            return response.status_code, response.content, dict(response.headers)
        key, query = _local_url_parts(url)
        if not self.store.verify("GET", key, query.get("expires"), query.get("sig"), filename=query.get("filename")):
            return 403, b"", {}
        try:
            data = b"".join(self.store.open(key))
        except BlobNotFound:
            return 404, b"", {}
        headers = {"Content-Disposition": content_disposition(query["filename"])} if "filename" in query else {}
        return 200, data, headers

    def http_put(self, url: str, data: bytes, content_type: str | None = None) -> int:
        headers = {"Content-Type": content_type} if content_type else {}
        if self.kind == "s3":
            import requests

            return requests.put(url, data=data, headers=headers, timeout=10).status_code
        key, query = _local_url_parts(url)
        signed_type = query.get("content_type")
        if not self.store.verify("PUT", key, query.get("expires"), query.get("sig"), content_type=signed_type):
            return 403
        if signed_type and signed_type != content_type:
            return 403
        self.store.put(key, data, content_type)
        return 200


def _local_url_parts(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    assert parts.path.startswith("/local-blob/")
    key = unquote(parts.path[len("/local-blob/") :])
    return key, {name: values[0] for name, values in parse_qs(parts.query).items()}


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Blobs]:
    if request.param == "local":
        yield Blobs("local", LocalBlobStore(tmp_path / "blobs", BASE_URL, SECRET, clock=FakeClock()))
        return
    request.getfixturevalue("aws_credentials")  # the contract suites' shared fake credentials
    import boto3
    from moto import mock_aws

    from skylabel.adapters.s3 import S3BlobStore

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield Blobs("s3", S3BlobStore(BUCKET, client=client))


# --- objects ----------------------------------------------------------------------------------------------


def test_put_then_get_exists_and_delete(blobs: Blobs) -> None:
    # Given an object
    blobs.store.put("projects/1/uploads/a.json", b'{"x": 1}', content_type="application/json")

    # Then it reads back and exists
    assert blobs.store.get("projects/1/uploads/a.json") == b'{"x": 1}'
    assert blobs.store.exists("projects/1/uploads/a.json")

    # When it is overwritten, the new bytes win
    blobs.store.put("projects/1/uploads/a.json", b"second")
    assert blobs.store.get("projects/1/uploads/a.json") == b"second"

    # When it is deleted, it is gone, and deleting again is not an error
    blobs.store.delete("projects/1/uploads/a.json")
    assert not blobs.store.exists("projects/1/uploads/a.json")
    blobs.store.delete("projects/1/uploads/a.json")


def test_missing_key_raises_blob_not_found(blobs: Blobs) -> None:
    assert not blobs.store.exists("nope/missing.bin")
    with pytest.raises(BlobNotFound):
        blobs.store.get("nope/missing.bin")
    # open raises at the call, not on the first chunk, so callers can answer 404 before streaming
    with pytest.raises(BlobNotFound):
        blobs.store.open("nope/missing.bin")


def test_empty_object(blobs: Blobs) -> None:
    blobs.store.put("empty", b"")
    assert blobs.store.exists("empty")
    assert blobs.store.get("empty") == b""
    assert b"".join(blobs.store.open("empty")) == b""


def test_open_streams_in_chunks(blobs: Blobs) -> None:
    # Given an object just over two chunks long
    data = bytes(range(256)) * (CHUNK_SIZE // 256) * 2 + b"tail"
    blobs.store.put("exports/big.bin", data)

    # When it is streamed
    chunks = list(blobs.store.open("exports/big.bin"))

    # Then it arrives whole, in more than one chunk, none bigger than CHUNK_SIZE
    assert b"".join(chunks) == data
    assert len(chunks) >= 2
    assert all(len(chunk) <= CHUNK_SIZE for chunk in chunks)


def test_list_is_sorted_and_filtered_by_string_prefix(blobs: Blobs) -> None:
    for key in ["p/2/b.json", "p/1/z.json", "p/1/a.json", "p/10/c.json", "q/1/a.json", "p-other.json"]:
        blobs.store.put(key, b"x")

    assert blobs.store.list("p/1/") == ["p/1/a.json", "p/1/z.json"]
    # A prefix is a plain string prefix, as in S3: "p/1" also matches "p/10/…"
    assert blobs.store.list("p/1") == ["p/1/a.json", "p/1/z.json", "p/10/c.json"]
    assert blobs.store.list("p") == ["p-other.json", "p/1/a.json", "p/1/z.json", "p/10/c.json", "p/2/b.json"]
    assert blobs.store.list("") == sorted(blobs.store.list("p") + ["q/1/a.json"])
    assert blobs.store.list("nothing/") == []


def test_list_skips_deleted_objects(blobs: Blobs) -> None:
    blobs.store.put("d/a", b"1")
    blobs.store.put("d/b", b"2")
    blobs.store.delete("d/a")
    assert blobs.store.list("d/") == ["d/b"]


# --- presigned URLs ---------------------------------------------------------------------------------------


def test_presigned_put_then_presigned_get(blobs: Blobs) -> None:
    # Given a presigned upload URL
    put_url = blobs.store.presign_put("imports/upload.csv", expires_in=600)

    # When a client PUTs to it without credentials
    assert blobs.http_put(put_url, b"a,b\n1,2\n") == 200

    # Then the object is in the store, and a presigned GET returns it
    assert blobs.store.get("imports/upload.csv") == b"a,b\n1,2\n"
    status, body, _ = blobs.http_get(blobs.store.presign_get("imports/upload.csv", expires_in=600))
    assert (status, body) == (200, b"a,b\n1,2\n")


def test_presigned_put_with_content_type(blobs: Blobs) -> None:
    url = blobs.store.presign_put("imports/data.json", content_type="application/json")
    assert blobs.http_put(url, b"[]", content_type="application/json") == 200
    assert blobs.store.get("imports/data.json") == b"[]"


def test_presigned_get_with_filename_sets_content_disposition(blobs: Blobs) -> None:
    blobs.store.put("exports/7/result.json", b"{}")

    status, body, headers = blobs.http_get(blobs.store.presign_get("exports/7/result.json", filename="project-7.json"))

    assert (status, body) == (200, b"{}")
    disposition = {k.lower(): v for k, v in headers.items()}["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="project-7.json"' in disposition


def test_presigned_get_of_key_with_special_characters(blobs: Blobs) -> None:
    key = "uploads/my file #1 ü+?.txt"
    blobs.store.put(key, b"odd")
    status, body, _ = blobs.http_get(blobs.store.presign_get(key))
    assert (status, body) == (200, b"odd")


def test_content_disposition_keeps_non_ascii_names() -> None:
    value = content_disposition('résumé "v2".json')
    assert value.startswith('attachment; filename="r_sum_ _v2_.json";')
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.json" in value


# --- local only: key validation and signature checks ------------------------------------------------------


@pytest.fixture
def local(tmp_path: Path) -> tuple[LocalBlobStore, FakeClock]:
    clock = FakeClock()
    return LocalBlobStore(tmp_path / "blobs", BASE_URL, SECRET, clock=clock), clock


@pytest.mark.parametrize(
    "key",
    ["../escape", "a/../../escape", "/etc/passwd", "a\\b", "a\x00b", "", "a//b", "./a", "a/.", ".tmp/x", "trailing/"],
)
def test_local_rejects_keys_that_could_escape_root(local: tuple[LocalBlobStore, FakeClock], key: str) -> None:
    store, _ = local
    with pytest.raises(ValueError):
        store.put(key, b"x")
    with pytest.raises(ValueError):
        store.get(key)
    with pytest.raises(ValueError):
        store.presign_get(key)


def test_local_rejects_escaping_list_prefix(local: tuple[LocalBlobStore, FakeClock]) -> None:
    store, _ = local
    with pytest.raises(ValueError):
        store.list("../")


def test_local_objects_are_files_under_root_and_temp_files_do_not_show(
    local: tuple[LocalBlobStore, FakeClock], tmp_path: Path
) -> None:
    store, _ = local
    store.put("a/b/c.txt", b"hello")
    assert (tmp_path / "blobs" / "a" / "b" / "c.txt").read_bytes() == b"hello"
    assert list((tmp_path / "blobs" / ".tmp").iterdir()) == []
    assert store.list("") == ["a/b/c.txt"]


def _signed(url: str) -> tuple[str, dict[str, str]]:
    return _local_url_parts(url)


def test_local_verify_accepts_signed_url_and_rejects_tampering(local: tuple[LocalBlobStore, FakeClock]) -> None:
    store, _ = local
    key, q = _signed(store.presign_get("exports/1.json", expires_in=60, filename="out.json"))
    assert key == "exports/1.json"
    assert q["method"] == "GET"
    assert store.verify("GET", key, q["expires"], q["sig"], filename=q["filename"])

    assert not store.verify("PUT", key, q["expires"], q["sig"], filename=q["filename"])  # other method
    assert not store.verify("GET", "exports/2.json", q["expires"], q["sig"], filename=q["filename"])  # other key
    assert not store.verify("GET", key, str(int(q["expires"]) + 3600), q["sig"], filename=q["filename"])
    assert not store.verify("GET", key, q["expires"], q["sig"], filename="evil.html")  # other download name
    assert not store.verify("GET", key, q["expires"], q["sig"])  # filename dropped
    assert not store.verify("GET", key, q["expires"], "0" * 64, filename=q["filename"])
    assert not store.verify("GET", key, "not-a-number", q["sig"], filename=q["filename"])
    assert not store.verify("GET", key, q["expires"], "ü", filename=q["filename"])


def test_local_verify_binds_put_content_type(local: tuple[LocalBlobStore, FakeClock]) -> None:
    store, _ = local
    key, q = _signed(store.presign_put("imports/x.json", content_type="application/json"))
    assert q["method"] == "PUT"
    assert store.verify("PUT", key, q["expires"], q["sig"], content_type="application/json")
    assert not store.verify("PUT", key, q["expires"], q["sig"], content_type="text/html")
    assert not store.verify("PUT", key, q["expires"], q["sig"])


def test_local_verify_rejects_expired_urls(local: tuple[LocalBlobStore, FakeClock]) -> None:
    store, clock = local
    key, q = _signed(store.presign_put("imports/late.csv", expires_in=60))

    clock.now += 60
    assert store.verify("PUT", key, q["expires"], q["sig"])  # still valid at the last second

    clock.now += 1
    assert not store.verify("PUT", key, q["expires"], q["sig"])


def test_local_signature_depends_on_secret(tmp_path: Path) -> None:
    clock = FakeClock()
    ours = LocalBlobStore(tmp_path / "a", BASE_URL, SECRET, clock=clock)
    theirs = LocalBlobStore(tmp_path / "b", BASE_URL, b"another-secret", clock=clock)
    key, q = _signed(theirs.presign_get("k"))
    assert not ours.verify("GET", key, q["expires"], q["sig"])


def test_local_url_shape(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path, BASE_URL + "/", SECRET, clock=FakeClock(100))
    url = store.presign_get("a b/c.txt", expires_in=50)
    assert url.startswith(f"{BASE_URL}/local-blob/a%20b/c.txt?method=GET&expires=150&sig=")


def test_put_stream_writes_big_objects_in_parts(blobs: Blobs) -> None:
    # Given 20 MiB arriving in 1 MiB chunks (more than two S3 multipart parts)
    chunk = bytes(range(256)) * 4096
    size = blobs.store.put_stream("exports/1/big.bin", (chunk for _ in range(20)), content_type="text/plain")
    # Then the object is whole and in order
    assert size == 20 * len(chunk)
    assert b"".join(blobs.store.open("exports/1/big.bin")) == chunk * 20
    # And a small stream is one object too; a failing stream leaves no object behind
    assert blobs.store.put_stream("exports/1/small.bin", [b"a", b"b"]) == 2
    assert blobs.store.get("exports/1/small.bin") == b"ab"

    def failing():
        yield chunk * 9
        raise RuntimeError("source died")

    with pytest.raises(RuntimeError):
        blobs.store.put_stream("exports/1/broken.bin", failing())
    assert not blobs.store.exists("exports/1/broken.bin")
