"""Where the dashboards read from, and their optional budget file and password.

Environment variables win over the TOML config file (`sitoo-wh.toml` or `$SITOO_WH_CONFIG`),
as for the rest of sitoo-wh. The dashboard keys live in the file's `[dashboards]` table
(`budget_file`, `password`); the data directory is `[sitoo] data_dir`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sitoo_wh.config import CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE, ConfigError, Secret

DATA_DIR_ENV: Final = "SITOO_WH_DATA_DIR"
BUDGET_ENV: Final = "SITOO_WH_BUDGET_FILE"
PASSWORD_ENV: Final = "SITOO_WH_DASHBOARD_PASSWORD"  # noqa: S105 - a variable name
SECTION: Final = "dashboards"
KEYS: Final = ("budget_file", "password")


@dataclass(frozen=True)
class DashboardSettings:
    data_dir: Path
    budget_file: Path | None
    password: Secret | None

    @property
    def serving_path(self) -> Path:
        return self.data_dir / "serving.duckdb"


def _file(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None


def load(env: Mapping[str, str] | None = None) -> DashboardSettings:
    """Settings from the environment, filled in from the config file."""
    env = os.environ if env is None else env
    path = Path(env.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE)
    data = _file(path) if path.is_file() else {}
    sitoo = data.get("sitoo", data)
    section = data.get(SECTION, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [{SECTION}] must be a table")
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{path}: unknown keys in [{SECTION}]: {', '.join(unknown)}; known: {', '.join(KEYS)}"
        )
    data_dir = env.get(DATA_DIR_ENV) or str(sitoo.get("data_dir", "./data"))
    budget = env.get(BUDGET_ENV) or str(section.get("budget_file", ""))
    password = env.get(PASSWORD_ENV) or str(section.get("password", ""))
    return DashboardSettings(
        data_dir=Path(data_dir),
        budget_file=Path(budget) if budget else None,
        password=Secret(password) if password else None,
    )
