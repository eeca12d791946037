from __future__ import annotations

from stockade.rules import RuleError


def test_the_caret_goes_under_the_position() -> None:
    error = RuleError("Wrong.", "a eq b", 5)
    assert str(error) == "a eq b\n     ^\nWrong."


def test_only_the_line_of_the_position_is_shown_and_tabs_line_up() -> None:
    error = RuleError("Wrong.", "ssl and\n\tx eq 1", 11)
    assert error.pointer() == "\tx eq 1\n\t  ^"


def test_long_lines_are_shown_around_the_position() -> None:
    expression = "a" * 200 + "X" + "b" * 200
    pointer = RuleError("Wrong.", expression, 200).pointer()
    line, caret = pointer.split("\n")
    assert line.startswith("...") and line.endswith("...")
    assert line[len(caret) - 1] == "X"


def test_no_position_no_pointer() -> None:
    error = RuleError("Too long.", "x" * 5000)
    assert error.pointer() == ""
    assert str(error) == "Too long."


def test_a_position_at_the_end_points_past_the_last_character() -> None:
    assert RuleError("More.", "a eq", 4).pointer() == "a eq\n    ^"
