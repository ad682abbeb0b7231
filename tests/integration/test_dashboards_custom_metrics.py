"""The Custom metrics page against the simulator over real HTTP (`AppTest`):

* without Sitoo credentials the page says which settings are missing;
* Preview shows the new/changed/unchanged counts and writes nothing;
* Push without the confirmation writes nothing;
* Push with it writes, and the values read back from Sitoo (on the page and over HTTP) equal
  the mart figures computed independently; the push log row is shown;
* a second preview shows everything unchanged;
* a metric whose definition differs in Sitoo stops the page with the `--recreate` advice;
* a rejected API user gives a clear message that does not show the password.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.lib import db
from metrics.compute import Period
from metrics.definitions import BUILT_INS
from simulator.config import ChainConfig
from tests.integration.conftest import Sim, sim_env, synced_sim
from tests.integration.test_metrics_push import expected, period_of, read_back

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboards" / "app.py"
PAGE = "views/custom_metrics.py"
CHAIN = ChainConfig(seed=11, stores=2, days=6, end_date=date(2026, 4, 12), products=80)
PUSHED = [d.key for d in BUILT_INS if not d.needs_budget]
"""Without a budget file the page offers the four metrics that need none."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sim, Path]]:
    """The simulator and a data directory published by a real `sitoo-wh sync`."""
    data_dir = tmp_path_factory.mktemp("custom_metrics") / "data"
    with synced_sim(CHAIN, data_dir) as sim:
        yield sim, data_dir


@pytest.fixture
def env(world: tuple[Sim, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Sim, Path]]:
    """Sitoo empty, the simulator's credentials set, nothing from the developer's machine."""
    sim, data_dir = world
    sim.app.metrics.reset()
    for name, value in sim_env(sim, data_dir).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SITOO_WH_CONFIG", str(data_dir / "absent.toml"))
    for name in (
        "SITOO_WH_DASHBOARD_PASSWORD",
        "SITOO_WH_BUDGET_FILE",
        "SITOO_WH_METRICS_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    db.reset_for_tests()
    yield sim, data_dir
    db.reset_for_tests()


def open_page(data_dir: Path) -> AppTest:
    """The page over the whole period the warehouse holds."""
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    period = period_of(data_dir)
    at.date_input(key="filter_period").set_value((period.start, period.end)).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def counts(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, *columns: str) -> Any:
    for element in at.dataframe:
        if tuple(element.value.columns) == columns:
            return element.value
    raise AssertionError(f"no table with columns {columns}")


VALUES = ("metric", "date", "store", "warehouse", "sitoo", "status")
"""The slot-by-slot table's columns (AppTest shows the frame's own names, not the labels)."""


def values_table(at: AppTest) -> Any:
    """The last slot-by-slot table (after a push: the read-back)."""
    found = [e.value for e in at.dataframe if tuple(e.value.columns) == VALUES]
    assert found, [tuple(e.value.columns) for e in at.dataframe]
    return found[-1]


def as_text(value: Any) -> str:
    """A mart figure as the page prints it (no trailing zeros)."""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def test_without_credentials_the_page_says_what_to_set(
    env: tuple[Sim, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, data_dir = env
    monkeypatch.delenv("SITOO_API_PASSWORD")
    monkeypatch.delenv("SITOO_API_ID")

    at = open_page(data_dir)

    assert [t.value for t in at.title] == ["Custom metrics"]
    [info] = at.info
    assert "Sitoo credentials are not configured" in info.value
    assert "SITOO_API_ID, SITOO_API_PASSWORD" in info.value
    assert not at.button


def test_preview_shows_the_counts_and_writes_nothing(env: tuple[Sim, Path]) -> None:
    sim, data_dir = env
    at = open_page(data_dir)
    assert at.multiselect(key="cm_metrics").value == PUSHED

    at.button(key="cm_preview_button").click().run()

    assert not at.exception
    assert not at.error
    want = expected(data_dir, {})
    total = sum(len(want[k]) for k in PUSHED)
    assert total > 0
    assert counts(at) == {"New": str(total), "Changed": "0", "Unchanged": "0"}
    summary = table(
        at, "metric", "in_sitoo", "values", "new", "changed", "unchanged", "only_in_sitoo"
    )
    assert list(summary["metric"]) == PUSHED
    assert set(summary["in_sitoo"]) == {"to be created"}
    assert [int(n) for n in summary["new"]] == [len(want[k]) for k in PUSHED]
    assert set(values_table(at)["status"]) == {"new"}
    assert sim.get("/custom_metrics.json") == []


def test_push_needs_the_confirmation(env: tuple[Sim, Path]) -> None:
    sim, data_dir = env
    at = open_page(data_dir)
    at.button(key="cm_preview_button").click().run()

    at.button(key="cm_push_button").click().run()

    assert not at.exception
    assert any("Nothing was written" in w.value for w in at.warning)
    assert sim.get("/custom_metrics.json") == []
    assert sim.get("/custom_metric_values.json", keys=",".join(PUSHED)) == []
    assert not (data_dir / "metrics.duckdb").exists()


def test_push_writes_the_mart_values_and_a_second_preview_is_unchanged(
    env: tuple[Sim, Path],
) -> None:
    sim, data_dir = env
    period: Period = period_of(data_dir)
    at = open_page(data_dir)
    at.button(key="cm_preview_button").click().run()

    at.checkbox(key="cm_confirm").check().run()
    at.button(key="cm_push_button").click().run()

    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    want = expected(data_dir, {})
    total = sum(len(want[k]) for k in PUSHED)
    shown = counts(at)
    assert shown["Written"] == str(total)
    assert shown["Refused"] == "0"
    # Sitoo holds exactly the mart figures, read over HTTP here...
    assert sorted(m["key"] for m in sim.get("/custom_metrics.json")) == sorted(PUSHED)
    for key in PUSHED:
        assert read_back(sim, key, period) == want[key], key
    # ...and the page's read-back table shows the same numbers, each equal to the warehouse's.
    after = values_table(at)
    assert set(after["status"]) == {"unchanged"}
    assert len(after) == total
    scalars = after[after["metric"] == "cm_avg_transaction_value"]
    assert {(row["date"], row["store"]): row["sitoo"] for _, row in scalars.iterrows()} == {
        slot: as_text(v) for slot, v in want["cm_avg_transaction_value"].items()
    }
    assert (after["warehouse"] == after["sitoo"]).all()
    # The push log row of each metric.
    [log] = [e.value for e in at.dataframe if "push_id" in e.value.columns]
    assert sorted(log["metric_key"]) == sorted(PUSHED)
    assert set(log["outcome"]) == {"ok"}
    assert int(log["values_written"].sum()) == total

    at.button(key="cm_preview_button").click().run()

    assert not at.exception
    assert counts(at) == {"New": "0", "Changed": "0", "Unchanged": str(total)}
    assert any("nothing to push" in s.value for s in at.success)
    assert not [b for b in at.button if b.key == "cm_push_button"]


def test_a_differing_definition_stops_with_the_recreate_advice(env: tuple[Sim, Path]) -> None:
    sim, data_dir = env
    with sim.client() as client:
        created = client.post(
            sim.v2 + "/custom_metrics.json",
            json={"key": "cm_gross_margin_pct", "grouping": "date", "type": "scalar"},
        )
        assert created.status_code == 201
    at = open_page(data_dir)

    at.button(key="cm_preview_button").click().run()

    assert not at.exception
    assert any("cm_gross_margin_pct" in e.value for e in at.error)
    advice = " ".join(i.value for i in at.info)
    assert "--metrics cm_gross_margin_pct" in advice
    assert "--recreate" in advice
    assert "deletes" in advice
    assert not [b for b in at.button if b.key == "cm_push_button"]
    assert [m["key"] for m in sim.get("/custom_metrics.json")] == ["cm_gross_margin_pct"]


def test_a_rejected_api_user_is_a_clear_message_without_the_password(
    env: tuple[Sim, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, data_dir = env
    monkeypatch.setenv("SITOO_API_PASSWORD", "wrong-password-123")
    at = open_page(data_dir)

    at.button(key="cm_preview_button").click().run()

    assert not at.exception
    [error] = at.error
    assert "HTTP 401" in error.value
    assert "SITOO_API_PASSWORD" in error.value
    page_text = " ".join(str(e.value) for e in [*at.error, *at.info, *at.caption, *at.markdown])
    assert "wrong-password-123" not in page_text
