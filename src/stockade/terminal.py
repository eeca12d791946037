"""How every `stockade` command ends when it cannot go on (one sentence, one exit status),
and the options several commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

# Options that several commands share, with the same flag and help everywhere.
DataOption = Annotated[
    Path | None, typer.Option("--data", help="Data directory (STOCKADE_DATA; ./data).")
]
DatabaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (STOCKADE_DATABASE_URL; sqlite:///DATA/stockade.db).",
    ),
]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `error: MESSAGE` on standard error and exit with `code`: 2 for what the
    command was given (a flag, a file, an address), 1 for what went wrong while it ran."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)
