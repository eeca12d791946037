"""The one way a command ends on an error: a sentence on standard error, an exit status."""

from __future__ import annotations

import pytest
import typer

from stockade.terminal import fail


def test_fail_prints_the_sentence_on_stderr_and_exits_with_the_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(typer.Exit) as exited:
        fail("Cannot read edge.toml: no such file.", 2)
    assert exited.value.exit_code == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == "error: Cannot read edge.toml: no such file."
    assert captured.out == ""
    with pytest.raises(typer.Exit) as exited:
        fail("The control plane answered 503.")
    assert exited.value.exit_code == 1
