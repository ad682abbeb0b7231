"""A progress bar for `dbt build`, fed by dbt's own events instead of its log lines.

dbt announces how many nodes it will run (`ConcurrencyLine`) and reports each one as it
finishes (`NodeFinished`), from its worker threads; this turns those into one rich bar, so the
demo shows "142/290 nodes" rather than three hundred lines of dbt output.
"""

from __future__ import annotations

import threading
from typing import Any, Final, Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

_FAILED: Final = frozenset({"error", "fail", "runtime error"})
_NAME_WIDTH: Final = 40


class DbtProgress:
    """Callable given to dbtRunner as a callback; a context manager around the bar, which
    shows from dbt's first count of its nodes to the end of its command."""

    def __init__(self, console: Console | None = None) -> None:
        self.bar = Progress(
            TextColumn("[bold]{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"),
            TextColumn("[dim]{task.fields[node]:<40}"),
            TimeElapsedColumn(),
            console=console or Console(stderr=True),
        )
        self.task = self.bar.add_task("dbt build", total=None, failed=0, node="")
        self.finished = 0
        self.failed = 0
        self.lock = threading.Lock()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, event: Any) -> None:
        name = event.info.name
        if name == "ConcurrencyLine":
            with self.lock:
                self.bar.reset(self.task, total=int(event.data.node_count))
                self.bar.start()
        elif name == "CommandCompleted":
            with self.lock:
                self.bar.update(self.task, node="done" if not self.failed else "see the summary")
                self.bar.stop()
        elif name == "NodeFinished":
            info = event.data.node_info
            with self.lock:
                self.finished += 1
                if info.node_status in _FAILED:
                    self.failed += 1
                self.bar.update(
                    self.task,
                    completed=self.finished,
                    failed=self.failed,
                    node=info.node_name[:_NAME_WIDTH],
                )
