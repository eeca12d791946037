"""CLI commands of detection: `stockade analyze` scores JSON lines, `stockade model train`
and `stockade model eval` make and measure the model that scores them, and `stockade
model cross-validate` measures how training on text of another kind serves that kind."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stockade.terminal import fail

if TYPE_CHECKING:
    from stockade.watch.model import Model
    from stockade.watch.train import Evaluation

model_app = typer.Typer(help="Train and evaluate the detection model.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the detection commands to the `stockade` app."""
    app.command("analyze")(analyze)
    app.add_typer(model_app, name="model")


ModelOption = Annotated[
    Path | None,
    typer.Option("--model", help="Model directory (default: the model shipped with Stockade)."),
]


def _load_model(directory: Path | None) -> Model:
    from stockade.watch.model import ModelError, default_model, load

    try:
        return load(directory) if directory is not None else default_model()
    except ModelError as error:
        fail(str(error), 2)


def analyze(
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="JSON lines to read instead of standard input."),
    ] = None,
    model: ModelOption = None,
    watch_list: Annotated[
        Path | None,
        typer.Option("--watch-list", help="Protected persons, one name per line."),
    ] = None,
) -> None:
    """Score JSON lines {"id": ..., "text": ...}: one JSON line out per item, with a score
    per analyser, the labels that pass their threshold and the spans behind them."""
    from stockade.watch.analyze import Analyzer, BadLine
    from stockade.watch.analyzers import WatchList

    loaded = _load_model(model)
    names = None
    if watch_list is not None:
        try:
            names = WatchList(watch_list.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as error:
            fail(f"Cannot read the watch list {watch_list}: {error}.", 2)
    analyzer = Analyzer(loaded, names)
    bad = 0
    output = sys.stdout.buffer
    with _input(file) as lines:
        for result in analyzer.analyze_lines(lines):
            if isinstance(result, BadLine):
                bad += 1
                typer.echo(f"error: line {result.number} {result.problem}; skipped.", err=True)
            else:
                output.write(result)
    output.flush()
    if bad:
        fail(f"{bad} line(s) were not items and were skipped; the others were analysed.", 2)


@contextmanager
def _input(file: Path | None) -> Iterator[Iterator[bytes]]:
    """The lines of `file`, or of standard input, as bytes."""
    if file is None:
        yield iter(sys.stdin.buffer)
        return
    try:
        handle = file.open("rb")
    except OSError as error:
        fail(f"Cannot read {file}: {error.strerror}.", 2)
    with handle:
        yield iter(handle)


DataOption = Annotated[
    Path,
    typer.Option(
        "--data", help="Labelled CSV: id, text and a 0/1 column per label (docs/watch.md)."
    ),
]


@model_app.command("train")
def train(
    data: DataOption,
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write the model to (replaced whole).")
    ] = Path("model"),
) -> None:
    """Train a model on the rows of --data not in the test split, and write it to --out."""
    from stockade.watch.dataset import DatasetError, read
    from stockade.watch.model import ModelError, save
    from stockade.watch.train import TrainingError
    from stockade.watch.train import train as fit

    try:
        examples = read(data)
        model = fit(examples)
        save(model, out)
    except (DatasetError, TrainingError, ModelError) as error:
        fail(str(error), 2)
    typer.echo(
        f"model trained on {model.about['examples']} examples, written to {out}; "
        "thresholds: " + ", ".join(f"{k} {v:.2f}" for k, v in model.thresholds.items())
    )


@model_app.command("eval")
def evaluate(data: DataOption, model: ModelOption = None) -> None:
    """Precision, recall, F1 and ROC-AUC per label on the test split of --data (on every
    row when none is marked test), and the hard negatives given a harmful label."""
    from stockade.watch.analyze import Analyzer
    from stockade.watch.dataset import DatasetError, read
    from stockade.watch.train import evaluate as measure

    loaded = _load_model(model)
    try:
        examples = read(data)
    except DatasetError as error:
        fail(str(error), 2)
    result = measure(Analyzer(loaded), examples)
    typer.echo(f"{result.examples} examples")
    _print_figures(result)


@model_app.command("cross-validate")
def cross_validate(
    data: DataOption,
    extra: Annotated[
        Path,
        typer.Option(
            "--extra",
            help="Labelled CSV of the text to measure on, split into folds: each fold is "
            "scored by a model trained on --data's training rows and the other folds.",
        ),
    ],
    folds: Annotated[int, typer.Option("--folds", help="How many folds.")] = 5,
) -> None:
    """Cross-validate on --extra: per label, figures of each row scored by the one model
    that did not train on it, then the figures of those models on --data's test split."""
    from stockade.watch.crossval import CrossValidationError, plan
    from stockade.watch.crossval import cross_validate as run
    from stockade.watch.dataset import DatasetError, read
    from stockade.watch.train import TrainingError

    try:
        base = read(data)
        other = read(extra)
        planned = plan(base, other, folds)
    except (DatasetError, CrossValidationError) as error:
        fail(str(error), 2)
    base_test = [row for row in base if row.split == "test"]
    try:
        result = run(
            planned,
            base_test,
            lambda number: typer.echo(f"fold {number} of {folds} done", err=True),
        )
    except TrainingError as error:
        fail(str(error), 2)
    sizes = sorted(len(fold.scored) for fold in result.folds)
    trained = sorted(len(fold.training) for fold in result.folds)
    left_out = sum(fold.left_out for fold in result.folds)
    typer.echo(
        f"{len(other)} rows of {extra} in {folds} folds of {sizes[0]} to {sizes[-1]}, each "
        f"scored by a model trained on {trained[0]} to {trained[-1]} rows: the training "
        f"rows of {data} and the other folds"
        + (
            f", less {left_out} rows over the folds that share a text or a template with a "
            f"row scored or a test row of {data}"
            if left_out
            else ""
        )
    )
    _print_figures(result.held_out)
    spread = [
        f"{label} " + " ".join(f"{fold.metrics[label]['f1']:.2f}" for fold in result.per_fold)
        for label, figures in result.held_out.metrics.items()
        if figures["support"]
    ]
    typer.echo("f1 fold by fold: " + "; ".join(spread))
    if result.base_test is None:
        typer.echo(f"{data} has no test rows: no figures of the models on them.")
        return
    typer.echo(
        f"the {len(base_test)} test rows of {data}, scored by each of the {folds} models "
        f"({result.base_test.examples} scores)"
    )
    _print_figures(result.base_test)


def _print_figures(result: Evaluation) -> None:
    """The table of figures per label, then the hard negatives given a harmful label."""
    typer.echo(
        f"{'label':<16} {'precision':>9} {'recall':>7} {'f1':>6} {'roc_auc':>8} {'support':>8}"
        f" {'with_cue':>8}"
    )
    for label, figures in result.metrics.items():
        typer.echo(
            f"{label:<16} {figures['precision']:>9.3f} {figures['recall']:>7.3f} "
            f"{figures['f1']:>6.3f} {figures['roc_auc']:>8.3f} {int(figures['support']):>8}"
            f" {int(figures['with_cue']):>8}"
        )
    if result.hard_negatives:
        typer.echo(
            f"hard negatives given a harmful label: {result.hard_negatives_flagged} of "
            f"{result.hard_negatives} ({result.hard_negative_rate:.1%}): "
            + ", ".join(
                f"{name} {flagged}/{total}" for name, (flagged, total) in result.families.items()
            )
        )
