"""The linear model behind the scores: one logistic regression per label over the
features of stockade.watch.features, stored as two safe files in a directory —
`model.json` (labels, thresholds, cue feature names, how it was trained) and
`weights.npz` (the weights and biases, read with allow_pickle=False). Scoring is NumPy
alone: a gather and a dot product per text."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from stockade.watch.analyzers import LABELS
from stockade.watch.features import BUCKETS, index_of

FORMAT: Final = 1
DEFAULT_MODEL: Final = Path(__file__).resolve().parent / "models" / "default"
MODEL_FILE: Final = "model.json"
WEIGHTS_FILE: Final = "weights.npz"

Matrix = npt.NDArray[np.float32]


class ModelError(Exception):
    """A model directory that cannot be read or written, with a sentence saying why."""


@dataclass(slots=True)
class Model:
    labels: tuple[str, ...]
    thresholds: dict[str, float]
    cue_features: list[str]
    weights: Matrix  # (labels, BUCKETS + cue features)
    bias: Matrix  # (labels,)
    about: dict[str, Any] = field(default_factory=dict)
    cue_index: dict[str, int] = field(init=False)
    by_feature: Matrix = field(init=False, repr=False)  # (features, labels)

    def __post_init__(self) -> None:
        self.cue_index = index_of(self.cue_features)
        # Columns are gathered per text: a row-major (features, labels) copy keeps each
        # gathered row contiguous.
        self.by_feature = np.ascontiguousarray(self.weights.T)

    def scores(self, columns: list[int], values: list[float]) -> Matrix:
        """The probability of each label for one text's feature columns and values."""
        logits = self.by_feature[columns].T @ np.asarray(values, dtype=np.float32) + self.bias
        return 1.0 / (1.0 + np.exp(-logits))  # type: ignore[no-any-return]


def save(model: Model, directory: Path) -> None:
    """Write the model to `directory`, replacing what is there only once every file is
    written: the files go to a temporary directory beside it, which is then renamed."""
    directory = directory.resolve()
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    except OSError as error:
        raise ModelError(
            f"Cannot write a model in {directory.parent}: {error.strerror}."
        ) from error
    try:
        meta = {
            "format": FORMAT,
            "labels": list(model.labels),
            "thresholds": model.thresholds,
            "buckets": BUCKETS,
            "cue_features": model.cue_features,
            "about": model.about,
        }
        (staging / MODEL_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        with (staging / WEIGHTS_FILE).open("wb") as file:
            np.savez_compressed(
                file, weights=model.weights.astype(np.float32), bias=model.bias.astype(np.float32)
            )
        old = None
        if directory.exists():
            old = directory.with_name(f".{directory.name}-old-{os.getpid()}")
            directory.rename(old)
        staging.rename(directory)
        if old is not None:
            shutil.rmtree(old)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelError(f"Cannot write the model to {directory}: {error.strerror}.") from error


def load(directory: Path) -> Model:
    """The model in `directory`; a ModelError says what is missing or wrong."""
    try:
        meta = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as arrays:
            weights = arrays["weights"].astype(np.float32)
            bias = arrays["bias"].astype(np.float32)
    except FileNotFoundError as error:
        raise ModelError(
            f"{directory} is not a model directory: it needs {MODEL_FILE} and {WEIGHTS_FILE} "
            "(stockade model train writes them)."
        ) from error
    except (OSError, ValueError, KeyError) as error:
        raise ModelError(f"Cannot read the model in {directory}: {error}.") from error
    if meta.get("format") != FORMAT or meta.get("buckets") != BUCKETS:
        raise ModelError(
            f"The model in {directory} has format {meta.get('format')} with "
            f"{meta.get('buckets')} buckets; this version reads format {FORMAT} with "
            f"{BUCKETS}. Train it again with stockade model train."
        )
    labels = tuple(meta["labels"])
    cue_features = list(meta["cue_features"])
    if labels != LABELS or weights.shape != (len(labels), BUCKETS + len(cue_features)):
        raise ModelError(
            f"The model in {directory} does not fit this version: labels {labels}, weights "
            f"{weights.shape}. Train it again with stockade model train."
        )
    return Model(labels, dict(meta["thresholds"]), cue_features, weights, bias, meta["about"])


@cache
def default_model() -> Model:
    """The model shipped in the package, read once per process."""
    return load(DEFAULT_MODEL)
