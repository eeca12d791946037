"""Run `stockade control` as a real process on loopback, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.ports import free_port
from tests.support.processes import stop_process


@dataclass
class ControlProcess:
    process: subprocess.Popen[bytes]
    port: int
    data: Path
    log_path: Path

    @classmethod
    def start(
        cls, *, data: Path, database_url: str | None = None, timeout: float = 30.0
    ) -> ControlProcess:
        port = free_port()
        command = [
            sys.executable,
            "-m",
            "stockade.cli",
            "control",
            "--data",
            str(data),
            "--listen",
            f"127.0.0.1:{port}",
        ]
        if database_url:
            command += ["--database-url", database_url]
        data.parent.mkdir(parents=True, exist_ok=True)
        log_path = data.parent / f"control-{port}.log"
        env = {key: value for key, value in os.environ.items() if not key.startswith("STOCKADE_")}
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**env, "PYTHONUNBUFFERED": "1"},
            )
        control = cls(process, port, data, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"stockade control exited:\n{control.log()}")
            try:
                if httpx.get(f"{control.url}/v1/health", timeout=1).status_code == 200:
                    return control
            except httpx.HTTPError:
                time.sleep(0.05)
        control.stop()
        raise RuntimeError(f"stockade control did not start:\n{control.log()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def admin_token(self) -> str:
        return (self.data / "admin-token").read_text().strip()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        return stop_process(self.process, timeout)
