"""`sitoo-wh doctor` against the real simulator over loopback HTTP, run as a command.

* on a data dir a real `sitoo-wh sync` filled, every check is OK and the exit code 0;
* a wrong password fails the credentials check, names the IP allow-list and exits 1;
* nothing listening fails reachability; plain http to a remote host fails the configuration;
* a local clock ten minutes off (injected) against the server's real Date header fails;
* in no case does the password appear on stdout or stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulator.config import ChainConfig
from sitoo_wh import doctor
from sitoo_wh.doctor import Verdict
from tests.integration.conftest import AUTH, Sim, free_port, sim_env, start_sim

REPO = Path(__file__).resolve().parents[2]
WRONG_PASSWORD = "not-the-Password-42"
CHAIN = ChainConfig(seed=7, stores=2, days=3, products=100)


@pytest.fixture(scope="module")
def doctor_sim() -> Iterator[Sim]:
    handle = start_sim(CHAIN)
    yield handle
    handle.server.stop()


def command_env(sim: Sim, data_dir: Path, **overrides: str) -> dict[str, str]:
    """The parent's environment without any SITOO_* of the developer's, pointed at `sim`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SITOO_")}
    env |= sim_env(sim, data_dir)
    env["SITOO_WH_CONFIG"] = str(data_dir / "absent.toml")
    env |= overrides
    return env


def sitoo_wh(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sitoo_wh.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def synced(doctor_sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir after one real `sitoo-wh sync` from the simulator."""
    data_dir = tmp_path_factory.mktemp("doctor") / "data"
    done = sitoo_wh(
        command_env(doctor_sim, data_dir), "sync", "--quiet", "--rate-limit", "0", timeout=600
    )
    assert done.returncode == 0, done.stderr
    return data_dir


def assert_no_password(done: subprocess.CompletedProcess[str]) -> None:
    for secret in (AUTH[1], WRONG_PASSWORD):
        assert secret not in done.stdout
        assert secret not in done.stderr


@pytest.mark.slow
def test_a_synced_data_dir_is_healthy(doctor_sim: Sim, synced: Path) -> None:
    done = sitoo_wh(command_env(doctor_sim, synced), "doctor")

    assert done.returncode == 0, done.stdout + done.stderr
    lines = [
        line for line in done.stdout.splitlines() if line[:4] in ("OK  ", "WARN", "FAIL", "SKIP")
    ]
    assert len(lines) == 10
    assert all(line.startswith("OK ") for line in lines), done.stdout
    assert "0 failed, 0 warning(s), 10 ok, 0 skipped" in done.stdout
    assert_no_password(done)


@pytest.mark.slow
def test_json_report_of_a_synced_data_dir(doctor_sim: Sim, synced: Path) -> None:
    done = sitoo_wh(command_env(doctor_sim, synced), "doctor", "--json")

    report = json.loads(done.stdout)
    assert done.returncode == 0
    assert report["ok"] is True
    assert {c["verdict"] for c in report["checks"]} == {"OK"}
    last_run = next(c for c in report["checks"] if c["name"] == "last run")
    assert "extract" in last_run["message"]
    assert "dbt build passed" in last_run["message"]
    assert_no_password(done)


@pytest.mark.slow
def test_wrong_password_fails_credentials_naming_the_ip_allow_list(
    doctor_sim: Sim, synced: Path
) -> None:
    env = command_env(doctor_sim, synced, SITOO_API_PASSWORD=WRONG_PASSWORD)

    done = sitoo_wh(env, "doctor")

    assert done.returncode == 1
    credentials = next(line for line in done.stdout.splitlines() if " credentials " in line)
    assert credentials.startswith("FAIL")
    assert "HTTP 401" in credentials
    assert "allowed IPs" in done.stdout
    assert "SITOO_API_PASSWORD" in done.stdout
    assert "skipped: the v2 API did not accept the credentials" in done.stdout
    assert_no_password(done)


def test_nothing_listening_fails_reachability(doctor_sim: Sim, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = command_env(doctor_sim, tmp_path, SITOO_BASE_URL=url, SITOO_JOURNALS_URL=url)

    done = sitoo_wh(env, "doctor", "--json", "--timeout", "2")

    report = json.loads(done.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert done.returncode == 1
    assert checks["reachability"]["verdict"] == "FAIL"
    assert "refused" in checks["reachability"]["message"]
    assert "sitoo-wh simulator serve" in checks["reachability"]["fix"]
    assert checks["credentials"]["verdict"] == "SKIP"
    assert checks["credentials"]["message"].startswith("skipped: 127.0.0.1:")
    assert_no_password(done)


def test_plain_http_to_a_remote_host_fails_the_configuration(
    doctor_sim: Sim, tmp_path: Path
) -> None:
    env = command_env(doctor_sim, tmp_path, SITOO_BASE_URL="http://api.mysitoo.com")

    done = sitoo_wh(env, "doctor", "--json")

    report = json.loads(done.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert done.returncode == 1
    assert checks["configuration"]["verdict"] == "FAIL"
    assert "https" in checks["configuration"]["message"]
    assert all(
        checks[name]["verdict"] == "SKIP"
        for name in ("reachability", "credentials", "journals", "clock skew")
    )
    assert_no_password(done)


def test_a_local_clock_ten_minutes_fast_fails_against_the_servers_date(
    doctor_sim: Sim, tmp_path: Path
) -> None:
    env = command_env(doctor_sim, tmp_path)

    def fast() -> datetime:
        return datetime.now(UTC) + timedelta(minutes=10)

    report = doctor.run_checks(env, now=fast)

    clock = next(r for r in report.results if r.name == "clock skew")
    assert clock.verdict is Verdict.FAIL
    assert "ahead of the API server's" in clock.message
    assert report.exit_code == 1
    in_step = doctor.run_checks(env)
    assert next(r for r in in_step.results if r.name == "clock skew").verdict is Verdict.OK
