"""A real Label Studio ML backend for tests: an HTTP server on 127.0.0.1 speaking the protocol of
reference/ml_backend.md, with the answers its captured transcript shows (ml_backend_examples/).

The model is the transcript's fixed rule: for a Choices config, "Positive" (score 0.9) when the text
says love/great/good, else "Negative" (score 0.6); for a Labels config with an interactive context, every
occurrence of the span the annotator marked, with its label. Training (/webhook ANNOTATION_CREATED,
ANNOTATION_UPDATED, START_TRAINING) bumps the model version (rule-v1 → rule-v1.1 → …) as the SDK's
fit() does; other actions answer 200 {"status": "Unknown event"}.

`mode` makes it misbehave the ways real backends do, one at a time:
  normal       one result per task
  one_by_one   a single result whatever the batch size (a backend without batch support)
  empty        {"results": []}
  slow         sleeps `delay` seconds before answering /predict (longer than the connection's timeout)
  error500     /predict answers the SDK's 500 JSON error
  html         /predict answers 200 with an HTML page
  wrong_count  one result too many
  no_result    results without a "result" list
and `user`/`password` turn on basic auth for every route (401 + WWW-Authenticate otherwise, as the SDK).
Every request is recorded (method, path, headers, JSON body) for assertions.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

POSITIVE = re.compile(r"\b(love|great|good)\b", re.IGNORECASE)
HTML_PAGE = ("<!doctype html>\n<html lang=en>\n<title>502 Bad Gateway</title>\n<h1>Bad Gateway</h1>\n"
             "<p>The proxy could not reach the model.</p>\n")
SDK_ERROR = {"detail": "ValueError: model exploded", "request": {}, "result": {"traceback": "Traceback …"},
             "status": 500}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class MLBackend:
    mode: str = "normal"
    user: str | None = None
    password: str | None = None
    delay: float = 3.0
    version_base: str = "rule-v1"
    fit_count: int = 0
    requests: list[Recorded] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> MLBackend:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                backend._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                backend._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def model_version(self) -> str:
        return self.version_base if not self.fit_count else f"{self.version_base}.{self.fit_count}"

    def calls(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # --- protocol ----------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        path = handler.path.split("?", 1)[0]
        with self._lock:
            self.requests.append(Recorded(method, path, {k.lower(): v for k, v in handler.headers.items()}, body))
        if self.user is not None and not self._authorized(handler.headers.get("Authorization")):
            return self._send(handler, 401, b"Unauthorized", "text/html; charset=utf-8",
                              {"WWW-Authenticate": 'Basic realm="Login required"'})
        if path in ("/", "/health") and method == "GET":
            return self._json(handler, 200, {"model_class": "RuleModel", "status": "UP"})
        if path == "/setup" and method == "POST":
            if not isinstance(body, dict) or not body.get("project"):
                return self._json(handler, 500, {**SDK_ERROR, "detail": "AttributeError: 'NoneType' object has "
                                                                        "no attribute 'split'"})
            if body.get("extra_params") is not None and not isinstance(body["extra_params"], str):
                return self._json(handler, 500, {**SDK_ERROR, "detail": "ValueError: Value must be a string"})
            return self._json(handler, 200, {"model_version": self.model_version})
        if path == "/predict" and method == "POST":
            return self._predict(handler, body if isinstance(body, dict) else {})
        if path == "/webhook" and method == "POST":
            action = (body or {}).get("action") if isinstance(body, dict) else None
            if action in ("ANNOTATION_CREATED", "ANNOTATION_UPDATED", "ANNOTATION_DELETED", "START_TRAINING"):
                with self._lock:
                    self.fit_count += 1
                return self._json(handler, 201, {"result": {"event": action, "fit_count": self.fit_count},
                                                 "status": "ok"})
            return self._json(handler, 200, {"status": "Unknown event"})
        if path == "/metrics" and method == "GET":
            return self._json(handler, 200, {})
        return self._send(handler, 404, b"<!doctype html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n",
                          "text/html; charset=utf-8")

    def _predict(self, handler: BaseHTTPRequestHandler, body: dict) -> None:
        tasks = body.get("tasks") or []
        mode = self.mode
        if mode == "slow":
            time.sleep(self.delay)
        if mode == "error500":
            return self._json(handler, 500, SDK_ERROR)
        if mode == "html":
            return self._send(handler, 200, HTML_PAGE.encode(), "text/html; charset=utf-8")
        if mode == "empty":
            return self._json(handler, 200, {"results": []})
        context = (body.get("params") or {}).get("context")
        results = [self.predict_one(task, body.get("label_config") or "", context) for task in tasks]
        if mode == "one_by_one":
            results = results[:1]
        elif mode == "wrong_count":
            results = results + results[:1]
        elif mode == "no_result":
            results = [{"score": 0.5, "model_version": self.model_version} for _ in tasks]
        return self._json(handler, 200, {"results": results})

    def predict_one(self, task: dict, label_config: str, context: Any) -> dict:
        text = str((task.get("data") or {}).get("text", ""))
        if context and isinstance(context, dict) and context.get("result"):
            regions = []
            for region in context["result"]:
                value = region.get("value") or {}
                span, labels = value.get("text"), value.get("labels")
                if not span or not labels:
                    continue
                for found in re.finditer(re.escape(span), text):
                    regions.append({"from_name": region.get("from_name"), "to_name": region.get("to_name"),
                                    "type": "labels", "value": {"start": found.start(), "end": found.end(),
                                                                "text": span, "labels": labels}})
            return {"model_version": self.model_version, "result": regions, "score": 1.0}
        choice, score = ("Positive", 0.9) if POSITIVE.search(text) else ("Negative", 0.6)
        if "score" in (task.get("data") or {}):  # tests steer the score through the task data
            score = float(task["data"]["score"])
        name = re.search(r'<Choices[^>]*name="([^"]+)"', label_config)
        to = re.search(r'<Choices[^>]*toName="([^"]+)"', label_config)
        return {"model_version": self.model_version, "score": score,
                "result": [{"from_name": name.group(1) if name else "sentiment", "to_name": to.group(1) if to
                            else "text", "type": "choices", "value": {"choices": [choice]}}]}

    # --- plumbing ----------------------------------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.user or "") and hmac.compare_digest(password, self.password or "")

    def _json(self, handler: BaseHTTPRequestHandler, status: int, body: Any) -> None:
        self._send(handler, status, json.dumps(body).encode(), "application/json")

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer
