"""How every `stockade` command ends when it cannot go on: one sentence, one exit status."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: MESSAGE` on standard error and exit with `code`: 2 for what the
    command was given (a flag, a file, an address), 1 for what went wrong while it ran."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)
