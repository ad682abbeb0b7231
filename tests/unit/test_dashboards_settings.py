"""Dashboard configuration, `sitoo-wh serve`'s command line and the password check."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from dashboards.lib import auth, settings
from sitoo_wh import cli, serve
from sitoo_wh.config import ConfigError, Secret


def test_environment_wins_over_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "sitoo-wh.toml"
    config.write_text(
        '[sitoo]\ndata_dir = "/srv/wh"\n\n[dashboards]\nbudget_file = "/srv/budget.csv"\n'
        'password = "from-file"\n'
    )

    from_file = settings.load({"SITOO_WH_CONFIG": str(config)})
    from_env = settings.load(
        {
            "SITOO_WH_CONFIG": str(config),
            "SITOO_WH_DATA_DIR": str(tmp_path / "other"),
            "SITOO_WH_DASHBOARD_PASSWORD": "from-env",
        }
    )

    assert from_file.serving_path == Path("/srv/wh/serving.duckdb")
    assert from_file.budget_file == Path("/srv/budget.csv")
    assert from_file.password == Secret("from-file")
    assert from_env.data_dir == tmp_path / "other"
    assert from_env.password == Secret("from-env")
    assert "from-env" not in repr(from_env)


def test_no_configuration_means_no_budget_and_no_password(tmp_path: Path) -> None:
    config = settings.load({"SITOO_WH_CONFIG": str(tmp_path / "absent.toml")})

    assert config.data_dir == Path("data")
    assert config.budget_file is None
    assert config.password is None


def test_an_unknown_dashboard_key_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "sitoo-wh.toml"
    config.write_text('[dashboards]\npasword = "typo"\n')

    with pytest.raises(ConfigError, match="unknown keys in \\[dashboards\\]: pasword"):
        settings.load({"SITOO_WH_CONFIG": str(config)})


def test_the_password_check() -> None:
    assert auth.check("kassa-2026", Secret("kassa-2026"))
    assert not auth.check("kassa-2025", Secret("kassa-2026"))
    assert not auth.check("", Secret("kassa-2026"))


def test_serve_runs_streamlit_headless_on_loopback_without_usage_stats() -> None:
    args = cli.build_parser().parse_args(["serve"])

    assert (args.host, args.port, args.data_dir) == ("127.0.0.1", 8501, None)
    command = serve.command(args.host, args.port)
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(command[4]) == Path(serve.__file__).parents[1] / "dashboards" / "app.py"
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options == {
        "--server.address": "127.0.0.1",
        "--server.port": "8501",
        "--server.headless": "true",
        "--browser.gatherUsageStats": "false",
        "--client.toolbarMode": "viewer",
    }


def test_serve_hands_an_absolute_data_dir_to_the_app(tmp_path: Path) -> None:
    args = argparse.Namespace(data_dir=Path("relative/data"))

    env = serve.environment(args.data_dir, base={"PATH": "/bin"})

    assert Path(env["SITOO_WH_DATA_DIR"]).is_absolute()
    assert env["SITOO_WH_DATA_DIR"].endswith("relative/data")
    assert env["PATH"] == "/bin"
