"""Configuration from environment variables, optionally filled in from a TOML file.

The environment wins over the file. The password is held in `Secret`, whose `repr` and `str`
never show it, so it cannot leak through logging or error messages by accident.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ENV_KEYS = {
    "base_url": "SITOO_BASE_URL",
    "account_id": "SITOO_ACCOUNT_ID",
    "api_id": "SITOO_API_ID",
    "api_password": "SITOO_API_PASSWORD",
    "journals_url": "SITOO_JOURNALS_URL",
    "data_dir": "SITOO_WH_DATA_DIR",
}
CONFIG_FILE_ENV = "SITOO_WH_CONFIG"
DEFAULT_CONFIG_FILE = "sitoo-wh.toml"


class ConfigError(ValueError):
    """The configuration is missing a value or holds an unsafe or malformed one."""


class Secret:
    """A string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(name: str, url: str) -> str:
    """Reject malformed URLs and plain HTTP to anything but loopback."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL with a host, got {url!r}")
    if parts.username or parts.password:
        raise ConfigError(
            f"{name} must not embed credentials; use SITOO_API_ID and SITOO_API_PASSWORD"
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(f"{name} must use https for non-loopback hosts, got {parts.hostname}")
    return url.rstrip("/")


@dataclass(frozen=True)
class Settings:
    """Where the Sitoo account is and where the warehouse files live."""

    base_url: str
    account_id: str
    api_id: str
    api_password: Secret
    journals_url: str
    data_dir: Path

    @property
    def v2_url(self) -> str:
        return f"{self.base_url}/v2/accounts/{self.account_id}"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def serving_path(self) -> Path:
        return self.data_dir / "serving.duckdb"


def _file_values(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    section = data.get("sitoo", data)
    unknown = sorted(set(section) - set(ENV_KEYS) - {"sitoo"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown keys {', '.join(unknown)}; known: {', '.join(ENV_KEYS)}"
        )
    return {k: str(v) for k, v in section.items() if k in ENV_KEYS}


def load_settings(
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    require_credentials: bool = True,
) -> Settings:
    """Build settings from the environment (and `sitoo-wh.toml` or `$SITOO_WH_CONFIG`)."""
    env = os.environ if env is None else env
    path = config_file or Path(env.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE))
    values = _file_values(path) if path.is_file() else {}
    for key, name in ENV_KEYS.items():
        if env.get(name):
            values[key] = env[name]
    missing = [
        ENV_KEYS[k]
        for k in ("base_url", "account_id", "api_id", "api_password")
        if not values.get(k)
    ]
    if missing and require_credentials:
        raise ConfigError(
            f"missing configuration: {', '.join(missing)} (set the environment "
            f"variables or put them in {path})"
        )
    base_url = check_url("SITOO_BASE_URL", values.get("base_url", "http://127.0.0.1:8765"))
    account = values.get("account_id", "")
    if account and not account.isdigit():
        raise ConfigError(f"SITOO_ACCOUNT_ID must be a number, got {account!r}")
    journals = values.get("journals_url") or (
        f"{base_url}/journals/v3"
        if is_loopback_host(urlsplit(base_url).hostname or "")
        else "https://journals.sitooapis.com/v3"
    )
    return Settings(
        base_url=base_url,
        account_id=account,
        api_id=values.get("api_id", ""),
        api_password=Secret(values.get("api_password", "")),
        journals_url=check_url("SITOO_JOURNALS_URL", journals),
        data_dir=Path(values.get("data_dir", "./data")),
    )
