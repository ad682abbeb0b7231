"""Typed parsing of list-endpoint query parameters, failing with a 400 that names the culprit.

Conventions shared by every function here, so handlers behave alike:
- a parameter given with a blank value (`num=`) counts as absent;
- a scalar parameter given several times takes its last value (as PHP-style servers do);
- list parameters accept `a=1,2`, `a=1&a=2` and any mix of the two.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, overload

from simulator.server.errors import ApiError, bad_request

Query = Mapping[str, Sequence[str]]
"""What `Request.query` holds: every value of every parameter, in order."""

_INT = re.compile(r"[+-]?[0-9]+")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


@dataclass(frozen=True)
class Page:
    """Offset paging as Sitoo v2 does it: skip `start` items, return at most `num`."""

    start: int
    num: int


def _last(q: Query, name: str) -> str | None:
    values = [v.strip() for v in q.get(name, ()) if v.strip()]
    return values[-1] if values else None


def _items(q: Query, name: str) -> list[str] | None:
    items = [item.strip() for value in q.get(name, ()) for item in value.split(",")]
    kept = [item for item in items if item]
    return kept or None


def _to_int(name: str, raw: str) -> int:
    if not _INT.fullmatch(raw):
        raise bad_request(f"Invalid value {raw!r} for parameter '{name}': expected an integer.")
    return int(raw)


@overload
def int_param(
    q: Query,
    name: str,
    default: int,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int: ...
@overload
def int_param(
    q: Query,
    name: str,
    default: None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None: ...
def int_param(
    q: Query,
    name: str,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """An integer parameter within optional bounds, or `default` when absent."""
    raw = _last(q, name)
    if raw is None:
        return default
    value = _to_int(name, raw)
    if minimum is not None and value < minimum:
        raise bad_request(f"Invalid value {raw!r} for parameter '{name}': must be >= {minimum}.")
    if maximum is not None and value > maximum:
        raise bad_request(f"Invalid value {raw!r} for parameter '{name}': must be <= {maximum}.")
    return value


@overload
def str_param(q: Query, name: str, default: str) -> str: ...
@overload
def str_param(q: Query, name: str, default: None = None) -> str | None: ...
def str_param(q: Query, name: str, default: str | None = None) -> str | None:
    """A string parameter (whitespace-stripped), or `default` when absent or blank."""
    raw = _last(q, name)
    return default if raw is None else raw


def int_list(q: Query, name: str) -> list[int] | None:
    """Integers from comma-separated and/or repeated values; None when absent or empty."""
    items = _items(q, name)
    return None if items is None else [_to_int(name, item) for item in items]


def str_list(q: Query, name: str) -> list[str] | None:
    """Strings from comma-separated and/or repeated values; None when absent or empty."""
    return _items(q, name)


def bool_param(q: Query, name: str, default: bool) -> bool:
    """true/false/1/0 in any case, or `default` when absent."""
    raw = _last(q, name)
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise bad_request(f"Invalid value {raw!r} for parameter '{name}': expected true or false.")


def page_params(
    q: Query,
    default_num: int = 10,
    max_num: int | None = None,
    on_too_large: Literal["clamp", "error"] = "clamp",
    *,
    start_name: str = "start",
    num_name: str = "num",
) -> Page:
    """`start` >= 0 (default 0) and `num` >= 1; a `num` above `max_num` is clamped or a 400."""
    start = int_param(q, start_name, 0, minimum=0)
    num = int_param(q, num_name, default_num, minimum=1)
    if max_num is not None and num > max_num:
        if on_too_large == "error":
            raise bad_request(
                f"Invalid value '{num}' for parameter '{num_name}': must be <= {max_num}."
            )
        num = max_num
    return Page(start, num)


def sort_param(
    q: Query, allowed: Collection[str], default: str, *, name: str = "sort"
) -> tuple[str, bool]:
    """`(field, descending)` from `sort=field` or `sort=-field`; unknown fields are a 400."""
    raw = _last(q, name)
    value = default if raw is None else raw
    descending = value.startswith("-")
    field_name = value[1:] if descending or value.startswith("+") else value
    if raw is not None and field_name not in allowed:
        choices = ", ".join(sorted(allowed))
        raise bad_request(f"Invalid value {raw!r} for parameter '{name}': sortable are {choices}.")
    return field_name, descending


def fields_param(q: Query, name: str = "fields") -> tuple[str, ...] | None:
    """Requested fields in first-seen order without duplicates; None when absent or empty."""
    items = _items(q, name)
    return None if items is None else tuple(dict.fromkeys(items))


def check_known_params(q: Query, known: Collection[str], mode: Literal["ignore", "reject"]) -> None:
    """In `reject` mode, a 400 naming every query parameter the endpoint does not know."""
    if mode == "ignore":
        return
    unknown = sorted(name for name in q if name not in known)
    if unknown:
        names = ", ".join(f"'{name}'" for name in unknown)
        raise ApiError(400, f"Unknown query parameter(s): {names}.")
