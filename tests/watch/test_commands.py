"""`stockade analyze` and `stockade model train|eval`: their output, and bad input that
gets a sentence and status 2 without losing the good lines or leaving half a model."""

from __future__ import annotations

import json
from dataclasses import replace
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
    assert header.split() == [
        "label",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "support",
        "with_cue",
    ]
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


@pytest.fixture(scope="module")
def other_kind(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A base CSV with a test split, and rows of another kind with no split."""
    folder = tmp_path_factory.mktemp("cross-validate")
    made = examples()
    base, other = folder / "base.csv", folder / "other.csv"
    write(base, made[::5])
    write(other, [replace(e, split="") for e in made[2::5] if e.split == "test"])
    return base, other


def test_cross_validate(other_kind: tuple[Path, Path]) -> None:
    base, other = other_kind
    args = ["model", "cross-validate", "--data", str(base), "--extra", str(other)]
    result = runner.invoke(app, [*args, "--folds", "2"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"rows of {other} in 2 folds of" in lines[0]
    assert lines[1].split()[-1] == "with_cue"
    assert [line.split()[0] for line in lines[2:8]] == list(LABELS)
    assert next(line for line in lines if line.startswith("f1 fold by fold: threat "))
    base_table = next(n for n, line in enumerate(lines) if "scored by each of the 2" in line)
    assert lines[base_table + 1] == lines[1]
    assert lines[-1].startswith("hard negatives given a harmful label:")
    assert "fold 2 of 2 done" in result.stderr


def test_cross_validate_without_base_test_rows(tmp_path: Path) -> None:
    base, other = tmp_path / "base.csv", tmp_path / "other.csv"
    write(base, [e for e in examples()[::6] if e.split != "test"])
    write(other, [e for e in examples()[3::6] if e.split == "test"])
    args = ["model", "cross-validate", "--data", str(base), "--extra", str(other)]
    result = runner.invoke(app, [*args, "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.splitlines()[-1]
        == f"{base} has no test rows: no figures of the models on them."
    )


def test_cross_validate_on_the_base_itself(other_kind: tuple[Path, Path]) -> None:
    base, _ = other_kind
    args = ["model", "cross-validate", "--data", str(base), "--extra", str(base)]
    result = runner.invoke(app, [*args, "--folds", "2"])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert "rows over the folds that share a text or a template with a row scored" in first


def few_positives(path: Path) -> Path:
    header = "id,text," + ",".join(LABELS) + "\n"
    rows = "".join(f"{n},post {n},{int(n < 2)},0,0,0,0,0\n" for n in range(10))
    path.write_text(header + rows)
    return path


@pytest.mark.parametrize(
    ("extra", "folds", "message"),
    [
        ("/nonexistent/other.csv", "5", "error: Cannot read /nonexistent/other.csv: No such file"),
        (None, "1", "error: --folds is 1: cross-validation needs at least 2 folds."),
        (None, "0", "error: --folds is 0: cross-validation needs at least 2 folds."),
        (
            "few",
            "5",
            "error: Only 2 row(s) (counting a template or a repeated text once) have "
            "threat = 1, fewer than the 5 folds: use --folds 2 or fewer, or add rows with threat = 1.",
        ),
    ],
)
def test_cross_validate_refuses_what_it_cannot_use(
    other_kind: tuple[Path, Path], tmp_path: Path, extra: str | None, folds: str, message: str
) -> None:
    base, other = other_kind
    if extra == "few":
        extra = str(few_positives(tmp_path / "few.csv"))
    args = ["--data", str(base), "--extra", extra or str(other), "--folds", folds]
    result = runner.invoke(app, ["model", "cross-validate", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_cross_validate_refuses_a_missing_base(other_kind: tuple[Path, Path]) -> None:
    _, other = other_kind
    args = ["--data", "/nonexistent/base.csv", "--extra", str(other)]
    result = runner.invoke(app, ["model", "cross-validate", *args])
    assert result.exit_code == 2
    assert "Cannot read /nonexistent/base.csv" in result.stderr
