"""BRUSH_TO_PNG and BRUSH_TO_NUMPY: Label Studio brush masks (RLE) as one `.png` / `.npy` file per region.

Why our own: the converter needs numpy and Pillow for this; here the RLE is decoded, and the files
written, with the standard library only (`zlib`, `struct`), and the bytes are the converter's:

* RLE: Label Studio's format (thi-ng `rle-pack`, see the converter's `brush.py`): a 32-bit value count,
  a 5-bit word size, four 4-bit run-length sizes, then groups `flag(1) size-index(2) length(n)` of either
  one repeated word or `length + 1` literal words. The values are the RGBA canvas, `[H, W, 4]`; the mask is
  its alpha channel (uint8, `H × W`);
* file per region: `task-<id>-annotation-<annotation id>-by-<email or user id, sanitized>-<from_name>-
  <labels joined by ->-<n>` (`/` and `\\` of the name replaced by `-`, `n` counts regions of the same
  name in the annotation), flat in the output folder; one item per non-cancelled annotation;
* `.npy`: what `numpy.save` writes for a C-order uint8 array (format 1.0, `{'descr': '|u1', 'fortran_order':
  False, 'shape': (H, W), }` padded with spaces, including numpy's 21-digit growth pad, to a 64-byte header);
* `.png`: what Pillow writes for an `L` image: IHDR, IDAT chunks of at most max(65536, 4 × width) bytes,
  IEND; each row filtered as Pillow's encoder chooses (none / up / sub / paeth: the smallest sum of
  absolute differences, ties to the earlier), deflated with level 6, memLevel 9, `Z_FILTERED`.

Streaming: a part decodes its regions (the CPU work runs in parallel parts) and keeps the PNG bytes, or the
`.npy` bytes deflated (masks compress well), so no part holds raw masks; `assemble` lists the files and
streams each from its part.

Deviations: the PNG's compressed stream is the deflate of the local zlib; it equals Pillow's when Pillow's
zlib produces the same stream for these parameters (checked in the tests against Pillow; a different
zlib build gives a different but pixel-identical PNG). A region whose RLE is malformed (wrong value count
for its size, a run past the end, a value over 255, no `original_width`) is skipped, where the converter
fails the whole export.
"""

from __future__ import annotations

import base64
import re
import struct
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator

from skylabel.formats.base import Chunks, Part
from skylabel.formats.items import Matcher, PartCache, annotator, build_schema, items, jsonl, read_jsonl
from skylabel.labeling_config import LabelConfig

# --- RLE ----------------------------------------------------------------------------------------------------------


class MalformedRle(ValueError):
    pass


class _Bits:
    """Big-endian bit reader; like the converter's reader, a read past the end returns the bits left."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.total = len(data) * 8
        self.pos = 0

    def read(self, size: int) -> int:
        size = min(size, self.total - self.pos)
        if size <= 0:
            raise MalformedRle("the RLE ends early")
        start, end = self.pos >> 3, (self.pos + size + 7) >> 3
        window = int.from_bytes(self.data[start:end], "big")
        self.pos += size
        return (window >> ((end << 3) - self.pos)) & ((1 << size) - 1)

    def read_bytes(self, count: int) -> bytes:
        """`count` 8-bit words at once (the common case of literal runs)."""
        if self.pos + count * 8 > self.total:
            return bytes(self.read(8) for _ in range(count))
        start, end = self.pos >> 3, (self.pos + count * 8 + 7) >> 3
        window = int.from_bytes(self.data[start:end], "big")
        self.pos += count * 8
        shift = (end << 3) - self.pos
        return ((window >> shift) & ((1 << (count * 8)) - 1)).to_bytes(count, "big")


def decode_rle(rle) -> bytearray:
    """Label Studio's brush RLE → the flat uint8 values (`brush.decode_rle`)."""
    bits = _Bits(bytes(v & 0xFF for v in rle))
    num = bits.read(32)
    word = bits.read(5) + 1
    sizes = [bits.read(4) + 1 for _ in range(4)]
    out = bytearray(num)
    i = 0
    while i < num:
        repeat = bits.read(1)
        j = i + 1 + bits.read(sizes[bits.read(2)])
        if repeat:
            value = bits.read(word)
            if value > 0xFF:
                raise MalformedRle("a value does not fit in a byte")
            end = min(j, num)
            out[i:end] = bytes([value]) * (end - i)
            i = j
            continue
        if j > num:
            raise MalformedRle("a literal run goes past the end")
        if word == 8:
            out[i:j] = bits.read_bytes(j - i)
        else:
            for k in range(i, j):
                value = bits.read(word)
                if value > 0xFF:
                    raise MalformedRle("a value does not fit in a byte")
                out[k] = value
        i = j
    return out


def _size(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, int) and value > 0 else None


def brush_mask(region: dict) -> tuple[bytes, int, int]:
    """The alpha channel of a brush region: (H × W bytes, width, height)."""
    width, height = _size(region.get("original_width")), _size(region.get("original_height"))
    if width is None or height is None:
        raise MalformedRle("the region has no original_width/original_height")
    values = decode_rle(region["rle"])
    if len(values) != width * height * 4:
        raise MalformedRle(f"{len(values)} values do not make a {height}×{width} RGBA image")
    return bytes(values[3::4]), width, height


# --- .npy ---------------------------------------------------------------------------------------------------------


def npy_header(height: int, width: int) -> bytes:
    """`numpy.save`'s format 1.0 header for a C-order uint8 array of shape (height, width)."""
    header = f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({height}, {width}), }}"
    header += " " * (21 - len(repr(height)))
    raw = header.encode("latin1")
    pad = 64 - ((6 + 2 + 2 + len(raw) + 1) % 64)
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(raw) + 1 + pad) + raw + b" " * pad + b"\n"


# --- .png ---------------------------------------------------------------------------------------------------------

_COST = bytes(v if v < 128 else 256 - v for v in range(256))
_NONZERO = re.compile(rb"[^\x00]")


def _cost(row: bytes) -> int:
    return sum(row.translate(_COST))


def _minus(a: bytes, b: bytes) -> bytes:
    """(a - b) mod 256, byte by byte, with big-integer arithmetic in 16-bit lanes."""
    n = len(a)
    lanes_a, lanes_b = bytearray(2 * n), bytearray(2 * n)
    lanes_a[0::2], lanes_b[0::2] = a, b
    offset = int.from_bytes(b"\x00\x01" * n, "little")
    diff = int.from_bytes(lanes_a, "little") + offset - int.from_bytes(lanes_b, "little")
    return diff.to_bytes(2 * n, "little")[0::2]


def _paeth(row: bytes, prev: bytes, sub: bytes, sub_prev: bytes) -> bytes:
    """Paeth-filtered row. Where the row and the row above both repeat their left neighbour the result is 0
    (predictor = left), so only positions where either changes are computed."""
    out = bytearray(len(row))
    changes = {0} | {m.start() for m in _NONZERO.finditer(sub)} | {m.start() for m in _NONZERO.finditer(sub_prev)}
    for i in changes:
        a = row[i - 1] if i else 0
        b = prev[i]
        c = prev[i - 1] if i else 0
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
        out[i] = (row[i] - predictor) & 0xFF
    return bytes(out)


def _filtered(row: bytes, prev: bytes, prev_sub: bytes) -> tuple[bytes, bytes]:
    """Pillow's filter choice for one row: (filter byte + data, the row's sub filter for the next row)."""
    sub = _minus(row, b"\x00" + row[:-1])
    best, kind = row, 0
    total = _cost(row)
    if total > 0:
        up = _minus(row, prev)
        cost = _cost(up)
        if cost < total:
            best, kind, total = up, 2, cost
    if total > 0:
        cost = _cost(sub)
        if cost < total:
            best, kind, total = sub, 1, cost
    if total > 0:
        paeth = _paeth(row, prev, sub, prev_sub)
        cost = _cost(paeth)
        if cost < total:
            best, kind, total = paeth, 4, cost
    return bytes([kind]) + best, sub


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(mask: bytes, width: int, height: int) -> bytes:
    """What `PIL.Image.fromarray(mask).save(path)` writes for an 8-bit grayscale mask."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 15, 9, zlib.Z_FILTERED)
    stream = []
    prev = bytes(width)
    prev_sub = prev
    for y in range(height):
        row = mask[y * width:(y + 1) * width]
        line, prev_sub = _filtered(row, prev, prev_sub)
        stream.append(compressor.compress(line))
        prev = row
    stream.append(compressor.flush())
    data = b"".join(stream)
    block = max(65536, width * 4)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idats = [_chunk(b"IDAT", data[i:i + block]) for i in range(0, len(data), block)] or [_chunk(b"IDAT", b"")]
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + b"".join(idats) + _chunk(b"IEND", b"")


# --- the formats --------------------------------------------------------------------------------------------------


def _layers(from_name: str, results: list[dict]) -> Iterator[tuple[str, dict]]:
    """`decode_from_annotation`'s layer names: `<from_name>-<labels>-<n>` for every brush region."""
    counters: dict[str, int] = {}
    for result in results:
        kind = str(result.get("type", "")).lower()
        key = "brushlabels" if kind == "brushlabels" else ("labels" if kind == "labels" else None)
        if key is None or "rle" not in result:
            continue
        labels = result[key] if key in result else ["no_label"]
        name = from_name + "-" + "-".join(str(label) for label in labels)
        count = counters.get(name, 0)
        counters[name] = count + 1
        yield f"{name}-{count}", result


def _author(item: dict) -> str:
    return "".join(c for c in annotator(item) or "" if c.isalnum() or c == "@" or c == ".")


class _BrushFormat(ABC):
    """Shared by the PNG and NumPy outputs; each subclass says how one decoded mask is encoded."""

    name = ""
    title = ""
    description = ""
    extension = ""

    def begin(self, config: LabelConfig, project: dict) -> dict:
        return {"schema": build_schema(config)}

    @abstractmethod
    def encode(self, mask: bytes, width: int, height: int) -> tuple[bytes, bool]:
        """The bytes of one mask in this format, and whether they are zlib-deflated (inflated again on assembly)."""

    def part(self, state: dict, tasks: list[dict]) -> Part:
        files: dict[str, list] = {}
        for item in items(tasks, Matcher(state["schema"])):
            prefix = f"task-{item['id']}-annotation-{item['annotation_id']}-by-{_author(item)}-"
            for from_name, results in item["output"].items():
                for layer, region in _layers(from_name, results):
                    try:
                        mask, width, height = brush_mask(region)
                    except (MalformedRle, KeyError, TypeError):
                        continue
                    data, deflated = self.encode(mask, width, height)
                    name = prefix + layer.replace("/", "-").replace("\\", "-") + self.extension
                    files[name] = [base64.b64encode(data).decode(), deflated]
        return Part(jsonl([name, *value] for name, value in files.items()), {"files": len(files)})

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]:
        owner: dict[str, int] = {}
        for index in range(len(summaries)):
            for name, *_rest in read_jsonl(read_part(index)):
                owner[name] = index
        cache = PartCache(read_part, lambda records: {name: (data, deflated) for name, data, deflated in records})
        return [(name, _content(cache, index, name)) for name, index in owner.items()]


def _content(cache: PartCache, index: int, name: str) -> Iterator[bytes]:
    data, deflated = cache.get(index)[name]
    raw = base64.b64decode(data)
    if not deflated:
        yield raw
        return
    inflater = zlib.decompressobj()
    while raw:
        yield inflater.decompress(raw, 1 << 20)
        raw = inflater.unconsumed_tail
    if tail := inflater.flush():
        yield tail


class BrushToNumpyFormat(_BrushFormat):
    name = "BRUSH_TO_NUMPY"
    title = "Brush labels to NumPy"
    description = "Export your brush labels as NumPy 2d arrays. Each label outputs as one image."
    extension = ".npy"

    def encode(self, mask: bytes, width: int, height: int) -> tuple[bytes, bool]:
        return zlib.compress(npy_header(height, width) + mask, 1), True


class BrushToPngFormat(_BrushFormat):
    name = "BRUSH_TO_PNG"
    title = "Brush labels to PNG"
    description = "Export your brush labels as PNG images. Each label outputs as one image."
    extension = ".png"

    def encode(self, mask: bytes, width: int, height: int) -> tuple[bytes, bool]:
        return png_bytes(mask, width, height), False


FORMATS = {"BRUSH_TO_NUMPY": BrushToNumpyFormat(), "BRUSH_TO_PNG": BrushToPngFormat()}
