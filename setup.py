"""Setuptools entry point: everything is in pyproject.toml, except compiling the edge's
request path, which a build asks for with STOCKADE_COMPILE=1 (see docs/performance.md).

mypyc turns these modules, unchanged, into C extensions; the Python sources stay the
same and stay in the package, so a development install runs them as they are written.
"""

from __future__ import annotations

import os

from setuptools import setup

# The modules every proxied request runs through.
REQUEST_PATH = [
    "src/stockade/edge/protocol.py",
    "src/stockade/edge/exchange.py",
    "src/stockade/edge/upstream.py",
    "src/stockade/edge/response_parser.py",
    "src/stockade/edge/origins.py",
    "src/stockade/edge/routing.py",
    "src/stockade/edge/lifecycle.py",
    "src/stockade/edge/enforce.py",
    "src/stockade/edge/access.py",
    "src/stockade/edge/http11.py",
    "src/stockade/edge/flow_control.py",
    "src/stockade/edge/metrics.py",
    "src/stockade/edge/runtime.py",
    "src/stockade/edge/ratelimit.py",
    "src/stockade/edge/sampler.py",
    "src/stockade/edge/firewall.py",
    "src/stockade/edge/challenge.py",
    "src/stockade/rules/standard.py",
    "src/stockade/rules/addresses.py",
]


def compiled_modules() -> list[object]:
    if os.environ.get("STOCKADE_COMPILE", "0") != "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError as error:
        raise SystemExit(
            "STOCKADE_COMPILE=1 needs mypy in the build environment: "
            "pip install mypy, then build with --no-build-isolation"
        ) from error
    return list(mypycify(REQUEST_PATH, opt_level="3"))


setup(ext_modules=compiled_modules())
