"""The control plane under test: in process (FastAPI's TestClient) or as real processes,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from stockade.config import Settings
from stockade.control.app import bootstrap, create_app
from tests.support.control_process import ControlProcess
from tests.support.database import database, database_url, postgres_url

# Starlette asks for httpx2 in its TestClient; the httpx it runs on works as is.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

__all__ = ["database", "database_url", "postgres_url"]

PUBLIC_URL = "https://control.example"


@dataclass
class Control:
    client: TestClient
    settings: Settings
    admin_token: str
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, role: str = "admin") -> dict[str, str]:
        """Authorization headers with a token of `role` (made on first use)."""
        if role == "admin":
            return {"authorization": f"Bearer {self.admin_token}"}
        if role not in self.tokens:
            response = self.client.post(
                "/v1/tokens", json={"name": f"test-{role}", "role": role}, headers=self.auth()
            )
            assert response.status_code == 201, response.text
            self.tokens[role] = response.json()["token"]
        return {"authorization": f"Bearer {self.tokens[role]}"}

    def add_zone(self, name: str = "forum", *hostnames: str, **fields: object) -> dict[str, object]:
        body = {
            "name": name,
            "hostnames": list(hostnames or [f"{name}.example"]),
            "origins": ["http://10.0.0.5:8080"],
            **fields,
        }
        response = self.client.post("/v1/zones", json=body, headers=self.auth())
        assert response.status_code == 201, response.text
        result: dict[str, object] = response.json()
        return result

    def revision(self) -> int:
        revision: int = self.client.get("/v1/revision", headers=self.auth()).json()["revision"]
        return revision


def control_settings(data: Path, database_url: str) -> Settings:
    return Settings(data=data, database_url=database_url, public_url=PUBLIC_URL)


@pytest.fixture
def control(database_url: str, tmp_path: Path) -> Iterator[Control]:
    settings = control_settings(tmp_path / "data", database_url)
    started = bootstrap(settings)
    assert started.admin_token is not None
    with TestClient(create_app(settings)) as client:
        yield Control(client=client, settings=settings, admin_token=started.admin_token)


@pytest.fixture
def control_process(tmp_path: Path) -> Iterator[type[ControlProcess]]:
    """Start control planes with `control_process.start(data=..., database_url=...)`;
    all are stopped after the test."""
    started: list[ControlProcess] = []

    class Factory(ControlProcess):
        @classmethod
        def start(cls, **kwargs: object) -> ControlProcess:  # type: ignore[override]
            kwargs.setdefault("data", tmp_path / "data")
            process = ControlProcess.start(**kwargs)  # type: ignore[arg-type]
            started.append(process)
            return process

    yield Factory
    for process in started:
        process.stop()
