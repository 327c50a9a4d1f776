"""The multipart reader: the fast boundary split and the email-parser path read the same files."""

import pytest

from skylabel.errors import Invalid
from skylabel_api import multipart

BOUNDARY = "----skylabel7MA4YWxkTrZu0gW"


def body(*parts: tuple[str, bytes], extra_headers: str = "") -> bytes:
    out = b""
    for name, content in parts:
        out += (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"{extra_headers}Content-Type: text/csv\r\n\r\n").encode() + content + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def test_files_with_crlf_and_boundary_like_content_survive_intact():
    tricky = b"text\r\n\"a\r\nb\"\r\n--not-the-boundary\r\n"
    found = multipart.files(f"multipart/form-data; boundary={BOUNDARY}", body(("a.csv", tricky), ("b.txt", b"x")))
    assert found == [("a.csv", tricky), ("b.txt", b"x")]


def test_quoted_boundary_and_escaped_quote_in_the_file_name():
    found = multipart.files(f'multipart/form-data; boundary="{BOUNDARY}"', body(('my \\"best\\" file.csv', b"1")))
    assert found == [('my "best" file.csv', b"1")]


def test_both_paths_agree():
    raw = body(("a.json", b'[{"text": "x"}]'), ("b.csv", b"text\r\nhello\r\n"))
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    assert multipart.files(content_type, raw) == multipart._parse(content_type, raw)


def test_a_part_without_its_blank_line_is_a_clear_400():
    broken = f"--{BOUNDARY}\r\nContent-Disposition: form-data; filename=\"a.csv\"".encode()
    with pytest.raises(Invalid):
        multipart.files(f"multipart/form-data; boundary={BOUNDARY}", broken)
