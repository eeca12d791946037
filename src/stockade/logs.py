"""One logging setup for every Stockade process."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(name)s %(message)s"
# Libraries that log every request or plug-in at INFO: an edge's feed polls would fill the log.
QUIET = ("httpx", "httpcore", "alembic.runtime.plugins")


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format=FORMAT)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
