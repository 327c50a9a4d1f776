"""A minimal REST client shared by both servers, and the error that stops a target's run.

Both servers are driven through exactly the same requests (the ones listed in ls_baseline.md, "Exact requests"),
so one thin `requests.Session` wrapper is enough. Any unexpected status raises `BenchError` carrying the method,
path, status and body, because "what exactly failed" is the most useful output when a server is not ready yet.
"""

from __future__ import annotations

import requests

BODY_PREVIEW = 2000


class BenchError(Exception):
    """A request answered something other than expected; the run of that target stops here."""

    def __init__(self, message: str, status: int | None = None, body: str | None = None):
        super().__init__(message)
        self.status = status
        self.body = body

    def as_dict(self) -> dict:
        return {"message": str(self), "status": self.status, "body": self.body}


class Api:
    """One keep-alive connection to a server, authenticated with `Authorization: Token <token>`."""

    def __init__(self, base_url: str, token: str, timeout: float = 600):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def request(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        response = self.session.request(method, self.base_url + path, **kwargs)
        if response.status_code not in expect:
            raise BenchError(
                f"{method} {path} answered {response.status_code}, expected {'/'.join(map(str, expect))}",
                status=response.status_code,
                body=response.text[:BODY_PREVIEW],
            )
        return response

    def get_json(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def post_json(self, path: str, payload, expect: tuple[int, ...] = (200, 201)):
        return self.request("POST", path, expect=expect, json=payload).json()

    def close(self) -> None:
        self.session.close()
