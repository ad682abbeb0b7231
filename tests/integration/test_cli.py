"""The `sitoo-wh` command as a user runs it: real processes, real ports."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.integration.conftest import free_port

SMALL = ["--stores", "2", "--days", "3", "--products", "60"]


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "sitoo_wh.cli", *args]


def test_simulator_serve_prints_environment_serves_and_stops_on_sigterm() -> None:
    port = free_port()
    with subprocess.Popen(
        _cli("simulator", "serve", "--port", str(port), *SMALL),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        _serve_and_stop(proc, port)


def _serve_and_stop(proc: subprocess.Popen[str], port: int) -> None:
    try:
        lines: list[str] = []
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "SITOO_JOURNALS_URL" in line:
                break
        text = "".join(lines)
        url = f"http://127.0.0.1:{port}"
        for expected in (
            f"export SITOO_BASE_URL={url}",
            "export SITOO_ACCOUNT_ID=1500",
            "export SITOO_API_ID=1500-1",
            "export SITOO_API_PASSWORD=sitoo-demo",
            f"export SITOO_JOURNALS_URL={url}/journals/v3",
        ):
            assert expected in text
        response = httpx.get(f"{url}/v2/accounts/1500/sites.json", auth=("1500-1", "sitoo-demo"))
        assert response.status_code == 200
        assert response.json()["totalcount"] == 3
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_demo_tours_the_simulator_extracts_and_exits_with_no_wait(tmp_path: Path) -> None:
    env = {**os.environ, "SITOO_WH_DATA_DIR": str(tmp_path / "data")}
    result = subprocess.run(
        _cli("demo", "--no-wait", *SMALL),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "Sitoo API simulator running at http://127.0.0.1:" in result.stdout
    assert "site 1 nordlys.se: 2 stores" in result.stdout
    assert re.search(r"orders: \d+ \(newest #\d+", result.stdout)
    assert "export SITOO_API_ID=1500-1" in result.stdout
    assert "Extract summary" in result.stderr
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute("select count(*) from raw.orders").fetchone()
        assert row is not None
        assert row[0] > 100
        outcomes = {o for (o,) in con.execute("select outcome from meta.extract_runs").fetchall()}
    assert outcomes == {"ok"}
    with duckdb.connect(str(tmp_path / "data" / "serving.duckdb"), read_only=True) as con:
        row = con.execute("select count(*) from marts.fct_orders").fetchone()
    assert row is not None
    assert row[0] > 100


def test_demo_refuses_a_warehouse_it_did_not_make(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with duckdb.connect(str(data_dir / "warehouse.duckdb")) as con:
        con.execute("create table real_orders as select 1 as order_id")
    env = {**os.environ, "SITOO_WH_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        _cli("demo", "--no-wait", *SMALL),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 2
    assert "was not made by the demo" in result.stdout
    assert sorted(p.name for p in data_dir.iterdir()) == ["warehouse.duckdb"]


@pytest.mark.parametrize(
    "bad", [["--fault", "nonsense=0.1"], ["--fault", "status_500=2"], ["--stores", "0"]]
)
def test_bad_simulator_flags_fail_with_a_clear_message(bad: list[str]) -> None:
    result = subprocess.run(
        _cli("simulator", "serve", "--port", "0", *bad),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "error" in result.stderr.lower()
