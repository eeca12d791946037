"""The shared state is reachable from every request."""

from __future__ import annotations

from stockade.control.state import ControlState
from tests.control.conftest import PUBLIC_URL, Control


def test_the_app_carries_its_state(control: Control) -> None:
    state = control.client.app.state.control  # type: ignore[attr-defined]
    assert isinstance(state, ControlState)
    assert state.public_base == PUBLIC_URL
    assert state.settings == control.settings
