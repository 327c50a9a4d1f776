"""CONLL2003: `-DOCSTART- -X- O`, then per converter item one `"{token} -X- _ {tag}"` line per token and a blank line.

Label Studio tokenizes the text of the (single) data key with NLTK's `TreebankWordTokenizer().span_tokenize`,
whose punctuation rules `label_studio_sdk.converter.utils` patches (it also splits `/`), and tags tokens IOB2
from the spans of the first `Labels` output of the item (`create_tokens_and_tags`). NLTK is not a Skylabel
dependency: `span_tokenize` below applies the Penn Treebank conventions as the same ordered regex rewrites —
quotes, punctuation, brackets, double dashes, clitics (`'s`, `n't`, `'ll`...), split contractions (`cannot`,
`gonna`...) — then splits on whitespace and aligns the tokens back onto the text, restoring converted quotes.
The tagging reproduces the converter's loop, quirks included: a token takes the current span's tag if it
overlaps it at all (`Paris-Nord` under a span on `Paris` is `B-LOC`), the next span is only looked at once a
token starts past the current one, and spans are sorted by `start`. No task id is written.

Deviations, only where Label Studio fails: when NLTK's alignment breaks (a token it cannot find back in the
text — Label Studio's export then errors) the text is split on whitespace instead; a data value that is not a
string is written as `str(value)` (`""` for a missing one). With several data keys in the config Label Studio
picks one arbitrarily (`list(set(...))[0]`) — it disables CONLL2003 then; Skylabel takes the Text object of the
first `Labels` control.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from skylabel.errors import Invalid
from skylabel.formats.base import Chunks, Part
from skylabel.formats.items import Matcher, build_schema, items, joined_parts
from skylabel.labeling_config import LabelConfig

HEADER = b"-DOCSTART- -X- O\n"

# Ordered rewrites of the Penn Treebank tokenizer; each pads what must become a token of its own with spaces.
_Rules = list[tuple[re.Pattern, str]]


def _rules(*pairs: tuple[str, str]) -> _Rules:
    return [(re.compile(pattern), replacement) for pattern, replacement in pairs]


_OPENING_QUOTES = _rules(
    (r'^"', "``"),  # a double quote opening the text
    (r"(``)", r" \1 "),
    (r'([ (\[{<])("|\'{2})', r"\1 `` "),  # a double quote (or '') after a space or an opening bracket
)
_PUNCTUATION = _rules(  # as patched by label_studio_sdk.converter.utils (adds "/")
    (r"([:,])([^\d])", r" \1 \2"),  # , and : unless inside a number (1,000 10:30)
    (r"([:,])$", r" \1 "),
    (r"\.\.\.", " ... "),
    (r"[;@#$/%&]", r" \g<0> "),
    (r'([^\.])(\.)([\]\)}>"\']*)\s*$', r"\1 \2\3 "),  # only the final period (U.S. and Corp. stay whole)
    (r"[?!]", r" \g<0> "),
    (r"([^'])' ", r"\1 ' "),  # a closing single quote before a space
)
_BRACKETS = _rules((r"[\]\[(){}<>]", r" \g<0> "))
_DASHES = _rules((r"--", " -- "))
_CLOSING = _rules(
    (r"''", " '' "),
    (r'"', " '' "),  # every remaining double quote closes
    (r"([^' ])('[sS]|'[mM]|'[dD]|') ", r"\1 \2 "),  # clitics: John 's, I 'm, he 'd, boys '
    (r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", r"\1 \2 "),  # we 'll, they 're, I 've, does n't
)
_CONTRACTIONS = _rules(*[(p, r" \1 \2 ") for p in (
    r"(?i)\b(can)(not)\b", r"(?i)\b(d)('ye)\b", r"(?i)\b(gim)(me)\b", r"(?i)\b(gon)(na)\b", r"(?i)\b(got)(ta)\b",
    r"(?i)\b(lem)(me)\b", r"(?i)\b(more)('n)\b", r"(?i)\b(wan)(na)(?=\s)", r"(?i) ('t)(is)\b", r"(?i) ('t)(was)\b",
)])
_QUOTES = re.compile(r"``|'{2}|\"")


def _rewrite(text: str, rules: _Rules) -> str:
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def tokenize(text: str) -> list[str]:
    """Treebank tokens (double quotes come out as `` and '')."""
    text = _rewrite(text, _OPENING_QUOTES + _PUNCTUATION + _BRACKETS + _DASHES)
    text = _rewrite(" " + text + " ", _CLOSING + _CONTRACTIONS)
    return text.split()


def span_tokenize(text: str) -> list[tuple[int, int]]:
    """(start, end) of each Treebank token in `text`."""
    tokens = tokenize(text)
    if '"' in text or "''" in text:  # put the original quote characters back, in order
        originals = iter(m.group() for m in _QUOTES.finditer(text))
        try:
            tokens = [next(originals) if t in ('"', "``", "''") else t for t in tokens]
        except StopIteration:
            return _whitespace_spans(text)
    spans = []
    point = 0
    for token in tokens:
        start = text.find(token, point)
        if start < 0:
            return _whitespace_spans(text)
        point = start + len(token)
        spans.append((start, point))
    return spans


def _whitespace_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"\S+", text)]


def tokens_and_tags(text: str, spans: list[dict] | None) -> tuple[list[str], list[str]]:
    """`create_tokens_and_tags`: tokens of `text` and their IOB2 tags from the labelled `spans`."""
    tokens = [(text[start:end], start) for start, end in span_tokenize(text)]
    words = [token for token, _ in tokens]
    if not spans or not all(s.get("start") is not None and s.get("end") is not None for s in spans):
        return words, ["O"] * len(words)
    pending = sorted(spans, key=lambda s: s["start"])
    span = pending.pop(0)
    first, last = span["start"], span["end"] - 1  # `last` is the span's last character
    prefix = "B-"
    tags = []
    for token, start in tokens:
        end = start + len(token) - 1
        if start > last:  # past the current span: move to the next one that has not ended before this token
            while pending:
                span = pending.pop(0)
                first, last = span["start"], span["end"] - 1
                prefix = "B-"
                if start <= last:
                    break
        if not span or end < first or not span.get("labels"):
            tags.append("O")
        elif first <= end and last >= start:
            tags.append(prefix + span["labels"][0])
            prefix = "I-"
        else:
            tags.append("O")
    return words, tags


def _text(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _labels_spans(output: dict) -> list[dict] | None:
    for values in output.values():
        if str(values[0].get("type", "")).lower() == "labels":
            return values
    return None


class ConllFormat:
    name = "CONLL2003"
    title = "CONLL2003"
    description = "Popular format used for the CoNLL-2003 named entity recognition challenge."
    link = "https://labelstud.io/guide/export.html#CONLL2003"
    tags = ["sequence labeling", "text tagging", "named entity recognition"]

    def begin(self, config: LabelConfig, project: dict) -> dict:
        schema = build_schema(config)
        key = _text_key(config, schema)
        if key is None:
            raise Invalid("CONLL2003 needs a <Text> object tag labelled by a <Labels> control; this labeling "
                          "config has none. Use JSON, JSON_MIN or CSV.")
        return {"schema": schema, "data_key": key}

    def part(self, state: dict, tasks: list[dict]) -> Part:
        matcher = Matcher(state["schema"])
        key = state["data_key"]
        out: list[str] = []
        count = 0
        for item in items(tasks, matcher):
            words, tags = tokens_and_tags(_text(item["input"].get(key)), _labels_spans(item["output"]))
            out.extend(f"{word} -X- _ {tag}\n" for word, tag in zip(words, tags, strict=True))
            out.append("\n")
            count += 1
        return Part("".join(out).encode(), {"count": count})

    def assemble(self, state: dict, summaries: list[dict],
                 read_part: Callable[[int], Chunks]) -> Iterable[tuple[str, Chunks]]:
        return [("result.conll", joined_parts(summaries, read_part, HEADER, b"", b""))]


def _text_key(config: LabelConfig, schema: dict) -> str | None:
    keys = schema["data_keys"]
    if len(keys) == 1:
        return keys[0]
    for control in config.controls.values():
        if control["type"] == "Labels":
            for target in control["inputs"]:
                if target["type"] == "Text" and target["value"]:
                    return target["value"]
    return keys[0] if keys else None


CONLL2003 = ConllFormat()
