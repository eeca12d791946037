from __future__ import annotations

from stockade.edge.flow_control import DOWNSTREAM_FULL, PIPELINE, UPSTREAM_FULL, ReadGate
from tests.support.mock_transport import MockTransport


def test_reading_resumes_only_when_no_reason_is_left() -> None:
    transport = MockTransport()
    gate = ReadGate(transport)
    gate.pause(PIPELINE)
    gate.pause(UPSTREAM_FULL)
    assert not transport.reading
    gate.resume(PIPELINE)
    assert not transport.reading
    gate.resume(DOWNSTREAM_FULL)  # never paused for this: nothing changes
    assert not transport.reading
    gate.resume(UPSTREAM_FULL)
    assert transport.reading


def test_a_closed_transport_is_left_alone() -> None:
    transport = MockTransport()
    gate = ReadGate(transport)
    transport.closed = True
    gate.pause(PIPELINE)
    assert transport.reading  # pause_reading on a closing transport would raise
