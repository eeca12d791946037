from __future__ import annotations

import asyncio
import json
from pathlib import Path

from stockade.edge.access_log import AccessLog
from stockade.edge.lifecycle import ProxyError
from tests.support.contexts import request_context


def test_records_are_written_as_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "access.log"

    async def scenario() -> None:
        log = AccessLog(str(path), asyncio.get_running_loop())
        log.start()
        ctx = request_context(url=b"/x?y=1")
        ctx.status = 502
        ctx.error = ProxyError("upstream", "connection refused")
        log.record(ctx)
        matched = request_context()
        matched.access = "block"
        log.record(matched)
        await log.close()

    asyncio.run(scenario())
    lines = path.read_text().splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert record["request_id"] == "abc"
    assert record["status"] == 502
    assert record["url"] == "/x?y=1"
    assert record["error_source"] == "upstream"
    assert record["error"] == "connection refused"
    assert record["time"].endswith("Z")
    assert "upstream_ms" not in record
    assert "access" not in record  # no rule matched
    assert json.loads(lines[1])["access"] == "block"
