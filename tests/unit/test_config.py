from __future__ import annotations

from pathlib import Path

import pytest

from sitoo_wh.config import ConfigError, Secret, load_settings

BASE_ENV = {
    "SITOO_BASE_URL": "https://api.mysitoo.com",
    "SITOO_ACCOUNT_ID": "1500",
    "SITOO_API_ID": "1500-1",
    "SITOO_API_PASSWORD": "top-secret-pw",
}


def test_settings_from_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {**BASE_ENV, "SITOO_WH_DATA_DIR": str(tmp_path)}, config_file=tmp_path / "none.toml"
    )
    assert settings.v2_url == "https://api.mysitoo.com/v2/accounts/1500"
    assert settings.journals_url == "https://journals.sitooapis.com/v3"
    assert settings.warehouse_path == tmp_path / "warehouse.duckdb"
    assert settings.api_password.reveal() == "top-secret-pw"


def test_password_never_shows_in_repr_or_str(tmp_path: Path) -> None:
    settings = load_settings(BASE_ENV, config_file=tmp_path / "none.toml")
    assert "top-secret-pw" not in repr(settings)
    assert "top-secret-pw" not in str(settings.api_password)
    assert "top-secret-pw" not in f"{settings}"


def test_loopback_http_is_allowed_and_defaults_journals_to_the_same_host(tmp_path: Path) -> None:
    env = {**BASE_ENV, "SITOO_BASE_URL": "http://127.0.0.1:8765/"}
    settings = load_settings(env, config_file=tmp_path / "none.toml")
    assert settings.base_url == "http://127.0.0.1:8765"
    assert settings.journals_url == "http://127.0.0.1:8765/journals/v3"


@pytest.mark.parametrize(
    "url",
    [
        "http://api.mysitoo.com",
        "http://10.0.0.5:8765",
        "ftp://api.mysitoo.com",
        "https://user:pw@api.mysitoo.com",
    ],
)
def test_unsafe_or_malformed_base_urls_are_refused(tmp_path: Path, url: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings({**BASE_ENV, "SITOO_BASE_URL": url}, config_file=tmp_path / "none.toml")
    assert "SITOO_BASE_URL" in str(err.value)
    assert "top-secret-pw" not in str(err.value)


def test_missing_values_are_named(tmp_path: Path) -> None:
    env = {k: v for k, v in BASE_ENV.items() if k != "SITOO_API_PASSWORD"}
    with pytest.raises(ConfigError, match="SITOO_API_PASSWORD"):
        load_settings(env, config_file=tmp_path / "none.toml")


def test_toml_file_fills_in_and_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "sitoo-wh.toml"
    path.write_text(
        '[sitoo]\nbase_url = "https://api201.mysitoo.com"\naccount_id = "2010"\n'
        'api_id = "2010-4"\napi_password = "from-file"\n',
        encoding="utf-8",
    )
    settings = load_settings({"SITOO_API_ID": "2010-9"}, config_file=path)
    assert settings.base_url == "https://api201.mysitoo.com"
    assert settings.api_id == "2010-9"
    assert settings.api_password == Secret("from-file")


def test_unknown_toml_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "sitoo-wh.toml"
    path.write_text('[sitoo]\nbase_ur = "https://x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="base_ur"):
        load_settings({}, config_file=path)
