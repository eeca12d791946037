"""Cross-validation on text of another kind: folds that are deterministic, stratified and
keep a template or a repeated text together, training rows that never hold a text the
fold scores, and figures pooled over the folds' models."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from stockade.watch.analyzers import LABELS
from stockade.watch.corpus import examples
from stockade.watch.crossval import (
    CrossValidationError,
    cross_validate,
    deal,
    plan,
    text_key,
)
from stockade.watch.dataset import Example


def row(number: int, text: str, **labels: int) -> Example:
    return Example(id=f"row-{number}", text=text, labels={label: 0 for label in LABELS} | labels)


def generated(count: int = 40) -> list[Example]:
    """Rows of another kind: every third a targeted threat, every fifth doxxing."""
    return [
        row(
            number,
            f"post number {number}",
            threat=int(number % 3 == 0),
            target=int(number % 3 == 0),
            targeted_threat=int(number % 3 == 0),
            doxx=int(number % 5 == 0),
        )
        for number in range(count)
    ]


def test_every_row_is_in_one_fold_and_each_fold_has_each_label() -> None:
    rows = generated()
    folds = deal(rows, 4)
    assert sorted(r.id for fold in folds for r in fold) == sorted(r.id for r in rows)
    assert sorted(len(fold) for fold in folds) == [10, 10, 10, 10]
    for label in ("targeted_threat", "doxx"):
        assert all(any(r.labels[label] for r in fold) for fold in folds)
    assert deal(rows, 4) == folds


def test_the_folds_do_not_depend_on_the_order_of_the_rows() -> None:
    rows = generated()
    as_sets = [{r.id for r in fold} for fold in deal(rows, 3)]
    assert [{r.id for r in fold} for fold in deal(list(reversed(rows)), 3)] == as_sets


def test_a_template_and_a_repeated_text_stay_in_one_fold() -> None:
    rows = generated(20)
    rows += [replace(r, id=f"{r.id}-again", text=r.text.upper() + "  ") for r in rows[:5]]
    rows += [replace(r, id=f"t-{r.id}", text=f"made {r.id}", template="one") for r in rows[:6]]
    for fold in deal(rows, 3):
        ids = {r.id for r in fold}
        assert all((r.id in ids) == (f"{r.id}-again" in ids) for r in rows[:5])
        assert len({f"t-{r.id}" in ids for r in rows[:6]}) == 1


@pytest.mark.parametrize(
    ("rows", "count", "message"),
    [
        (generated(), 1, "--folds is 1: cross-validation needs at least 2 folds."),
        (generated(4), 5, "5 folds need at least 5 rows with different texts"),
        ([row(n, f"calm post {n}") for n in range(10)], 2, "No row has any label set to 1"),
        (generated(15), 5, "Only 3 row(s)"),
    ],
)
def test_rows_that_cannot_make_the_folds(rows: list[Example], count: int, message: str) -> None:
    with pytest.raises(CrossValidationError, match=re.escape(message)):
        deal(rows, count)


def test_too_few_positives_names_the_label_and_what_to_do() -> None:
    with pytest.raises(CrossValidationError) as raised:
        deal(generated(15), 5)
    assert str(raised.value) == (
        "Only 3 row(s) (counting a template or a repeated text once) have doxx = 1, fewer "
        "than the 5 folds: use --folds 3 or fewer, or add rows with doxx = 1."
    )


def test_no_fold_trains_on_a_text_it_scores() -> None:
    base = examples()[::8]
    other = [replace(r, split="test") for r in generated()]
    # a base training row with the text of a row of the other kind, and one said twice
    base = [*base, replace(other[3], id="copy", text=other[3].text.title(), split="train")]
    other += [replace(other[6], id="twice", template="")]
    folds = plan(base, other, 4)
    assert len(folds) == 4
    for fold in folds:
        scored = {text_key(r.text) for r in fold.scored}
        assert not scored & {text_key(r.text) for r in fold.training}
        assert not {r.id for r in fold.scored} & {r.id for r in fold.training}
        assert all(r.split != "test" for r in fold.training)
        assert any(r.id.startswith("row-") for r in fold.training)
    copied = next(fold for fold in folds if any(r.id == other[3].id for r in fold.scored))
    assert copied.left_out == 1
    assert sum(len(fold.scored) for fold in folds) == len(other)
    base_training = sum(1 for r in base if r.split != "test")
    for fold in folds:
        assert len(fold.training) + fold.left_out == base_training + len(other) - len(fold.scored)


def test_figures_pooled_over_the_folds() -> None:
    made = examples()
    base = made[::5]
    other = [r for r in made[2::5] if r.split == "test"]
    folds = plan(base, other, 2)
    done: list[int] = []
    result = cross_validate(folds, [r for r in base if r.split == "test"], done.append)
    assert done == [1, 2]
    assert result.held_out.examples == len(other)
    assert result.held_out.metrics["targeted_threat"]["support"] == sum(
        r.labels["targeted_threat"] for r in other
    )
    assert result.held_out.metrics["targeted_threat"]["f1"] > 0.6
    assert [fold.examples for fold in result.per_fold] == [len(fold.scored) for fold in folds]
    tested = sum(1 for r in base if r.split == "test")
    assert result.base_test is not None
    assert result.base_test.examples == 2 * tested
    assert result.base_test.hard_negatives > 0


def test_without_base_test_rows_there_are_no_base_figures() -> None:
    base = [r for r in examples()[::6] if r.split != "test"]
    other = [r for r in examples()[3::6] if r.split == "test"]
    result = cross_validate(plan(base, other, 2), [])
    assert result.base_test is None
    assert result.held_out.examples == len(other)


def test_the_base_itself_cross_validated_keeps_templates_apart() -> None:
    made = examples()[::4]
    folds = plan(made, made, 3)
    frozen = {r.template for r in made if r.split == "test"}
    for fold in folds:
        assert not frozen & {r.template for r in fold.training}
        templates = {r.template for r in fold.scored}
        assert not templates & {r.template for r in fold.training}
        assert not {text_key(r.text) for r in fold.scored} & {
            text_key(r.text) for r in fold.training
        }
        assert fold.left_out > 0
        assert len({(r.id, r.text) for r in fold.training}) == len(fold.training)
