"""Sampling end to end, all real processes on loopback: an origin serves a page with a
targeted threat, the zone is set to sample at rate 1 through the control plane's API, and
an edge following the control plane samples the page and sends it back, to be stored as a
watch item with its labels.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from sqlalchemy import select

from stockade.store import Database
from stockade.store.models import WatchItemRecord
from tests.support.control_process import ControlProcess
from tests.support.edge_process import EdgeProcess
from tests.support.origin import Origin, OriginRequest, respond

PAGE = (
    b"<html><head><script>var status = 'ok';</script></head><body><h1>Thread 7</h1>"
    b"<p>I will kill you Mark Smith, I know where you live.</p></body></html>"
)


def test_a_sampled_page_becomes_a_watch_item_with_its_labels(tmp_path: Path) -> None:
    control = ControlProcess.start(data=tmp_path / "control")
    origin = Origin()

    def page(request: OriginRequest) -> bytes:
        return respond(200, PAGE, {"content-type": "text/html; charset=utf-8"})

    origin.handler = page
    api = httpx.Client(
        base_url=control.url, headers={"authorization": f"Bearer {control.admin_token}"}
    )
    edge: EdgeProcess | None = None
    try:
        api.post(
            "/v1/zones",
            json={"name": "forum", "hostnames": ["forum.example"], "origins": [origin.url]},
        ).raise_for_status()
        token = api.post("/v1/tokens", json={"name": "edge-1", "role": "edge"}).json()["token"]
        key = httpx.get(f"{control.url}/v1/edge/key").json()["key"]
        changed = api.patch("/v1/zones/forum", json={"sample_rate": 1.0})
        assert changed.status_code == 200, changed.text
        assert changed.json()["zone"]["sample_rate"] == 1.0
        settings = "\n".join(
            [
                f'control_url = "{control.url}"',
                f'control_key = "{key}"',
                f'control_token = "{token}"',
                f'state_dir = "{tmp_path / "edge"}"',
            ]
        )
        edge = EdgeProcess.start("", directory=tmp_path, edge_settings=settings)
        deadline = time.monotonic() + 15
        while True:
            response = httpx.get(
                f"{edge.url}/t/7?page=1", headers={"host": "forum.example"}, timeout=5
            )
            if response.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert response.content == PAGE
        request_id = response.headers["stockade-request-id"]
        database = Database(f"sqlite:///{control.data / 'stockade.db'}")
        try:
            item = None
            while item is None and time.monotonic() < deadline + 10:
                time.sleep(0.2)
                with database.read() as session:
                    item = session.scalars(
                        select(WatchItemRecord).where(WatchItemRecord.item_id == request_id)
                    ).first()
                    if item is not None:
                        session.expunge(item)
        finally:
            database.dispose()
        assert item is not None, edge.log()
        assert item.url == "http://forum.example/t/7?page=1"
        assert item.author is None
        assert "targeted_threat" in item.labels
        assert "var status" not in item.text
    finally:
        if edge is not None:
            edge.stop()
        control.stop()
        origin.close()
        api.close()
