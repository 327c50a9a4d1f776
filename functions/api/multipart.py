"""Request bodies that are not JSON: multipart file uploads and form-encoded fields (Label Studio's import).

Parsed with the standard library's email parser, which handles boundaries, quoting and transfer
encodings; the cgi module that used to do this is gone from Python.
"""

from __future__ import annotations

import base64
import re
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs

from skylabel.errors import Invalid


def raw_body(event) -> bytes:
    body = event.raw_event.get("body") or ""
    if event.raw_event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode() if isinstance(body, str) else body


_DISPOSITION = re.compile(rb'filename="((?:[^"\\]|\\.)*)"', re.IGNORECASE)


def files(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
    """Every uploaded file part, as (filename, content).

    The common case (plain parts, as browsers and `requests` send them) is split on the boundary directly —
    a 20 MB CSV costs one scan instead of the email parser's line-by-line work; anything unusual (transfer
    encodings, nested parts) goes through the standard library's email parser.
    """
    boundary = _boundary(content_type)
    if boundary and b"content-transfer-encoding" not in body[:4096].lower():
        return _split(body, boundary)
    return _parse(content_type, body)


def _boundary(content_type: str) -> bytes | None:
    for piece in content_type.split(";")[1:]:
        name, _, value = piece.strip().partition("=")
        if name.lower() == "boundary" and value:
            return value.strip('"').encode()
    return None


def _split(body: bytes, boundary: bytes) -> list[tuple[str, bytes]]:
    delimiter = b"--" + boundary
    out = []
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            raise Invalid("The multipart body could not be read; send files as multipart/form-data.",
                          {"file": ["Malformed multipart body."]})
        found = _DISPOSITION.search(head)
        if found is None:
            continue
        name = found.group(1).decode("utf-8", "replace").replace('\\"', '"')
        out.append((name, content[:-2] if content.endswith(b"\r\n") else content))
    return out


def _parse(content_type: str, body: bytes) -> list[tuple[str, bytes]]:
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
