"""How a run reports itself: rich progress bars on a terminal, or one JSON object per line.

Neither ever prints a credential: only stream names, counts, timings and error messages that
name the request (which never carry the password).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Self, TextIO

from rich.console import Console
from rich.progress import Progress as RichProgressBar
from rich.progress import TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from extract.runner import StreamResult


def make_console() -> Console:
    """A stderr console; when it is not a terminal, wide enough for the summary table."""
    return Console(stderr=True, width=None if sys.stderr.isatty() else 120)


class RichProgress:
    """A bar per stream: records, pages and requests per second."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.bar = RichProgressBar(
            TextColumn("[bold]{task.description:<24}"),
            TextColumn("{task.fields[records]:>9,} records"),
            TextColumn("{task.fields[pages]:>6,} pages"),
            TextColumn("{task.fields[rps]:>6.1f} req/s"),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.tasks: dict[str, TaskID] = {}
        self.started: dict[str, float] = {}
        self.counts: dict[str, list[int]] = {}
        self.lock = threading.Lock()

    def __enter__(self) -> Self:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def start(self, stream: str) -> None:
        with self.lock:
            self.started[stream] = time.monotonic()
            self.counts[stream] = [0, 0]
            self.tasks[stream] = self.bar.add_task(stream, total=None, records=0, pages=0, rps=0.0)

    def advance(self, stream: str, records: int, pages: int, requests: int) -> None:
        with self.lock:
            counts = self.counts[stream]
            counts[0] += records
            counts[1] += pages
            elapsed = max(time.monotonic() - self.started[stream], 1e-6)
            self.bar.update(
                self.tasks[stream], records=counts[0], pages=counts[1], rps=requests / elapsed
            )

    def finish(self, result: StreamResult) -> None:
        with self.lock:
            task = self.tasks[result.stream]
            mark = {"ok": "✓", "partial": "!", "failed": "✗"}.get(result.outcome, "?")
            self.bar.update(task, description=f"{mark} {result.stream}")
            self.bar.stop_task(task)


class JsonLogProgress:
    """One JSON object per line on stderr, for cron and log shippers."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.out = stream or sys.stderr
        self.lock = threading.Lock()

    def _emit(self, **fields: object) -> None:
        with self.lock:
            self.out.write(json.dumps({"ts": round(time.time(), 3), **fields}) + "\n")
            self.out.flush()

    def start(self, stream: str) -> None:
        self._emit(event="stream_start", stream=stream)

    def advance(self, stream: str, records: int, pages: int, requests: int) -> None:
        self._emit(event="page", stream=stream, records=records, requests=requests)

    def finish(self, result: StreamResult) -> None:
        self._emit(
            event="stream_end",
            stream=result.stream,
            outcome=result.outcome,
            pages=result.pages,
            records=result.records,
            rejects=result.rejects,
            **result.stats.snapshot(),
            seconds=round(result.seconds, 3),
            error=result.error,
        )


def summary_table(results: list[StreamResult]) -> Table:
    table = Table(title="Extract summary")
    for name in (
        "stream",
        "outcome",
        "records",
        "pages",
        "requests",
        "retries",
        "rejects",
        "seconds",
    ):
        table.add_column(name, justify="left" if name in ("stream", "outcome") else "right")
    for r in results:
        snap = r.stats.snapshot()
        style = {"ok": "green", "partial": "yellow", "failed": "red"}.get(r.outcome, "")
        table.add_row(
            r.stream,
            f"[{style}]{r.outcome}[/]",
            f"{r.records:,}",
            f"{r.pages:,}",
            f"{snap['requests']:,}",
            f"{snap['retries']:,}",
            f"{r.rejects:,}",
            f"{r.seconds:.1f}",
        )
    return table
