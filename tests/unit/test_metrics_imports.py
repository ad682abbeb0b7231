"""The push must not import Streamlit: outside the app it logs "No runtime found", and the CLI
has no business depending on the dashboards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MODULES = (
    "metrics.budget",
    "metrics.cli",
    "metrics.client",
    "metrics.compute",
    "metrics.definitions",
    "metrics.diff",
    "metrics.log",
    "metrics.push",
    "metrics.session",
    "metrics.values",
)


def test_importing_metrics_does_not_import_streamlit_or_the_dashboards(tmp_path: Path) -> None:
    """Also reading a budget file, which once borrowed the dashboards' Streamlit module."""
    budget = tmp_path / "budget.csv"
    budget.write_text("date,store,amount\n2026-04-01,SE-STO-01,100.50\n", encoding="utf-8")
    code = (
        "import importlib, pathlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "from metrics.budget import load_checked\n"
        f"assert len(load_checked(pathlib.Path({str(budget)!r}), {{'SE-STO-01'}})) == 1\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('streamlit', 'dashboards'))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""
    assert "No runtime found" not in done.stderr


def test_the_dashboards_budget_module_uses_the_same_parser() -> None:
    """The dashboards keep only the cache: the rows and errors are the push's own types."""
    from dashboards.lib import budget as dashboard_budget
    from metrics import budget

    assert dashboard_budget.BudgetRow is budget.BudgetRow
    assert dashboard_budget.BudgetError is budget.BudgetError
    assert dashboard_budget.parse is budget.parse
