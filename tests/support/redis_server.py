"""A Redis server of a test's own, which the test may stop and start again."""

from __future__ import annotations

import subprocess

from tests.conftest import require_program
from tests.support.ports import free_port, wait_for_port
from tests.support.processes import stop_process


class RedisServer:
    """`redis-server` on a free loopback port, without persistence."""

    def __init__(self, password: str | None = None) -> None:
        self.program = require_program("redis-server")
        self.port = free_port()
        self.password = password
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        login = f":{self.password}@" if self.password else ""
        return f"redis://{login}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.program,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
                *(("--requirepass", self.password) if self.password else ()),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
