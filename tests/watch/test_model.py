"""Model files: safe formats, a round trip, refusals that say why, and the shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from stockade.watch.analyzers import LABELS
from stockade.watch.features import BUCKETS
from stockade.watch.model import (
    DEFAULT_MODEL,
    MODEL_FILE,
    WEIGHTS_FILE,
    Model,
    ModelError,
    default_model,
    load,
    save,
)


def small_model() -> Model:
    rng = np.random.default_rng(5)
    weights = rng.normal(size=(len(LABELS), BUCKETS + 2)).astype(np.float32)
    bias = rng.normal(size=len(LABELS)).astype(np.float32)
    thresholds = dict.fromkeys(LABELS, 0.5)
    return Model(LABELS, thresholds, ["threat:intent", "target:handle"], weights, bias, {"n": 1})


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = small_model()
    save(model, tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.thresholds == model.thresholds
    assert loaded.cue_index == {"threat:intent": 0, "target:handle": 1}
    assert loaded.about == {"n": 1}
    np.testing.assert_array_equal(loaded.weights, model.weights)
    columns, values = [3, BUCKETS + 1], [0.5, 1.0]
    np.testing.assert_allclose(loaded.scores(columns, values), model.scores(columns, values))


def test_weights_are_plain_arrays_readable_without_pickle(tmp_path: Path) -> None:
    save(small_model(), tmp_path / "m")
    with np.load(tmp_path / "m" / WEIGHTS_FILE, allow_pickle=False) as arrays:
        assert sorted(arrays.files) == ["bias", "weights"]
        assert arrays["weights"].dtype == np.float32
    assert json.loads((tmp_path / "m" / MODEL_FILE).read_text())["labels"] == list(LABELS)


def test_a_pickled_array_is_refused(tmp_path: Path) -> None:
    save(small_model(), tmp_path / "m")
    np.savez(tmp_path / "m" / WEIGHTS_FILE, weights=np.array([{}], dtype=object), bias=[0.0])
    with pytest.raises(ModelError, match="Cannot read the model"):
        load(tmp_path / "m")


def test_saving_replaces_a_model_whole(tmp_path: Path) -> None:
    save(small_model(), tmp_path / "m")
    (tmp_path / "m" / "stale.txt").write_text("old")
    save(small_model(), tmp_path / "m")
    assert sorted(path.name for path in (tmp_path / "m").iterdir()) == [MODEL_FILE, WEIGHTS_FILE]
    assert [path.name for path in tmp_path.iterdir()] == ["m"]


def test_missing_and_mismatched_models_say_why(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="is not a model directory"):
        load(tmp_path)
    save(small_model(), tmp_path / "m")
    meta = json.loads((tmp_path / "m" / MODEL_FILE).read_text())
    (tmp_path / "m" / MODEL_FILE).write_text(json.dumps(meta | {"buckets": 8}))
    with pytest.raises(ModelError, match="Train it again"):
        load(tmp_path / "m")
    (tmp_path / "m" / MODEL_FILE).write_text(json.dumps(meta | {"cue_features": []}))
    with pytest.raises(ModelError, match="does not fit"):
        load(tmp_path / "m")


def test_the_shipped_model_loads_once() -> None:
    assert (DEFAULT_MODEL / MODEL_FILE).is_file()
    assert default_model() is default_model()
    assert set(default_model().thresholds) == set(LABELS)
