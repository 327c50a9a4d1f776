"""Request bodies that are not JSON: multipart file uploads and form-encoded fields (Label Studio's import).

Parsed with the standard library's email parser, which handles boundaries, quoting and transfer
encodings; the cgi module that used to do this is gone from Python.
"""

from __future__ import annotations

import base64
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs

from skylabel.errors import Invalid


def raw_body(event) -> bytes:
    body = event.raw_event.get("body") or ""
    if event.raw_event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode() if isinstance(body, str) else body


def files(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """Every uploaded file part, as (filename, content)."""
    message = BytesParser(policy=policy.default).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    if not message.is_multipart():
        raise Invalid("The multipart body could not be read; send files as multipart/form-data.",
                      {"file": ["Malformed multipart body."]})
    out = []
    for part in message.iter_parts():
        filename = part.get_filename()
        if filename is None:
            continue
        out.append((filename, part.get_payload(decode=True) or b""))
    return out


def form(body: bytes) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
