"""The SSRF-guarded outbound client: what it refuses, and that what it allows really works.

Refusals are checked with a fake resolver (a normal-looking hostname answering a bad address is the
DNS-rebinding case) and with IP-notation tricks; the allowed paths run against real HTTP(S) servers on
127.0.0.1:0 started here. Every timeout is well under a second.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from urllib.parse import parse_qs, urlsplit

import pytest

from skylabel.errors import DomainError, Invalid
from skylabel.outbound import (
    OutboundClient,
    OutboundFailed,
    OutboundPolicy,
    OutboundRefused,
    classify,
    parse_ip_literal,
)

# --------------------------------------------------------------------------- helpers


class FakeResolver:
    """socket.getaddrinfo's shape; answers from a table and counts the look-ups."""

    def __init__(self, table: dict[str, list[str] | str]) -> None:
        self.table = {host: [ips] if isinstance(ips, str) else ips for host, ips in table.items()}
        self.calls: list[str] = []

    def __call__(self, host, port, family=0, type=0, proto=0, flags=0):  # noqa: A002 - getaddrinfo's names
        self.calls.append(host)
        if host not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [((socket.AF_INET6 if ":" in ip else socket.AF_INET), socket.SOCK_STREAM, 6, "",
                 (ip, port, 0, 0) if ":" in ip else (ip, port)) for ip in self.table[host]]


def client(resolver=None, sleeps: list[float] | None = None, **policy) -> OutboundClient:
    recorded = sleeps if sleeps is not None else []
    return OutboundClient(OutboundPolicy(**policy), resolver or FakeResolver({}), sleep=recorded.append)


class Handler(BaseHTTPRequestHandler):
    """Routes driven by the path and query; every request is recorded on the server."""

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def _record(self) -> tuple[str, dict[str, list[str]]]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        self.server.requests.append({"method": self.command, "path": self.path, "body": body,
                                     "headers": {k.lower(): v for k, v in self.headers.items()}})
        return parts.path, parse_qs(parts.query)

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                sized: bool = True) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if sized:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._route()

    def do_POST(self) -> None:  # noqa: N802
        self._route()

    def _route(self) -> None:
        path, query = self._record()
        arg = {k: v[0] for k, v in query.items()}
        if path == "/ok":
            self._answer(200, b'{"hello": "world"}', {"Content-Type": "application/json"})
        elif path == "/echo":
            last = self.server.requests[-1]
            self._answer(200, json.dumps({"method": last["method"], "body": last["body"].decode(),
                                          "headers": last["headers"]}).encode())
        elif path == "/bytes":
            self._answer(200, b"x" * int(arg["n"]))
        elif path == "/unsized":  # HTTP/1.0, no Content-Length: the body ends when the connection closes
            self._answer(200, b"y" * int(arg["n"]), sized=False)
        elif path == "/status":
            self._answer(int(arg["code"]), b"nope")
        elif path == "/flaky":
            self.server.flaky_left -= 1
            if self.server.flaky_left >= 0:
                self._answer(503, b"busy", {"Retry-After": arg.get("retry_after", "0")})
            else:
                self._answer(200, b"finally")
        elif path == "/redirect":
            self._answer(int(arg.get("code", "302")), b"", {"Location": arg["to"]})
        elif path == "/loop":
            self._answer(302, b"", {"Location": "/loop"})
        elif path == "/drip":
            self.send_response(200)
            self.end_headers()
            try:
                for _ in range(30):
                    self.wfile.write(b"z")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        else:
            self._answer(404, b"no route")


def _start(server: ThreadingHTTPServer) -> threading.Thread:
    server.daemon_threads = True
    server.requests = []
    server.flaky_left = 0
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def http_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = _start(server)
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=2)


@pytest.fixture
def srv(http_server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    """The module's server with its records reset; `srv.port` and `srv.url(path)` for convenience."""
    http_server.requests.clear()
    http_server.flaky_left = 0
    http_server.port = http_server.server_address[1]
    http_server.url = lambda path, host="127.0.0.1": f"http://{host}:{http_server.port}{path}"
    return http_server


@pytest.fixture
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections (the kernel's backlog) but never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def closed_port() -> int:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# --------------------------------------------------------------------------- error types and policy


def test_errors_map_to_400_and_502():
    assert issubclass(OutboundRefused, Invalid) and OutboundRefused("x").status == 400
    assert issubclass(OutboundFailed, DomainError) and OutboundFailed("x").status == 502


def test_policy_bounds_and_runtime_defaults():
    # Given the runtime, when a policy is made for it, then only the laptop may call private addresses
    assert OutboundPolicy.for_runtime("local").allow_private is True
    assert OutboundPolicy.for_runtime("aws").allow_private is False
    assert OutboundPolicy().max_redirects == 5
    # allow-list entries are normalized
    policy = OutboundPolicy(allow_hosts={"ML.Internal.", "[fd00::1]"})
    assert policy.allow_hosts == frozenset({"ml.internal", "fd00::1"})
    # unbounded settings are refused
    for bad in ({"retries": 11}, {"retries": -1}, {"timeout_s": 0}, {"max_bytes": 0}, {"max_redirects": 21}):
        with pytest.raises(ValueError):
            OutboundPolicy(**bad)


# --------------------------------------------------------------------------- refused address classes

NEVER = [
    "169.254.169.254", "169.254.0.1", "100.100.100.200",  # link-local / cloud metadata (AWS, GCP, Azure, Alibaba)
    "fe80::1", "fd00:ec2::254",  # IPv6 link-local, AWS IPv6 metadata
    "0.0.0.0", "0.1.2.3", "::",  # this-network / unspecified
    "224.0.0.1", "239.255.255.250", "ff02::1",  # multicast
    "240.0.0.1", "255.255.255.255", "4000::1",  # reserved, broadcast
    "::ffff:169.254.169.254", "::ffff:0.0.0.0", "::ffff:0:a9fe:a9fe",  # IPv4-mapped / translated
    "64:ff9b::a9fe:a9fe", "::a9fe:a9fe", "2002:a9fe:a9fe::1",  # NAT64, IPv4-compatible, 6to4 of metadata
]
PRIVATE = [
    "127.0.0.1", "127.255.255.254", "::1",  # loopback
    "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fc00::1", "fd12:3456::1",  # private
    "100.64.0.1", "100.127.255.255",  # CGNAT
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1",  # IPv6 forms of private IPv4
    "198.18.0.1", "192.0.2.1", "2001:db8::1",  # other non-public (benchmarking, documentation)
]
PUBLIC = ["93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("ip", NEVER)
@pytest.mark.parametrize("allow_private", [False, True])
def test_never_called_classes_are_refused_whatever_the_policy(ip, allow_private):
    # Given a normal-looking hostname whose DNS answers a never-called address (DNS rebinding)
    resolver = FakeResolver({"innocent.example": ip})
    c = client(resolver, allow_private=allow_private, allow_hosts={"innocent.example"})
    # When it is called, then it is refused, naming the address and why, before any connection
    with pytest.raises(OutboundRefused) as caught:
        c.get("http://innocent.example/data.json")
    assert f"innocent.example resolves to {ip_address(ip)}" in caught.value.message
    assert "never called" in caught.value.message
    assert caught.value.message.startswith("http://innocent.example/data.json is refused: ")


@pytest.mark.parametrize("ip", PRIVATE)
def test_private_classes_are_refused_unless_private_is_allowed(ip):
    # Given a hostname resolving to a loopback/private/CGNAT address
    resolver = FakeResolver({"innocent.example": ip})
    # When the policy forbids private addresses, then the call is refused and says how it could be allowed
    with pytest.raises(OutboundRefused) as caught:
        client(resolver, allow_private=False).get("http://innocent.example/")
    assert f"resolves to {ip_address(ip)}" in caught.value.message
    assert "local runtime or for hosts on the operator's allow-list" in caught.value.message
    # When the policy allows private addresses (the laptop), then the URL passes the check
    assert client(resolver, allow_private=True).check("http://innocent.example/") == (str(ip_address(ip)),)


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_addresses_pass(ip):
    resolver = FakeResolver({"public.example": ip})
    assert client(resolver).check("https://public.example/x") == (str(ip_address(ip)),)


def test_every_resolved_address_must_be_allowed():
    # Given a host answering one public and one metadata address
    resolver = FakeResolver({"mixed.example": ["93.184.216.34", "169.254.169.254"]})
    # When called, then it is refused (the connection could land on either)
    with pytest.raises(OutboundRefused, match="mixed.example resolves to 169.254.169.254"):
        client(resolver, allow_private=True).get("http://mixed.example/")


def test_metadata_ip_message_is_plain():
    with pytest.raises(OutboundRefused) as caught:
        client(allow_private=True).get("http://169.254.169.254/")
    assert caught.value.message == (
        "http://169.254.169.254/ is refused: link-local and cloud-metadata addresses are never called")


@pytest.mark.parametrize("url,means", [
    ("http://2130706433/", "127.0.0.1"),
    ("http://0x7f.1/", "127.0.0.1"),
    ("http://017700000001/", "127.0.0.1"),
    ("http://0x7f000001/", "127.0.0.1"),
    ("http://127.1/", "127.0.0.1"),
    ("http://0177.0.0.1/", "127.0.0.1"),
    ("http://012.0x1.1/", "10.1.0.1"),
    ("http://127.0.0.1./", None),
])
def test_ip_notation_tricks_mean_the_address_and_are_refused(url, means):
    # Given the real resolver, when a URL spells a loopback/private address in another notation
    c = OutboundClient(OutboundPolicy(allow_private=False))
    # Then it is refused as the address it means
    with pytest.raises(OutboundRefused) as caught:
        c.get(url)
    assert "local runtime" in caught.value.message
    if means:
        assert f"means {means};" in caught.value.message


@pytest.mark.parametrize("url", [
    "http://2852039166/", "http://0xa9fea9fe/", "http://0251.0376.0251.0376/", "http://169.254.43518/",
    "http://[::ffff:169.254.169.254]/", "http://[::ffff:a9fe:a9fe]/", "http://[0:0:0:0:0:ffff:169.254.169.254]/",
    "http://[fe80::1%25eth0]/", "http://[fd00:ec2::254]/latest/meta-data/",
    "http://example.com@169.254.169.254/", "http://169.254.169.254#@example.com/",
])
def test_metadata_in_any_notation_is_never_called(url):
    with pytest.raises(OutboundRefused, match="never called"):
        OutboundClient(OutboundPolicy(allow_private=True)).get(url)


@pytest.mark.parametrize("text", ["2130706433", "0x7f.1", "017700000001", "127.1", "0xa9fea9fe", "0251.0376.0251.0376"])
def test_notation_parser_agrees_with_the_platform_resolver(text):
    # Given the platform's own parsing of the same text (what a naive client would connect to)
    try:
        platform = socket.getaddrinfo(text, 80, socket.AF_INET, socket.SOCK_STREAM)[0][4][0]
    except socket.gaierror:
        pytest.skip("this platform's resolver does not accept the notation")
    # Then our parser means the same address
    assert str(parse_ip_literal(text)) == platform


def test_notation_parser_rejects_non_numbers():
    for text in ("08.1.1.1", "1.2.3.4.5", "256.1.1.1", "1.16777216", "+1.2.3.4", "1_0.0.0.1", "example.com", ""):
        assert parse_ip_literal(text) is None, text


@pytest.mark.parametrize("url", [
    "http://localhost/", "http://LOCALHOST./x", "http://api.localhost:8080/", "http://ip6-localhost/",
])
def test_localhost_names_are_refused_without_private(url):
    with pytest.raises(OutboundRefused, match="names this machine"):
        client(FakeResolver({})).get(url)


@pytest.mark.parametrize("url", [
    "http://metadata.google.internal/computeMetadata/v1/", "http://METADATA.GOOGLE.INTERNAL./",
    "http://metadata/", "http://instance-data/latest/", "https://metadata.goog/",
])
def test_metadata_hostnames_are_never_called_even_when_allow_listed(url):
    # Given an operator who (wrongly) allow-lists the metadata names and a resolver that would answer
    host = urlsplit(url).hostname.rstrip(".")
    resolver = FakeResolver({host: "93.184.216.34"})
    c = client(resolver, allow_private=True, allow_hosts={host})
    # When called, then refused before any look-up
    with pytest.raises(OutboundRefused, match="cloud-metadata host name"):
        c.get(url)
    assert resolver.calls == []


@pytest.mark.parametrize("url,why", [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://example.com/x", "only http and https"),
    ("gopher://127.0.0.1:6379/_FLUSHALL", "only http and https"),
    ("http:///nohost", "no host"),
    ("http://exa mple.com/", "spaces or control characters"),
    ("http://example.com/\r\nX-Injected: 1", "spaces or control characters"),
    ("http://example.com:99999/", "not a valid URL"),
    ("http://example.com:0/", "port 0"),
])
def test_bad_urls_are_refused(url, why):
    with pytest.raises(OutboundRefused, match=why):
        client(FakeResolver({"example.com": "93.184.216.34"})).get(url)


def test_credentials_in_the_url_never_appear_in_messages():
    with pytest.raises(OutboundRefused) as caught:
        client().get("http://user:s3cret@169.254.169.254/")
    assert "s3cret" not in caught.value.message


# --------------------------------------------------------------------------- allow_hosts


def test_allow_hosts_bypasses_the_private_check_only(srv):
    # Given AWS-like policy (no private) with the operator allowing one internal host and one network
    resolver = FakeResolver({"ml.internal": "127.0.0.1", "vpc-ml": "10.1.2.3", "other.internal": "192.168.1.1",
                             "sneaky.internal": "169.254.169.254"})
    c = client(resolver, allow_private=False, allow_hosts={"ml.internal", "10.0.0.0/8", "sneaky.internal",
                                                           "169.254.0.0/16"})
    # When the allowed host (on loopback) is really called, then it answers
    response = c.get(f"http://ml.internal:{srv.port}/ok")
    assert response.status == 200 and response.json() == {"hello": "world"}
    # and an address inside the allowed network passes the check
    assert c.check("http://vpc-ml/") == ("10.1.2.3",)
    # When a private host not on the list is called, then it is refused
    with pytest.raises(OutboundRefused, match="other.internal resolves to 192.168.1.1"):
        c.get("http://other.internal/")
    # When the allow-list names a metadata host or network, then it is still refused
    with pytest.raises(OutboundRefused, match="never called"):
        c.get("http://sneaky.internal/")
    with pytest.raises(OutboundRefused, match="never called"):
        c.get("http://169.254.169.254/")


# --------------------------------------------------------------------------- real calls


def test_get_and_post_end_to_end_on_loopback_when_private_is_allowed(srv):
    # Given the laptop policy and a real server on 127.0.0.1
    c = OutboundClient(OutboundPolicy(allow_private=True))
    # When GET, then the answer comes back whole
    got = c.get(srv.url("/ok"))
    assert (got.status, got.ok, got.json(), got.url) == (200, True, {"hello": "world"}, srv.url("/ok"))
    assert got.headers["content-type"] == "application/json"
    # When POST JSON with Basic auth, then the server receives the JSON, its type and the credentials
    posted = c.post_json(srv.url("/echo"), {"text": "héllo", "n": [1, 2]}, headers={"X-Trace": "t1"},
                         auth=("ml", "pw"))
    seen = posted.json()
    assert seen["method"] == "POST"
    assert json.loads(seen["body"]) == {"text": "héllo", "n": [1, 2]}
    assert seen["headers"]["content-type"] == "application/json"
    assert seen["headers"]["authorization"] == "Basic bWw6cHc="
    assert seen["headers"]["x-trace"] == "t1"
    assert seen["headers"]["host"] == f"127.0.0.1:{srv.port}"
    # a whole Authorization value is sent as given, replacing one in the headers, and a caller's type is kept
    token = c.post_json(srv.url("/echo"), {}, headers={"authorization": "old", "content-type": "application/x+json"},
                        auth="Token abc").json()
    assert token["headers"]["authorization"] == "Token abc"
    assert token["headers"]["content-type"] == "application/x+json"
    # credentials in the URL become Basic auth (and never appear in the answer's URL)
    userinfo = c.get(f"http://ml:pw@127.0.0.1:{srv.port}/echo")
    assert userinfo.json()["headers"]["authorization"] == "Basic bWw6cHc="
    assert "pw" not in userinfo.url


def test_the_same_calls_are_refused_without_private(srv):
    # Given the AWS policy, when the loopback server is called, then it is refused and never reached
    c = OutboundClient(OutboundPolicy(allow_private=False))
    with pytest.raises(OutboundRefused, match="loopback addresses"):
        c.get(srv.url("/ok"))
    with pytest.raises(OutboundRefused, match="loopback addresses"):
        c.post_json(srv.url("/echo"), {"a": 1})
    assert srv.requests == []


def test_connects_to_the_vetted_ip_and_resolves_once(srv, monkeypatch):
    # Given a resolver that answers loopback once and the metadata address afterwards (DNS rebinding)
    answers = iter([["127.0.0.1"]])

    class Rebinding(FakeResolver):
        def __call__(self, host, port, *args, **kwargs):
            self.table[host] = next(answers, ["169.254.169.254"])
            return super().__call__(host, port, *args, **kwargs)

    resolver = Rebinding({})
    # and a process resolver that fails for any name (only IP literals may reach it)
    real = socket.getaddrinfo

    def numeric_only(host, *args, **kwargs):
        assert parse_ip_literal(str(host)) is not None, f"a second look-up of {host!r}"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", numeric_only)
    # When the host is called, then the vetted IP is used, the Host header keeps the name
    response = client(resolver, allow_private=True).get(f"http://backend.test:{srv.port}/echo")
    assert response.status == 200
    assert response.json()["headers"]["host"] == f"backend.test:{srv.port}"
    assert resolver.calls == ["backend.test"]
    # When called again, then the new (metadata) answer is vetted and refused
    with pytest.raises(OutboundRefused, match="169.254.169.254"):
        client(resolver, allow_private=True).get(f"http://backend.test:{srv.port}/echo")


def test_caller_cannot_override_host(srv):
    seen = client(allow_private=True).get(srv.url("/echo"), headers={"Host": "evil.example"}).json()
    assert seen["headers"]["host"] == f"127.0.0.1:{srv.port}"


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize("to", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[::ffff:169.254.169.254]/", "http://metadata.google.internal/computeMetadata/v1/",
    "http://2852039166/", "file:///etc/passwd",
])
def test_redirect_from_an_allowed_host_to_metadata_is_refused(srv, to):
    # Given an allowed server that redirects to a metadata address
    start = srv.url(f"/redirect?to={to}")
    # When followed, then the hop is refused and the message names the redirect
    with pytest.raises(OutboundRefused) as caught:
        client(allow_private=True).get(start)
    assert f"(reached by a redirect from {start}) is refused" in caught.value.message
    assert len(srv.requests) == 1


def test_each_redirect_hop_is_vetted_against_the_policy(srv):
    # Given AWS policy with only backend.test (on loopback) allowed
    resolver = FakeResolver({"backend.test": "127.0.0.1"})
    c = client(resolver, allow_private=False, allow_hosts={"backend.test"})
    base = f"http://backend.test:{srv.port}"
    # When it redirects to the same host (relative Location), then the redirect is followed
    response = c.get(f"{base}/redirect?to=/ok")
    assert (response.status, response.url) == (200, f"{base}/ok")
    # When it redirects to the loopback IP itself (not allow-listed), then that hop is refused
    with pytest.raises(OutboundRefused, match="reached by a redirect"):
        c.get(f"{base}/redirect?to=http://127.0.0.1:{srv.port}/ok")


def test_redirect_limit(srv):
    with pytest.raises(OutboundFailed, match="more than 5 redirects"):
        client(allow_private=True).get(srv.url("/loop"))
    assert len(srv.requests) == 6
    # and with redirects switched off, a redirect is a failure too
    with pytest.raises(OutboundFailed, match="more than 0 redirects"):
        client(allow_private=True, max_redirects=0).get(srv.url("/redirect?to=/ok"))


def test_credentials_do_not_follow_a_redirect_to_another_host(srv):
    # Given a request with credentials to backend.test that redirects to 127.0.0.1 (another origin)
    resolver = FakeResolver({"backend.test": "127.0.0.1"})
    c = client(resolver, allow_private=True)
    target = f"http://127.0.0.1:{srv.port}/echo"
    seen = c.get(f"http://backend.test:{srv.port}/redirect?to={target}",
                 headers={"Authorization": "Token secret", "Cookie": "a=b", "X-Other": "kept"}).json()
    # Then the other origin gets neither Authorization nor Cookie
    assert "authorization" not in seen["headers"] and "cookie" not in seen["headers"]
    assert seen["headers"]["x-other"] == "kept"
    # and a same-origin redirect keeps them
    same = c.get(f"http://backend.test:{srv.port}/redirect?to=/echo", headers={"Authorization": "Token secret"})
    assert same.json()["headers"]["authorization"] == "Token secret"


def test_post_redirects_307_keeps_the_body_and_303_turns_into_get(srv):
    c = client(allow_private=True)
    kept = c.post_json(srv.url("/redirect?code=307&to=/echo"), {"a": 1}).json()
    assert (kept["method"], json.loads(kept["body"])) == ("POST", {"a": 1})
    changed = c.post_json(srv.url("/redirect?code=303&to=/echo"), {"a": 1}).json()
    assert (changed["method"], changed["body"]) == ("GET", "")
    assert "content-type" not in changed["headers"]


# --------------------------------------------------------------------------- size, time, retries


def test_max_bytes_on_a_real_server(srv):
    c = client(allow_private=True, max_bytes=1000, retries=0)
    # Given an answer exactly at the limit, then it is returned
    assert len(c.get(srv.url("/bytes?n=1000")).body) == 1000
    # Given a declared Content-Length over the limit, then the call fails before reading it
    with pytest.raises(OutboundFailed, match="5000 bytes, more than the 1000-byte limit") as caught:
        c.get(srv.url("/bytes?n=5000"))
    assert caught.value.status == 502
    # Given an answer with no length that keeps going, then reading stops at the limit
    with pytest.raises(OutboundFailed, match="larger than the 1000-byte limit"):
        c.get(srv.url("/unsized?n=5000"))


def test_stream_yields_chunks_and_enforces_max_bytes_while_streaming(srv):
    c = client(allow_private=True, max_bytes=1_000_000)
    # Given a 300 kB body, when streamed, then the chunks make the whole body
    with c.stream(srv.url("/unsized?n=300000")) as body:
        assert body.status == 200
        data = b"".join(body)
    assert data == b"y" * 300_000
    # Given a per-call limit below the body, when streamed, then it fails mid-way, having read no more than the limit
    received = 0
    with pytest.raises(OutboundFailed, match="larger than the 100000-byte limit"):
        with c.stream(srv.url("/unsized?n=300000"), max_bytes=100_000) as body:
            for chunk in body:
                received += len(chunk)
    assert received <= 100_000
    # A declared length over the limit fails before the first chunk
    with pytest.raises(OutboundFailed, match="more than the 10-byte limit"):
        with c.stream(srv.url("/bytes?n=11"), max_bytes=10):
            pytest.fail("the body should not be offered")


def test_stream_refuses_and_fails_like_get(srv):
    with pytest.raises(OutboundRefused):
        with client(allow_private=False).stream(srv.url("/ok")):
            pass
    with pytest.raises(OutboundFailed, match="answered 404"):
        with client(allow_private=True, retries=0).stream(srv.url("/status?code=404")):
            pass


def test_timeout_on_a_server_that_never_answers(silent_listener):
    # Given a server that accepts the connection and never answers
    c = client(allow_private=True, timeout_s=0.2, retries=0)
    started = time.monotonic()
    # When called, then it fails as a timeout, within the bound
    with pytest.raises(OutboundFailed, match="timed out"):
        c.get(f"http://127.0.0.1:{silent_listener}/")
    assert time.monotonic() - started < 1.0


def test_deadline_bounds_a_slow_drip(srv):
    # Given a server sending one byte every 0.1 s (each read is fast, the whole is slow)
    c = client(allow_private=True, timeout_s=0.3, deadline_s=0.4, retries=0)
    started = time.monotonic()
    # When called, then the call's deadline stops it
    with pytest.raises(OutboundFailed, match="time limit"):
        c.get(srv.url("/drip"))
    assert time.monotonic() - started < 1.0


def test_retries_503_then_success(srv):
    # Given a server answering 503 twice, then 200
    srv.flaky_left = 2
    sleeps: list[float] = []
    # When GET with two retries, then the third attempt succeeds after backing off
    response = client(allow_private=True, sleeps=sleeps, retries=2, backoff_s=0.5).get(srv.url("/flaky"))
    assert (response.status, response.body) == (200, b"finally")
    assert sleeps == [0.5, 1.0]
    assert len(srv.requests) == 3


def test_retries_are_bounded_and_honour_retry_after(srv):
    srv.flaky_left = 5
    sleeps: list[float] = []
    response = client(allow_private=True, sleeps=sleeps, retries=1).get(srv.url("/flaky?retry_after=3"))
    assert response.status == 503  # the last answer is returned as it is
    assert sleeps == [3.0] and len(srv.requests) == 2


def test_post_is_not_retried_unless_idempotent(srv):
    srv.flaky_left = 1
    sleeps: list[float] = []
    c = client(allow_private=True, sleeps=sleeps, retries=2)
    assert c.post_json(srv.url("/flaky"), {}).status == 503
    assert sleeps == [] and len(srv.requests) == 1
    srv.flaky_left = 1
    assert c.post_json(srv.url("/flaky"), {}, idempotent=True).status == 200


def test_connection_errors_are_retried_then_reported(closed_port):
    sleeps: list[float] = []
    with pytest.raises(OutboundFailed, match="connection refused") as caught:
        client(allow_private=True, sleeps=sleeps, retries=2).get(f"http://127.0.0.1:{closed_port}/")
    assert sleeps == [0.5, 1.0]
    assert caught.value.status == 502


def test_unresolvable_host_fails_with_its_name():
    with pytest.raises(OutboundFailed, match="could not resolve nowhere.invalid"):
        client(FakeResolver({}), retries=0).get("http://nowhere.invalid/")


# --------------------------------------------------------------------------- https: pinned IP, verified name

# A self-signed certificate for DNS:backend.test, valid 2000-2100 (test only).
TEST_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgE5y/xwJj1rQ7w0VB
qAXvQooSbcucqYnFh13KYXTIMXKhRANCAASvUtVM8bI7sEUWwnrGM9PhVCGpYvi2
Nkco8slrnpElphvetLCkqXwfopP8juy5qnIEqve8HxzRxR2Bj9FB75bD
-----END PRIVATE KEY-----
"""
TEST_CERT = """-----BEGIN CERTIFICATE-----
MIIBazCCARCgAwIBAgIBATAKBggqhkjOPQQDAjAXMRUwEwYDVQQDDAxiYWNrZW5k
LnRlc3QwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBcxFTATBgNV
BAMMDGJhY2tlbmQudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABK9S1Uzx
sjuwRRbCesYz0+FUIali+LY2RyjyyWuekSWmG960sKSpfB+ik/yO7LmqcgSq97wf
HNHFHYGP0UHvlsOjSzBJMBcGA1UdEQQQMA6CDGJhY2tlbmQudGVzdDAPBgNVHRMB
Af8EBTADAQH/MB0GA1UdDgQWBBQDVEmSUY3NrtYRGOgq6NPJceAdzTAKBggqhkjO
PQQDAgNJADBGAiEA4/KLCqDB8RuIU4t20aGSTljAKJxj8PYfMc1vmmtStBkCIQDW
UzrEGxTX0jm3W1C3xO31DQZlpq2l5YtO6htQhhSbGg==
-----END CERTIFICATE-----
"""


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[ThreadingHTTPServer]:
    folder = tmp_path_factory.mktemp("tls")
    (folder / "key.pem").write_text(TEST_KEY)
    (folder / "cert.pem").write_text(TEST_CERT)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = _start(server)
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=2)


def _trusting_context() -> ssl.SSLContext:
    context = ssl.create_default_context(cadata=TEST_CERT)
    context.verify_flags &= ~ssl.VERIFY_X509_STRICT
    return context


def test_https_connects_to_the_ip_and_verifies_the_hostname(tls_server):
    port = tls_server.server_address[1]
    resolver = FakeResolver({"backend.test": "127.0.0.1", "other.test": "127.0.0.1"})
    c = OutboundClient(OutboundPolicy(allow_private=True, retries=0), resolver, ssl_context=_trusting_context())
    # Given a certificate for backend.test, when https://backend.test is called (connected to 127.0.0.1)
    seen = c.get(f"https://backend.test:{port}/echo").json()
    # Then TLS verifies against the name and the Host header carries it
    assert seen["headers"]["host"] == f"backend.test:{port}"
    # When the same IP is reached under another name, then the certificate check fails
    with pytest.raises(OutboundFailed, match="certificate could not be verified"):
        c.get(f"https://other.test:{port}/echo")
    # When the certificate is not trusted (default trust store), then it fails too
    untrusting = OutboundClient(OutboundPolicy(allow_private=True, retries=0), resolver)
    with pytest.raises(OutboundFailed, match="certificate could not be verified"):
        untrusting.get(f"https://backend.test:{port}/echo")


# --------------------------------------------------------------------------- the classifier directly


def test_classifier_examples():
    ip = ip_address
    assert classify(ip("8.8.8.8")) is None
    assert classify(ip("169.254.169.254"))[0] == "never"
    assert classify(ip("fd00:ec2::254"))[0] == "never"
    assert classify(ip("::ffff:169.254.169.254"))[0] == "never"
    assert classify(ip("127.0.0.1"))[0] == "private"
    assert classify(ip("100.64.0.1"))[0] == "private"
    assert classify(ip("::1"))[0] == "private"
