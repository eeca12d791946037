"""Desk errors carry a sentence for people and details for programs."""

from __future__ import annotations

from stockade.desk import Conflict, DeskError, Invalid, NotFound


def test_errors_keep_their_message_and_details() -> None:
    error = Conflict("Hostname 'a.example' already belongs to zone 'b'.", zone="b")
    assert isinstance(error, DeskError)
    assert str(error) == error.message
    assert error.details == {"zone": "b"}
    assert error.code == "conflict"


def test_each_kind_has_its_code() -> None:
    assert {Invalid.code, NotFound.code, Conflict.code} == {"invalid", "not_found", "conflict"}
