"""Label Studio's Data Manager `query` (filters, ordering, selectedItems), evaluated in Python over task rows.

Why an in-process engine instead of translating the query to SQL / DynamoDB expressions
-------------------------------------------------------------------------------------
Task listing must give the same answer on the local SQLite adapter and on DynamoDB. DynamoDB cannot express
half of the operators (case-insensitive contains, regex, ordering by a data field), and two translators would
drift apart. So both adapters hand plain task rows to this one engine. `parse_query` validates the query once and
compiles each filter into a closure (operator, column accessor and value coercion are all chosen up front), so
evaluating a row is a few attribute lookups and one comparison - no per-row parsing of the query.
`is_trivial` and `needed_columns` let a caller skip the scan or the expensive columns when the query allows it.

Semantics follow Label Studio 1.23.2 on SQLite (`data_manager/managers.py`), checked against a real instance:

* Null rules: a null or missing value fails every operator except `empty`, negated ones included
  (`not_equal`, `not_contains`, `not_in`, `not_in_list` do not select tasks whose value is null or whose
  `data` lacks the key), as SQL three-valued logic does in LS. The list columns (`annotators`,
  `predictions_model_versions`) are the exception: there "not contains" selects tasks with no items.
* Fixed columns compare by the column's own kind whatever the filter `type` says (`id equal String "3"`
  matches task 3). `data.<field>` columns compare by the filter `type`:
  Number casts both sides to a number (numeric strings count, anything else is null); Datetime and Boolean
  likewise; every other type (String, Unknown, Image, Text, List, ...) compares JSON-typed values the way
  SQLite does: numbers before text, `"42"` is not equal to `42`, strings compare by code point.
* `contains`/`not_contains` are case-insensitive substring tests on the value's text form (a list or dict in
  `data` is its compact JSON); `regex` is a case-sensitive `re.search` on the same text.
* `empty` (value bool or "true"/"false"): null, missing, "" or []. For total_annotations, total_predictions
  and cancelled_annotations, empty means 0 (as in LS). For annotations_results / predictions_results it means
  "no annotation, or an annotation with an empty result".
* `in`/`not_in` take {"min", "max"}, inclusive. `in_list`/`not_in_list` take a list.
* `annotators`: contains/equal (a user id), not_contains/not_equal, in_list/not_in_list (any of the ids), empty.
* `predictions_model_versions`: contains/not_contains take a string or a list of strings (case-insensitive
  substring of any version), equal/not_equal/in_list/not_in_list test membership, empty.
* `annotations_results` / `predictions_results` are expected as each annotation's `result` JSON
  (`json.dumps` default separators, as LS stores it) joined by "," - what LS's SQLite GROUP_CONCAT yields.
  `contains` runs on that text; `equal` takes a JSON value and matches a task with an annotation whose
  result equals it.
* `data.a.b` reads the literal key "a.b" first (LS does only that), then the nested path data["a"]["b"].
* Ordering uses only the first entry of `ordering` (LS ignores the rest). Nulls sort last both ascending and
  descending; ties keep id ascending. A data field sorts numbers before text, unless the query carries
  `"columnsDisplayType": {"tasks:data.x": "Number"}`, which sorts it numerically.
* selectedItems: {"all": true, "excluded": [...]} drops those ids; {"all": false, "included": [...]} keeps only
  those ids. As in LS, an empty "included" list (or "included" with all=true) selects everything.
* Filters with `"value": null` are skipped (the DM frontend saves half-filled filters that way).

Deliberately stricter than LS, which answers these with a 500 or silently wrong rows: an unknown column or
operator (LS treats an unknown operator as `equal`), a filter name without "filter:tasks:", a value of the wrong
shape (`"x"` for Number, a non-list for in_list, no min/max for in), an unparsable Datetime, an invalid regex
(LS returns no tasks) and non-JSON for `equal` on results all raise `Invalid` saying what to fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from skylabel.errors import Invalid

Row = Mapping[str, Any]
Pred = Callable[[Row], bool]
Getter = Callable[[Row], Any]
Cast = Callable[[Any], Any]

FILTER_PREFIX = "filter:tasks:"

OPERATORS = (
    "equal",
    "not_equal",
    "less",
    "greater",
    "less_or_equal",
    "greater_or_equal",
    "in",
    "not_in",
    "in_list",
    "not_in_list",
    "empty",
    "contains",
    "not_contains",
    "regex",
)

# Fixed (non-data) columns by kind: the kind decides how values compare, whatever the filter `type` says.
_NUMBER_COLUMNS = (
    "id",
    "inner_id",
    "total_annotations",
    "cancelled_annotations",
    "total_predictions",
    "predictions_score",
    "agreement",
    "avg_lead_time",
)
_DATETIME_COLUMNS = ("created_at", "updated_at", "completed_at")
_BOOLEAN_COLUMNS = ("ground_truth", "reviewed", "draft_exists", "is_labeled")
_STRING_COLUMNS = ("file_upload", "storage_filename")
_RESULTS_COLUMNS = ("annotations_results", "predictions_results")
_LIST_COLUMNS = ("annotators", "predictions_model_versions")
_ZERO_IS_EMPTY = frozenset({"total_annotations", "total_predictions", "cancelled_annotations"})

COLUMN_KINDS: dict[str, str] = {
    **{c: "number" for c in _NUMBER_COLUMNS},
    **{c: "datetime" for c in _DATETIME_COLUMNS},
    **{c: "boolean" for c in _BOOLEAN_COLUMNS},
    **{c: "string" for c in _STRING_COLUMNS},
    **{c: "results" for c in _RESULTS_COLUMNS},
    "annotators": "annotators",
    "predictions_model_versions": "model_versions",
}
# For a data.<field> column the filter type decides; every other type name compares JSON-typed values.
_DATA_KIND_BY_TYPE = {"Number": "number", "Datetime": "datetime", "Boolean": "boolean"}

_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "not", "off", "0"})


def _fail(message: str) -> Invalid:
    return Invalid(message, details={"query": [message]})


# --- value coercion (used for row values and, strictly, for filter values) -----------------------------------


def to_number(value: Any) -> int | float | None:
    """A number, or None: ints/floats as they are, numeric strings parsed; bools and the rest are not numbers."""
    cls = value.__class__
    if cls is int or cls is float:
        return value
    if cls is str:
        try:
            return float(value)
        except ValueError:
            return None
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):  # DynamoDB hands numbers back as Decimal
        return _from_decimal(value)
    return value if isinstance(value, int | float) else None


def _from_decimal(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _from_decimal(value)
    return str(value)


def to_datetime_key(value: Any) -> str | None:
    """The UTC timestamp as canonical "%Y-%m-%dT%H:%M:%S.%fZ" text, which sorts like the datetime itself."""
    if value.__class__ is not str:
        if isinstance(value, datetime):
            return _canonical(value)
        return None
    if len(value) == 27 and value[26] == "Z" and value[10] == "T" and value[19] == ".":
        return value  # already canonical: the hot path, no parsing
    try:
        return _canonical(datetime.fromisoformat(value.strip()))
    except ValueError:
        return None


def _canonical(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds") + "Z"


def to_bool(value: Any) -> bool | None:
    """LS's cast_bool_from_str: bools, 0/1 and the words true/false/yes/no/on/off/1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    return None


def _row_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def to_text(value: Any) -> str | None:
    """The text LS matches `contains`/`regex` against: strings as-is, JSON for the rest (compact, as SQLite)."""
    if value is None or value.__class__ is str:
        return value
    if isinstance(value, bool | list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)
    if isinstance(value, Decimal):
        return str(_from_decimal(value))
    return str(value)


def to_json_key(value: Any) -> tuple[int, Any] | None:
    """SQLite's ordering of JSON values: numbers (bools as 0/1) before text; lists and dicts are their JSON text."""
    cls = value.__class__
    if cls is str:
        return (1, value)
    if value is None:
        return None
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, Decimal):
        return (0, _from_decimal(value))
    return (1, to_text(value))


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


# --- columns -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A resolved column: its name as in the query (without prefixes), the row key it reads, and its kind."""

    name: str
    row_key: str
    kind: str  # number | datetime | boolean | string | results | annotators | model_versions | data
    get: Getter

    @property
    def is_data(self) -> bool:
        return self.kind == "data"


def _data_getter(path: str) -> Getter:
    if "." not in path:

        def get(row: Row) -> Any:
            data = row.get("data")
            return data.get(path) if isinstance(data, dict) else None

        return get

    parts = path.split(".")

    def get_nested(row: Row) -> Any:
        node = row.get("data")
        if not isinstance(node, dict):
            return None
        if path in node:
            return node[path]
        for part in parts:
            if not isinstance(node, dict):
                return None
            node = node.get(part)
        return node

    return get_nested


def _field_getter(key: str) -> Getter:
    def get(row: Row) -> Any:
        return row.get(key)

    return get


def resolve_column(name: str, where: str) -> Column:
    """`name` without "filter:tasks:"/"tasks:": a fixed column or data.<field>."""
    if name.startswith("data."):
        path = name[len("data.") :]
        if not path:
            raise _fail(f'{where}: "data." needs a field name, e.g. "data.text"')
        return Column(name=name, row_key="data", kind="data", get=_data_getter(path))
    kind = COLUMN_KINDS.get(name)
    if kind is None:
        known = ", ".join(sorted(COLUMN_KINDS))
        raise _fail(f'{where}: unknown column "{name}"; use one of {known} or data.<field>')
    return Column(name=name, row_key=name, kind=kind, get=_field_getter(name))


# --- filter compilation --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterItem:
    """One parsed filter (with its optional child filter, AND-ed to it as in LS)."""

    column: Column
    operator: str
    type: str
    value: Any
    child: FilterItem | None = None


def _cast_for(kind: str) -> Cast:
    return {
        "number": to_number,
        "datetime": to_datetime_key,
        "boolean": _row_bool,
        "string": to_text,
        "results": to_text,
        "json": to_json_key,
    }[kind]


def _value_cast(kind: str, value: Any, where: str, what: str) -> Any:
    """Coerce a filter value for comparison with row values of `kind`; Invalid when it cannot be."""
    if kind == "number":
        number = None if isinstance(value, bool) else to_number(value)
        if number is None:
            raise _fail(f"{where}: {what} needs a number, got {json.dumps(value)}")
        return number
    if kind == "datetime":
        key = to_datetime_key(value) if isinstance(value, str) else None
        if key is None:
            raise _fail(f'{where}: {what} needs a datetime like "2024-01-31T00:00:00.000000Z", got {json.dumps(value)}')
        return key
    if kind == "boolean":
        flag = to_bool(value)
        if flag is None:
            raise _fail(f"{where}: {what} needs a boolean (true/false), got {json.dumps(value)}")
        return flag
    if isinstance(value, dict | list) and kind != "json":
        raise _fail(f"{where}: {what} needs a single value, got {json.dumps(value)}")
    return _cast_for(kind)(value)


def _range(kind: str, value: Any, where: str, what: str) -> tuple[Any, Any]:
    if not isinstance(value, dict) or "min" not in value or "max" not in value:
        raise _fail(f'{where}: {what} needs {{"min": ..., "max": ...}}, got {json.dumps(value)}')
    return _value_cast(kind, value["min"], where, what), _value_cast(kind, value["max"], where, what)


def _items(kind: str, value: Any, where: str, what: str) -> frozenset[Any]:
    if not isinstance(value, list):
        raise _fail(f"{where}: {what} needs a list of values, got {json.dumps(value)}")
    return frozenset(_value_cast(kind, item, where, what) for item in value)


def _empty_flag(value: Any, where: str) -> bool:
    flag = to_bool(value)
    if flag is None:
        raise _fail(f"{where}: operator empty needs true or false, got {json.dumps(value)}")
    return flag


def _text_pred(get: Getter, operator: str, value: Any, where: str) -> Pred:
    """contains / not_contains / regex on the text form of the raw value; null never matches."""
    if isinstance(value, dict | list):
        raise _fail(f"{where}: operator {operator} needs a string, got {json.dumps(value)}")
    needle = to_text(value) or ""
    if operator == "regex":
        try:
            search = re.compile(needle).search
        except re.error as exc:
            raise _fail(f"{where}: invalid regular expression {needle!r}: {exc}") from None

        def regex(row: Row) -> bool:
            text = to_text(get(row))
            return text is not None and search(text) is not None

        return regex

    needle = needle.lower()
    negate = operator == "not_contains"

    def contains(row: Row) -> bool:
        raw = get(row)
        if raw is None:
            return False
        text = raw if raw.__class__ is str else to_text(raw)
        return (needle in text.lower()) is not negate

    return contains


def _compare_pred(get: Getter, cast: Cast, operator: str, target: Any) -> Pred:
    """equal .. greater_or_equal on cast values; a null (uncastable) value never matches."""
    if operator == "equal":

        def pred(row: Row) -> bool:
            x = cast(get(row))
            return x is not None and x == target

    elif operator == "not_equal":

        def pred(row: Row) -> bool:
            x = cast(get(row))
            return x is not None and x != target

    elif operator == "less":

        def pred(row: Row) -> bool:
            x = cast(get(row))
            return x is not None and x < target

    elif operator == "greater":

        def pred(row: Row) -> bool:
            x = cast(get(row))
            return x is not None and x > target

    elif operator == "less_or_equal":

        def pred(row: Row) -> bool:
            x = cast(get(row))
            return x is not None and x <= target

    else:  # greater_or_equal

        def pred(row: Row) -> bool:
            x = cast(get(row))
            return x is not None and x >= target

    return pred


def _set_pred(get: Getter, cast: Cast, operator: str, bounds: Any) -> Pred:
    """in / not_in (inclusive range) and in_list / not_in_list on cast values; null never matches."""
    negate = operator.startswith("not_")
    if operator in ("in", "not_in"):
        low, high = bounds

        def in_range(row: Row) -> bool:
            x = cast(get(row))
            return x is not None and (low <= x <= high) is not negate

        return in_range

    def in_list(row: Row) -> bool:
        x = cast(get(row))
        return x is not None and (x in bounds) is not negate

    return in_list


def _scalar_pred(column: Column, kind: str, operator: str, value: Any, where: str) -> Pred:
    """Every operator for a column whose row value is one scalar, compared as `kind`."""
    get = column.get
    what = f'{operator} on "{column.name}"'
    if operator == "empty":
        flag = _empty_flag(value, where)
        if column.name in _ZERO_IS_EMPTY:
            return _compare_pred(get, to_number, "equal" if flag else "not_equal", 0)
        return lambda row: _is_empty(get(row)) is flag
    if operator in ("contains", "not_contains", "regex"):
        return _text_pred(get, operator, value, where)
    cast = _cast_for(kind)
    if operator in ("in", "not_in"):
        return _set_pred(get, cast, operator, _range(kind, value, where, what))
    if operator in ("in_list", "not_in_list"):
        return _set_pred(get, cast, operator, _items(kind, value, where, what))
    return _compare_pred(get, cast, operator, _value_cast(kind, value, where, what))


def _user_id(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
        raise _fail(f"{where}: annotators filters take a user id (an integer), got {json.dumps(value)}")
    return int(value)


def _annotators_pred(column: Column, operator: str, value: Any, where: str) -> Pred:
    get = column.get
    if operator == "empty":
        flag = _empty_flag(value, where)
        return lambda row: (not get(row)) is flag
    if operator in ("contains", "equal", "not_contains", "not_equal"):
        ids = frozenset({_user_id(value, where)})
    elif operator in ("in_list", "not_in_list"):
        if not isinstance(value, list):
            raise _fail(f"{where}: {operator} on annotators needs a list of user ids, got {json.dumps(value)}")
        ids = frozenset(_user_id(item, where) for item in value)
    else:
        raise _fail(
            f"{where}: operator {operator} is not supported on annotators; "
            "use contains, not_contains, equal, not_equal, in_list, not_in_list or empty"
        )
    negate = operator.startswith("not_")
    return lambda row: (not ids.isdisjoint(get(row) or ())) is not negate


def _model_versions_pred(column: Column, operator: str, value: Any, where: str) -> Pred:
    get = column.get
    negate = operator.startswith("not_")
    if operator == "empty":
        flag = _empty_flag(value, where)
        return lambda row: (not [v for v in get(row) or () if v is not None]) is flag
    values = value if isinstance(value, list) else [value]
    if not values or not all(isinstance(v, str) for v in values):
        raise _fail(f"{where}: {operator} on predictions_model_versions needs a string or a list of strings")
    if operator in ("contains", "not_contains"):
        needles = tuple(v.lower() for v in values)
        return lambda row: any(n in v.lower() for v in get(row) or () if v for n in needles) is not negate
    if operator in ("equal", "not_equal", "in_list", "not_in_list"):
        wanted = frozenset(values)
        return lambda row: (not wanted.isdisjoint(get(row) or ())) is not negate
    raise _fail(
        f"{where}: operator {operator} is not supported on predictions_model_versions; "
        "use contains, not_contains, equal, not_equal, in_list, not_in_list or empty"
    )


def parse_results(text: Any) -> list[Any] | None:
    """The per-annotation results in a results column ("r1,r2" as GROUP_CONCAT joins them), None if not JSON."""
    if text is None or text == "":
        return []
    if not isinstance(text, str):
        return text if isinstance(text, list) else None
    try:
        parsed = json.loads("[" + text + "]")
    except ValueError:
        return None
    if len(parsed) == 1 and isinstance(parsed[0], list) and parsed[0] and isinstance(parsed[0][0], list):
        return parsed[0]  # already a JSON list of results
    return parsed


def _results_empty(text: Any) -> bool:
    results = parse_results(text)
    if results is None:
        return not str(text).strip()
    return not results or any(r is None or r == [] for r in results)


def _results_pred(column: Column, operator: str, value: Any, where: str) -> Pred:
    get = column.get
    if operator == "empty":
        flag = _empty_flag(value, where)
        return lambda row: _results_empty(get(row)) is flag
    if operator not in ("equal", "not_equal"):
        return _scalar_pred(column, "results", operator, value, where)
    try:
        target = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        raise _fail(f'{where}: {operator} on "{column.name}" needs a JSON result, e.g. "[]"') from None
    negate = operator == "not_equal"

    def pred(row: Row) -> bool:
        results = parse_results(get(row)) or []
        return any(r == target for r in results) is not negate

    return pred


def _leaf_pred(item: FilterItem, where: str) -> Pred:
    column, operator, value = item.column, item.operator, item.value
    kind = column.kind
    if kind == "annotators":
        return _annotators_pred(column, operator, value, where)
    if kind == "model_versions":
        return _model_versions_pred(column, operator, value, where)
    if kind == "results":
        return _results_pred(column, operator, value, where)
    if kind == "data":
        kind = _DATA_KIND_BY_TYPE.get(item.type, "json")
    return _scalar_pred(column, kind, operator, value, where)


def _all(preds: Sequence[Pred]) -> Pred:
    if len(preds) == 1:
        return preds[0]
    if len(preds) == 2:
        first, second = preds
        return lambda row: first(row) and second(row)
    return lambda row: all(p(row) for p in preds)


def _any(preds: Sequence[Pred]) -> Pred:
    if len(preds) == 1:
        return preds[0]
    return lambda row: any(p(row) for p in preds)


# --- parsing -------------------------------------------------------------------------------------------------


def _parse_item(raw: Any, where: str) -> FilterItem | None:
    if not isinstance(raw, dict):
        raise _fail(f"{where} must be an object with filter, operator, type and value")
    for key in ("filter", "operator", "type"):
        if not isinstance(raw.get(key), str):
            raise _fail(f"{where}.{key} is required and must be a string")
    if "value" not in raw:
        raise _fail(f"{where}.value is required")
    name, operator = raw["filter"], raw["operator"]
    if not name.startswith(FILTER_PREFIX):
        raise _fail(f'{where}.filter: Filter "{name}" should start with "{FILTER_PREFIX}"')
    if operator not in OPERATORS:
        raise _fail(f'{where}.operator: unknown operator "{operator}"; use one of {", ".join(OPERATORS)}')
    column = resolve_column(name[len(FILTER_PREFIX) :], f"{where}.filter")
    child = None
    if raw.get("child_filter") is not None:
        child = _parse_item(raw["child_filter"], f"{where}.child_filter")
    if raw["value"] is None:
        return child  # LS skips a filter without a value; its child filter still applies
    item = FilterItem(column=column, operator=operator, type=raw["type"], value=raw["value"], child=child)
    _leaf_pred(item, where)  # validate the value now, so errors name the item
    return item


def _parse_filters(raw: Any) -> tuple[str, tuple[FilterItem, ...]]:
    if raw is None:
        return "and", ()
    if not isinstance(raw, dict):
        raise _fail('filters must be an object like {"conjunction": "and", "items": [...]} or null')
    conjunction = raw.get("conjunction")
    if conjunction not in ("and", "or"):
        raise _fail(f'filters.conjunction must be "and" or "or", got {json.dumps(conjunction)}')
    items = raw.get("items")
    if not isinstance(items, list):
        raise _fail("filters.items must be a list of filter objects")
    parsed = (_parse_item(item, f"filters.items[{i}]") for i, item in enumerate(items))
    return conjunction, tuple(item for item in parsed if item is not None)


def _id_list(raw: Any, where: str) -> frozenset[int]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise _fail(f"{where} must be a list of task ids")
    ids = set()
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
            raise _fail(f"{where} must be a list of task ids, got {json.dumps(value)}")
        ids.add(int(value))
    return frozenset(ids)


def _parse_selected(raw: Any) -> tuple[bool, frozenset[int], frozenset[int]]:
    """(all, included, excluded); LS accepts selectedItems as a JSON-encoded string too."""
    if raw is None:
        return True, frozenset(), frozenset()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    if not isinstance(raw, dict) or to_bool(raw.get("all")) is None:
        raise _fail(
            'selectedItems must be {"all": true, "excluded": [task ids]} or {"all": false, "included": [task ids]}'
        )
    selected_all = to_bool(raw["all"])
    return (
        bool(selected_all),
        _id_list(raw.get("included"), "selectedItems.included"),
        _id_list(raw.get("excluded"), "selectedItems.excluded"),
    )


def _strip_ordering(raw: Any) -> tuple[str, bool]:
    """LS's preprocess_field_name: "-" and the optional "filter:"/"tasks:" prefixes, then "-" once more."""
    if not isinstance(raw, str) or not raw.strip("-+"):
        raise _fail(f'ordering entries must be column names like "tasks:id" or "-tasks:completed_at", got {raw!r}')
    name, descending = raw, False
    if name.startswith("-"):
        name, descending = name[1:], True
    for prefix in ("filter:", "tasks:"):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    if not descending and name.startswith("-"):
        name, descending = name[1:], True
    return name, descending


def _parse_ordering(raw: Any, display_types: Any) -> tuple[Column | None, bool, bool]:
    """(column or None for the default id order, descending, numeric) from the first ordering entry."""
    if raw is None or raw == []:
        return None, False, False
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise _fail('ordering must be a list like ["tasks:id"] or ["-tasks:completed_at"]')
    name, descending = _strip_ordering(raw[0])
    column = resolve_column(name, "ordering[0]")
    numeric = False
    if column.is_data and isinstance(display_types, dict):
        numeric = display_types.get(raw[0].lstrip("-+")) == "Number"
    if column.name == "id" and not descending:
        return None, False, False
    return column, descending, numeric


def _load(raw: str | Mapping[str, Any] | None) -> Mapping[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, str | bytes):
        text = raw.decode() if isinstance(raw, bytes) else raw
        if not text.strip():
            return {}
        try:
            raw = json.loads(text)
        except ValueError:
            try:  # LS unquotes the parameter once more; accept a doubly-encoded query too
                raw = json.loads(unquote(text))
            except ValueError as exc:
                raise _fail(f"query is not valid JSON: {exc}") from None
        if raw is None:
            return {}
    if not isinstance(raw, Mapping):
        raise _fail('query must be a JSON object like {"filters": ..., "ordering": [...], "selectedItems": ...}')
    return raw


def parse_query(raw: str | Mapping[str, Any] | None) -> TaskQuery:
    """Validate a Data Manager query (JSON text, dict, or None) and compile it. Raises Invalid on a bad query."""
    data = _load(raw)
    conjunction, items = _parse_filters(data.get("filters"))
    selected_all, included, excluded = _parse_selected(data.get("selectedItems"))
    order_column, descending, numeric = _parse_ordering(data.get("ordering"), data.get("columnsDisplayType"))
    return TaskQuery(
        conjunction=conjunction,
        items=items,
        selected_all=selected_all,
        included=included,
        excluded=excluded,
        order_column=order_column,
        descending=descending,
        numeric_order=numeric,
    )


# --- the compiled query --------------------------------------------------------------------------------------


def _row_id(row: Row) -> Any:
    return row["id"]


def _list_sort_key(column: Column) -> Callable[[Row], Any]:
    get = column.get
    if column.kind == "annotators":  # LS coalesces "no annotators" to "": sorts first, never null
        return lambda row: tuple(sorted(get(row) or ()))

    def versions(row: Row) -> Any:
        items = [to_json_key(v) for v in get(row) or () if v is not None]
        return tuple(items) if items else None

    return versions


def _sort_key(column: Column, numeric: bool) -> Callable[[Row], Any]:
    """Key per row; None means null, which sorts last in both directions (LS uses nulls_last)."""
    get = column.get
    if column.kind in ("annotators", "model_versions"):
        return _list_sort_key(column)
    if column.is_data:
        cast = to_number if numeric else to_json_key
    else:
        cast = {"number": to_number, "datetime": to_datetime_key, "boolean": _row_bool}.get(column.kind, to_text)
    return lambda row: cast(get(row))


class TaskQuery:
    """A parsed, compiled Data Manager query. Build it with `parse_query`."""

    def __init__(
        self,
        *,
        conjunction: str,
        items: tuple[FilterItem, ...],
        selected_all: bool,
        included: frozenset[int],
        excluded: frozenset[int],
        order_column: Column | None,
        descending: bool,
        numeric_order: bool,
    ) -> None:
        self.conjunction = conjunction
        self.items = items
        self.selected_all = selected_all
        self.included = included
        self.excluded = excluded
        self.order_column = order_column
        self.descending = descending
        self.numeric_order = numeric_order
        self._pred = self._compile()

    def _compile(self) -> Pred | None:
        preds: list[Pred] = []
        if self.items:
            lines = [self._line(item, i) for i, item in enumerate(self.items)]
            preds.append(_any(lines) if self.conjunction == "or" else _all(lines))
        if not self.selected_all and self.included:
            included = self.included
            preds.append(lambda row: row["id"] in included)
        elif self.selected_all and self.excluded:
            excluded = self.excluded
            preds.append(lambda row: row["id"] not in excluded)
        return _all(preds) if preds else None

    @staticmethod
    def _line(item: FilterItem, index: int) -> Pred:
        where = f"filters.items[{index}]"
        preds = [_leaf_pred(item, where)]
        if item.child is not None:
            preds.append(_leaf_pred(item.child, f"{where}.child_filter"))
        return _all(preds)

    # -- what callers ask ------------------------------------------------------------------------------------

    @property
    def is_trivial(self) -> bool:
        """No filter, no effective selection, default order (id ascending): page straight from storage."""
        return self._pred is None and self.order_column is None

    @property
    def has_filters(self) -> bool:
        return bool(self.items)

    @property
    def needed_columns(self) -> frozenset[str]:
        """Row keys the filters and the ordering read ("data" for data.<field>); "id" is always needed."""
        names = {"id"}
        for item in self.items:
            names.add(item.column.row_key)
            if item.child is not None:
                names.add(item.child.column.row_key)
        if self.order_column is not None:
            names.add(self.order_column.row_key)
        return frozenset(names)

    def matches(self, row: Row) -> bool:
        """True when the row passes the filters and the selection."""
        return True if self._pred is None else self._pred(row)

    def filter(self, rows: Iterable[Row]) -> list[Row]:
        pred = self._pred
        return list(rows) if pred is None else [row for row in rows if pred(row)]

    def sort(self, rows: Iterable[Row]) -> list[Row]:
        """Rows in the query's order: the first ordering column, nulls last, ties by id ascending."""
        by_id = sorted(rows, key=_row_id)
        if self.order_column is None:
            return by_id
        keys = list(map(_sort_key(self.order_column, self.numeric_order), by_id))
        # Sort positions, not (key, row) pairs: no per-row tuples, so no garbage-collector passes over 100k rows.
        present = [i for i, value in enumerate(keys) if value is not None]
        nulls = [by_id[i] for i, value in enumerate(keys) if value is None] if len(present) < len(keys) else []
        present.sort(key=keys.__getitem__, reverse=self.descending)  # stable, also in reverse: ties keep id order
        return [by_id[i] for i in present] + nulls

    def apply(self, rows: Iterable[Row]) -> list[Row]:
        """Filter, select and order in one go."""
        return self.sort(self.filter(rows))

    def __repr__(self) -> str:
        order = "id" if self.order_column is None else ("-" if self.descending else "") + self.order_column.name
        return (
            f"TaskQuery({self.conjunction} {len(self.items)} filter(s), order={order}, all={self.selected_all}, "
            f"included={len(self.included)}, excluded={len(self.excluded)})"
        )
