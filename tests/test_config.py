"""Settings: flags, then STOCKADE_* variables, then stockade.toml, then defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.config import (
    ADMIN_TOKEN_FILE,
    SETTING_NAMES,
    Settings,
    SettingsError,
    load_settings,
    parse_listen,
)


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(environ={}, directory=tmp_path)
    assert settings == Settings()
    assert settings.data == Path("data")
    assert settings.database == f"sqlite:///{Path('data').resolve() / 'stockade.db'}"
    assert settings.public_base == settings.api_url == "http://127.0.0.1:8000"


def test_flags_beat_the_environment_which_beats_the_file(tmp_path: Path) -> None:
    (tmp_path / "stockade.toml").write_text(
        'listen = "127.0.0.1:7000"\npublic_url = "https://file.example"\ndata = "from-file"\n'
    )
    settings = load_settings(
        {"listen": "127.0.0.1:9000", "data": None},
        environ={
            "STOCKADE_LISTEN": "127.0.0.1:8000",
            "STOCKADE_PUBLIC_URL": "https://env.example/",
        },
        directory=tmp_path,
    )
    assert settings.listen == "127.0.0.1:9000"
    assert settings.public_base == "https://env.example"
    assert settings.data == Path("from-file")


def test_every_setting_has_an_environment_variable(tmp_path: Path) -> None:
    environ = {
        "STOCKADE_DATA": "/srv/stockade",
        "STOCKADE_DATABASE_URL": "postgresql+psycopg://db/stockade",
        "STOCKADE_LISTEN": "[::1]:8001",
        "STOCKADE_PUBLIC_URL": "https://notices.example",
        "STOCKADE_URL": "https://control.example/",
        "STOCKADE_TOKEN": "stk_abc",
        "STOCKADE_WATCH_WEBHOOK": "https://hooks.example/alerts",
        "STOCKADE_WATCH_INTERVAL": "30",
        "STOCKADE_WATCH_WEBHOOK_TIMEOUT": "2.5",
        "STOCKADE_WATCH_WEBHOOK_RETRIES": "5",
        "STOCKADE_WATCH_MONITORS": "/etc/stockade/monitors.toml",
    }
    assert sorted(f"STOCKADE_{name.upper()}" for name in SETTING_NAMES) == sorted(environ)
    settings = load_settings(environ=environ, directory=tmp_path)
    assert settings.database == "postgresql+psycopg://db/stockade"
    assert settings.watch_webhook == "https://hooks.example/alerts"
    assert (settings.watch_interval, settings.watch_webhook_timeout) == (30.0, 2.5)
    assert settings.watch_webhook_retries == 5
    assert settings.watch_monitors == Path("/etc/stockade/monitors.toml")
    assert (settings.api_url, settings.api_token) == ("https://control.example", "stk_abc")


def test_the_cli_falls_back_on_the_admin_token_of_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(data=tmp_path)
    assert settings.api_token is None
    (tmp_path / ADMIN_TOKEN_FILE).write_text("stk_admin\n")
    assert settings.api_token == "stk_admin"
    assert Settings(data=tmp_path, token="stk_mine").api_token == "stk_mine"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("listen = 8000\n", "must be a string"),
        ("lisen = '127.0.0.1:1'\n", "unknown key"),
        ("listen = \n", "Cannot read"),
    ],
)
def test_a_bad_file_is_explained(tmp_path: Path, content: str, expected: str) -> None:
    (tmp_path / "stockade.toml").write_text(content)
    with pytest.raises(SettingsError, match=expected):
        load_settings(environ={}, directory=tmp_path)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"listen": "8000"}, "is not HOST:PORT"),
        ({"listen": "localhost:99999"}, "is not HOST:PORT"),
        ({"public_url": "control.example"}, "STOCKADE_PUBLIC_URL .* is not a URL"),
        ({"url": "ftp://x"}, "STOCKADE_URL .* is not a URL"),
    ],
)
def test_bad_values_are_explained(fields: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        Settings(**fields)  # type: ignore[arg-type]


def test_listen_addresses() -> None:
    assert parse_listen("0.0.0.0:80") == ("0.0.0.0", 80)
    assert parse_listen("[::1]:8000") == ("::1", 8000)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STOCKADE_WATCH_INTERVAL", "soon"),
        ("STOCKADE_WATCH_INTERVAL", "0"),
        ("STOCKADE_WATCH_WEBHOOK_RETRIES", "2.5"),
        ("STOCKADE_WATCH_WEBHOOK_RETRIES", "-1"),
    ],
)
def test_a_watch_number_that_is_not_one_is_refused_with_a_sentence(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(SettingsError, match=f"{name} is '{value}', which is not a .*number"):
        load_settings(environ={name: value}, directory=tmp_path)


def test_a_watch_webhook_must_be_a_url(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="STOCKADE_WATCH_WEBHOOK is 'hooks', which is not"):
        load_settings(environ={"STOCKADE_WATCH_WEBHOOK": "hooks"}, directory=tmp_path)
