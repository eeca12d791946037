"""Training and evaluation: `train` fits one logistic regression per label with
scikit-learn (needed here only, never to score) and picks each label's threshold from
cross-validated scores; `evaluate` reports precision, recall, F1 and ROC-AUC per label,
how many positives a cue supports, and the share of hard negatives given a harmful
label."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from stockade.watch.analyze import Analyzer, read, supported
from stockade.watch.analyzers import LABELS
from stockade.watch.dataset import Example
from stockade.watch.features import BUCKETS, cue_names, index_of, vector
from stockade.watch.model import Model
from stockade.watch.spans import Span

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

# Families of examples that must stay negative for every harmful label.
HARD_NEGATIVES: Final = frozenset(
    {
        "hyperbole", "game", "cooking", "software", "news", "counter_speech", "negation",
        "fiction", "public_address",
    }
)  # fmt: skip
HARMFUL: Final = ("threat", "doxx", "swat", "incitement", "targeted_threat")
# Inverse regularisation strength of every logistic regression.
REGULARISATION: Final = 4.0
FOLDS: Final = 5

Vector = npt.NDArray[np.float64]


class TrainingError(Exception):
    """Examples a model cannot be trained on, with a sentence saying why."""


def train(examples: Sequence[Example]) -> Model:
    """A model fitted on every example not in the test split."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as error:
        raise TrainingError(
            "Training needs scikit-learn: pip install 'stockade[train]'."
        ) from error
    rows = [example for example in examples if example.split != "test"]
    gold = {label: np.array([row.labels[label] for row in rows]) for label in LABELS}
    for label, values in gold.items():
        if len(set(values.tolist())) < 2:
            raise TrainingError(
                f"Every training example has {label} = {values[0] if len(values) else '?'}: "
                "a label needs examples of both 0 and 1."
            )
    read_rows = [read(row.text) for row in rows]
    cue_features = sorted({name for _, spans in read_rows for name in cue_names(spans)})
    matrix = _matrix(read_rows, index_of(cue_features))
    folds = np.array([zlib.crc32((row.template or row.id).encode()) % FOLDS for row in rows])

    weights, biases, thresholds, validated = [], [], {}, {}
    for label in LABELS:

        def fitted(train_rows: npt.NDArray[np.bool_], label: str = label) -> LogisticRegression:
            classifier = LogisticRegression(
                C=REGULARISATION,
                class_weight="balanced",
                solver="liblinear",
                max_iter=1000,
                random_state=0,
            )
            return classifier.fit(matrix[train_rows], gold[label][train_rows])

        held_out = np.zeros(len(rows))
        for fold in range(FOLDS):
            inside = folds == fold
            if inside.all() or len(set(gold[label][~inside].tolist())) < 2:
                continue
            held_out[inside] = fitted(~inside).predict_proba(matrix[inside])[:, 1]
        thresholds[label], validated[label] = _best_threshold(gold[label], held_out)
        classifier = fitted(np.ones(len(rows), dtype=bool))
        weights.append(classifier.coef_[0])
        biases.append(classifier.intercept_[0])
    about = {
        "examples": len(rows),
        "regularisation": REGULARISATION,
        "cross_validated_f1": validated,
    }
    return Model(
        LABELS,
        thresholds,
        cue_features,
        np.array(weights, dtype=np.float32),
        np.array(biases, dtype=np.float32),
        about,
    )


def _matrix(read_rows: list[tuple[str, list[Span]]], cue_index: dict[str, int]) -> csr_matrix:
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for text, spans in read_rows:
        columns, values = vector(text, spans, cue_index)
        indices.extend(columns)
        data.extend(values)
        indptr.append(len(indices))
    shape = (len(read_rows), BUCKETS + len(cue_index))
    return csr_matrix((data, indices, indptr), shape=shape, dtype=np.float64)


def _best_threshold(gold: Vector, scores: Vector) -> tuple[float, float]:
    """The threshold in [0.2, 0.8] with the best F1 on held-out scores, and that F1."""
    best = (0.5, -1.0)
    for threshold in np.arange(0.2, 0.81, 0.02):
        f1 = _counts(gold, scores >= threshold)["f1"]
        if f1 > best[1]:
            best = (round(float(threshold), 2), f1)
    return best


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Figures per label, and the hard negatives that got a harmful label."""

    metrics: dict[str, dict[str, float]]
    examples: int
    # family -> (examples given a harmful label, examples), for hard-negative families
    families: dict[str, tuple[int, int]]

    @property
    def hard_negatives(self) -> int:
        return sum(total for _, total in self.families.values())

    @property
    def hard_negatives_flagged(self) -> int:
        return sum(flagged for flagged, _ in self.families.values())

    @property
    def hard_negative_rate(self) -> float:
        return self.hard_negatives_flagged / self.hard_negatives if self.hard_negatives else 0.0


@dataclass(frozen=True, slots=True)
class Scored:
    """Rows as one model scored them: per row and label, the score, whether the label was
    given, and whether a cue supports it (without one no score can give it)."""

    rows: list[Example]
    scores: Vector
    predicted: npt.NDArray[np.bool_]
    cued: npt.NDArray[np.bool_]


def score(analyzer: Analyzer, rows: Sequence[Example]) -> Scored:
    """Every row of `rows` scored by `analyzer`."""
    scores, cued = [], []
    for row in rows:
        text, spans = read(row.text, analyzer.watch_list)
        scores.append(list(analyzer.score(text, spans).values()))
        found = supported(spans)
        cued.append([label in found for label in LABELS])
    shape = (len(rows), len(LABELS))
    matrix = np.array(scores, dtype=np.float64).reshape(shape)
    thresholds = np.array([analyzer.model.thresholds[label] for label in LABELS])
    return Scored(
        list(rows), matrix, matrix >= thresholds, np.array(cued, dtype=bool).reshape(shape)
    )


def evaluate(analyzer: Analyzer, examples: Sequence[Example]) -> Evaluation:
    """Figures of `analyzer` on the test split of `examples` (on all of them when no
    example is marked test)."""
    rows = [example for example in examples if example.split == "test"] or list(examples)
    return figures([score(analyzer, rows)])


def figures(parts: Sequence[Scored]) -> Evaluation:
    """Figures of rows scored in one or more parts (by one model or several), pooled: a
    row scored by two models counts twice."""
    rows = [row for part in parts for row in part.rows]
    scores = np.concatenate([part.scores for part in parts])
    predicted = np.concatenate([part.predicted for part in parts])
    cued = np.concatenate([part.cued for part in parts])
    metrics = {}
    for column, label in enumerate(LABELS):
        gold = np.array([row.labels[label] for row in rows])
        counts = _counts(gold, predicted[:, column])
        counts["roc_auc"] = _roc_auc(gold, scores[:, column])
        counts["with_cue"] = float(np.sum(cued[:, column] & (gold == 1)))
        metrics[label] = counts
    families: dict[str, tuple[int, int]] = {}
    for index, row in enumerate(rows):
        if row.family in HARD_NEGATIVES:
            wrong = any(
                predicted[index, LABELS.index(label)] and not row.labels[label] for label in HARMFUL
            )
            flagged, total = families.get(row.family, (0, 0))
            families[row.family] = (flagged + wrong, total + 1)
    return Evaluation(metrics, len(rows), dict(sorted(families.items())))


def _counts(gold: Vector, predicted: npt.NDArray[np.bool_]) -> dict[str, float]:
    positives = gold == 1
    true_positives = float(np.sum(predicted & positives))
    precision = true_positives / max(float(np.sum(predicted)), 1.0)
    recall = true_positives / max(float(np.sum(positives)), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": float(np.sum(positives)),
    }


def _roc_auc(gold: Vector, scores: Vector) -> float:
    """Area under the ROC curve from mean ranks (ties share their rank); NaN without
    both classes."""
    positives = int(np.sum(gold == 1))
    negatives = len(gold) - positives
    if not positives or not negatives:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):
        tied = scores == value
        ranks[tied] = ranks[tied].mean()
    rank_sum = float(np.sum(ranks[gold == 1]))
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)
