"""Labelled examples in CSV: `id`, `text` and a 0/1 column per label; optional `lang`,
`family` (the phenomenon or hard-negative family), `template` (examples made from one
template share it, and cross-validation keeps them together) and `split` (`train` or
`test`: test rows are never trained on)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stockade.watch.analyzers import LABELS

REQUIRED = ("id", "text", *LABELS)


class DatasetError(Exception):
    """A labelled CSV that cannot be used, with a sentence that says where and why."""


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    text: str
    labels: dict[str, int]
    lang: str = ""
    family: str = ""
    template: str = ""
    split: str = ""


def read(path: Path) -> list[Example]:
    """Every row of the CSV at `path`; the first bad row stops it with a DatasetError."""
    try:
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            missing = [name for name in REQUIRED if name not in (reader.fieldnames or [])]
            if missing:
                raise DatasetError(
                    f"{path} has no column {', '.join(missing)}: a labelled CSV needs the "
                    f"columns {', '.join(REQUIRED)}."
                )
            return [_example(path, number, row) for number, row in enumerate(reader, start=2)]
    except OSError as error:
        raise DatasetError(f"Cannot read {path}: {error.strerror or error}.") from error
    except (UnicodeDecodeError, csv.Error) as error:
        raise DatasetError(f"{path} is not a UTF-8 CSV file: {error}.") from error


def _example(path: Path, number: int, row: dict[str, str | None]) -> Example:
    labels = {}
    for label in LABELS:
        value = (row.get(label) or "").strip()
        if value not in ("0", "1"):
            raise DatasetError(
                f"{path} line {number}: {label} is {value!r}; every label must be 0 or 1."
            )
        labels[label] = int(value)
    text = row.get("text") or ""
    if not text.strip():
        raise DatasetError(f"{path} line {number}: the text is empty.")
    return Example(
        id=row.get("id") or str(number),
        text=text,
        labels=labels,
        lang=row.get("lang") or "",
        family=row.get("family") or "",
        template=row.get("template") or "",
        split=(row.get("split") or "").strip(),
    )


def write(path: Path, examples: Sequence[Example]) -> None:
    """Examples as a labelled CSV with every column."""
    columns = ["id", "text", "lang", *LABELS, "family", "template", "split"]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(columns)
        for example in examples:
            writer.writerow(
                [
                    example.id,
                    example.text,
                    example.lang,
                    *(example.labels[label] for label in LABELS),
                    example.family,
                    example.template,
                    example.split,
                ]
            )
