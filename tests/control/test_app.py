"""Bootstrap prepares a data directory once; the app serves health and its OpenAPI."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from stockade.config import Settings
from stockade.control.app import bootstrap, create_app
from stockade.control.errors import ControlError
from stockade.policy import SigningKey
from tests.control.conftest import Control, control_settings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_makes_key_public_key_and_admin_token(
    database_url: str, tmp_path: Path
) -> None:
    settings = control_settings(tmp_path / "data", database_url)
    first = bootstrap(settings)
    data = settings.data
    assert first.created_admin_token and first.admin_token
    assert (data / "admin-token").read_text().strip() == first.admin_token
    assert _mode(data / "admin-token") == _mode(data / "signing-key") == 0o600
    key = SigningKey.from_text((data / "signing-key").read_text().strip())
    assert key.verify_key().to_text() == first.public_key
    assert (data / "control-key.pub").read_text().strip() == first.public_key

    again = bootstrap(settings)
    assert not again.created_admin_token
    assert (again.admin_token, again.public_key) == (first.admin_token, first.public_key)


def test_a_second_data_directory_on_the_same_database_gets_no_new_token(
    database_url: str, tmp_path: Path
) -> None:
    bootstrap(control_settings(tmp_path / "one", database_url))
    other = bootstrap(control_settings(tmp_path / "two", database_url))
    assert (other.created_admin_token, other.admin_token) == (False, None)


def test_the_app_needs_a_signing_key(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="no signing key"):
        create_app(Settings(data=tmp_path))


def test_health_needs_no_token(control: Control) -> None:
    assert control.client.get("/v1/health").json() == {"status": "ok", "revision": 0}
    control.add_zone("forum")
    assert control.client.get("/v1/health").json()["revision"] == 1


def test_openapi_lists_every_route(control: Control) -> None:
    paths = set(control.client.get("/openapi.json").json()["paths"])
    assert {
        "/v1/zones",
        "/v1/zones/{name}",
        "/v1/zones/{name}/enforcements",
        "/v1/zones/{name}/enforcements/{enforcement_id}",
        "/v1/zones/{name}/unblock",
        "/v1/notices/{notice_id}",
        "/v1/tokens",
        "/v1/tokens/{token_id}",
        "/v1/edges",
        "/v1/revision",
        "/v1/edge/snapshot",
        "/v1/edge/key",
        "/v1/health",
        "/notices/{notice_id}",
    } <= paths


def test_no_page_loads_scripts_from_elsewhere(control: Control) -> None:
    assert control.client.get("/docs").status_code == 404
