"""The Label Studio ML-backend protocol, client side: health, setup, predict, webhook, versions.

Every call goes through the one SSRF-guarded client (`skylabel.outbound`): on AWS a backend URL that means
a loopback, private, link-local or metadata address is refused; the laptop runtime allows loopback and
private addresses (a user's own backend on localhost:9090) but never link-local/metadata; the operator's
`SKYLABEL_ALLOW_PRIVATE_URLS` changes either. Bodies and answers follow the captured transcript in
reference/ml_backend.md: `project` is "<id>.<created ts>", `extra_params` a JSON string, basic auth on
every call when the connection has it, URLs joined as Label Studio joins them (a path prefix works).

Why answers are judged here: the service and the prediction job need one verdict per call — a parsed body,
or a `BackendError` whose message says what the backend did wrong in words a user can act on (its own
`detail`, "answered an HTML page", "answered 3 results for 5 tasks"), never a stack trace.
Predict calls in jobs are retried with backoff on timeouts, connection errors, 429 and 5xx (a prediction is
idempotent for us: the job never stores two for one task and model version); interactive calls are not,
because a person is waiting.
"""

from __future__ import annotations

import base64
import html
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from skylabel.errors import DomainError
from skylabel.outbound import OutboundClient, OutboundFailed, OutboundPolicy, OutboundRefused, Response

HEALTH_TIMEOUT_S = 10.0  # Label Studio allows 1 s; a cold-started serverless backend needs more
SETUP_TIMEOUT_S = 15.0  # with health, under API Gateway's 29 s when a connection is checked in a request
RETRIES = 2  # extra attempts for a predict call in a job
RETRY_BACKOFF_S = 0.5  # then doubled per attempt (module-level so tests can shorten it)
MAX_ANSWER_BYTES = 50 * 1024 * 1024
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")


class BackendError(DomainError):
    """The backend could not be reached or answered something the protocol does not allow."""

    status = 502
    code = "ml_backend_error"


@dataclass(frozen=True)
class Connection:
    """What a call needs from a stored connection."""

    url: str
    timeout: float
    auth: tuple[str, str] | None

    @classmethod
    def of(cls, item: dict) -> Connection:
        user, password = item.get("basic_auth_user"), item.get("basic_auth_pass")
        auth = (user, password) if item.get("auth_method") == "BASIC_AUTH" and user and password else None
        return cls(url=item["url"], timeout=float(item.get("timeout") or 100.0), auth=auth)


def endpoint(url: str, suffix: str) -> str:
    """Label Studio's join: `urljoin(url + '/', suffix)`, so `https://host/ml/` keeps its prefix."""
    return urljoin(url if url.endswith("/") else url + "/", suffix)


class MLClient:
    def __init__(self, connection: Connection, *, allow_private: bool,
                 http: Callable[[OutboundPolicy], OutboundClient] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        """`http` builds the outbound client for a policy (tests may wrap it); `sleep` is its retry backoff."""
        self.connection = connection
        self.allow_private = allow_private
        self._http = http or (lambda policy: OutboundClient(policy, sleep=sleep))

    def _client(self, timeout: float, *, retries: int = 0) -> OutboundClient:
        policy = OutboundPolicy(allow_private=self.allow_private, timeout_s=timeout, deadline_s=timeout,
                                max_bytes=MAX_ANSWER_BYTES, retries=retries, backoff_s=RETRY_BACKOFF_S)
        return self._http(policy)

    def check(self) -> None:
        """Vet the URL without calling it (raises OutboundRefused, a 400 that says why)."""
        self._client(1.0).check(endpoint(self.connection.url, "health"))

    # --- calls -------------------------------------------------------------------------------------------

    def health(self) -> dict:
        timeout = min(self.connection.timeout, HEALTH_TIMEOUT_S)
        return self._json("health", lambda: self._client(timeout).get(endpoint(self.connection.url, "health"),
                                                                      self._headers()), dict_only=False)

    def setup(self, *, project: str, schema: str, hostname: str, extra_params: str | None) -> str:
        """The backend's current model version ('undefined' when it names none, as Label Studio stores it)."""
        body = {"project": project, "schema": schema, "hostname": hostname, "access_token": "",
                "extra_params": extra_params}
        answer = self._post("setup", body, min(self.connection.timeout, SETUP_TIMEOUT_S))
        version = answer.get("model_version")
        return str(version) if version not in (None, "") else "undefined"

    def predict(self, tasks: list[dict], *, project: str, label_config: str, context: Any = None,
                login: str | None = None, password: str | None = None, retry: bool = True) -> list:
        """The `results` list, unjudged against the number of tasks (the caller applies Label Studio's rules)."""
        body = {"tasks": tasks, "project": project, "label_config": label_config,
                "params": {"login": login, "password": password, "context": context}}
        answer = self._post("predict", body, self.connection.timeout, retries=RETRIES if retry else 0)
        results = answer.get("results")
        if not isinstance(results, list):
            raise BackendError("The ML backend's /predict answer has no \"results\" list "
                               f"(keys: {', '.join(sorted(map(str, answer))) or 'none'}).")
        return results

    def webhook(self, payload: dict) -> dict:
        return self._post("webhook", payload, self.connection.timeout)

    def versions(self) -> tuple[int, dict | None]:
        """(HTTP status, JSON body or None): /versions is optional in the protocol (the current SDK answers 404)."""
        try:
            response = self._client(min(self.connection.timeout, SETUP_TIMEOUT_S)).get(
                endpoint(self.connection.url, "versions"), self._headers())
        except OutboundFailed as exc:
            raise BackendError(f"The ML backend could not be reached: {exc.message}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status, body if isinstance(body, dict) else None

    # --- plumbing ----------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.connection.auth:
            user, password = self.connection.auth
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return headers

    def _post(self, path: str, body: dict, timeout: float, *, retries: int = 0) -> dict:
        url = endpoint(self.connection.url, path)

        def call() -> Response:
            return self._client(timeout, retries=retries).post_json(url, body, self._headers(),
                                                                     idempotent=retries > 0)

        return self._json(path, call)

    def _json(self, path: str, call: Callable[[], Response], *, dict_only: bool = True) -> Any:
        try:
            response = call()
        except OutboundRefused:
            raise
        except OutboundFailed as exc:
            raise BackendError(f"The ML backend could not be reached: {exc.message}") from None
        if not response.ok:
            raise BackendError(describe_failure(path, response))
        try:
            answer = response.json()
        except ValueError:
            kind = _content_kind(response)
            raise BackendError(f"The ML backend's /{path} answered {kind} instead of JSON; is {self.connection.url} "
                               "a Label Studio ML backend?") from None
        if dict_only and not isinstance(answer, dict):
            raise BackendError(f"The ML backend's /{path} answered a JSON {type(answer).__name__}, not an object.")
        return answer


def describe_failure(path: str, response: Response) -> str:
    """A non-2xx answer in one sentence, with the backend's own message when it gave one."""
    if response.status == 401:
        return (f"The ML backend refused the credentials on /{path} (401 Unauthorized): check the connection's "
                "basic auth user and password.")
    detail = _detail(response)
    reason = f"HTTP {response.status}"
    if response.status == 404:
        return f"The ML backend has no /{path} endpoint ({reason}); is the URL right?"
    return f"The ML backend's /{path} answered {reason}" + (f": {detail}" if detail else ".")


def _detail(response: Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("detail", "error", "message", "errors", "status"):
            if body.get(key):
                return _short(str(body[key]))
        return _short(response.text)
    if _content_kind(response) == "an HTML page":
        return _short(html.unescape(_TAGS.sub(" ", response.text)))
    return _short(response.text)


def _content_kind(response: Response) -> str:
    content_type = response.headers.get("content-type", "").lower()
    head = response.body[:200].lstrip().lower()
    if "html" in content_type or head.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if not response.body.strip():
        return "an empty body"
    return f"{content_type or 'text'}"


def _short(text: str, limit: int = 300) -> str:
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
