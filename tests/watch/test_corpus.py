"""The labelled examples: the committed CSV is what the generator makes, and the test
split shares no template and no name with training."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from stockade.watch.corpus import DEFAULT_OUT, EVASIONS, FAMILIES, SLOTS, examples, main
from stockade.watch.dataset import read
from stockade.watch.train import HARD_NEGATIVES


def test_the_committed_csv_is_what_the_generator_makes(tmp_path: Path) -> None:
    main([str(tmp_path / "examples.csv")])
    assert (tmp_path / "examples.csv").read_bytes() == DEFAULT_OUT.read_bytes()


def test_the_test_split_has_its_own_templates_and_names() -> None:
    made = examples()
    templates = {split: {e.template for e in made if e.split == split} for split in SLOTS}
    assert not templates["train"] & templates["test"]
    for slot in ("name", "nom", "handle", "address", "adresse", "phone", "tel"):
        assert not set(SLOTS["train"][slot]) & set(SLOTS["test"][slot]), slot
    test_texts = " ".join(e.text for e in made if e.split == "test")
    assert not any(name in test_texts for name in SLOTS["train"]["name"])


def test_every_family_in_both_languages_and_splits() -> None:
    counts = Counter((e.family, e.lang, e.split) for e in read(DEFAULT_OUT))
    for family in FAMILIES:
        for lang in ("en", "fr"):
            for split in ("train", "test"):
                assert counts[(family, lang, split)] >= 3, (family, lang, split)
    assert set(FAMILIES) >= HARD_NEGATIVES


def test_hard_negatives_are_negative_and_evasions_are_there() -> None:
    made = examples()
    for example in made:
        if example.family in HARD_NEGATIVES:
            assert not any(v for k, v in example.labels.items() if k != "target"), example
    evasions = Counter(e.id.rsplit("-", 1)[-1] for e in made if not e.id[-1].isdigit())
    assert set(evasions) == set(EVASIONS)
