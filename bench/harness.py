"""What the edge benchmarks share: child processes that always get cleaned up, and what
/proc says about a process (CPU time, memory) and about the machine."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.ports import free_port, wait_for_port  # noqa: E402

__all__ = [
    "CLOCK_TICKS",
    "ROOT",
    "STOCKADE",
    "Processes",
    "cpu_times",
    "free_port",
    "machine_description",
    "machine_ticks",
    "process_tree",
    "status_kib",
    "stockade_version",
    "temporary_directory",
    "wait_for_port",
]

# The installed console script, as a user runs it; the worker is this very process.
STOCKADE = str(Path(sys.executable).with_name("stockade"))
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# How long a process gets to exit on SIGTERM before it is killed.
_STOP_GRACE = 10.0


class Processes(contextlib.AbstractContextManager["Processes"]):
    """Child processes started for one benchmark, stopped on leaving the block whatever
    happened (an error, Ctrl-C or SIGTERM), so none outlives the benchmark."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []
        self._previous_sigterm: object = None

    def __enter__(self) -> Processes:
        # SIGTERM would otherwise end this process without running the cleanup below.
        self._previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_signal)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()
        signal.signal(signal.SIGTERM, self._previous_sigterm)  # type: ignore[arg-type]

    def start(self, command: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
        with open(log, "wb") as output:
            process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd
            )
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(_STOP_GRACE)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.started:
            self.started.remove(process)

    def stop_all(self) -> None:
        for process in reversed(self.started[:]):
            self.stop(process)


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (which may hold spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (nginx: the master and its workers). The kernel here has
    no /proc/PID/task/TID/children, so parents are read from every /proc/N/stat."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                parents[int(entry.name)] = int(_stat_fields(int(entry.name))[1])
    tree = [pid]
    for member in tree:
        tree.extend(child for child, parent in parents.items() if parent == member)
    return tree


def cpu_times(pids: list[int]) -> tuple[float, float]:
    """(user, system) CPU seconds the processes have used so far, all threads included."""
    user = system = 0
    for pid in pids:
        fields = _stat_fields(pid)
        # utime and stime, fields 14 and 15 of stat(5), counted from the state field (3).
        user += int(fields[11])
        system += int(fields[12])
    return user / CLOCK_TICKS, system / CLOCK_TICKS


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot; idle and iowait are not busy."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already in user).
    total = sum(fields[:8])
    return total - fields[3] - fields[4], total


def status_kib(pid: int, key: str) -> int:
    """A memory figure of /proc/PID/status, such as VmRSS or VmHWM, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == key:
            return int(value.split()[0])
    raise KeyError(f"{key} is not in /proc/{pid}/status")


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or "unknown CPU"


def machine_description() -> str:
    """One line naming the machine, for a results table."""
    return (
        f"{os.cpu_count()} CPUs ({_cpu_model()}), Linux {platform.release()}, "
        f"Python {platform.python_version()}"
    )


@contextlib.contextmanager
def temporary_directory(prefix: str) -> Iterator[Path]:
    """A scratch directory for configs and logs; kept (and named) if `KEEP_BENCH_DIR` is set,
    to read the logs after a failure."""
    directory = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield directory
    finally:
        if os.environ.get("KEEP_BENCH_DIR"):
            print(f"logs and configs kept in {directory}", file=sys.stderr)
        else:
            shutil.rmtree(directory, ignore_errors=True)


def stockade_version() -> str:
    """The package version, compiled or not, and the commit, marked when src/ has
    uncommitted changes (the installed build may then differ from the commit)."""
    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    changed = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    import stockade.edge.protocol

    build = "compiled" if not (stockade.edge.protocol.__file__ or "").endswith(".py") else "source"
    commit = f"{revision or 'no git'}{' + changes' if changed else ''}"
    return f"stockade {version('stockade')} {build} ({commit})"
