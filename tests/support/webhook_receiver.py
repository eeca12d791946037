"""A real HTTP server on loopback that receives webhook posts, for tests: it keeps each
JSON body, and can answer the first few posts with a failure."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    url: str
    failures: list[int] = field(default_factory=list)  # statuses answered, one per post
    received: list[Any] = field(default_factory=list)
    tries: int = 0

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"the webhook received {self.received}"
            time.sleep(0.05)
        return self.received


@contextmanager
def webhook_receiver(*failures: int) -> Iterator[Receiver]:
    """A receiver on a free loopback port: answers `failures` in order, then 204."""
    lock = threading.Lock()
    receiver = Receiver(url="", failures=list(failures))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock:
                receiver.tries += 1
                status = receiver.failures.pop(0) if receiver.failures else 204
                if status == 204:
                    receiver.received.append(json.loads(body))
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/alerts"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
