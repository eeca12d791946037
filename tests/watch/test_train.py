"""Training on the project's examples and the figures evaluation reports."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from stockade.watch.analyze import Analyzer
from stockade.watch.analyzers import LABELS
from stockade.watch.corpus import examples
from stockade.watch.dataset import Example
from stockade.watch.train import (
    HARD_NEGATIVES,
    TrainingError,
    _best_threshold,
    _roc_auc,
    evaluate,
    figures,
    score,
    train,
)


@pytest.fixture(scope="module")
def trained() -> tuple[Analyzer, list[Example]]:
    made = examples()[::3]
    return Analyzer(train(made)), made


def test_a_model_trained_on_a_third_of_the_examples(
    trained: tuple[Analyzer, list[Example]],
) -> None:
    analyzer, made = trained
    model = analyzer.model
    assert model.labels == LABELS
    assert model.about["examples"] == sum(1 for e in made if e.split != "test")
    assert all(0.2 <= model.thresholds[label] <= 0.8 for label in LABELS)
    assert "threat:intent" in model.cue_features
    result = evaluate(analyzer, made)
    assert result.examples == sum(1 for e in made if e.split == "test")
    assert set(result.metrics) == set(LABELS)
    assert result.metrics["targeted_threat"]["f1"] > 0.7
    assert result.hard_negatives == sum(
        1 for e in made if e.split == "test" and e.family in HARD_NEGATIVES
    )
    assert 0.0 <= result.hard_negative_rate <= 1.0


def test_evaluation_of_rows_without_a_split_uses_them_all(
    trained: tuple[Analyzer, list[Example]],
) -> None:
    analyzer, made = trained
    rows = [replace(e, split="") for e in made[:30]]
    assert evaluate(analyzer, rows).examples == 30


def test_a_label_with_one_class_cannot_be_trained() -> None:
    made = [e for e in examples()[::3] if not e.labels["swat"]]
    with pytest.raises(TrainingError, match="Every training example has swat = 0"):
        train(made)


def test_roc_auc_with_ties_and_without_both_classes() -> None:
    gold = np.array([0, 0, 1, 1])
    assert _roc_auc(gold, np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert _roc_auc(gold, np.array([0.5, 0.5, 0.5, 0.5])) == 0.5
    assert math.isnan(_roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_the_threshold_with_the_best_f1() -> None:
    gold = np.array([0, 0, 1, 1])
    threshold, f1 = _best_threshold(gold, np.array([0.1, 0.3, 0.6, 0.9]))
    assert 0.3 < threshold <= 0.6
    assert f1 == 1.0


def test_figures_of_no_rows(trained: tuple[Analyzer, list[Example]]) -> None:
    analyzer, _ = trained
    result = figures([score(analyzer, [])])
    assert result.examples == 0
    assert result.metrics["threat"]["support"] == 0
    assert math.isnan(result.metrics["threat"]["roc_auc"])


def test_figures_pooled_from_two_parts_count_each_score(
    trained: tuple[Analyzer, list[Example]],
) -> None:
    analyzer, made = trained
    rows = [e for e in made if e.split == "test"][:40]
    once = figures([score(analyzer, rows)])
    twice = figures([score(analyzer, rows[:25]), score(analyzer, rows[25:]), score(analyzer, rows)])
    assert twice.examples == 2 * once.examples
    for label in LABELS:
        assert twice.metrics[label]["support"] == 2 * once.metrics[label]["support"]
        assert twice.metrics[label]["with_cue"] == 2 * once.metrics[label]["with_cue"]
        assert twice.metrics[label]["f1"] == pytest.approx(once.metrics[label]["f1"])
