"""A thin client of Sitoo's Dashboard Custom Metrics API (core §4) over the project's client.

Requests go through `extract.http.ApiClient.request`, so auth, pacing (the adaptive limiter),
Retry-After, retries and redaction behave exactly as for the extractors. Every call here is
safe to repeat: a PUT upserts per slot and a DELETE that was already done answers 404, which
counts as done.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

from extract.errors import FatalApiError, MalformedResponse, RetriableApiError
from extract.http import ApiClient
from metrics.definitions import MetricDefinition
from metrics.values import MetricValue, dumps, from_document

MAX_NUM_DAYS: Final = 100
"""Sitoo's limit on `num_days` of Get Custom Metric Values (core §4.1)."""
DEFAULT_BATCH: Final = 200
"""Values per PUT; Sitoo documents no maximum (core §4.1 [UNKNOWN]), so stay modest."""


def windows(start: date, end: date, size: int = MAX_NUM_DAYS) -> Iterator[tuple[date, int]]:
    """(first date, num_days) windows of at most `size` days covering start..end."""
    if size < 1:
        raise ValueError(f"window size must be >= 1, got {size}")
    day = start
    while day <= end:
        days = min(size, (end - day).days + 1)
        yield day, days
        day += timedelta(days=days)


def items_refused(error: RetriableApiError) -> bool:
    """Sitoo's documented answer to a PUT with values it will not store (core §4.1): a 500
    saying "one or more of the requested items could not be inserted". Repeating the same
    batch gets the same answer, so it is not retried; the push bisects the batch instead."""
    return error.status == 500 and "could not be inserted" in error.message.lower()


SitooClient = ApiClient
"""The client a push uses: the extractors' own (`ApiClient.request` writes under the same policy)."""


class CustomMetricsApi:
    """List, create and delete metrics; read values in ≤100-day windows; write in batches."""

    def __init__(self, client: SitooClient, batch_size: int = DEFAULT_BATCH) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.client = client
        self.batch_size = batch_size
        self.puts = 0
        """PUT requests that succeeded, for the summary and the log."""

    def list_metrics(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The existing metrics among `keys`, by key."""
        found = self.client.request("GET", "/custom_metrics.json", params={"keys": ",".join(keys)})
        if not isinstance(found, list):
            raise MalformedResponse("expected a bare array", request="GET /custom_metrics.json")
        return {m["key"]: m for m in found if isinstance(m, dict) and m.get("key") in keys}

    def create(self, definition: MetricDefinition) -> None:
        self.client.request("POST", "/custom_metrics.json", body=dumps(definition.remote()))

    def delete(self, key: str) -> None:
        """Delete a metric and all its values; an already deleted metric is fine."""
        try:
            self.client.request("DELETE", f"/custom_metrics/{key}.json")
        except FatalApiError as err:
            if err.status != 404:
                raise

    def get_values(self, definition: MetricDefinition, start: date, end: date) -> list[MetricValue]:
        """Current values of one metric in the period, one GET per ≤100-day window."""
        if not definition.by_date:
            return self._get({"keys": definition.key})
        out: list[MetricValue] = []
        for first, days in windows(start, end):
            out.extend(
                self._get({"keys": definition.key, "date": first.isoformat(), "num_days": days})
            )
        return out

    def _get(self, params: Mapping[str, str | int]) -> list[MetricValue]:
        found = self.client.request("GET", "/custom_metric_values.json", params=params)
        if not isinstance(found, list):
            raise MalformedResponse(
                "expected a bare array", request="GET /custom_metric_values.json"
            )
        return [from_document(doc) for doc in found]

    def put(self, values: Sequence[MetricValue]) -> None:
        """One PUT of the values (callers batch; see `batches`)."""
        self.client.request(
            "PUT",
            "/custom_metric_values.json",
            body=dumps([v.document() for v in values]),
            final=items_refused,
        )
        self.puts += 1

    def batches(self, values: Sequence[MetricValue]) -> Iterator[Sequence[MetricValue]]:
        for i in range(0, len(values), self.batch_size):
            yield values[i : i + self.batch_size]
