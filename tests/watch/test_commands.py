"""`stockade analyze` and `stockade model train|eval`: their output, and bad input that
gets a sentence and status 2 without losing the good lines or leaving half a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockade.cli import app
from stockade.watch.analyzers import LABELS
from stockade.watch.corpus import examples
from stockade.watch.dataset import write
from stockade.watch.model import MODEL_FILE, WEIGHTS_FILE

runner = CliRunner()


def test_analyze_reads_standard_input() -> None:
    lines = '{"id": 1, "text": "I will stab you, @dana_k"}\n{"id": 2, "text": "hello"}\n'
    result = runner.invoke(app, ["analyze"], input=lines)
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert [item["id"] for item in items] == [1, 2]
    assert "targeted_threat" in items[0]["labels"]
    assert items[1]["labels"] == []


def test_analyze_reports_every_bad_line_and_keeps_the_good_ones(tmp_path: Path) -> None:
    file = tmp_path / "items.jsonl"
    file.write_text('{"id": 1, "text": "hi"}\nnope\n{"id": 3}\n{"id": 4, "text": "yo"}\n')
    result = runner.invoke(app, ["analyze", "--file", str(file)])
    assert result.exit_code == 2
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 4]
    assert "line 2 is not JSON" in result.stderr
    assert 'line 3 has no "text" string; skipped.' in result.stderr
    assert "2 line(s) were not items" in result.stderr


def test_analyze_with_a_watch_list(tmp_path: Path) -> None:
    names = tmp_path / "protected.txt"
    names.write_text("Kate Morris\n")
    result = runner.invoke(
        app,
        ["analyze", "--watch-list", str(names)],
        input='{"id": 1, "text": "I will hurt k4te m0rris"}\n',
    )
    assert result.exit_code == 0, result.output
    spans = json.loads(result.stdout)["spans"]
    assert {"kind": "protected_person", "text": "k4te m0rris"}.items() <= spans[-1].items()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["analyze", "--file", "/nonexistent/items.jsonl"], "Cannot read /nonexistent"),
        (["analyze", "--model", "/nonexistent"], "is not a model directory"),
        (["analyze", "--watch-list", "/nonexistent"], "Cannot read the watch list"),
    ],
)
def test_analyze_refuses_what_it_cannot_read(args: list[str], message: str) -> None:
    result = runner.invoke(app, args, input="")
    assert result.exit_code == 2
    assert message in result.stderr


def test_train_then_eval(tmp_path: Path) -> None:
    data = tmp_path / "examples.csv"
    write(data, examples()[::4])
    out = tmp_path / "model"
    result = runner.invoke(app, ["model", "train", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "written to" in result.stdout
    assert sorted(path.name for path in out.iterdir()) == [MODEL_FILE, WEIGHTS_FILE]
    result = runner.invoke(app, ["model", "eval", "--data", str(data), "--model", str(out)])
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()[1:8]
    assert header.split() == ["label", "precision", "recall", "f1", "roc_auc", "support"]
    assert [row.split()[0] for row in rows] == list(LABELS)
    assert "hard negatives given a harmful label" in result.stdout


def test_eval_of_the_shipped_model(tmp_path: Path) -> None:
    data = tmp_path / "examples.csv"
    write(data, examples()[::10])
    result = runner.invoke(app, ["model", "eval", "--data", str(data)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,text\n1,hi\n", "has no column threat"),
        ("id,text," + ",".join(LABELS) + "\n1,hi,1,0,0,0,yes,0\n", "incitement is 'yes'"),
        ("id,text," + ",".join(LABELS) + "\n1,hi,0,0,0,0,0,0\n", "needs examples of both"),
    ],
)
def test_train_refuses_a_bad_csv_and_writes_nothing(
    tmp_path: Path, content: str, message: str
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(content)
    out = tmp_path / "model"
    result = runner.invoke(app, ["model", "train", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["bad.csv"]


def test_eval_refuses_a_bad_csv(tmp_path: Path) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("id,text\n1,hi\n")
    result = runner.invoke(app, ["model", "eval", "--data", str(data)])
    assert result.exit_code == 2
    assert "has no column" in result.stderr
