"""A content sample as an edge sends it, as a plain map, for tests that encode batches
themselves (with values the types would refuse, too)."""

from __future__ import annotations

import time
from typing import Any


def sample_fields(
    request_id: str = "r1", body: bytes = b"<p>hello</p>", **fields: Any
) -> dict[str, Any]:
    return {
        "zone": "forum",
        "scheme": "https",
        "host": "forum.example",
        "path": "/t/1?page=2",
        "time": time.time(),
        "request_id": request_id,
        "content_type": "text/html; charset=utf-8",
        "body": body,
        **fields,
    }
