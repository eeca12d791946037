"""ETHOS as labelled examples: a small file made here, and the real data set where it
lies next to the repository (../shared/data/ethos), which CI must have."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.watch.analyze import Analyzer
from stockade.watch.crossval import cross_validate, plan
from stockade.watch.dataset import DatasetError, read
from stockade.watch.ethos import MULTI_LABEL, examples, main
from stockade.watch.model import default_model
from stockade.watch.train import evaluate
from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]
ETHOS = ROOT.parent / "shared" / "data" / "ethos"
HEADER = "comment;violence;directed_vs_generalized;gender\n"


def test_violence_and_direction_become_labels(tmp_path: Path) -> None:
    (tmp_path / MULTI_LABEL).write_text(
        HEADER + "I will hurt you;0.8;0.6;0\nthey are all bad;0.2;0.1;0\nburn it;0.5;0.4;0\n"
    )
    made = examples(tmp_path)
    assert [
        (e.labels["threat"], e.labels["target"], e.labels["targeted_threat"]) for e in made
    ] == [
        (1, 1, 1),
        (0, 0, 0),
        (1, 0, 0),
    ]
    assert {e.split for e in made} == {"test"}
    main([str(tmp_path), str(tmp_path / "out.csv")])
    assert (tmp_path / "out.csv").read_text().count("\n") == 4


def test_a_bad_file_says_where(tmp_path: Path) -> None:
    (tmp_path / MULTI_LABEL).write_text(HEADER + "text;lots;0;0\n")
    with pytest.raises(DatasetError, match="line 2"):
        examples(tmp_path)
    with pytest.raises(DatasetError, match="Cannot read"):
        examples(tmp_path / "absent")


def ethos_folder() -> Path:
    if not ETHOS.is_dir():
        message = f"ETHOS is not at {ETHOS} (the shared data next to the repository)"
        missing(message)
    return ETHOS


def test_the_shipped_model_on_ethos() -> None:
    """The figures docs/watch.md reports, as floors a change must not fall below."""
    made = examples(ethos_folder())
    assert len(made) == 433
    assert sum(e.labels["threat"] for e in made) == 142
    assert sum(e.labels["targeted_threat"] for e in made) == 55
    result = evaluate(Analyzer(default_model()), made)
    assert result.metrics["threat"]["precision"] >= 0.9
    assert result.metrics["threat"]["f1"] >= 0.40
    assert result.metrics["targeted_threat"]["f1"] >= 0.28


def test_ethos_cross_validated() -> None:
    """The cross-validated figures docs/watch.md reports, as floors, and the ceiling the
    cues put on recall."""
    base = read(ROOT / "src" / "stockade" / "watch" / "data" / "examples.csv")
    result = cross_validate(
        plan(base, examples(ethos_folder()), 5), [e for e in base if e.split == "test"]
    )
    targeted = result.held_out.metrics["targeted_threat"]
    assert targeted["with_cue"] == 15
    assert targeted["recall"] <= 15 / 55
    assert targeted["f1"] >= 0.30
    assert result.held_out.metrics["threat"]["f1"] >= 0.50
    assert result.base_test is not None
    assert result.base_test.metrics["targeted_threat"]["f1"] >= 0.95
    assert result.base_test.hard_negative_rate <= 0.05
