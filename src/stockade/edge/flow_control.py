"""Pause reading a transport for as many reasons as apply; resume when none does."""

from __future__ import annotations

import asyncio
from typing import Final

# Reasons, as bits of one mask.
PIPELINE: Final = 1  # a request waits behind the one being answered
UPSTREAM_FULL: Final = 2  # the origin does not take the request body as fast as it arrives
DOWNSTREAM_FULL: Final = 4  # the visitor does not read the response as fast as it arrives


class ReadGate:
    """Reading from `transport` is paused while any reason holds."""

    __slots__ = ("reasons", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self.reasons = 0

    def pause(self, reason: int) -> None:
        if not self.reasons and not self.transport.is_closing():
            self.transport.pause_reading()
        self.reasons |= reason

    def resume(self, reason: int) -> None:
        if not self.reasons & reason:
            return
        self.reasons &= ~reason
        if not self.reasons and not self.transport.is_closing():
            self.transport.resume_reading()
