"""Outbound HTTP: the one client for addresses that users type (URL imports, ML backends, webhooks).

Why it is built this way (DESIGN.md, "Outbound calls"):

- A URL typed by a user must not become a way into the service's own network (SSRF): the cloud
  metadata endpoint (169.254.169.254, fd00:ec2::254) hands out the function's AWS credentials, and
  loopback/private addresses reach things never meant to face the internet. So every call is vetted,
  and the vetting cannot be sidestepped:
  * the host is resolved ONCE, every resolved address must pass, and the TCP connection is made to
    the vetted IP itself. A second DNS lookup at connect time (what urllib/requests do) would let a
    hostile DNS server answer "public" to the check and "169.254.169.254" to the connect (rebinding).
    The original Host header is still sent, and for https the certificate is verified against the
    hostname (SNI too), so pinning the IP weakens nothing;
  * numeric tricks ("2130706433", "0x7f.1", "017700000001", "::ffff:169.254.169.254") are decoded to
    the address they mean and judged as that address;
  * redirects are followed by hand, and each hop is vetted like the first URL;
  * no proxy settings from the environment are honoured (http.client ignores them): a proxy would
    resolve the name again, out of our sight.
- Two tiers of refusal. Link-local/metadata, 0.0.0.0/8, multicast, broadcast, reserved and
  unspecified addresses are NEVER called, whatever the policy. Loopback, private, CGNAT and other
  non-public addresses are refused unless the policy allows them: `allow_private` is True on the
  laptop runtime (the user's own ML backend on localhost must work there) and False on AWS, where an
  operator can still name hosts or networks in `allow_hosts`.
- Only the standard library (http.client, socket, ssl, ipaddress): the rules above depend on control
  over resolution and connection that higher-level clients hide, and a Lambda bundle stays small.
- Bounded by construction: connect/read timeouts, an overall deadline for buffered calls, a size
  limit checked while reading (never trusting Content-Length alone), a redirect limit, and a small
  number of retries with backoff for idempotent calls (GET, or a POST the caller marks idempotent)
  on connection errors, timeouts and 429/5xx answers. The sleep is injectable so tests do not wait.

Errors: `OutboundRefused` (an `Invalid`, 400: the URL is at fault, the message says what and why) and
`OutboundFailed` (502: the remote side failed, timed out, or answered too much; the message says which).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import http.client
import ipaddress
import json
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal
from urllib.parse import quote, unquote, urljoin, urlsplit

from skylabel.errors import DomainError, Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[..., list[tuple[Any, ...]]]

USER_AGENT = "Skylabel-outbound/1"
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER_S = 10.0

_NEVER_TAIL = "are never called"
_PRIVATE_TAIL = "are called only on the local runtime or for hosts on the operator's allow-list"
_METADATA = f"link-local and cloud-metadata addresses {_NEVER_TAIL}"

# Names of cloud metadata services (GCP, AWS, and the bare aliases some images resolve).
METADATA_HOSTNAMES = frozenset({
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
})
_LOCALHOST_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class OutboundRefused(Invalid):
    """The URL is not called: its scheme, host or an address it resolves to is not allowed."""

    code = "outbound_refused"


class OutboundFailed(DomainError):
    """The remote side failed: no connection, a timeout, a malformed or too large answer, too many redirects."""

    status = 502
    code = "outbound_failed"


class _TransientFailure(OutboundFailed):
    """A failure worth retrying for an idempotent call (connection error, timeout)."""


# --------------------------------------------------------------------------- policy


@dataclasses.dataclass(frozen=True)
class OutboundPolicy:
    """What outbound calls may reach and how long/large they may be.

    `allow_hosts` holds hostnames ("ml.internal"), IP addresses ("10.0.0.5") or networks ("10.0.0.0/8");
    a listed host or network may be loopback/private, but never link-local/metadata or the other
    never-called classes. `timeout_s` bounds each connect and each read; `deadline_s` bounds a whole
    buffered call (`get`, `post_json`) per attempt. `retries` is the number of extra attempts for
    idempotent calls, with exponential backoff from `backoff_s`.
    """

    allow_private: bool = False
    allow_hosts: frozenset[str] = frozenset()
    timeout_s: float = 10.0
    deadline_s: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    backoff_s: float = 0.5

    def __post_init__(self) -> None:
        hosts = frozenset(_normalize_allow_entry(h) for h in self.allow_hosts)
        object.__setattr__(self, "allow_hosts", hosts)
        if not self.timeout_s > 0 or not self.deadline_s > 0:
            raise ValueError("timeout_s and deadline_s must be positive")
        if self.max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        if not 0 <= self.max_redirects <= 20:
            raise ValueError("max_redirects must be between 0 and 20")
        if not 0 <= self.retries <= 10:
            raise ValueError("retries must be between 0 and 10")
        if self.backoff_s < 0:
            raise ValueError("backoff_s must not be negative")

    @classmethod
    def for_runtime(cls, runtime: Literal["local", "aws"], **overrides: Any) -> OutboundPolicy:
        """The laptop runtime may call private addresses (a local ML backend); AWS may not."""
        overrides.setdefault("allow_private", runtime == "local")
        return cls(**overrides)

    @property
    def _allowed_networks(self) -> tuple[IPNetwork, ...]:
        nets = []
        for entry in self.allow_hosts:
            with contextlib.suppress(ValueError):
                nets.append(ipaddress.ip_network(entry, strict=False))
        return tuple(nets)


def _normalize_allow_entry(entry: str) -> str:
    entry = entry.strip().lower().rstrip(".")
    if entry.startswith("[") and entry.endswith("]"):
        entry = entry[1:-1]
    return entry


# --------------------------------------------------------------------------- address classification

_V4_NEVER: tuple[tuple[IPNetwork, str], ...] = tuple((ipaddress.ip_network(n), why) for n, why in (
    ("169.254.0.0/16", _METADATA),
    ("100.100.100.200/32", _METADATA),  # Alibaba Cloud's metadata service, inside CGNAT space
    ("0.0.0.0/8", f"0.0.0.0/8 ('this network') addresses {_NEVER_TAIL}"),
    ("224.0.0.0/4", f"multicast addresses {_NEVER_TAIL}"),
    ("255.255.255.255/32", "the broadcast address is never called"),
    ("240.0.0.0/4", f"reserved addresses {_NEVER_TAIL}"),
))
_V4_PRIVATE: tuple[tuple[IPNetwork, str], ...] = tuple((ipaddress.ip_network(n), why) for n, why in (
    ("127.0.0.0/8", f"loopback addresses {_PRIVATE_TAIL}"),
    ("10.0.0.0/8", f"private-network addresses {_PRIVATE_TAIL}"),
    ("172.16.0.0/12", f"private-network addresses {_PRIVATE_TAIL}"),
    ("192.168.0.0/16", f"private-network addresses {_PRIVATE_TAIL}"),
    ("100.64.0.0/10", f"carrier-grade NAT (shared) addresses {_PRIVATE_TAIL}"),
))
_V6_NEVER: tuple[tuple[IPNetwork, str], ...] = tuple((ipaddress.ip_network(n), why) for n, why in (
    ("fe80::/10", _METADATA),
    ("fd00:ec2::/32", _METADATA),  # AWS instance services over IPv6 (metadata is fd00:ec2::254)
    ("ff00::/8", f"multicast addresses {_NEVER_TAIL}"),
))
_V6_PRIVATE: tuple[tuple[IPNetwork, str], ...] = tuple((ipaddress.ip_network(n), why) for n, why in (
    ("fc00::/7", f"unique-local (private) addresses {_PRIVATE_TAIL}"),
    ("fec0::/10", f"site-local (private) addresses {_PRIVATE_TAIL}"),
    ("64:ff9b:1::/48", f"local-use NAT64 addresses {_PRIVATE_TAIL}"),
))
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIIT = ipaddress.ip_network("::ffff:0:0:0/96")
_NON_PUBLIC = f"non-public (special-purpose) addresses {_PRIVATE_TAIL}"

Verdict = tuple[Literal["never", "private"], str]


def classify(ip: IPAddress) -> Verdict | None:
    """None for a public address; else ("never" | "private", the reason as a sentence)."""
    if isinstance(ip, ipaddress.IPv4Address):
        for net, why in _V4_NEVER:
            if ip in net:
                return "never", why
        for net, why in _V4_PRIVATE:
            if ip in net:
                return "private", why
        return None if ip.is_global else ("private", _NON_PUBLIC)

    ip = ipaddress.IPv6Address(int(ip))  # drop any %scope
    if ip.is_unspecified:
        return "never", "the unspecified address is never called"
    if ip.is_loopback:
        return "private", f"loopback addresses {_PRIVATE_TAIL}"
    # IPv6 forms that carry an IPv4 address are judged as that IPv4 address.
    embedded, final = _embedded_ipv4(ip)
    if embedded is not None:
        verdict = classify(embedded)
        if verdict is not None or final:
            return verdict
    for net, why in _V6_NEVER:
        if ip in net:
            return "never", why
    if ip.is_reserved:
        return "never", f"reserved addresses {_NEVER_TAIL}"
    for net, why in _V6_PRIVATE:
        if ip in net:
            return "private", why
    return None if ip.is_global else ("private", _NON_PUBLIC)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address | None, bool]:
    """The IPv4 address an IPv6 form carries, and whether that address alone decides (the v6 form is a
    plain way to reach it) or the v6 address must pass too (deprecated or tunnelled forms)."""
    if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d
        return ip.ipv4_mapped, True
    if ip in _SIIT or ip in _NAT64:  # ::ffff:0:a.b.c.d, 64:ff9b::a.b.c.d
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), True
    if int(ip) < 2**32:  # deprecated IPv4-compatible ::a.b.c.d (:: and ::1 are handled before)
        return ipaddress.IPv4Address(int(ip)), False
    if ip.sixtofour is not None:
        return ip.sixtofour, False
    if ip.teredo is not None:
        return ip.teredo[1], False
    return None, False


def _describe(ip: IPAddress) -> str:
    """The address as written, plus the IPv4 address an IPv6 form carries (what the verdict was about)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded, _final = _embedded_ipv4(ip)
        if embedded is not None:
            return f"{ip} (IPv4 {embedded})"
    return str(ip)


_V4_PART = re.compile(r"0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*")


def parse_ip_literal(host: str) -> IPAddress | None:
    """An IP written in any notation inet_aton accepts (decimal, octal, hex, 1-4 parts), or IPv6."""
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host.split("%", 1)[0])
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_V4_PART.fullmatch(p) for p in parts):
        return None
    nums = [int(p[2:] or "0", 16) if p[:2].lower() == "0x" else int(p, 8 if p.startswith("0") else 10)
            for p in parts]
    *head, last = nums
    if any(n > 255 for n in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    value = last
    for i, n in enumerate(head):
        value |= n << (8 * (3 - i))
    return ipaddress.IPv4Address(value)


# --------------------------------------------------------------------------- responses


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    url: str  # the final URL, after redirects

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class StreamResponse:
    """Iterate for the body's byte chunks; `status`, `headers` and `url` describe the answer."""

    def __init__(self, opened: _Opened, client: OutboundClient, max_bytes: int, deadline: float | None) -> None:
        self._opened = opened
        self._client = client
        self._max_bytes = max_bytes
        self._deadline = deadline
        self.status = opened.response.status
        self.headers = opened.headers
        self.url = opened.url
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._client._chunks(self._opened, self._max_bytes, self._deadline):
            self.bytes_read += len(chunk)
            yield chunk


# --------------------------------------------------------------------------- connections pinned to one IP


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the vetted IP, while Host (and for https, SNI and the certificate check) use the hostname."""

    def __init__(self, host: str, port: int, ip: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_ip = ip
        self.pinned_sock: socket.socket | None = None

    def _open_socket(self) -> socket.socket:
        sock = socket.create_connection((str(self.pinned_ip), self.port), self.timeout)
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def connect(self) -> None:
        self.sock = self.pinned_sock = self._open_socket()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, ip: IPAddress, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, ip, timeout)
        self.ssl_context = context

    def connect(self) -> None:
        raw = self._open_socket()
        try:
            self.sock = self.pinned_sock = self.ssl_context.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise


@dataclasses.dataclass
class _Target:
    url: str  # without userinfo: safe to show
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[IPAddress, ...]
    basic_auth: str | None

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port


@dataclasses.dataclass
class _Opened:
    conn: _PinnedHTTPConnection
    response: http.client.HTTPResponse
    url: str

    @property
    def headers(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for name, value in self.response.getheaders():
            key = name.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return merged

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.response.close()
        with contextlib.suppress(Exception):
            self.conn.close()


# --------------------------------------------------------------------------- the client


class OutboundClient:
    """The SSRF-guarded HTTP client. `resolver` has socket.getaddrinfo's signature (tests pass a fake)."""

    def __init__(
        self,
        policy: OutboundPolicy,
        resolver: Resolver = socket.getaddrinfo,
        *,
        sleep: Callable[[float], None] = time.sleep,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self._resolver = resolver
        self._sleep = sleep
        self._ssl_context = ssl_context  # None: the system trust store, loaded on the first https call

    # ----- public API

    def check(self, url: str) -> tuple[str, ...]:
        """Vet a URL without calling it (e.g. when an ML backend or webhook URL is saved); the allowed IPs."""
        return tuple(str(ip) for ip in self._vet(url, None).addresses)

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> Response:
        return self._buffered("GET", url, headers, None, idempotent=True)

    def post_json(
        self,
        url: str,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        auth: tuple[str, str] | str | None = None,
        *,
        idempotent: bool = False,
    ) -> Response:
        """POST `payload` as JSON. `auth` is (user, password) for Basic auth, or a whole Authorization value.

        Not retried unless `idempotent` (a webhook delivered twice is a visible duplicate; a prediction is not).
        """
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        merged = dict(headers or {})
        given = {k.lower() for k in merged}
        for name, value in (("Content-Type", "application/json"), ("Accept", "application/json")):
            if name.lower() not in given:
                merged[name] = value
        if auth is not None:
            merged = {k: v for k, v in merged.items() if k.lower() != "authorization"}
            merged["Authorization"] = _basic(*auth) if isinstance(auth, tuple) else auth
        return self._buffered("POST", url, merged, body, idempotent=idempotent)

    @contextlib.contextmanager
    def stream(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        *,
        max_bytes: int | None = None,
        deadline_s: float | None = None,
    ) -> Iterator[StreamResponse]:
        """GET a large body as chunks (for imports). Non-2xx answers raise OutboundFailed.

        Each read waits at most `timeout_s`; the whole body is bounded by `max_bytes` (the policy's unless
        given) and, if given, `deadline_s`. Opening (up to the answer's headers) is retried like `get`.
        """
        limit = max_bytes or self.policy.max_bytes
        deadline = time.monotonic() + deadline_s if deadline_s else None

        def attempt() -> _Opened:
            return self._open("GET", url, headers, None, deadline)

        opened = self._with_retries(attempt, idempotent=True, close=lambda o: o.close())
        try:
            status = opened.response.status
            if not 200 <= status < 300:
                raise OutboundFailed(f"{opened.url} answered {status} {opened.response.reason}".rstrip())
            self._check_declared_length(opened, limit)
            yield StreamResponse(opened, self, limit, deadline)
        finally:
            opened.close()

    # ----- vetting

    def _vet(self, url: str, redirected_from: str | None) -> _Target:
        shown = _redact(url)

        def refuse(why: str) -> OutboundRefused:
            via = f" (reached by a redirect from {redirected_from})" if redirected_from else ""
            return OutboundRefused(f"{shown}{via} is refused: {why}")

        if not isinstance(url, str) or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
            raise refuse("a URL may not contain spaces or control characters")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise refuse(f"it is not a valid URL ({exc})") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise refuse("only http and https URLs are called")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise refuse("the URL has no host")
        try:
            host = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
        except UnicodeError:
            raise refuse("the host name is not valid") from None
        if port == 0:
            raise refuse("port 0 is not a valid port")
        port = port or (443 if scheme == "https" else 80)

        addresses = self._vetted_addresses(host, port, shown, refuse)
        path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
        if parts.query:
            path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
        basic = None
        if parts.username is not None:
            basic = _basic(unquote(parts.username), unquote(parts.password or ""))
        return _Target(shown, scheme, host, port, path, addresses, basic)

    def _vetted_addresses(self, host: str, port: int, shown: str,
                          refuse: Callable[[str], OutboundRefused]) -> tuple[IPAddress, ...]:
        """Every address the host means, each judged; refused if any one is not allowed."""
        if host in METADATA_HOSTNAMES:
            raise refuse(f"{host} is a cloud-metadata host name; {_METADATA}")
        host_allowed = host in self.policy.allow_hosts
        if (host in _LOCALHOST_NAMES or host.endswith(".localhost")) and not (
                self.policy.allow_private or host_allowed):
            raise refuse(f"{host} names this machine; loopback addresses {_PRIVATE_TAIL}")

        literal = parse_ip_literal(host)
        addresses = (literal,) if literal is not None else self._resolve(host, port, shown)
        allowed_nets = self.policy._allowed_networks
        for ip in addresses:
            verdict = classify(ip)
            if verdict is None:
                continue
            severity, why = verdict
            if severity == "private" and (
                    self.policy.allow_private or host_allowed or any(ip in net for net in allowed_nets)):
                continue
            if str(ip) == host:
                raise refuse(why)
            verb = "means" if literal is not None else "resolves to"
            raise refuse(f"{host} {verb} {_describe(ip)}; {why}")
        return addresses

    def _resolve(self, host: str, port: int, shown: str) -> tuple[IPAddress, ...]:
        try:
            infos = self._resolver(host, port, 0, socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise _TransientFailure(f"{shown} failed: could not resolve {host} ({exc})") from None
        found: list[IPAddress] = []
        for family, _type, _proto, _canon, sockaddr in infos:
            if family not in (socket.AF_INET, socket.AF_INET6):
                continue
            try:
                ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
            except ValueError:
                raise OutboundRefused(f"{shown} is refused: {host} resolves to an unreadable address") from None
            if ip not in found:
                found.append(ip)
        if not found:
            raise OutboundFailed(f"{shown} failed: {host} has no IPv4 or IPv6 address")
        return tuple(found)

    # ----- sending

    def _buffered(self, method: str, url: str, headers: Mapping[str, str] | None, body: bytes | None,
                  *, idempotent: bool) -> Response:
        def attempt() -> Response:
            deadline = time.monotonic() + self.policy.deadline_s
            opened = self._open(method, url, headers, body, deadline)
            try:
                self._check_declared_length(opened, self.policy.max_bytes)
                data = b"".join(self._chunks(opened, self.policy.max_bytes, deadline))
                return Response(opened.response.status, opened.headers, data, opened.url)
            finally:
                opened.close()

        return self._with_retries(attempt, idempotent=idempotent)

    def _with_retries(self, attempt: Callable[[], Any], *, idempotent: bool,
                      close: Callable[[Any], None] | None = None) -> Any:
        attempts = self.policy.retries + 1 if idempotent else 1
        for n in range(attempts):
            last = n == attempts - 1
            try:
                result = attempt()
            except _TransientFailure:
                if last:
                    raise
                self._sleep(self.policy.backoff_s * 2**n)
                continue
            status = result.response.status if isinstance(result, _Opened) else result.status
            if last or status not in _RETRY_STATUSES:
                return result
            headers = result.headers
            if close is not None:
                close(result)
            self._sleep(self._delay(n, headers.get("retry-after")))
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, n: int, retry_after: str | None) -> float:
        delay = self.policy.backoff_s * 2**n
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, min(float(retry_after), _MAX_RETRY_AFTER_S))
        return delay

    def _open(self, method: str, url: str, headers: Mapping[str, str] | None, body: bytes | None,
              deadline: float | None) -> _Opened:
        """Send the request, following redirects (each hop vetted), up to the final answer's headers."""
        base = _clean_headers(headers)
        current, first = url, _redact(url)
        for hop in range(self.policy.max_redirects + 1):
            target = self._vet(current, first if hop else None)
            hop_headers = dict(base)
            if target.basic_auth and "authorization" not in {k.lower() for k in hop_headers}:
                hop_headers["Authorization"] = target.basic_auth
            opened = self._send(target, method, hop_headers, body, deadline)
            status = opened.response.status
            location = opened.response.getheader("location")
            if status not in _REDIRECTS or not location:
                return opened
            opened.close()
            following = urljoin(current, location.strip())
            try:
                same_origin = self._origin_of(following) == target.origin
            except ValueError:
                same_origin = False
            if not same_origin:  # credentials stay with the host they were given for
                base = {k: v for k, v in base.items() if k.lower() not in ("authorization", "cookie")}
            if status == 303 or (status in (301, 302) and method == "POST"):
                method, body = "GET", None
                base = {k: v for k, v in base.items() if k.lower() != "content-type"}
            current = following
        raise OutboundFailed(f"{first} failed: more than {self.policy.max_redirects} redirects")

    @staticmethod
    def _origin_of(url: str) -> tuple[str, str, int]:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        return scheme, (parts.hostname or "").rstrip(".").lower(), parts.port or (443 if scheme == "https" else 80)

    def _send(self, target: _Target, method: str, headers: dict[str, str], body: bytes | None,
              deadline: float | None) -> _Opened:
        conn = self._connect(target, deadline)
        try:
            try:
                conn.putrequest(method, target.path, skip_accept_encoding=True)
                sent = {k.lower() for k in headers}
                defaults = {"user-agent": USER_AGENT, "accept": "*/*", "accept-encoding": "identity"}
                for name, value in {**{k: v for k, v in defaults.items() if k not in sent}, **headers}.items():
                    conn.putheader(name, value)
                conn.putheader("Connection", "close")
                if body is not None:
                    conn.putheader("Content-Length", str(len(body)))
            except ValueError as exc:
                raise OutboundRefused(f"{target.url} is refused: a header is not valid ({exc})") from None
            self._arm(conn, target.url, deadline)
            conn.endheaders(body)
            self._arm(conn, target.url, deadline)
            response = conn.getresponse()
        except OutboundRefused:
            conn.close()
            raise
        except Exception as exc:
            conn.close()
            raise self._failure(target.url, exc, deadline) from None
        return _Opened(conn, response, target.url)

    def _connect(self, target: _Target, deadline: float | None) -> _PinnedHTTPConnection:
        """Connect to the first vetted address that answers (never to anything not vetted)."""
        error: BaseException | None = None
        for ip in target.addresses:
            timeout = self._timeout(target.url, deadline)
            if target.scheme == "https":
                conn: _PinnedHTTPConnection = _PinnedHTTPSConnection(
                    target.host, target.port, ip, timeout, self._ssl_context or _default_ssl_context())
            else:
                conn = _PinnedHTTPConnection(target.host, target.port, ip, timeout)
            try:
                conn.connect()
                return conn
            except ssl.SSLError as exc:  # a certificate problem is not fixed by another address
                conn.close()
                raise self._failure(target.url, exc, deadline) from None
            except OSError as exc:
                conn.close()
                error = exc
        assert error is not None
        raise self._failure(target.url, error, deadline)

    def _timeout(self, shown: str, deadline: float | None) -> float:
        if deadline is None:
            return self.policy.timeout_s
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _TransientFailure(f"{shown} failed: timed out (the call's time limit ran out)")
        return min(self.policy.timeout_s, remaining)

    def _arm(self, conn: _PinnedHTTPConnection, shown: str, deadline: float | None) -> None:
        if conn.pinned_sock is not None:
            conn.pinned_sock.settimeout(self._timeout(shown, deadline))

    @staticmethod
    def _check_declared_length(opened: _Opened, limit: int) -> None:
        declared = opened.response.getheader("content-length", "")
        if declared.strip().isdigit() and int(declared) > limit:
            raise OutboundFailed(
                f"{opened.url} failed: the answer is {int(declared)} bytes, more than the {limit}-byte limit")

    def _chunks(self, opened: _Opened, limit: int, deadline: float | None) -> Iterator[bytes]:
        total = 0
        while True:
            try:
                self._arm(opened.conn, opened.url, deadline)
                chunk = opened.response.read1(_CHUNK)
            except OutboundFailed:
                raise
            except Exception as exc:
                raise self._failure(opened.url, exc, deadline) from None
            if not chunk:
                return
            total += len(chunk)
            if total > limit:
                raise OutboundFailed(f"{opened.url} failed: the answer is larger than the {limit}-byte limit")
            yield chunk

    def _failure(self, shown: str, exc: BaseException, deadline: float | None) -> OutboundFailed:
        if isinstance(exc, OutboundFailed):
            return exc
        if isinstance(exc, TimeoutError) and deadline is not None and time.monotonic() >= deadline - 0.01:
            return _TransientFailure(f"{shown} failed: timed out (the call's time limit ran out)")
        if isinstance(exc, TimeoutError):
            return _TransientFailure(f"{shown} failed: timed out (no data within {self.policy.timeout_s:g} s)")
        if isinstance(exc, ssl.SSLCertVerificationError):
            return OutboundFailed(f"{shown} failed: its TLS certificate could not be verified ({exc.verify_message})")
        if isinstance(exc, ssl.SSLError):
            return OutboundFailed(f"{shown} failed: TLS error ({exc.reason or exc})")
        if isinstance(exc, http.client.IncompleteRead):
            return _TransientFailure(f"{shown} failed: the connection closed before the whole answer arrived")
        if isinstance(exc, http.client.RemoteDisconnected):
            return _TransientFailure(f"{shown} failed: the server closed the connection without answering")
        if isinstance(exc, http.client.HTTPException):
            return OutboundFailed(f"{shown} failed: the answer is not valid HTTP ({type(exc).__name__})")
        if isinstance(exc, ConnectionRefusedError):
            return _TransientFailure(f"{shown} failed: connection refused")
        if isinstance(exc, OSError):
            return _TransientFailure(f"{shown} failed: network error ({exc.strerror or exc})")
        return OutboundFailed(f"{shown} failed: {type(exc).__name__}: {exc}")


@functools.lru_cache(maxsize=1)
def _default_ssl_context() -> ssl.SSLContext:
    """Certificate and hostname verification on (the defaults); shared, as loading the trust store is slow."""
    return ssl.create_default_context()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _clean_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Caller headers, minus the ones this client owns (Host must match the vetted host; lengths are computed)."""
    owned = {"host", "content-length", "transfer-encoding", "connection"}
    return {k: v for k, v in (headers or {}).items() if k.lower() not in owned}


def _redact(url: str) -> str:
    """The URL without user:password, for messages."""
    if not isinstance(url, str) or "@" not in url:
        return url
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            netloc = parts.netloc.rsplit("@", 1)[1]
            return parts._replace(netloc=netloc).geturl()
    return url


__all__ = [
    "METADATA_HOSTNAMES", "OutboundClient", "OutboundFailed", "OutboundPolicy", "OutboundRefused", "Response",
    "StreamResponse", "classify", "parse_ip_literal",
]
