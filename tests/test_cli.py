"""The command line: bad input gets one sentence and exit code 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from stockade.cli import app

runner = CliRunner()


def test_edge_needs_something_to_serve() -> None:
    result = runner.invoke(app, ["edge"])
    assert result.exit_code == 2
    assert "Nothing to serve" in result.output


def test_edge_refuses_config_and_routes_together(tmp_path: Path) -> None:
    config = tmp_path / "edge.toml"
    config.write_text("")
    result = runner.invoke(app, ["edge", "--config", str(config), "--route", "a=http://b"])
    assert result.exit_code == 2
    assert "either --config or --route" in result.output


def test_edge_reports_bad_routes_and_files(tmp_path: Path) -> None:
    result = runner.invoke(app, ["edge", "--route", "forum.example"])
    assert result.exit_code == 2
    assert "is not HOST=ORIGIN" in result.output
    result = runner.invoke(app, ["edge", "--config", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "Cannot read config file" in result.output
