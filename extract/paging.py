"""The three paging styles of the Sitoo APIs, as generators over a plain fetch function.

* `offset_pages`: v2 envelopes `{"totalcount", "items"}` paged with `start`/`num` (core §1.6).
* `zreport_batches`: `pos-z-reports`, a bare array of at most 500 continued by `dateadded`
  (zr §3.4).
* `cursor_pages`: Journals v3, an opaque `next` cursor (zr §4.2, §4.7).

They depend only on `Fetch`, so `ApiClient.get_json` plugs in and tests can pass a function.
Every call gets a fresh copy of the caller's params; the caller's mapping is never changed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any

from extract.errors import PaginationError

Params = Mapping[str, str | int]
Fetch = Callable[[str, Params], Any]
"""GET a path with query params and return the parsed JSON (e.g. `ApiClient.get_json`)."""
Item = dict[str, Any]

ZREPORT_CAP = 500
_TOKEN_CHARS = 60


@dataclass(frozen=True)
class OffsetPage:
    """One page of a `start`/`num` envelope.

    With a `prepare` function, `items` is empty and `prepared` holds what it made of them.
    """

    start: int
    items: list[Item]
    totalcount: int
    served: int
    """Records the server returned on this page."""
    prepared: Any = None


Prepare = Callable[[list[Item]], Any]


def offset_pages(
    fetch: Fetch,
    path: str,
    params: Params,
    *,
    page_size: int,
    executor: Executor | None = None,
    window: int = 4,
    prepare: Prepare | None = None,
) -> Iterator[OffsetPage]:
    """Every page of an enveloped list, in `start` order, up to `window` requests in flight.

    The first page tells `totalcount` and the page size the server really serves (a server
    that clamps `num` returns fewer items than asked on a full page). Later pages are fetched
    on `executor` (sequentially without one) and yielded in order. Paging stops at the largest
    `totalcount` seen, so rows added while paging are not cut off; short pages are accepted,
    because records are upserted downstream.

    `prepare` (e.g. validate and serialise) runs on each page's items in the thread that
    fetched it, so a page waiting its turn holds what `prepare` returns instead of the parsed
    records, which take about three times the memory of their JSON text.
    """
    if page_size < 1 or window < 1:
        raise ValueError(f"page_size and window must be >= 1, got {page_size} and {window}")
    first = _offset_page(fetch, path, params, 0, page_size, prepare)
    yield first
    total = first.totalcount
    served = first.served
    if served == 0:
        if total > 0:
            raise PaginationError(f"{path}: first page is empty but totalcount is {total}")
        return
    step = served if served < min(page_size, total) else page_size
    if executor is None:
        start = step
        while start < total:
            page = _offset_page(fetch, path, params, start, step, prepare)
            total = max(total, page.totalcount)
            yield page
            start += step
        return
    pending: deque[Future[OffsetPage]] = deque()
    next_start = step
    try:
        while True:
            while len(pending) < window and next_start < total:
                pending.append(
                    executor.submit(_offset_page, fetch, path, params, next_start, step, prepare)
                )
                next_start += step
            if not pending:
                return
            page = pending.popleft().result()
            total = max(total, page.totalcount)
            yield page
    finally:
        for future in pending:
            future.cancel()


def _offset_page(
    fetch: Fetch, path: str, params: Params, start: int, num: int, prepare: Prepare | None
) -> OffsetPage:
    body = fetch(path, {**params, "start": start, "num": num})
    if not isinstance(body, dict):
        raise PaginationError(f"{path}: expected an envelope object, got {type(body).__name__}")
    items = body.get("items")
    total = body.get("totalcount")
    if not isinstance(items, list) or not isinstance(total, int) or isinstance(total, bool):
        raise PaginationError(f"{path}: envelope at start={start} lacks items or totalcount")
    if prepare is None:
        return OffsetPage(start=start, items=items, totalcount=total, served=len(items))
    served = len(items)
    return OffsetPage(start, [], total, served, prepare(items))


def _zreport_key(item: Item) -> Hashable:
    return (item["registerid"], item["zreportid"])


def zreport_batches(
    fetch: Fetch,
    path: str,
    params: Params,
    *,
    since: int,
    cap: int = ZREPORT_CAP,
    key: Callable[[Item], Hashable] = _zreport_key,
    split_values: Sequence[str] | None = None,
    split_param: str = "registerid",
) -> Iterator[list[Item]]:
    """Every Z-report added at or after `since`, each exactly once, in `dateadded` order.

    `dateaddedfrom` is inclusive, so a continuation from the last item's `dateadded` returns the
    boundary items again; they are dropped by `key`. When a full response of `cap` items all
    share one second, that second is fetched once per `split_values` value (`split_param` plus
    `dateaddedfrom = dateaddedto = second`) before continuing from the next second.
    """
    if cap < 1:
        raise ValueError(f"cap must be >= 1, got {cap}")
    since_ = since
    boundary: set[Hashable] = set()  # keys already yielded at second `since_`
    while True:
        items = _zreport_array(fetch(path, {**params, "dateaddedfrom": since_}), path)
        fresh = [item for item in items if key(item) not in boundary]
        if fresh:
            yield fresh
        if len(items) < cap:
            return
        last = _dateadded(items[-1], path)
        if _dateadded(items[0], path) == last:
            seen = {key(item) for item in items}
            yield from _split_second(
                fetch, path, params, last, cap, key, seen, split_values, split_param
            )
            since_, boundary = last + 1, set()
        else:
            since_ = last
            boundary = {key(item) for item in items if _dateadded(item, path) == last}


def _split_second(
    fetch: Fetch,
    path: str,
    params: Params,
    second: int,
    cap: int,
    key: Callable[[Item], Hashable],
    seen: set[Hashable],
    split_values: Sequence[str] | None,
    split_param: str,
) -> Iterator[list[Item]]:
    """The items of one crowded second, fetched per split value."""
    if not split_values:
        raise PaginationError(
            f"{path}: {cap} items share dateadded={second}, so the continuation cannot advance, "
            f"and there are no {split_param} values to split that second by"
        )
    for value in split_values:
        query = {**params, split_param: value, "dateaddedfrom": second, "dateaddedto": second}
        items = _zreport_array(fetch(path, query), path)
        if len(items) >= cap:
            raise PaginationError(
                f"{path}: {split_param}={value} alone has {cap} items at dateadded={second}; "
                "the continuation cannot advance"
            )
        fresh = [item for item in items if key(item) not in seen]
        seen.update(key(item) for item in fresh)
        if fresh:
            yield fresh


def _zreport_array(body: Any, path: str) -> list[Item]:
    if not isinstance(body, list):
        raise PaginationError(f"{path}: expected a JSON array, got {type(body).__name__}")
    return body


def _dateadded(item: Item, path: str) -> int:
    value = item.get("dateadded")
    if not isinstance(value, int) or isinstance(value, bool):
        raise PaginationError(f"{path}: item without an integer dateadded: {value!r}")
    return value


def cursor_pages(
    fetch: Fetch, path: str, params: Params, *, next_param: str = "next"
) -> Iterator[list[Item]]:
    """The items of every non-empty page, following the envelope's `next` cursor.

    After the first call only the cursor (and `num`) is sent: the cursor carries the filters.
    A cursor seen before means the server is looping, which raises `PaginationError`.
    """
    query: dict[str, str | int] = dict(params)
    seen: set[str] = set()
    while True:
        body = fetch(path, query)
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise PaginationError(f"{path}: expected an envelope with items")
        items: list[Item] = body["items"]
        if items:
            yield items
        token = body.get("next")
        if not isinstance(token, str) or not token:
            return
        if token in seen:
            raise PaginationError(
                f"{path}: loop detected, cursor {token[:_TOKEN_CHARS]!r} was returned twice"
            )
        seen.add(token)
        query = {next_param: token}
        if "num" in params:
            query["num"] = params["num"]
