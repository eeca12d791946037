"""The ETHOS hate-speech data set (Mollas et al., 2022) as labelled examples, to measure
the model on text nobody here wrote. It is read from where it lies (../shared/data/ethos
next to the repository) and never copied into the project.

ETHOS labels are annotators' fractions: a comment is a threat when its `violence` is at
least 0.5, a targeted threat when `directed_vs_generalized` is at least 0.5 as well
(directed at a person rather than a group). ETHOS has no doxxing, swatting or incitement
labels, so those columns are 0 and their figures mean nothing here.

    python -m stockade.watch.ethos ../shared/data/ethos OUT.csv
    stockade model eval --data OUT.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Final

from stockade.watch.analyzers import LABELS
from stockade.watch.dataset import DatasetError, Example, write

MULTI_LABEL: Final = "Ethos_Dataset_Multi_Label.csv"
THRESHOLD: Final = 0.5


def examples(folder: Path) -> list[Example]:
    """The multi-label comments of ETHOS with threat, target and targeted_threat set."""
    path = folder / MULTI_LABEL
    made = []
    try:
        with path.open(encoding="utf-8", newline="") as file:
            for number, row in enumerate(csv.DictReader(file, delimiter=";"), start=2):
                try:
                    violent = float(row["violence"]) >= THRESHOLD
                    directed = float(row["directed_vs_generalized"]) >= THRESHOLD
                except (KeyError, TypeError, ValueError) as error:
                    raise DatasetError(f"{path} line {number}: {error}.") from error
                labels = dict.fromkeys(LABELS, 0)
                labels.update(
                    threat=int(violent),
                    target=int(directed),
                    targeted_threat=int(violent and directed),
                )
                made.append(
                    Example(
                        id=f"ethos-{number}",
                        text=row["comment"],
                        labels=labels,
                        lang="en",
                        family="ethos",
                        split="test",
                    )
                )
    except OSError as error:
        raise DatasetError(f"Cannot read {path}: {error.strerror or error}.") from error
    return made


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit("usage: python -m stockade.watch.ethos ETHOS_FOLDER OUT.csv")
    made = examples(Path(argv[0]))
    write(Path(argv[1]), made)
    print(f"{len(made)} ETHOS comments written to {argv[1]}")


if __name__ == "__main__":
    main(sys.argv[1:])
