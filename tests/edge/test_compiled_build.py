"""The compiled build: `make test-compiled` runs the request path's tests on it, and this
test makes sure they really ran on compiled modules, not on sources found first."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

SETUP = Path(__file__).resolve().parents[2] / "setup.py"


def request_path_modules() -> list[str]:
    paths = re.findall(r'"src/(stockade/(?:edge|rules)/\w+)\.py"', SETUP.read_text())
    assert len(paths) >= 5, "setup.py lists the modules it compiles"
    return [path.replace("/", ".") for path in paths]


def test_request_path_modules_are_compiled_exactly_in_the_compiled_build() -> None:
    compiled = os.environ.get("STOCKADE_EXPECT_COMPILED") == "1"
    for name in request_path_modules():
        origin = importlib.import_module(name).__file__ or ""
        suffix = ".so" if compiled else ".py"
        assert origin.endswith(suffix), f"{name} loaded from {origin}"
