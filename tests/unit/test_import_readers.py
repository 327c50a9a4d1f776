"""The streaming task-file readers (skylabel.imports.readers): formats, Label Studio's CSV rules, errors, memory.

Every reader is fed the same bytes in several chunkings (one read, 1-byte chunks, odd sizes, every two-way
split) and must give the same tasks and the same error text, because S3 bodies and uploads arrive in arbitrary
pieces. The memory tests stream ~50 MB files in 64 KiB chunks under tracemalloc.
"""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from skylabel.errors import Invalid
from skylabel.imports.readers import (
    MEDIA_EXTENSIONS,
    TASK_FILE_EXTENSIONS,
    ImportFileError,
    csv_value,
    extension,
    header_keys,
    is_media,
    is_task_file,
    media_task,
    read_tasks,
)

CHUNKINGS = [None, 1, 2, 3, 7, 64]


def chunks(data: bytes, size: int | None) -> io.BytesIO | list[bytes]:
    if size is None:
        return io.BytesIO(data)
    return [data[i:i + size] for i in range(0, len(data), size)]


def read(data: bytes | str, name: str, size: int | None = None, key: str | None = None) -> list:
    raw = data.encode() if isinstance(data, str) else data
    return list(read_tasks(chunks(raw, size), name, data_key=key))


def read_all_ways(data: bytes | str, name: str, key: str | None = None) -> list:
    results = [read(data, name, size, key) for size in CHUNKINGS]
    assert all(result == results[0] for result in results), "chunking changed the result"
    return results[0]


def error(data: bytes | str, name: str, size: int | None = None, **kwargs) -> ImportFileError:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(ImportFileError) as caught:
        list(read_tasks(chunks(raw, size), name, data_key=None, **kwargs))
    return caught.value


def error_all_ways(data: bytes | str, name: str, **kwargs) -> str:
    messages = {error(data, name, size, **kwargs).message for size in CHUNKINGS}
    assert len(messages) == 1, f"chunking changed the error: {messages}"
    return messages.pop()


def tasks_only(result: list) -> list:
    return [task for _, task in result]


# --- JSON --------------------------------------------------------------------------------------------------------

TASKS = [
    {"data": {"text": "Привет, мир 🌍 — «ünïcödé»", "n": 12345678901234567890},
     "predictions": [{"model_version": "v1", "score": 0.875,
                      "result": [{"id": "r1", "from_name": "sentiment", "to_name": "text", "type": "choices",
                                  "value": {"choices": ["Positive"]}}]}],
     "annotations": [{"result": [], "was_cancelled": False, "lead_time": 1.5e-3}],
     "meta": {"source": "a\\b \"quoted\"\n\t", "tags": [True, False, None]}},
    {"text": "flat task", "number": -0.5e-10, "big": 1E+5, "escaped": "\u00e9\U0001F600\\u"},
    {"data": {"image": "s3://bucket/a b/%2F.jpg"}},
]


def test_json_list_with_nested_predictions_and_unicode_in_any_chunking():
    for text in (json.dumps(TASKS), json.dumps(TASKS, indent=2, ensure_ascii=False)):
        assert tasks_only(read_all_ways(text, "tasks.json")) == TASKS


def test_json_every_two_way_split_reads_the_same():
    """A value cut anywhere — inside a number, a literal, an escape, a UTF-8 sequence — is read whole."""
    data = json.dumps(TASKS, ensure_ascii=False).encode()
    for cut in range(1, len(data)):
        assert tasks_only(list(read_tasks([data[:cut], data[cut:]], "t.json", data_key=None))) == TASKS, cut


def test_json_number_straddling_a_chunk_boundary_is_not_truncated():
    pieces = [b'[{"n": 12', b"345}, {", b'"x": tr', b"ue}, {", b'"f": 1.', b"5e", b"+3}]"]
    assert tasks_only(list(read_tasks(pieces, "t.json", data_key=None))) == [{"n": 12345}, {"x": True},
                                                                               {"f": 1500.0}]


def test_json_single_object_is_one_task():
    assert read_all_ways('\n  {"data": {"text": "one"}, "meta": {"k": 1}}\n', "one.json") == [
        ("item 1 (line 2)", {"data": {"text": "one"}, "meta": {"k": 1}})]


def test_json_positions_give_item_number_and_line():
    text = '[\n  {"a": 1},\n  {"a": 2},\n\n  {"a": 3}\n]\n'
    assert [position for position, _ in read_all_ways(text, "t.json")] == [
        "item 1 (line 2)", "item 2 (line 3)", "item 3 (line 5)"]


def test_json_bom_and_surrounding_whitespace_are_accepted():
    assert tasks_only(read_all_ways("\ufeff \r\n[{\"a\": 1}]\n\n", "t.json")) == [{"a": 1}]


def test_json_large_item_across_many_chunks():
    big = {"data": {"text": "é" * 300_000}}
    data = json.dumps([{"a": 1}, big, {"a": 2}], ensure_ascii=False).encode()
    assert tasks_only(read(data, "t.json", 4096)) == [{"a": 1}, big, {"a": 2}]


def test_json_malformed_gives_line_and_column():
    text = '[\n  {"a": 1},\n  {"a": tru}\n]'
    assert error_all_ways(text, "bad.json") == "bad.json: line 3, column 9: invalid JSON (Expecting value)"
    text = '[\n  {"a": 1},\n  {"a" 2}\n]'
    assert error_all_ways(text, "bad.json") == "bad.json: line 3, column 8: invalid JSON (Expecting ':' delimiter)"
    assert error_all_ways('[{"a": "unterminated}]', "bad.json") == (
        "bad.json: line 1, column 8: invalid JSON (Unterminated string starting at)")
    assert error_all_ways('[{"a": 1} {"a": 2}]', "bad.json") == (
        "bad.json: line 1, column 11: invalid JSON (expected ',' or ']' after item 1)")


def test_json_column_counts_characters_not_bytes():
    assert error_all_ways('[{"ü": "é", "x": ?}]', "bad.json") == (
        "bad.json: line 1, column 18: invalid JSON (Expecting value)")


def test_json_top_level_must_be_list_or_object():
    for text, kind in (('"a string"', "a string"), ("42", "a number"), ("-1", "a number"), ("true", "a boolean"),
                       ("null", "null"), ("<xml/>", "'<'")):
        assert error_all_ways(text, "t.json") == (
            f"t.json: line 1, column 1: a JSON task file must hold a list of tasks [{{...}}, ...] or one task "
            f"object {{...}}, not {kind}")


def test_json_items_must_be_objects():
    assert error_all_ways('[{"a": 1},\n ["x"]]', "t.json") == (
        "t.json: item 2 (line 2): each item of the list must be a task object {...}, this one is a list")
    assert error_all_ways('[{"a": 1}, 7]', "t.json").endswith("this one is a number")


def test_json_structure_errors():
    assert error_all_ways('[{"a": 1},]', "t.json") == (
        "t.json: line 1, column 11: invalid JSON (a ',' before ']': remove the trailing comma)")
    assert error_all_ways('[{"a": 1},\n{"a": 2}', "t.json") == (
        "t.json: line 2, column 9: the JSON list is not closed: the file ends before its ']' (was the file cut "
        "short?)")
    assert error_all_ways('[{"a": 1}] [{"a": 2}]', "t.json") == (
        "t.json: line 1, column 12: invalid JSON (unexpected data after the end of the list; to import several "
        "tasks put them all in one list [{...}, {...}])")
    assert "after the end of the task object" in error_all_ways('{"a": 1}\n{"a": 2}', "t.json")
    assert error_all_ways("[]", "t.json") == "t.json: the JSON list is empty; it has no tasks to import"


def test_json_nan_and_infinity_are_refused():
    assert error_all_ways('[{"a": 1}, {"a": NaN}]', "t.json") == (
        "t.json: item 2 (line 1): NaN is not valid JSON; write null or a string instead")
    assert "-Infinity is not valid JSON" in error_all_ways('{"a": -Infinity}', "t.json")


def test_json_unclosed_string_stops_at_the_size_limit():
    text = '[{"a": 1}, {"a": "never closed' + "x" * 200_000  # past the first 64 KiB window: the end is not seen
    message = error_all_ways(text, "t.json", max_task_chars=1000)
    assert message == ("t.json: item 2 (line 1): the item starting at line 1, column 12 is still not complete "
                       "after 1000 characters: a string or bracket is not closed, or the task is too large")


# --- JSON Lines ----------------------------------------------------------------------------------------------------

def test_jsonl_one_task_per_non_empty_line():
    text = "".join(json.dumps(task, ensure_ascii=False) + "\r\n" for task in TASKS[:2]) + "\n  \n" + json.dumps(
        TASKS[2])
    result = read_all_ways(text, "tasks.jsonl")
    assert result == [("line 1", TASKS[0]), ("line 2", TASKS[1]), ("line 5", TASKS[2])]
    assert read_all_ways(text, "tasks.NDJSON") == result


def test_jsonl_errors():
    assert error_all_ways('{"a": 1}\n\n["x"]\n', "t.jsonl") == (
        "t.jsonl: line 3: each line must be a task object {...}, this one is a list")
    assert error_all_ways('{"a": 1}\n{"a": ]\n', "t.jsonl") == (
        "t.jsonl: line 2, column 7: invalid JSON (Expecting value); each line must be one complete JSON object")
    assert error_all_ways('{"a": 1}\n{"a":\n{"b": 2}\n', "t.jsonl") == (
        "t.jsonl: line 2, column 6: invalid JSON (Expecting value); each line must be one complete JSON object")
    assert error_all_ways('{"a": 1} {"b": 2}\n', "t.jsonl") == (
        "t.jsonl: line 1, column 10: invalid JSON (Extra data); each line must be one complete JSON object")
    assert error_all_ways('{"a": NaN}\n', "t.jsonl") == (
        "t.jsonl: line 1: NaN is not valid JSON; write null or a string instead")


def test_jsonl_line_over_the_limit():
    assert error_all_ways('{"a": 1}\n{"a": "' + "x" * 3000 + '"}\n', "t.jsonl", max_task_chars=1000) == (
        "t.jsonl: line 2: the line is longer than 1000 characters; split it, or import such large tasks as a "
        "JSON list")


# --- CSV / TSV -----------------------------------------------------------------------------------------------------

def test_csv_header_gives_data_keys_with_quoted_commas_newlines_and_quotes():
    text = 'text,label\n"Hello, world","multi\nline ""quoted"""\nплохо 👎,négatif\n'
    assert read_all_ways(text, "t.csv") == [
        ("row 2", {"data": {"text": "Hello, world", "label": 'multi\nline "quoted"'}}),
        ("row 3", {"data": {"text": "плохо 👎", "label": "négatif"}}),  # a row, not a line: row 2 took two lines
    ]


def test_csv_values_are_typed_as_label_studio_types_them():
    text = ("i,neg,zero,f,exp,dot,t,f2,empty,word,na,spaced,inf,under,hex\n"
            "7,-007,0,1.5,1E+05,.5,True,false,,x,NA, 5 ,inf,1_000,0x1F\n")
    assert tasks_only(read_all_ways(text, "t.csv")) == [{"data": {
        "i": 7, "neg": -7, "zero": 0, "f": 1.5, "exp": 100000.0, "dot": 0.5, "t": True, "f2": False, "empty": "",
        "word": "x", "na": "NA", "spaced": 5, "inf": "inf", "under": "1_000", "hex": "0x1F"}}]


@pytest.mark.parametrize(("cell", "value"), [
    ("", ""), ("1", 1), ("+5", 5), ("-0", 0), ("00", 0), ("99999999999999999999", 99999999999999999999),
    ("1.", 1.0), ("+.5", 0.5), ("1.0e-3", 0.001), ("1e400", "1e400"), ("1.5.2", "1.5.2"), ("5e", "5e"),
    ("-", "-"), ("TRUE", True), ("True ", "True "), ("yes", "yes"), ("None", "None"), ("nan", "nan"),
    ("١٢", "١٢"), ("½", "½"), ("  x", "  x"), ("1 2", "1 2"),
])
def test_csv_value(cell, value):
    result = csv_value(cell)
    assert result == value and type(result) is type(value)


def test_csv_header_names_follow_pandas():
    assert header_keys(["a", "", "a.1", "a", "a"]) == ["a", "Unnamed: 1", "a.1", "a.2", "a.3"]
    assert tasks_only(read("a,a,\n1,2,3\n", "t.csv")) == [{"data": {"a": 1, "a.1": 2, "Unnamed: 2": 3}}]


def test_csv_short_rows_are_padded_and_blank_lines_skipped():
    text = "\n\na,b,c\n1\n\n   \n,\n4,5,6\n"
    assert read_all_ways(text, "t.csv") == [
        ("row 4", {"data": {"a": 1, "b": "", "c": ""}}),
        ("row 7", {"data": {"a": "", "b": "", "c": ""}}),
        ("row 8", {"data": {"a": 4, "b": 5, "c": 6}}),
    ]


def test_csv_bom_crlf_and_lone_cr_line_endings():
    expected = [{"data": {"a": 1, "b": "x"}}, {"data": {"a": 2, "b": "y"}}]
    assert tasks_only(read_all_ways("\ufeffa,b\r\n1,x\r\n2,y\r\n", "t.csv")) == expected
    assert tasks_only(read_all_ways("a,b\r1,x\r2,y", "t.csv")) == expected
    assert tasks_only(read_all_ways('a,b\r\n1,"x"\r\n2,"y"', "T.CSV")) == expected


def test_csv_semicolons_are_sniffed_from_the_first_line():
    assert tasks_only(read_all_ways("a;b\n1,5;x, y\n", "t.csv")) == [{"data": {"a": "1,5", "b": "x, y"}}]
    assert tasks_only(read_all_ways("a,b;c\n1,2;3\n", "t.csv")) == [{"data": {"a": 1, "b;c": "2;3"}}]


def test_tsv():
    text = 'text\tscore\n"tab\tinside"\t0.25\nçà va, oui\t3\n'
    assert read_all_ways(text, "t.tsv") == [
        ("row 2", {"data": {"text": "tab\tinside", "score": 0.25}}),
        ("row 3", {"data": {"text": "çà va, oui", "score": 3}}),
    ]


def test_csv_column_named_data_or_predictions_stays_data():
    assert tasks_only(read("data,predictions\nx,y\n", "t.csv")) == [{"data": {"data": "x", "predictions": "y"}}]


def test_csv_errors_name_the_row():
    assert error_all_ways("a,b\n1,2\n3,4,5\n", "t.csv") == (
        't.csv: row 3 (line 3): the row has 3 fields but the header has 2; put quotes ("...") around values that '
        "contain a comma, or add the missing column names to the header")
    assert error_all_ways('a,b\n"x\ny",2\n3,4,5\n', "t.csv").startswith("t.csv: row 3 (line 4): the row has 3")
    assert error_all_ways("a\tb\n1\t2\t3\n", "t.tsv").startswith("t.tsv: row 2 (line 2): the row has 3 fields")
    assert error_all_ways('a,b\n1,2\n"open,2\n3,4\n', "t.csv") == (
        't.csv: row 3 (line 3): malformed CSV: a quoted value is not closed before the end of the file; add the '
        'closing quote (")')
    assert error_all_ways('a,b\n"x"y,2\n', "t.csv") == (
        "t.csv: row 2 (line 2): malformed CSV: ',' expected after '\"'; a quote inside a quoted value must be "
        'doubled ("")')
    assert error_all_ways('a\tb\n"x"y\t2\n', "t.tsv").startswith("t.tsv: row 2 (line 2): malformed TSV:")


def test_csv_header_without_rows():
    assert error_all_ways("a,b\n\n", "t.csv") == (
        "t.csv: the file has a header row but no data rows; it has no tasks to import")


def test_csv_oversized_field_is_refused():
    message = error_all_ways('a,b\n1,"' + "x\n" * 2000 + '"\n', "t.csv", max_task_chars=1000)
    assert message == "t.csv: row 2 (line 2): the row is larger than 1000 characters; a quote may be missing"


# --- TXT -----------------------------------------------------------------------------------------------------------

def test_txt_one_task_per_non_empty_line():
    text = "первая строка\r\n\r\n  second, with comma  \n\n\tthird\n"
    assert read_all_ways(text, "lines.txt") == [
        ("line 1", {"data": {"text": "первая строка"}}),
        ("line 3", {"data": {"text": "  second, with comma  "}}),
        ("line 5", {"data": {"text": "\tthird"}}),
    ]
    assert tasks_only(read_all_ways("only 🙂", "x.TXT", key="review")) == [{"data": {"review": "only 🙂"}}]


# --- encoding, empty, extension ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("t.json", '[{"a": 1},\n {"a": "café"}]'), ("t.jsonl", '{"a": 1}\n{"a": "café"}\n'),
    ("t.csv", "text\nok\ncafé\n"), ("t.tsv", "text\nok\ncafé\n"), ("t.txt", "text\nok\ncafé\n"),
])
def test_wrong_encoding_names_the_byte_offset(name, text):
    data = text.encode("latin-1")
    offset = data.index(b"\xe9")
    assert error_all_ways(data, name) == (
        f"{name}: byte {offset}: the file is not UTF-8 text: byte 0xe9 at byte offset {offset} cannot be decoded; "
        "save the file as UTF-8")


def test_byte_offset_counts_bytes_before_a_multibyte_sequence_cut_by_a_chunk():
    data = "naïve 🙂 ok\n".encode() + b"\xff\n"
    assert error_all_ways(data, "t.txt").startswith(f"t.txt: byte {len(data) - 2}: the file is not UTF-8 text")


def test_utf16_gets_a_hint_and_a_cut_sequence_at_the_end_is_found():
    assert "(it looks like UTF-16)" in error_all_ways("text\nhi\n".encode("utf-16"), "t.txt")
    data = "hello é".encode()[:-1]
    assert error_all_ways(data, "t.txt") == (
        "t.txt: byte 6: the file is not UTF-8 text: byte 0xc3 at byte offset 6 cannot be decoded; save the file "
        "as UTF-8")


@pytest.mark.parametrize("name", ["t.json", "t.jsonl", "t.ndjson", "t.csv", "t.tsv", "t.txt"])
@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\n\t "])
def test_empty_file(name, data):
    assert error_all_ways(data, name) == f"{name}: the file is empty; it has no tasks to import"


def test_empty_stream_of_no_chunks():
    with pytest.raises(ImportFileError, match="the file is empty"):
        list(read_tasks(iter([]), "t.json", data_key=None))
    with pytest.raises(ImportFileError, match="the file is empty"):
        list(read_tasks([b"", b""], "t.csv", data_key=None))


def test_unsupported_extension_lists_the_supported_ones():
    with pytest.raises(ImportFileError) as caught:
        read_tasks(io.BytesIO(b"x"), "data.xlsx", data_key=None)  # refused at the call, before any reading
    assert caught.value.message == (
        'data.xlsx: ".xlsx" files are not supported; use one of .json, .jsonl, .ndjson, .csv, .tsv, .txt for '
        "tasks, or a media file (.jpg, .jpeg, .png, .gif, .bmp, .webp, .svg, .tif, .tiff, .mp3, .wav, .ogg, "
        ".flac, .m4a, .mp4, .webm, .mov, .avi, .pdf)")
    with pytest.raises(ImportFileError, match="^README: files without an extension are not supported"):
        read_tasks(io.BytesIO(b"x"), "README", data_key=None)


def test_error_is_an_invalid_with_label_studio_details():
    caught = error("[1]", "t.json")
    assert isinstance(caught, Invalid) and caught.status == 400
    assert caught.details == {"non_field_errors": [caught.message]}
    assert (caught.filename, caught.position) == ("t.json", "item 1 (line 1)")
    assert caught.problem == "each item of the list must be a task object {...}, this one is a number"


def test_extensions_and_media():
    assert extension("drop/12/My Photo.JPG") == ".jpg"
    assert extension("C:\\x\\a.tar.CSV") == ".csv"
    assert extension(".json") == "" and extension("noext") == ""
    for name in ("a.jpg", "b.JPEG", "c.png", "d.webp", "e.svg", "f.tiff", "g.mp3", "h.wav", "i.flac", "j.mp4",
                 "k.mov", "l.pdf", "dir.csv/m.avi"):
        assert is_media(name) and not is_task_file(name), name
    for name in ("a.json", "a.CSV", "a.tsv", "a.txt", "a.jsonl", "a.ndjson", "a.html", "a"):
        assert not is_media(name), name
    assert set(TASK_FILE_EXTENSIONS).isdisjoint(MEDIA_EXTENSIONS)
    assert media_task("https://x/y.png", "image") == {"data": {"image": "https://x/y.png"}}
    with pytest.raises(ValueError, match="media file"):
        read_tasks(io.BytesIO(b"\x89PNG"), "a.png", data_key="image")


def test_stream_kinds():
    data = b'[{"a": 1}]'
    expected = [("item 1 (line 1)", {"a": 1})]
    assert list(read_tasks(io.BytesIO(data), "t.json", data_key=None)) == expected
    assert list(read_tasks(iter([bytearray(data[:4]), memoryview(data[4:])]), "t.json", data_key=None)) == expected
    assert list(read_tasks((c for c in [data[:3], b"", data[3:]]), "t.json", data_key=None)) == expected
    with pytest.raises(TypeError, match="byte chunks"):
        list(read_tasks(["[]"], "t.json", data_key=None))


# --- memory --------------------------------------------------------------------------------------------------------

TARGET_BYTES = 50 * 1024 * 1024
BIG_CHARS = 1024 * 1024  # the largest single task of each file: one 1 MiB text value


def _write_repeated(path: Path, head: str, block: str, big: str, tail: str, size: int = TARGET_BYTES) -> int:
    """Write head, blocks up to ~`size` bytes with the big task after the first block, tail; return the count."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        while out.tell() < size:
            out.write(block)
            count += block.count("\n")
            if count == block.count("\n"):
                out.write(big)
                count += 1
        out.write(tail)
    return count


def _peak(stream, name: str) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_tasks(stream, name, data_key=None))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(64 * 1024):
            yield chunk


def test_json_list_of_50_mb_streams_in_bounded_memory(tmp_path):
    task = {"data": {"text": "tâche " + "lorem ipsum dolor " * 10},
            "predictions": [{"result": [{"from_name": "c", "to_name": "text", "type": "choices",
                                         "value": {"choices": ["A"]}}], "score": 0.5}]}
    line = json.dumps(task, ensure_ascii=False) + ",\n"
    big = json.dumps({"data": {"text": "x" * BIG_CHARS}}) + ",\n"
    path = tmp_path / "big.json"
    count = _write_repeated(path, "[\n", line * 1000, big, json.dumps(task) + "\n]\n")
    assert path.stat().st_size > TARGET_BYTES
    with path.open("rb") as handle:  # a file object: read in 64 KiB chunks
        read_count, peak = _peak(handle, "big.json")
    assert read_count == count + 1
    # measured ~2.6 MB: the 1 MiB item as text (in a window at most 25% larger) and as an object
    assert peak < BIG_CHARS + 2 * 1024 * 1024, peak


def test_csv_of_50_mb_streams_in_bounded_memory(tmp_path):
    path = tmp_path / "big.csv"
    row = '1,"tâche, ""quoted"" ' + "lorem ipsum " * 40 + '",0.5,True\n'
    big = '2,"' + "x" * BIG_CHARS + '",1,False\n'
    count = _write_repeated(path, "id,text,score,flag\n", row * 1000, big, "")
    read_count, peak = _peak(_file_chunks(path), "big.csv")
    assert read_count == count
    # measured ~7.5 MB: the csv module builds a field in a 4-bytes-per-character buffer (5.2 MB for a 1 MiB field
    # on its own), plus the line and the value
    assert peak < 6 * BIG_CHARS + 2 * 1024 * 1024, peak


def test_memory_does_not_depend_on_the_file_size(tmp_path):
    """Without a large task, CSV and JSON Lines files of 5 and 20 MB peak alike, well under 1 MB."""
    row = "1," + "lorem ipsum dolor sit amet " * 20 + "\n"
    line = json.dumps({"text": "lorem ipsum dolor sit amet " * 20, "n": 1}) + "\n"
    peaks = {}
    for size in (5 * 1024 * 1024, 20 * 1024 * 1024):
        for name, head, block in (("flat.csv", "id,text\n", row), ("flat.jsonl", "", line)):
            path = tmp_path / f"{size}-{name}"
            count = _write_repeated(path, head, block * 1000, block, "", size)
            read_count, peaks[size, name] = _peak(_file_chunks(path), name)
            assert read_count == count
    assert all(peak < 1024 * 1024 for peak in peaks.values()), peaks
    for name in ("flat.csv", "flat.jsonl"):
        small, large = peaks[5 * 1024 * 1024, name], peaks[20 * 1024 * 1024, name]
        assert large < small + 256 * 1024, (name, small, large)
