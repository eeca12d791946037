"""Run `stockade edge` as a real process on loopback, as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.ports import free_port, wait_for_port
from tests.support.processes import stop_process


@dataclass
class EdgeProcess:
    process: subprocess.Popen[bytes]
    port: int
    config_path: Path
    log_path: Path
    admin_port: int | None = None
    tls_port: int | None = None
    extra_ports: list[int] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        config: str,
        *,
        directory: Path,
        workers: int = 1,
        admin: bool = False,
        tls: bool = False,
        edge_settings: str = "",
    ) -> EdgeProcess:
        """`config` holds the [[zones]] tables (and optional [edge.*] sub-tables after);
        the [edge] table with fresh ports is written here."""
        port = free_port()
        admin_port = free_port() if admin else None
        tls_port = free_port() if tls else None
        lines = ["[edge]", f'listen = ["127.0.0.1:{port}"]', f"workers = {workers}"]
        if admin_port:
            lines.append(f'admin_listen = "127.0.0.1:{admin_port}"')
        if tls_port:
            lines.append(f'tls_listen = ["127.0.0.1:{tls_port}"]')
        lines.append(edge_settings)
        config_path = directory / f"edge-{port}.toml"
        config_path.write_text("\n".join(lines) + "\n" + config)
        log_path = directory / f"edge-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "stockade.cli", "edge", "--config", str(config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        edge = cls(process, port, config_path, log_path, admin_port, tls_port)
        try:
            wait_for_port(port)
            if tls_port:
                wait_for_port(tls_port)
        except TimeoutError:
            edge.stop()
            raise RuntimeError(f"edge did not start:\n{log_path.read_text()}") from None
        return edge

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text()

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def rss_bytes(self) -> int:
        """Resident memory of the edge process (the worker, when there is one)."""
        with open(f"/proc/{self.process.pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def stop(self, timeout: float = 15.0) -> int:
        return stop_process(self.process, timeout)
