"""Per-record checks before landing, so staging can trust the shapes it casts.

Sitoo types values by field-name prefix (`money*` two-decimal strings, `decimal*` three-decimal
strings, `date*` epoch ints, plus `orderdate`); staging casts on exactly those rules, so a record
that breaks them is kept out of raw and logged as a reject instead of failing a dbt run later.
The checks never raise on bad input: they return one line per problem naming the stream, the
record key and the field path, e.g.
`orders 104512: field orderitems[1].moneyitemtotal_net: bad money string '12,50'`.

Deliberately lenient: unknown extra fields are fine (Sitoo adds fields), open enums (warehouse
`transactiontype`, journal entry `type`, `orderitemtype`) are not checked, and the free-form
string maps `additionaldata`/`additional_data` are not looked into.

It runs on every record, so a valid record costs one pass that dispatches on the value's type
and memoises each field name's kind; money and decimal strings are matched in bulk by one regex
each. Only a record that fails that pass gets the slower walk that names the fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final, Literal

__all__ = [
    "EPOCH_FIELDS",
    "GUID_FIELDS",
    "STREAMS",
    "StreamRules",
    "UnknownStreamError",
    "format_key",
    "key_columns",
    "record_key",
    "validate",
]

KeyKind = Literal["int", "guid"]

# [0-9] rather than \d: \d also matches non-ASCII digits, which no DECIMAL cast accepts.
_MONEY_RE = re.compile(r"-?[0-9]+\.[0-9]{2}")
_DECIMAL_RE = re.compile(r"-?[0-9]+\.[0-9]{3}")
_GUID_RE = re.compile(
    r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}"
)
# Bulk forms: valid values joined by _SEP, which no valid value contains.
_SEP = "\n"
_MONEY_SEQ = re.compile(rf"(?:{_MONEY_RE.pattern}{_SEP})*{_MONEY_RE.pattern}")
_DECIMAL_SEQ = re.compile(rf"(?:{_DECIMAL_RE.pattern}{_SEP})*{_DECIMAL_RE.pattern}")

GUID_FIELDS: Final = frozenset({"registerid", "userid"})
# Epoch fields outside the `date*` prefix rule; staging and incremental pulls rely on them.
EPOCH_FIELDS: Final = frozenset({"orderdate"})
_FREE_FORM: Final = frozenset({"additionaldata", "additional_data"})
MAX_DEPTH: Final = 32
MAX_PROBLEMS: Final = 20
_REPR_LIMIT = 60


class UnknownStreamError(ValueError):
    """A caller asked about a stream this module has no rules for (a bug, not bad data)."""


@dataclass(frozen=True)
class StreamRules:
    """What identifies a stream's record and which closed enums it carries."""

    key: tuple[tuple[str, KeyKind], ...]
    enums: Mapping[str, frozenset[int]] = field(default_factory=dict)


_ORDER_ENUMS: Final = MappingProxyType(
    {
        "orderstateid": frozenset({-1, 0, 10, 20}),
        "paymentstateid": frozenset({0, 10, 15, 20, 30, 40}),
        "ordertypeid": frozenset({10, 100, 110}),
    }
)

# Per-site reference streams get the site's eshopid injected by the caller as `_eshopid`.
STREAMS: Final[Mapping[str, StreamRules]] = MappingProxyType(
    {
        "orders": StreamRules((("orderid", "int"),), _ORDER_ENUMS),
        "pos_z_reports": StreamRules((("registerid", "guid"), ("zreportid", "int"))),
        "journal_entries": StreamRules((("registerid", "guid"), ("id", "int"))),
        "warehouse_transactions": StreamRules((("warehousetransactionid", "int"),)),
        "sites": StreamRules((("eshopid", "int"),)),
        "stores": StreamRules((("storeid", "int"),)),
        "cash_registers": StreamRules((("registerid", "guid"),)),
        "warehouses": StreamRules((("warehouseid", "int"),)),
        "product_groups": StreamRules((("_eshopid", "int"), ("vatid", "int"))),
        "sales_taxes": StreamRules((("_eshopid", "int"), ("salestaxid", "int"))),
        "pos_payment_types": StreamRules((("_eshopid", "int"), ("paymenttypeid", "int"))),
        "products": StreamRules((("_eshopid", "int"), ("productid", "int"))),
        "users": StreamRules((("userid", "guid"),)),
    }
)
_SQL_TYPES: Final[Mapping[KeyKind, str]] = MappingProxyType({"int": "BIGINT", "guid": "VARCHAR"})


def _rules(stream: str) -> StreamRules:
    try:
        return STREAMS[stream]
    except KeyError:
        raise UnknownStreamError(f"no validation rules for stream {stream!r}") from None


# ----------------------------------------------------------------------------- field kinds
# Ordered so that "int is wrong here" is `kind > _DATE` and "a typed field" is `kind > _PLAIN`.
_SKIP, _PLAIN, _DATE, _MONEY, _DECIMAL, _GUID = -1, 0, 1, 2, 3, 4


def _kind_of(name: Any) -> int:
    if not isinstance(name, str):
        return _PLAIN
    if name in _FREE_FORM:
        return _SKIP
    if name.startswith("money"):
        return _MONEY
    if name.startswith("decimal"):
        return _DECIMAL
    if name.startswith("date") or name in EPOCH_FIELDS:
        return _DATE
    if name in GUID_FIELDS:
        return _GUID
    return _PLAIN


class _Kinds(dict[Any, int]):
    """Field name -> kind memo; `kinds[name]` is one C-level lookup once a name was seen."""

    def __missing__(self, name: Any) -> int:
        kind = _kind_of(name)
        if len(self) < 4096:  # field names, not data: stays small, but never grows unbounded
            self[name] = kind
        return kind


_KINDS: Final = _Kinds()


# ----------------------------------------------------------------------------- fast path
def _scan(node: dict[Any, Any], money: list[str], decimals: list[str], depth: int) -> bool:
    """False as soon as anything might be wrong; money and decimal strings are matched later."""
    if depth > MAX_DEPTH:
        return False
    kinds = _KINDS
    for name, value in node.items():
        vtype = type(value)
        if vtype is str:
            kind = kinds[name]
            if kind <= _PLAIN:
                continue
            if kind == _MONEY:
                money.append(value)
            elif kind == _DECIMAL:
                decimals.append(value)
            elif kind == _DATE or _GUID_RE.fullmatch(value) is None:
                return False
        elif vtype is int:
            if kinds[name] > _DATE:
                return False
        elif value is None:
            continue
        elif vtype is dict:
            kind = kinds[name]
            if kind > _PLAIN:
                return False
            if kind == _PLAIN and not _scan(value, money, decimals, depth + 1):
                return False
        elif vtype is list:
            kind = kinds[name]
            if kind > _PLAIN:
                return False
            if kind == _PLAIN:
                for item in value:
                    itype = type(item)
                    if itype is dict:
                        if not _scan(item, money, decimals, depth + 2):
                            return False
                    elif itype is list:
                        return False  # arrays of arrays are rare: leave them to the slow walk
        elif kinds[name] > _PLAIN:
            return False
    return True


def _all_match(pattern: re.Pattern[str], values: list[str]) -> bool:
    if not values:
        return True
    joined = _SEP.join(values)
    return joined.count(_SEP) == len(values) - 1 and pattern.fullmatch(joined) is not None


def _looks_valid(rules: StreamRules, record: dict[Any, Any]) -> bool:
    for name, kind in rules.key:
        value = record.get(name)
        if kind == "int":
            if type(value) is not int:
                return False
        elif _check_guid(value) is not None:
            return False
    for name, allowed in rules.enums.items():
        if name in record:
            value = record[name]
            if type(value) is not int or value not in allowed:
                return False
    money: list[str] = []
    decimals: list[str] = []
    return (
        _scan(record, money, decimals, 0)
        and _all_match(_MONEY_SEQ, money)
        and _all_match(_DECIMAL_SEQ, decimals)
    )


# ----------------------------------------------------------------------------- slow path
def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _REPR_LIMIT else text[: _REPR_LIMIT - 3] + "..."


def _describe(value: Any) -> str:
    """A value as JSON sees it: `null`, `bool True`, `str '12,50'`, `object`, `array`."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "array"
    return f"{type(value).__name__} {_short(value)}"


def _check_money(value: Any) -> str | None:
    if type(value) is not str:
        return f"expected money string, got {_describe(value)}"
    if _MONEY_RE.fullmatch(value) is None:
        return f"bad money string {_short(value)}"
    return None


def _check_decimal(value: Any) -> str | None:
    if type(value) is not str:
        return f"expected decimal string, got {_describe(value)}"
    if _DECIMAL_RE.fullmatch(value) is None:
        return f"bad decimal string {_short(value)}"
    return None


def _check_date(value: Any) -> str | None:
    if type(value) is not int:
        return f"expected epoch seconds int, got {_describe(value)}"
    return None


def _check_guid(value: Any) -> str | None:
    if type(value) is not str:
        return f"expected GUID string, got {_describe(value)}"
    if _GUID_RE.fullmatch(value) is None:
        return f"bad GUID {_short(value)}"
    return None


_CHECKS: Final = {
    _DATE: _check_date,
    _MONEY: _check_money,
    _DECIMAL: _check_decimal,
    _GUID: _check_guid,
}


def _walk(node: dict[Any, Any], prefix: str, depth: int, out: list[tuple[str, str]]) -> None:
    """Name every bad typed field of an object, descending into nested objects and arrays."""
    if depth > MAX_DEPTH:
        out.append((prefix.rstrip("."), f"nested deeper than {MAX_DEPTH} levels"))
        return
    for name, value in node.items():
        kind = _KINDS[name]
        if kind == _PLAIN:
            if type(value) is dict:
                _walk(value, f"{prefix}{name}.", depth + 1, out)
            elif type(value) is list:
                _walk_list(value, f"{prefix}{name}", depth + 1, out)
        elif kind != _SKIP and value is not None:
            problem = _CHECKS[kind](value)
            if problem is not None:
                out.append((f"{prefix}{name}", problem))


def _walk_list(items: list[Any], path: str, depth: int, out: list[tuple[str, str]]) -> None:
    if depth > MAX_DEPTH:
        out.append((path, f"nested deeper than {MAX_DEPTH} levels"))
        return
    for index, item in enumerate(items):
        if type(item) is dict:
            _walk(item, f"{path}[{index}].", depth + 1, out)
        elif type(item) is list:
            _walk_list(item, f"{path}[{index}]", depth + 1, out)


def _problems(
    rules: StreamRules, record: dict[Any, Any]
) -> tuple[list[str], list[tuple[str, str]]]:
    """(missing key fields, (field path, problem) pairs) of a record known to be off."""
    found: list[tuple[str, str]] = []
    _walk(record, "", 0, found)
    missing: list[str] = []
    for name, kind in rules.key:
        if name not in record:
            missing.append(name)
            continue
        value = record[name]
        if kind == "int":
            if type(value) is not int:
                found.append((name, f"expected int, got {_describe(value)}"))
        elif value is None or name not in GUID_FIELDS:  # the walk checks non-null GUID_FIELDS
            problem = _check_guid(value)
            if problem is not None:
                found.append((name, problem))
    for name, allowed in rules.enums.items():
        if name in record:
            value = record[name]
            if type(value) is not int:
                found.append((name, f"expected int code, got {_describe(value)}"))
            elif value not in allowed:
                found.append((name, f"unknown code {value}"))
    return missing, found


# ----------------------------------------------------------------------------- public API
def record_key(stream: str, record: Any) -> tuple[Any, ...] | None:
    """The natural key as received, or None when a key field is missing or mistyped."""
    rules = _rules(stream)
    if not isinstance(record, dict):
        return None
    values = []
    for name, kind in rules.key:
        value = record.get(name)
        if type(value) is not (int if kind == "int" else str):
            return None
        values.append(value)
    return tuple(values)


def format_key(key: tuple[Any, ...] | None) -> str:
    """The key as it appears in reasons and in `meta.rejects.record_key`: `a/b`, or `?`."""
    return "?" if key is None else "/".join(str(part) for part in key)


def key_columns(stream: str) -> tuple[tuple[str, str], ...]:
    """Key columns for the stream's raw table, e.g. `(("eshopid", "BIGINT"), ("vatid", …))`."""
    return tuple((name.lstrip("_"), _SQL_TYPES[kind]) for name, kind in _rules(stream).key)


def validate(stream: str, record: Any) -> list[str]:
    """Problems with one record, one line each; an empty list means it may be landed.

    Raises UnknownStreamError only for a stream without rules (a caller bug); bad records
    never raise.
    """
    rules = _rules(stream)
    if not isinstance(record, dict):
        return [f"{stream} ?: record is not a JSON object (got {_describe(record)})"]
    if _looks_valid(rules, record):
        return []
    missing, found = _problems(rules, record)
    label = f"{stream} {format_key(record_key(stream, record))}"
    reasons = [f"{label}: missing key field {name}" for name in missing]
    reasons.extend(f"{label}: field {path}: {problem}" for path, problem in found)
    if len(reasons) > MAX_PROBLEMS:
        extra = len(reasons) - MAX_PROBLEMS
        reasons = [*reasons[:MAX_PROBLEMS], f"{label}: and {extra} more problems"]
    return reasons
