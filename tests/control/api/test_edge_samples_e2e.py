"""Sampling end to end, all real processes on loopback: an origin serves a page with a
targeted threat, an edge samples it at rate 1 and sends it to the control plane, which
stores it as a watch item with its labels.

The control plane's zones do not carry sample settings yet, so the edge follows a feed in
front of the control plane: it serves the zone with sample_rate 1, signed with the control
plane's own key, and passes the samples on to the control plane unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import select

from stockade.control.keys import load_signing_key
from stockade.policy import Snapshot, Zone, sign_snapshot
from stockade.store import Database
from stockade.store.models import WatchItemRecord
from tests.support.control_process import ControlProcess
from tests.support.edge_process import EdgeProcess
from tests.support.loopback_server import QuietHandler, loopback_server
from tests.support.origin import Origin, OriginRequest, respond

PAGE = (
    b"<html><head><script>var status = 'ok';</script></head><body><h1>Thread 7</h1>"
    b"<p>I will kill you Mark Smith, I know where you live.</p></body></html>"
)


@contextmanager
def sampling_feed(control: ControlProcess, zone: Zone) -> Iterator[str]:
    signed = sign_snapshot(Snapshot(revision=1000, zones=(zone,)), load_signing_key(control.data))

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            if "after=0" in self.path:
                self.answer(200, signed)
            else:
                time.sleep(1)
                self.answer(204, b"")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            passed = httpx.post(
                control.url + self.path,
                content=body,
                headers={
                    "authorization": self.headers["authorization"],
                    "content-type": "application/json",
                },
            )
            self.answer(passed.status_code, passed.content)

    with loopback_server(Handler) as url:
        yield url


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
        zone = Zone(
            name="forum", hostnames=("forum.example",), origins=(origin.url,), sample_rate=1.0
        )
        with sampling_feed(control, zone) as feed_url:
            settings = "\n".join(
                [
                    f'control_url = "{feed_url}"',
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
