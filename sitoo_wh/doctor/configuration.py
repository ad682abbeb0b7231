"""Check 1: the settings load, and look like a Sitoo account (the config module enforces
https and the rest; this check names what is wrong and how to put it right)."""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sitoo_wh.config import (
    CONFIG_FILE_ENV,
    DEFAULT_CONFIG_FILE,
    ENV_KEYS,
    ConfigError,
    Settings,
    load_settings,
)
from sitoo_wh.doctor.model import CheckResult, Redactor, Verdict

NAME = "configuration"
_SETUP_HINT = (
    "see README, Configuration; `sitoo-wh simulator serve` prints the values for the simulator"
)


@dataclass(frozen=True)
class ConfigOutcome:
    """The check's verdict, plus what later checks need even when it failed."""

    result: CheckResult
    settings: Settings | None
    """Complete settings, or None when the network checks cannot run."""
    data_dir: Path
    """Where the warehouse files are, as far as the configuration can tell."""
    redactor: Redactor


def config_path(env: Mapping[str, str], config_file: Path | None = None) -> Path:
    return config_file or Path(env.get(CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE))


def _file_section(path: Path) -> dict[str, object]:
    """The `[sitoo]` table of the config file, or {} when absent or unreadable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    section = data.get("sitoo", data)
    return section if isinstance(section, dict) else {}


def redactor_for(env: Mapping[str, str], path: Path) -> Redactor:
    """Every password the configuration could hold, found even when loading it fails."""
    section = _file_section(path) if path.is_file() else {}
    passwords = [env.get(ENV_KEYS["api_password"], ""), str(section.get("api_password", ""))]
    api_ids = [env.get(ENV_KEYS["api_id"], ""), str(section.get("api_id", ""))]
    return Redactor(passwords, api_ids)


def _fix_for(error: str, path: Path) -> str:
    if error.startswith("missing configuration"):
        return f"set the variables named, or put them under [sitoo] in {path}; {_SETUP_HINT}"
    if "must use https" in error:
        return (
            "use the https:// API address shown in Backoffice → Settings → Sitoo REST API; "
            "plain http is allowed only for loopback (the local simulator), because Basic auth "
            "would travel unencrypted"
        )
    if "embed credentials" in error:
        return "remove user:password@ from the URL; set SITOO_API_ID and SITOO_API_PASSWORD"
    if "SITOO_ACCOUNT_ID" in error:
        return "SITOO_ACCOUNT_ID is the account number only, e.g. 1500 for API id 1500-1"
    if "TOML" in error or "unknown keys" in error:
        return f"correct {path} (keys in lower case under [sitoo]), or point {CONFIG_FILE_ENV} elsewhere"
    return _SETUP_HINT


def _fallback_data_dir(env: Mapping[str, str], path: Path) -> Path:
    try:
        return load_settings(env, config_file=path, require_credentials=False).data_dir
    except ConfigError:
        section = _file_section(path) if path.is_file() else {}
        return Path(env.get(ENV_KEYS["data_dir"]) or str(section.get("data_dir", "./data")))


def _warnings(settings: Settings, path: Path) -> list[tuple[str, str]]:
    """Settings that load but are probably wrong: (problem, fix)."""
    found: list[tuple[str, str]] = []
    if urlsplit(settings.base_url).path not in ("", "/"):
        found.append(
            (
                (
                    f"SITOO_BASE_URL has a path ({urlsplit(settings.base_url).path}); "
                    f"requests go to {settings.v2_url}"
                ),
                "give scheme and host only, e.g. https://api.mysitoo.com",
            )
        )
    if not settings.api_id.startswith(f"{settings.account_id}-"):
        found.append(
            (
                f"API id {settings.api_id!r} does not start with account {settings.account_id}-",
                "Sitoo API ids are <account>-<n>: check SITOO_ACCOUNT_ID and SITOO_API_ID",
            )
        )
    if path.is_file() and "api_password" in _file_section(path):
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            found.append(
                (
                    (
                        f"{path} holds the API password and is readable by others "
                        f"({stat.filemode(mode)})"
                    ),
                    f"chmod 600 {path}",
                )
            )
    return found


def check_configuration(env: Mapping[str, str], config_file: Path | None = None) -> ConfigOutcome:
    """Load the settings as every other command does; FAIL names what is missing or unsafe."""
    path = config_path(env, config_file)
    redactor = redactor_for(env, path)
    source = f"environment and {path}" if path.is_file() else "environment"
    try:
        settings = load_settings(env, config_file=path)
    except ConfigError as err:
        result = CheckResult(NAME, Verdict.FAIL, redactor(str(err)), _fix_for(str(err), path))
        return ConfigOutcome(result, None, _fallback_data_dir(env, path), redactor)
    plain = " (plain http: loopback only)" if settings.base_url.startswith("http:") else ""
    summary = (
        f"{settings.base_url}{plain}, account {settings.account_id}, API user "
        f"{settings.api_id}, data dir {settings.data_dir} (from the {source})"
    )
    problems = _warnings(settings, path)
    if problems:
        message = summary + "; " + "; ".join(problem for problem, _ in problems)
        fix = "; ".join(fix for _, fix in problems)
        result = CheckResult(NAME, Verdict.WARN, message, fix)
    else:
        result = CheckResult(NAME, Verdict.OK, summary)
    return ConfigOutcome(result, settings, settings.data_dir, redactor)
