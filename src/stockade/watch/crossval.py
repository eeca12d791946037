"""How well the model does on text of another kind once it is trained on some of it
(labels analysts give in cases, a public data set), without ever scoring text it was
trained on: the other kind's rows are split into K folds, and each fold is scored by a
model trained on the base training rows and the other folds. The K models score the
base's test split as well, so that training on the other kind is seen to keep hard
negatives negative, or not.

Folds are deterministic and stratified: rows of one template, or with the same text,
stay together; the groups that hold the rarest labels are dealt first, each to the fold
that has the fewest of that label so far."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from stockade.watch.analyze import Analyzer
from stockade.watch.analyzers import LABELS
from stockade.watch.dataset import Example
from stockade.watch.train import Evaluation, Scored, figures, score, train


class CrossValidationError(Exception):
    """Rows that cannot be split into the folds asked for, with a sentence saying why."""


@dataclass(frozen=True, slots=True)
class Fold:
    """The rows one model is trained on and the rows it scores: no text or template is in
    both, nor in the base's test split."""

    training: list[Example]
    scored: list[Example]
    # rows left out of training for sharing a text or a template with a scored row or a
    # base test row
    left_out: int


@dataclass(frozen=True, slots=True)
class CrossValidation:
    folds: list[Fold]
    # the other kind's rows, each scored once, by the model that did not train on it
    held_out: Evaluation
    # the same, fold by fold
    per_fold: list[Evaluation]
    # the base's test split, scored by every fold's model; None when it has no test rows
    base_test: Evaluation | None


def text_key(text: str) -> str:
    """A text as compared for sameness: case and runs of spaces do not count."""
    return " ".join(text.casefold().split())


def _group_key(row: Example) -> str:
    return f"template {row.template}" if row.template else f"text {text_key(row.text)}"


def _keys(row: Example) -> set[str]:
    """What a training row must not share with a scored row: its text, its template."""
    keys = {f"text {text_key(row.text)}"}
    if row.template:
        keys.add(f"template {row.template}")
    return keys


def deal(rows: Sequence[Example], count: int) -> list[list[Example]]:
    """`rows` in `count` folds (see the module's docstring); a CrossValidationError when
    there are fewer groups than folds, no positive at all, or a label with positives in
    fewer groups than folds (a fold could not score it)."""
    if count < 2:
        raise CrossValidationError(f"--folds is {count}: cross-validation needs at least 2 folds.")
    groups: dict[str, list[Example]] = {}
    for row in rows:
        groups.setdefault(_group_key(row), []).append(row)
    if len(groups) < count:
        raise CrossValidationError(
            f"{count} folds need at least {count} rows with different texts and templates; "
            f"there are {len(groups)}: use fewer folds or more rows."
        )
    positives = dict.fromkeys(LABELS, 0)
    for members in groups.values():
        for label in LABELS:
            positives[label] += any(row.labels[label] for row in members)
    if not any(positives.values()):
        raise CrossValidationError(
            "No row has any label set to 1: there is nothing to find, so nothing to measure."
        )
    for label, found in positives.items():
        if 0 < found < count:
            raise CrossValidationError(
                f"Only {found} row(s) (counting a template or a repeated text once) have "
                f"{label} = 1, fewer than the {count} folds: use --folds {max(found, 2)} or "
                f"fewer, or add rows with {label} = 1."
            )
    rarity = {label: rank for rank, label in enumerate(sorted(LABELS, key=positives.__getitem__))}

    def rarest(members: list[Example]) -> str | None:
        found = [label for label in LABELS if any(row.labels[label] for row in members)]
        return min(found, key=rarity.__getitem__) if found else None

    def order(key: str) -> tuple[int, int, str]:
        needed = rarest(groups[key])
        return (len(LABELS) if needed is None else rarity[needed], zlib.crc32(key.encode()), key)

    folds: list[list[Example]] = [[] for _ in range(count)]
    dealt = [dict.fromkeys(LABELS, 0) for _ in range(count)]
    for key in sorted(groups, key=order):
        members = groups[key]
        needed = rarest(members)
        fold = min(
            range(count),
            key=lambda index: (0 if needed is None else dealt[index][needed], len(folds[index])),
        )
        folds[fold].extend(members)
        for each in LABELS:
            dealt[fold][each] += any(row.labels[each] for row in members)
    return folds


def plan(base: Sequence[Example], other: Sequence[Example], count: int) -> list[Fold]:
    """The folds over `other`: each trained on the base's training rows and the other
    folds (their split mark no longer matters), less any row with the text or the
    template of a row it scores or of a base test row (so `other` may even be `base`)."""
    base_training = [row for row in base if row.split != "test"]
    frozen = set().union(*(_keys(row) for row in base if row.split == "test"))
    in_base = {(row.id, row.text) for row in base_training}
    parts = deal(other, count)
    made = []
    for index, scored in enumerate(parts):
        held_out = frozen.union(*(_keys(row) for row in scored))
        candidates = base_training + [
            replace(row, split="train")
            for other_index, part in enumerate(parts)
            if other_index != index
            for row in part
            if (row.id, row.text) not in in_base
        ]
        training = [row for row in candidates if not _keys(row) & held_out]
        made.append(Fold(training, scored, len(candidates) - len(training)))
    return made


def cross_validate(
    folds: Sequence[Fold],
    base_test: Sequence[Example],
    progress: Callable[[int], None] | None = None,
) -> CrossValidation:
    """Train a model per fold, and pool what the models score: each fold's scored rows,
    and every model's scores of `base_test` (the base's test split). `progress` is told
    each fold's number once it is done."""
    held_out: list[Scored] = []
    tested: list[Scored] = []
    for number, fold in enumerate(folds, start=1):
        analyzer = Analyzer(train(fold.training))
        held_out.append(score(analyzer, fold.scored))
        if base_test:
            tested.append(score(analyzer, base_test))
        if progress is not None:
            progress(number)
    return CrossValidation(
        list(folds),
        figures(held_out),
        [figures([part]) for part in held_out],
        figures(tested) if tested else None,
    )
