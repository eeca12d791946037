from __future__ import annotations

import logging

from stockade.logs import QUIET, configure_logging


def test_noisy_libraries_log_warnings_only() -> None:
    configure_logging()
    for name in QUIET:
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
