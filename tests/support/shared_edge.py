"""One edge process and origin for a whole test module, where tests only need a fresh
connection each: starting a process per test would cost more than the tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.edge_process import EdgeProcess


@contextmanager
def module_edge(config: str, directory: Path, **kwargs: object) -> Iterator[EdgeProcess]:
    """An edge for the module; afterwards its log must show no unhandled error."""
    edge = EdgeProcess.start(config, directory=directory, **kwargs)  # type: ignore[arg-type]
    try:
        yield edge
    finally:
        edge.stop()
    assert "Traceback" not in edge.log(), edge.log()
