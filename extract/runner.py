"""One extract run: reference data first, then the fact streams side by side.

Streams run concurrently on a small thread pool; pages of one stream are fetched with a
window of requests in flight but committed strictly in order, each page together with the
cursor it advances (`Landing.commit_page`). A failure ends only its own stream; the run log
records every stream's outcome, and the CLI exits non-zero if any stream failed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any, Literal, Protocol

import orjson

from extract import streams as S
from extract.errors import ExtractError, MalformedResponse
from extract.http import ApiClient, RequestStats
from extract.landing import Landing, Reject, Row, TableSpec
from extract.paging import cursor_pages, offset_pages, zreport_batches
from extract.validate import format_key, record_key, validate

logger = logging.getLogger(__name__)

Fetch = Callable[[str, Mapping[str, str | int]], Any]
Outcome = Literal["running", "ok", "partial", "failed"]


@dataclass(frozen=True)
class ExtractOptions:
    streams: frozenset[str] | None = None
    """Stream names to land; None lands every stream."""
    full_refresh: bool = False
    since: date | None = None
    """Lower bound of a first load of the time-based streams."""
    page_size: int = 1000
    window: int = 4
    """Pages of one stream in flight at once."""
    workers: int = 8
    """Threads fetching pages ahead (the `window`s of the paged streams together)."""
    register_workers: int = 2
    """Registers whose journals are read side by side. Each holds a parsed page while it waits
    for the one DuckDB writer, so more of them cost memory and gain little."""
    overlap_seconds: int = 900
    """Re-read window for time watermarks (late data, commit-order skew)."""
    repoll_chunk: int = 100


@dataclass
class StreamResult:
    stream: str
    pages: int = 0
    records: int = 0
    rejects: int = 0
    stats: RequestStats = field(default_factory=RequestStats)
    started: float = field(default_factory=time.time)
    finished: float | None = None
    outcome: Outcome = "running"
    error: str | None = None

    @property
    def seconds(self) -> float:
        return (self.finished or time.time()) - self.started


class Progress(Protocol):
    def start(self, stream: str) -> None: ...
    def advance(self, stream: str, records: int, pages: int, requests: int) -> None: ...
    def finish(self, result: StreamResult) -> None: ...


class NullProgress:
    def start(self, stream: str) -> None:
        return None

    def advance(self, stream: str, records: int, pages: int, requests: int) -> None:
        return None

    def finish(self, result: StreamResult) -> None:
        return None


def int_field(items: Iterable[Any], name: str) -> list[int]:
    """The integer values of `name` in the records that have one (bad records are skipped)."""
    return [item[name] for item in items if isinstance(item, dict) and type(item.get(name)) is int]


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


class Extractor:
    """Runs the streams of one extract against one warehouse file."""

    def __init__(
        self,
        landing: Landing,
        v2: ApiClient,
        journals: ApiClient,
        options: ExtractOptions,
        progress: Progress | None = None,
    ) -> None:
        self.landing = landing
        self.v2 = v2
        self.journals = journals
        self.options = options
        self.progress = progress or NullProgress()
        self.run_id = landing.run_id
        self._db = threading.Lock()
        self._pages = ThreadPoolExecutor(max(1, options.workers), thread_name_prefix="page")
        self._registers = ThreadPoolExecutor(
            max(1, options.register_workers), thread_name_prefix="register"
        )
        self.results: dict[str, StreamResult] = {}
        self.sites: list[int] = []
        self.registers: list[str] = []

    # ------------------------------------------------------------------ plumbing
    def _wanted(self, spec: TableSpec) -> bool:
        return self.options.streams is None or spec.name in self.options.streams

    def _fetcher(self, client: ApiClient, result: StreamResult) -> Fetch:
        def fetch(path: str, params: Mapping[str, str | int]) -> Any:
            return client.get_json(path, params, stats=result.stats)

        return fetch

    def _commit(
        self,
        spec: TableSpec,
        rows: Sequence[Row],
        rejects: Sequence[Reject],
        state: tuple[str, str, Any] | None,
        result: StreamResult,
    ) -> None:
        with self._db:
            self.landing.commit_page(spec, rows, rejects, state)
        result.pages += 1
        result.records += len(rows)
        result.rejects += len(rejects)
        self.progress.advance(spec.name, len(rows), 1, result.stats.snapshot()["requests"])

    def _state(self, stream: str, partition: str) -> Any:
        if self.options.full_refresh:
            return None
        with self._db:
            return self.landing.get_state(stream, partition)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._db:
            return self.landing.query(sql, params)

    @staticmethod
    def split(
        stream: str, items: Iterable[Any], extra: Mapping[str, Any] | None = None
    ) -> tuple[list[Row], list[Reject]]:
        """Validate records: good ones become rows, bad ones rejects with their reasons."""
        rows: list[Row] = []
        rejects: list[Reject] = []
        for item in items:
            checked = {**item, **extra} if extra and isinstance(item, dict) else item
            reasons = validate(stream, checked)
            key = record_key(stream, checked)
            if reasons or key is None:
                label = None if key is None else format_key(key)
                raw = orjson.dumps(item).decode()
                rejects.append(Reject(stream, label, "; ".join(reasons) or "no key", raw))
            else:
                rows.append(Row(key, item))
        return rows, rejects

    @classmethod
    def split_page(
        cls, stream: str, watermark: str, extra: Mapping[str, Any] | None, items: list[Any]
    ) -> tuple[list[Row], list[Reject], int]:
        """`split`, plus the highest integer `watermark` field of the page (0 if none): what a
        watermarked stream needs of a page, computed in the thread that fetched it."""
        rows, rejects = cls.split(stream, items, extra)
        return rows, rejects, max(int_field(items, watermark), default=0)

    def _run_stream(self, spec: TableSpec, body: Callable[[StreamResult], None]) -> StreamResult:
        result = StreamResult(spec.name)
        self.results[spec.name] = result
        self.progress.start(spec.name)
        try:
            with self._db:
                self.landing.ensure_table(spec)
            body(result)
            result.outcome = "partial" if result.rejects else "ok"
        except ExtractError as err:
            result.outcome = "failed"
            result.error = str(err)
            logger.error("stream %s failed: %s", spec.name, err)
            if isinstance(err, MalformedResponse):
                # Keep what the server sent; the cursor stays put, so the next run reads the
                # same records again and nothing is lost.
                reject = Reject(spec.name, None, f"malformed JSON: {err}", err.excerpt)
                with self._db:
                    self.landing.commit_page(spec, [], [reject], None)
                result.rejects += 1
        except Exception as err:  # a bug must not hide the other streams' results
            result.outcome = "failed"
            result.error = f"{type(err).__name__}: {err}"
            logger.exception("stream %s failed unexpectedly", spec.name)
        result.finished = time.time()
        snap = result.stats.snapshot()
        with self._db:
            self.landing.record_run(
                self.run_id,
                spec.name,
                started_at=datetime.fromtimestamp(result.started, UTC),
                finished_at=datetime.fromtimestamp(result.finished, UTC),
                pages=result.pages,
                records=result.records,
                requests=snap["requests"],
                retries=snap["retries"],
                rejects=result.rejects,
                outcome=result.outcome,
                error=result.error,
            )
        self.progress.finish(result)
        return result

    # ------------------------------------------------------------------ run
    def run(self) -> list[StreamResult]:
        """Reference data, then orders, Z-reports, journals and stock side by side."""
        try:
            self._reference()
            jobs = [
                (S.ORDERS, self._orders),
                (S.POS_Z_REPORTS, self._zreports),
                (S.JOURNAL_ENTRIES, self._journal_entries),
                (S.WAREHOUSE_TRANSACTIONS, self._transactions),
            ]
            with ThreadPoolExecutor(len(jobs), thread_name_prefix="stream") as pool:
                futures = [
                    pool.submit(self._run_stream, spec, body)
                    for spec, body in jobs
                    if self._wanted(spec)
                ]
                for future in futures:
                    future.result()
        finally:
            self._pages.shutdown(wait=True, cancel_futures=True)
            self._registers.shutdown(wait=True, cancel_futures=True)
        return list(self.results.values())

    # ------------------------------------------------------------------ reference data
    def _envelope_all(
        self, fetch: Fetch, path: str, params: Mapping[str, str | int]
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in offset_pages(fetch, path, dict(params), page_size=self.options.page_size):
            items.extend(page.items)
        return items

    def _reference(self) -> None:
        """Sites and registers are always read (other streams partition on them); every
        reference stream asked for is landed in full, products incrementally."""
        sites: list[dict[str, Any]] = []
        registers: list[dict[str, Any]] = []

        def scout_sites(result: StreamResult) -> None:
            fetch = self._fetcher(self.v2, result)
            sites.extend(self._envelope_all(fetch, "/sites.json", {}))
            self.sites = sorted(s["eshopid"] for s in sites if type(s.get("eshopid")) is int)
            rows, rejects = self.split("sites", sites)
            self._commit(S.SITES, rows, rejects, None, result)

        def scout_registers(result: StreamResult) -> None:
            self._require("sites")
            fetch = self._fetcher(self.v2, result)
            for eshop in self.sites:
                registers.extend(
                    self._envelope_all(
                        fetch,
                        f"/sites/{eshop}/cashregisters.json",
                        {"includenotregistered": "true"},
                    )
                )
            self.registers = sorted(
                {r["registerid"] for r in registers if isinstance(r.get("registerid"), str)}
            )
            rows, rejects = self.split("cash_registers", registers)
            self._commit(S.CASH_REGISTERS, rows, rejects, None, result)

        # Always read: every other stream partitions on sites or registers.
        self._run_stream(S.SITES, scout_sites)
        self._run_stream(S.CASH_REGISTERS, scout_registers)

        def land_list(
            spec: TableSpec,
            items_by_site: Callable[[Fetch], Iterable[tuple[int | None, list[dict[str, Any]]]]],
        ) -> None:
            def body(result: StreamResult) -> None:
                self._require("sites")
                fetch_ = self._fetcher(self.v2, result)
                for eshop, items in items_by_site(fetch_):
                    extra = None if eshop is None else {"_eshopid": eshop}
                    rows, rejects = self.split(spec.name, items, extra)
                    self._commit(spec, rows, rejects, None, result)

            self._run_stream(spec, body)

        per_site = (
            (S.STORES, "stores", False),
            (S.WAREHOUSES, "warehouses", False),
            (S.PRODUCT_GROUPS, "productgroups", True),
            (S.SALES_TAXES, "salestaxes", True),
        )
        for spec, resource, keyed_by_site in per_site:
            if self._wanted(spec):
                land_list(
                    spec,
                    lambda f, r=resource, k=keyed_by_site: [  # type: ignore[misc]
                        (e if k else None, self._envelope_all(f, f"/sites/{e}/{r}.json", {}))
                        for e in self.sites
                    ],
                )
        if self._wanted(S.POS_PAYMENT_TYPES):
            land_list(
                S.POS_PAYMENT_TYPES,
                lambda f: [(e, f(f"/sites/{e}/pospaymenttypes.json", {})) for e in self.sites],
            )
        if self._wanted(S.USERS) and self.sites:
            land_list(
                S.USERS,
                lambda f: [
                    (
                        None,
                        self._envelope_all(
                            f,
                            f"/sites/{self.sites[0]}/users.json",
                            {"fields": ",".join(S.USER_FIELDS)},
                        ),
                    )
                ],
            )
        if self._wanted(S.PRODUCTS):
            self._run_stream(S.PRODUCTS, self._products)

    def _require(self, dependency: str) -> None:
        """Fail a stream whose partitions come from a stream that failed this run."""
        scout = self.results.get(dependency)
        if scout is not None and scout.outcome == "failed":
            raise ExtractError(f"cannot run without {dependency}, which failed: {scout.error}")

    def _products(self, result: StreamResult) -> None:
        self._require("sites")
        fetch = self._fetcher(self.v2, result)
        for eshop in self.sites:
            state = self._state("products", str(eshop))
            params: dict[str, str | int] = {}
            if state is not None:
                params["datelastmodified"] = max(
                    0, state["datemodified"] - self.options.overlap_seconds
                )
            newest = 0 if state is None else int(state["datemodified"])

            for page in offset_pages(
                fetch,
                f"/sites/{eshop}/products.json",
                params,
                page_size=self.options.page_size,
                executor=self._pages,
                window=self.options.window,
                prepare=partial(self.split_page, "products", "datemodified", {"_eshopid": eshop}),
            ):
                rows, rejects, modified = page.prepared
                newest = max(newest, modified)
                # Pages come in id order, not modification order: the watermark may only move
                # once the whole site has been read, or a crash would skip older changes.
                self._commit(S.PRODUCTS, rows, rejects, None, result)
            self._commit(
                S.PRODUCTS, [], [], ("products", str(eshop), {"datemodified": newest}), result
            )

    # ------------------------------------------------------------------ facts
    def _by_id_watermark(
        self,
        fetch: Fetch,
        spec: TableSpec,
        partition: str,
        path: str,
        id_field: str,
        fields: Sequence[str],
        since_param: str,
        result: StreamResult,
    ) -> None:
        """Offset pages of records with an ascending id after the stored watermark; each page
        is committed with the highest id seen so far."""
        state = self._state(spec.name, partition)
        last = 0 if state is None else int(state[id_field])
        params: dict[str, str | int] = {
            f"{id_field}from": last + 1,
            "sort": id_field,
            "fields": ",".join(fields),
        }
        if state is None and self.options.since is not None:
            params[since_param] = _epoch(self.options.since)

        for page in offset_pages(
            fetch,
            path,
            params,
            page_size=self.options.page_size,
            executor=self._pages,
            window=self.options.window,
            prepare=partial(self.split_page, spec.name, id_field, None),
        ):
            rows, rejects, highest = page.prepared
            last = max(last, highest)
            self._commit(spec, rows, rejects, (spec.name, partition, {id_field: last}), result)

    def _orders(self, result: StreamResult) -> None:
        fetch = self._fetcher(self.v2, result)
        self._by_id_watermark(
            fetch,
            S.ORDERS,
            "all",
            "/orders.json",
            "orderid",
            S.ORDER_FIELDS,
            "orderdatefrom",
            result,
        )
        self._repoll_orders(fetch, result)

    def _repoll_orders(self, fetch: Fetch, result: StreamResult) -> None:
        """Read again every order landed by an earlier run that can still change (open,
        booked, parked, pending or reserved payment), by id, so state changes reach the
        warehouse. Orders this run landed are current already, and skipping them first spares
        parsing their payloads (a first run re-polls nothing)."""
        rows = self._query(
            "with earlier as (select orderid, payload from raw.orders where _run_id <> ?) "
            "select orderid from earlier "
            "where try_cast(payload->>'orderstateid' as integer) in (0) "
            "or try_cast(payload->>'paymentstateid' as integer) in (10, 15) order by orderid",
            [self.run_id],
        )
        ids = [int(r[0]) for r in rows]
        chunk = self.options.repoll_chunk
        for i in range(0, len(ids), chunk):
            part = ids[i : i + chunk]
            page = fetch(
                "/orders.json",
                {
                    "orderid": ",".join(map(str, part)),
                    "num": len(part),
                    "fields": ",".join(S.ORDER_FIELDS),
                },
            )
            good, rejects = self.split("orders", page.get("items", []))
            self._commit(S.ORDERS, good, rejects, None, result)

    def _zreports(self, result: StreamResult) -> None:
        fetch = self._fetcher(self.v2, result)
        state = self._state("pos_z_reports", "all")
        if state is not None:
            watermark = int(state["dateadded"])
        else:
            watermark = _epoch(self.options.since) if self.options.since else 0
        since = max(0, watermark - self.options.overlap_seconds) if state else watermark
        for batch in zreport_batches(
            fetch, "/pos-z-reports", {}, since=since, split_values=self.registers
        ):
            rows, rejects = self.split("pos_z_reports", batch)
            added = int_field(batch, "dateadded")
            watermark = max([watermark, *added])
            self._commit(
                S.POS_Z_REPORTS,
                rows,
                rejects,
                ("pos_z_reports", "all", {"dateadded": watermark}),
                result,
            )
        self._record_gaps()

    def _record_gaps(self) -> None:
        """Missing numbers in each register's Z-report sequence (Swedish rules require an
        unbroken series, so a gap means data that has not arrived)."""
        rows = self._query(
            "select registerid, zreportid from raw.pos_z_reports order by registerid, zreportid"
        )
        by_register: dict[str, list[int]] = {}
        for registerid, zreportid in rows:
            by_register.setdefault(str(registerid), []).append(int(zreportid))
        gaps: list[tuple[str, int]] = []
        for registerid, ids in by_register.items():
            present = set(ids)
            gaps.extend((registerid, n) for n in range(1, max(ids) + 1) if n not in present)
        with self._db:
            self.landing.record_gaps(gaps)
            self.landing.clear_gaps([(r, n) for r, ids in by_register.items() for n in ids])

    def _journal_entries(self, result: StreamResult) -> None:
        self._require("cash_registers")
        fetch = self._fetcher(self.journals, result)

        def one(registerid: str) -> None:
            state = self._state("journal_entries", registerid)
            watermark = (
                int(state["dateadded"])
                if state
                else (_epoch(self.options.since) if self.options.since else 0)
            )
            start = max(0, watermark - self.options.overlap_seconds) if state else watermark
            params: dict[str, str | int] = {
                "register_id": registerid,
                "date_type": "added",
                "date_from": start,
                "sort_order": "asc",
                "num": self.options.page_size,
            }
            for page in cursor_pages(fetch, "/journal-entries", params):
                rows, rejects = self.split("journal_entries", page)
                added = int_field(page, "dateadded")
                watermark = max([watermark, *added])
                self._commit(
                    S.JOURNAL_ENTRIES,
                    rows,
                    rejects,
                    ("journal_entries", registerid, {"dateadded": watermark}),
                    result,
                )

        futures: list[Future[None]] = [self._registers.submit(one, r) for r in self.registers]
        errors = []
        for future in futures:
            try:
                future.result()
            except ExtractError as err:
                errors.append(err)
        if errors:
            raise errors[0]

    def _transactions(self, result: StreamResult) -> None:
        self._require("sites")
        fetch = self._fetcher(self.v2, result)
        for eshop in self.sites:
            self._by_id_watermark(
                fetch,
                S.WAREHOUSE_TRANSACTIONS,
                str(eshop),
                f"/sites/{eshop}/warehousetransactions.json",
                "warehousetransactionid",
                S.TRANSACTION_FIELDS,
                "datecreatedfrom",
                result,
            )
