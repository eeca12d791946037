"""`stockade up`: an edge and the demo origin, as `make up` starts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.ports import free_port, wait_for_port


def test_up_serves_the_demo_site_through_the_edge(tmp_path: Path) -> None:
    edge_port, admin_port, origin_port = free_port(), free_port(), free_port()
    config = tmp_path / "edge.toml"
    config.write_text(
        f'[edge]\nlisten = ["127.0.0.1:{edge_port}"]\nadmin_listen = "127.0.0.1:{admin_port}"\n'
        f'[[zones]]\nname = "forum"\nhostnames = ["forum.example"]\n'
        f'origins = ["http://127.0.0.1:{origin_port}"]\n'
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stockade.cli",
            "up",
            "--config",
            str(config),
            "--demo-origin",
            f"127.0.0.1:{origin_port}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        wait_for_port(edge_port)
        response = httpx.get(
            f"http://127.0.0.1:{edge_port}/hello", headers={"host": "forum.example"}
        )
        assert response.status_code == 200
        assert "This page comes from the demo origin" in response.text
        # The demo page shows the id the edge gave the request.
        assert response.headers["stockade-request-id"] in response.text
        metrics = httpx.get(f"http://127.0.0.1:{admin_port}/metrics").text
        assert 'stockade_edge_requests_total{status="200",zone="forum"} 1.0' in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    assert b"curl -H 'Host: forum.example'" in output
