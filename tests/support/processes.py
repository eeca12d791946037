"""Stopping test processes the way an operator would: SIGTERM, then SIGKILL if stuck."""

from __future__ import annotations

import signal
import subprocess


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
