"""The demo's guards and its dbt progress bar, offline."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from simulator.config import ChainConfig
from sitoo_wh.build_progress import DbtProgress
from sitoo_wh.demo import MARKER, DemoError, StopRequest, claim_data_dir, docs_outdated

CHAIN = ChainConfig(seed=7, stores=2, days=5, end_date=date(2026, 4, 1), products=50)


def test_a_new_directory_is_claimed_and_marked(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    assert claim_data_dir(data_dir, CHAIN) is False

    marker = json.loads((data_dir / MARKER).read_text())
    assert marker["seed"] == "7"
    assert marker["stores"] == "2"


def test_a_rerun_of_the_same_chain_reuses_the_published_copy(tmp_path: Path) -> None:
    claim_data_dir(tmp_path, CHAIN)
    (tmp_path / "warehouse.duckdb").write_bytes(b"")
    assert claim_data_dir(tmp_path, CHAIN) is False  # nothing published yet
    (tmp_path / "serving.duckdb").write_bytes(b"")

    assert claim_data_dir(tmp_path, CHAIN) is True


def test_another_chain_is_refused_naming_what_differs(tmp_path: Path) -> None:
    claim_data_dir(tmp_path, CHAIN)
    other = dataclasses.replace(CHAIN, stores=5)

    with pytest.raises(DemoError, match=r"another synthetic chain \(differs in stores\)"):
        claim_data_dir(tmp_path, other)


def test_a_warehouse_the_demo_did_not_make_is_left_alone(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"a real account's data")

    with pytest.raises(DemoError, match="not made by the demo"):
        claim_data_dir(tmp_path, CHAIN)
    assert not (tmp_path / MARKER).exists()
    assert warehouse.read_bytes() == b"a real account's data"


def test_an_unreadable_marker_is_refused(tmp_path: Path) -> None:
    (tmp_path / MARKER).write_text("{not json")

    with pytest.raises(DemoError, match="unreadable"):
        claim_data_dir(tmp_path, CHAIN)


def test_docs_are_outdated_when_missing_or_older_than_a_model(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "marts").mkdir(parents=True)
    model = models / "marts" / "fct_x.sql"
    model.write_text("select 1")
    data_dir = tmp_path / "data"
    assert docs_outdated(data_dir, models) is True

    page = data_dir / "docs" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html>")
    os.utime(model, (1_000_000, 1_000_000))
    os.utime(page, (2_000_000, 2_000_000))
    assert docs_outdated(data_dir, models) is False

    os.utime(model, (3_000_000, 3_000_000))
    assert docs_outdated(data_dir, models) is True


def _event(name: str, **data: Any) -> SimpleNamespace:
    return SimpleNamespace(info=SimpleNamespace(name=name), data=SimpleNamespace(**data))


def _finished(node: str, status: str) -> SimpleNamespace:
    return _event("NodeFinished", node_info=SimpleNamespace(node_name=node, node_status=status))


def test_progress_counts_finished_and_failed_nodes_from_dbt_events() -> None:
    out = io.StringIO()
    progress = DbtProgress(Console(file=out, width=120, force_terminal=False))
    with progress:
        progress(_event("MainReportVersion"))  # events it does not know are ignored
        progress(_event("ConcurrencyLine", node_count=3))
        progress(_finished("stg_sitoo__orders", "success"))
        progress(_finished("fct_orders", "error"))
        progress(_finished("unique_fct_orders_order_id", "pass"))
        progress(_event("CommandCompleted"))

    task = progress.bar.tasks[0]
    assert (task.total, task.completed) == (3, 3)
    assert task.fields["failed"] == 1
    assert (progress.finished, progress.failed) == (3, 1)
    assert "3/3" in out.getvalue()
    assert "1 failed" in out.getvalue()


def test_progress_trims_long_node_names() -> None:
    progress = DbtProgress(Console(file=io.StringIO()))
    with progress:
        progress(_event("ConcurrencyLine", node_count=1))
        progress(_finished("x" * 100, "success"))

    assert progress.bar.tasks[0].fields["node"] == "x" * 40


def test_a_stop_swallowed_by_dbt_is_raised_again() -> None:
    stop = StopRequest()
    stop.check()  # nothing asked yet: no-op
    with contextlib.suppress(KeyboardInterrupt):  # what dbt does with it
        stop.handle(2, None)
    with pytest.raises(KeyboardInterrupt):
        stop.check()
