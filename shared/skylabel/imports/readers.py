"""Turn an uploaded task file (JSON, JSON Lines, CSV, TSV, TXT) into a stream of raw tasks, in bounded memory.

Why this exists: Label Studio reads an upload whole (`json.loads`, `pandas.read_csv`) and that is where large
imports die. Here every format is read a chunk at a time, so a 2 GB file costs about one task of memory, and the
import service can validate and write batch by batch whichever door the file came in by (API, bucket drop, URL).

Each reader yields `(position, task)`. `position` is what a person needs to find the task in the file:
"item 3 (line 12)" (1-based list item, and the line it starts on), "line 12", or "row 7" (CSV records counted
as a spreadsheet shows them: the header is row 1, a quoted multi-line value stays one row). `task` is what the
core import normalizes: the object as written for JSON and JSON Lines, `{"data": {...}}` for rows and lines
(wrapped, so a column named `data` or `predictions` stays data).
Anything wrong with the file itself raises `ImportFileError` naming the file, the place and the fix.

Label Studio 1.23.2 rules kept (its `data_import/models.py`):
- CSV/TSV: the header row gives the data keys; an empty header cell is `Unnamed: <i>`, a repeated one `a.1`, `a.2`
  (pandas' names); a short row is padded with `""`; blank lines are skipped; a `.csv` whose first line has more
  `;` than `,` is `;`-separated; a cell reading as an integer becomes an int, as a decimal a float, `True`/`False`
  (also all-lower/all-upper) a bool, an empty cell `""`; everything else stays the string as written.
  Label Studio (pandas) infers a type per column from the whole file, which a stream cannot; here each cell is
  typed alone, so a numeric column matches and only mixed or gappy columns differ (see `csv_value`).
- TXT: one task per line under the data key. JSON: a list of tasks or one task object.
Deliberate differences: blank TXT lines are skipped (LS makes empty tasks); NA-like cells (`NA`, `null`, `None`,
`nan`) stay strings (pandas blanks them); `inf`/`1e400` stay strings (pandas makes an infinity no JSON can
carry); JSON `NaN`/`Infinity` are refused; a UTF-8 BOM is dropped in every format; `.jsonl`/`.ndjson` are extra.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any, BinaryIO

from skylabel.errors import Invalid

RawTask = tuple[str, object]

CHUNK_SIZE = 64 * 1024
# One task (a JSON item, a line, a CSV field) may not exceed this many characters: it bounds the buffer a
# broken file (an unclosed string or quote) can make the reader hold before it gives up.
MAX_TASK_CHARS = 64 * 1024 * 1024

JSON_EXTENSIONS = (".json",)
JSONL_EXTENSIONS = (".jsonl", ".ndjson")
TABLE_EXTENSIONS = (".csv", ".tsv")
TEXT_EXTENSIONS = (".txt",)
TASK_FILE_EXTENSIONS = JSON_EXTENSIONS + JSONL_EXTENSIONS + TABLE_EXTENSIONS + TEXT_EXTENSIONS
MEDIA_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".tif", ".tiff",
                    ".mp3", ".wav", ".ogg", ".flac", ".m4a", ".mp4", ".webm", ".mov", ".avi", ".pdf")
SUPPORTED_EXTENSIONS = TASK_FILE_EXTENSIONS + MEDIA_EXTENSIONS
DEFAULT_TEXT_KEY = "text"


class ImportFileError(Invalid):
    """The file cannot be read as tasks; the message names the file, where, and what to change."""

    def __init__(self, filename: str, problem: str, position: str | None = None) -> None:
        where = f"{position}: " if position else ""
        message = f"{filename}: {where}{problem}"
        super().__init__(message, {"non_field_errors": [message]})
        self.filename = filename
        self.position = position
        self.problem = problem


def extension(filename: str) -> str:
    """The lower-cased extension of the last path segment ("" if none): `a/b/Photo.JPG` → `.jpg`."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def is_media(filename: str) -> bool:
    return extension(filename) in MEDIA_EXTENSIONS


def is_task_file(filename: str) -> bool:
    return extension(filename) in TASK_FILE_EXTENSIONS


def media_task(url: str, data_key: str) -> dict:
    """The one task a stored media file becomes: its URL under the config's data key."""
    return {"data": {data_key: url}}


def read_tasks(stream: BinaryIO | Iterable[bytes], filename: str, *, data_key: str | None,
               max_task_chars: int = MAX_TASK_CHARS) -> Iterator[RawTask]:
    """Yield `(position, task)` for every task in the file, reading it in chunks.

    `stream` is a binary file object (read in 64 KiB chunks) or any iterable of byte chunks (an S3 body, an
    HTTP response). `data_key` names the key of a TXT line (default "text"). `max_task_chars` caps one task
    (JSON item, line, CSV row) so a broken file cannot make the reader buffer without end. The extension is
    checked now; everything else as the file is read, so an error can come after some tasks were yielded —
    the caller commits nothing of the file until the iterator is exhausted (or reports per task). A media
    file is a caller bug here (ValueError): its bytes are stored, not read, and `media_task` makes its task.
    """
    ext = extension(filename)
    if ext in MEDIA_EXTENSIONS:
        raise ValueError(f"{filename} is a media file: store the blob and import media_task(url, data_key)")
    if ext not in TASK_FILE_EXTENSIONS:
        shown = f'"{ext}" files are' if ext else "files without an extension are"
        raise ImportFileError(filename, f"{shown} not supported; use one of {', '.join(TASK_FILE_EXTENSIONS)} "
                                        f"for tasks, or a media file ({', '.join(MEDIA_EXTENSIONS)})")
    text = _Utf8(_byte_chunks(stream), filename)
    if ext in JSON_EXTENSIONS:
        return _read_json(text, filename, max_task_chars)
    if ext in JSONL_EXTENSIONS:
        return _read_jsonl(text, filename, max_task_chars)
    if ext in TEXT_EXTENSIONS:
        return _read_txt(text, filename, data_key or DEFAULT_TEXT_KEY, max_task_chars)
    return _read_table(text, filename, "\t" if ext == ".tsv" else None, max_task_chars)


# --- bytes → text ----------------------------------------------------------------------------------------------

def _byte_chunks(stream: BinaryIO | Iterable[bytes]) -> Iterator[bytes]:
    read = getattr(stream, "read", None)
    if read is not None:  # a file object iterates by lines, which may be any length: read fixed chunks instead
        while chunk := read(CHUNK_SIZE):
            yield chunk
        return
    for chunk in stream:
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise TypeError(f"read_tasks wants byte chunks, got {type(chunk).__name__}")
        if chunk:
            yield chunk


class _Utf8:
    """Strict UTF-8 decoding of byte chunks into text pieces; drops a leading BOM, reports bad bytes by offset."""

    def __init__(self, chunks: Iterator[bytes], filename: str) -> None:
        self._chunks = chunks
        self._filename = filename
        self.nbytes = 0

    def __iter__(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder("utf-8")("strict")
        first = True
        for chunk in self._chunks:
            start, pending = self.nbytes, len(decoder.getstate()[0])
            self.nbytes += len(chunk)
            try:
                piece = decoder.decode(chunk)
            except UnicodeDecodeError as error:
                raise self._error(error, start - pending) from None
            if first and piece:
                first = False
                if piece[0] == "\ufeff":
                    piece = piece[1:]
            if piece:
                yield piece
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            raise self._error(error, self.nbytes - len(error.object)) from None

    def _error(self, error: UnicodeDecodeError, base: int) -> ImportFileError:
        offset = base + error.start
        byte = error.object[error.start]
        hint = " (it looks like UTF-16)" if offset < 2 and byte in (0xFF, 0xFE) else ""
        return ImportFileError(self._filename, f"the file is not UTF-8 text{hint}: byte 0x{byte:02x} at byte "
                                               f"offset {offset} cannot be decoded; save the file as UTF-8",
                               f"byte {offset}")


def _empty(filename: str) -> ImportFileError:
    return ImportFileError(filename, "the file is empty; it has no tasks to import")


# --- lines (TXT, JSON Lines, CSV) ------------------------------------------------------------------------------

_LINE_END = re.compile(r"\r\n?|\n")


def _lines(pieces: Iterable[str], filename: str, limit: int) -> Iterator[tuple[int, str]]:
    """Yield `(line number, line with its ending)`; a line ends at `\\n`, `\\r\\n` or a lone `\\r`."""
    carry: list[str] = []  # the unfinished line, in pieces (joined once a line end arrives)
    carry_len = 0
    number = 0
    for piece in chain(pieces, (None,)):  # None: the end of the file
        final = piece is None
        if not final and "\n" not in piece and "\r" not in piece:
            carry.append(piece)
            carry_len += len(piece)
            if carry_len > limit:
                raise _too_long(filename, number + 1, limit)
            continue
        text = "".join(carry if final else [*carry, piece])
        carry, start = [], 0
        while (match := _LINE_END.search(text, start)) is not None:
            if not final and match.end() == len(text) and match.group() == "\r":
                break  # a "\n" may follow in the next piece
            number += 1
            if match.start() - start > limit:
                raise _too_long(filename, number, limit)
            line = text[start:match.end()]
            if len(line) > CHUNK_SIZE:  # a long line: keep only the rest of the text, not a second copy of it
                text, start = text[match.end():], 0
            else:
                start = match.end()
            yield number, line
        rest = text[start:]
        carry, carry_len = ([rest], len(rest)) if rest else ([], 0)
        if carry_len > limit:
            raise _too_long(filename, number + 1, limit)
    if carry:
        yield number + 1, carry[0]


def _too_long(filename: str, number: int, limit: int) -> ImportFileError:
    return ImportFileError(filename, f"the line is longer than {_size(limit)}; split it, or import such large "
                                     "tasks as a JSON list", f"line {number}")


def _size(chars: int) -> str:
    return f"{chars // (1024 * 1024)} MiB" if chars >= 1024 * 1024 else f"{chars} characters"


def _read_txt(text: _Utf8, filename: str, key: str, limit: int) -> Iterator[RawTask]:
    found = False
    for number, line in _lines(text, filename, limit):
        line = line.rstrip("\r\n")
        if line.strip():
            found = True
            yield f"line {number}", {"data": {key: line}}
    if not found:
        raise _empty(filename)


# --- JSON ------------------------------------------------------------------------------------------------------

class _Constant(ValueError):
    pass


def _refuse_constant(name: str) -> object:
    raise _Constant(name)


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR_TAIL = re.compile(r"[0-9eE.+\-a-zA-Z]*")  # what may still continue a number or literal cut at a chunk end


def _kind(value: object) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _constant_problem(name: str) -> str:
    return f"{name} is not valid JSON; write null or a string instead"


def _read_jsonl(text: _Utf8, filename: str, limit: int) -> Iterator[RawTask]:
    found = False
    for number, line in _lines(text, filename, limit):
        if not line.strip():
            continue
        found = True
        try:
            task = _DECODER.decode(line)
        except json.JSONDecodeError as error:
            column = error.colno if error.lineno == 1 else len(line.rstrip("\r\n")) + 1  # past the line's end
            raise ImportFileError(filename, f"invalid JSON ({error.msg}); each line must be one complete JSON "
                                            "object", f"line {number}, column {column}") from None
        except _Constant as constant:
            raise ImportFileError(filename, _constant_problem(str(constant)), f"line {number}") from None
        if not isinstance(task, dict):
            raise ImportFileError(filename, f"each line must be a task object {{...}}, this one is {_kind(task)}",
                                  f"line {number}")
        yield f"line {number}", task
    if not found:
        raise _empty(filename)


class _JsonStream:
    """A window on the decoded text with absolute line/column bookkeeping; values are parsed by `raw_decode`.

    Only the unparsed tail of the file is held: the buffer is compacted whenever more text is needed, and a
    value cut by a chunk end is retried once the window has grown by a quarter (at least a chunk), so a large item
    is parsed a bounded number of times (~5x its size in all) while the window overshoots it by at most 25%.
    """

    def __init__(self, pieces: Iterable[str], filename: str, limit: int) -> None:
        self._pieces = iter(pieces)
        self._filename = filename
        self._limit = limit
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._line = 1  # line and 0-based column of buf[0]
        self._col = 0
        self._mark = 0  # buf index up to which newlines are counted: _mark_line, last one at _mark_newline
        self._mark_line = 1
        self._mark_newline = -1

    def where(self, index: int) -> tuple[int, int]:
        """1-based (line, column) of buf[index]; counts newlines from the last call on, so a scan costs O(n)."""
        if index < self._mark:
            self._mark, self._mark_line, self._mark_newline = 0, self._line, -1
        newlines = self.buf.count("\n", self._mark, index)
        if newlines:
            self._mark_line += newlines
            self._mark_newline = self.buf.rindex("\n", self._mark, index)
        self._mark = index
        if self._mark_newline < 0:
            return self._line, self._col + index + 1
        return self._mark_line, index - self._mark_newline

    def _compact(self) -> None:
        newlines = self.buf.count("\n", 0, self.pos)
        if newlines:
            self._line += newlines
            self._col = self.pos - self.buf.rindex("\n", 0, self.pos) - 1
        else:
            self._col += self.pos
        self.buf = self.buf[self.pos:]
        self.pos = 0
        self._mark, self._mark_line, self._mark_newline = 0, self._line, -1

    def grow(self, at_least: int) -> bool:
        """Read until the unparsed text is `at_least` long (or the file ends); False if nothing came."""
        self._compact()
        parts, size, before = [self.buf], len(self.buf), len(self.buf)
        while size < at_least:
            piece = next(self._pieces, None)
            if piece is None:
                self.eof = True
                break
            parts.append(piece)
            size += len(piece)
        self.buf = "".join(parts)
        return size > before

    def next_char(self) -> str | None:
        """Skip JSON whitespace; the next character (not consumed), or None at the end of the file."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof or not self.grow(CHUNK_SIZE):
                return None

    def value(self, position: str) -> object:
        """Parse the value at `pos` (after `next_char`), pulling more text while it may be cut by a chunk end."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                if self.eof or not (error.msg.startswith("Unterminated string") or error.pos >= len(self.buf) - 16):
                    raise self.syntax_error(error.pos, error.msg) from None
                self._pull(position)
                continue
            except _Constant as constant:
                raise ImportFileError(self._filename, _constant_problem(str(constant)), position) from None
            if not self.eof and self.buf[end - 1] not in '}]"' and _SCALAR_TAIL.match(self.buf, end).end() == len(
                    self.buf):
                self._pull(position)  # a number or literal may go on in the next piece ("12" of "12345")
                continue
            self.pos = end
            return value

    def _pull(self, position: str) -> None:
        pending = len(self.buf) - self.pos
        if pending > self._limit:
            line, column = self.where(self.pos)
            raise ImportFileError(self._filename, f"the item starting at line {line}, column {column} is still not "
                                                  f"complete after {_size(self._limit)}: a string or bracket is "
                                                  "not closed, or the task is too large", position)
        self.grow(pending + max(pending // 4, CHUNK_SIZE))

    def syntax_error(self, index: int, problem: str) -> ImportFileError:
        line, column = self.where(index)
        return ImportFileError(self._filename, f"invalid JSON ({problem})", f"line {line}, column {column}")


def _read_json(text: _Utf8, filename: str, limit: int) -> Iterator[RawTask]:
    stream = _JsonStream(text, filename, limit)
    first = stream.next_char()
    if first is None:
        raise _empty(filename)
    if first == "{":
        position = f"item 1 (line {stream.where(stream.pos)[0]})"
        task = stream.value(position)
        _expect_end(stream, "the task object")
        yield position, task
        return
    if first != "[":
        line, column = stream.where(stream.pos)
        raise ImportFileError(filename, "a JSON task file must hold a list of tasks [{...}, ...] or one task object "
                                        f"{{...}}, not {_top_level_kind(first)}", f"line {line}, column {column}")
    yield from _read_json_list(stream, filename)
    _expect_end(stream, "the list")


def _top_level_kind(char: str) -> str:
    return {'"': "a string", "t": "a boolean", "f": "a boolean", "n": "null"}.get(
        char, "a number" if char in "-0123456789" else f"'{char}'")


def _read_json_list(stream: _JsonStream, filename: str) -> Iterator[RawTask]:
    stream.pos += 1  # the "["
    char = stream.next_char()
    if char == "]":
        stream.pos += 1
        raise ImportFileError(filename, "the JSON list is empty; it has no tasks to import")
    index = 0
    while True:
        if char is None:
            raise _unclosed(filename, stream)
        index += 1
        line, _ = stream.where(stream.pos)
        position = f"item {index} (line {line})"
        task = stream.value(position)
        if not isinstance(task, dict):
            raise ImportFileError(filename, f"each item of the list must be a task object {{...}}, this one is "
                                            f"{_kind(task)}", position)
        yield position, task
        char = stream.next_char()
        if char == ",":
            stream.pos += 1
            char = stream.next_char()
            if char == "]":
                raise stream.syntax_error(stream.pos, "a ',' before ']': remove the trailing comma")
        elif char == "]":
            stream.pos += 1
            return
        elif char is None:
            raise _unclosed(filename, stream)
        else:
            raise stream.syntax_error(stream.pos, f"expected ',' or ']' after item {index}")


def _unclosed(filename: str, stream: _JsonStream) -> ImportFileError:
    line, column = stream.where(len(stream.buf))
    return ImportFileError(filename, "the JSON list is not closed: the file ends before its ']' (was the file cut "
                                     "short?)", f"line {line}, column {column}")


def _expect_end(stream: _JsonStream, what: str) -> None:
    if stream.next_char() is not None:
        raise stream.syntax_error(stream.pos, f"unexpected data after the end of {what}; to import several tasks "
                                              "put them all in one list [{...}, {...}]")


# --- CSV / TSV -------------------------------------------------------------------------------------------------

_INTEGER = re.compile(r" *[+-]?[0-9]+ *\Z")
_DECIMAL = re.compile(r" *[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)? *\Z")
_BOOLEANS = {"True": True, "TRUE": True, "true": True, "False": False, "FALSE": False, "false": False}
_NUMBER_START = frozenset(" +-.0123456789")


def csv_value(cell: str) -> object:
    """A CSV cell as Label Studio's pandas reading types it, judged on the cell alone.

    Integers (`7`, ` -007 `) → int, decimals (`1.5`, `.5`, `1e5`) → float, `True`/`true`/`TRUE` (and False)
    → bool, empty → "". pandas decides per column, so there a column mixing `1` and `x` keeps `"1"`, and an
    integer column with an empty cell gives floats (`1.0`); here those become `1`. Infinities and NA words stay
    the string as written.
    """
    if not cell:
        return ""
    if cell[0] in _NUMBER_START:
        if _INTEGER.match(cell):
            return int(cell)
        if _DECIMAL.match(cell):
            number = float(cell)
            return number if math.isfinite(number) else cell
        return cell
    flag = _BOOLEANS.get(cell)
    return cell if flag is None else flag


def header_keys(names: list[str]) -> list[str]:
    """pandas' column names: an empty name is `Unnamed: <index>`; a repeat gets `.1`, `.2`, ..., skipping a
    suffixed name the header already has (`x, x, x.1` → `x, x.2, x.1`); named columns are settled first."""
    keys = [name or f"Unnamed: {index}" for index, name in enumerate(names)]
    present = Counter(keys)
    order = [i for i, name in enumerate(names) if name] + [i for i, name in enumerate(names) if not name]
    counts: dict[str, int] = {}
    for index in order:
        key = original = keys[index]
        count = counts.get(key, 0)
        while count > 0:
            counts[original] = count + 1
            key = f"{original}.{count}"
            count = count + 1 if present[key] else counts.get(key, 0)
        if key != original:
            present[original] -= 1
            present[key] += 1
            keys[index] = key
        counts[key] = count + 1
    return keys


def _is_blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _read_table(text: _Utf8, filename: str, delimiter: str | None, limit: int) -> Iterator[RawTask]:
    lines = _lines(text, filename, limit)
    skipped = 0
    for _, first in lines:
        if first.strip():
            break
        skipped += 1
    else:
        raise _empty(filename)
    if delimiter is None:  # Label Studio's sniffing: ";" when the first line has more of them than ","
        delimiter = ";" if first.count(";") > first.count(",") else ","
    if csv.field_size_limit() < limit:  # process-wide setting; raised, never lowered
        csv.field_size_limit(limit)
    reader = csv.reader(_chain_lines(first, lines), delimiter=delimiter, strict=True)
    keys = header_keys(_next_row(reader, filename, skipped + 1, skipped + 1, delimiter) or [])
    row_number, found = skipped + 1, False
    while True:
        row_number += 1
        start_line = skipped + reader.line_num + 1
        row = _next_row(reader, filename, start_line, row_number, delimiter)
        if row is None:
            break
        if _is_blank(row):
            continue
        if sum(map(len, row)) > limit:
            raise ImportFileError(filename, f"the row is larger than {_size(limit)}; a quote may be missing",
                                  f"row {row_number} (line {start_line})")
        if len(row) > len(keys):
            raise ImportFileError(filename, f"the row has {len(row)} fields but the header has {len(keys)}; put "
                                            f'quotes ("...") around values that contain {_name(delimiter)}, or add '
                                            "the missing column names to the header",
                                  f"row {row_number} (line {start_line})")
        values = [csv_value(cell) for cell in row]
        if len(values) < len(keys):
            values.extend([""] * (len(keys) - len(values)))
        found = True
        yield f"row {row_number}", {"data": dict(zip(keys, values, strict=True))}
    if not found:
        raise ImportFileError(filename, "the file has a header row but no data rows; it has no tasks to import")


def _chain_lines(first: str, lines: Iterator[tuple[int, str]]) -> Iterator[str]:
    yield first
    for _, line in lines:
        yield line


def _name(delimiter: str) -> str:
    return {"\t": "a tab", ",": "a comma", ";": "a semicolon"}[delimiter]


def _next_row(reader: Any, filename: str, start_line: int, row_number: int, delimiter: str) -> list[str] | None:
    try:
        return next(reader, None)
    except csv.Error as error:
        problem = str(error)
        if "expected after" in problem:
            problem += '; a quote inside a quoted value must be doubled ("")'
        elif "unexpected end of data" in problem:
            problem = 'a quoted value is not closed before the end of the file; add the closing quote (")'
        elif "field larger than field limit" in problem:
            problem = "a value is larger than the limit; a quote may be missing"
        raise ImportFileError(filename, f"malformed {'TSV' if delimiter == chr(9) else 'CSV'}: {problem}",
                              f"row {row_number} (line {start_line})") from None
