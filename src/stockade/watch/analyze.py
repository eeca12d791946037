"""One item in, one result out: the text is normalised, every analyser finds its cues,
the model scores each label, and the result keeps the spans of the labels that passed
their threshold. `analyze_lines` does this for JSON lines, as `stockade analyze` does."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import msgspec

from stockade.watch.analyzers import LABELS, WatchList, find_cues
from stockade.watch.analyzers.doxx import WEAK_KINDS
from stockade.watch.analyzers.targeted_threat import EVIDENCE, sides
from stockade.watch.analyzers.targeted_threat import LABEL as TARGETED
from stockade.watch.features import vector
from stockade.watch.model import Model
from stockade.watch.normalize import normalize
from stockade.watch.spans import Span


@dataclass(frozen=True, slots=True)
class Result:
    scores: dict[str, float]
    labels: list[str]
    spans: list[Span]

    def as_json(self, item_id: object) -> dict[str, object]:
        return {
            "id": item_id,
            **{label: round(score, 4) for label, score in self.scores.items()},
            "labels": self.labels,
            "spans": [span.as_json() for span in self.spans],
        }


@dataclass(frozen=True, slots=True)
class BadLine:
    """A line that is not an item, with its number (from 1) and what is wrong."""

    number: int
    problem: str


def read(text: str, watch_list: WatchList | None = None) -> tuple[str, list[Span]]:
    """The normalised text and every cue found in it: what the model scores."""
    normalized = normalize(text)
    return normalized.text, find_cues(normalized, watch_list)


def supported(spans: list[Span]) -> set[str]:
    """The labels a span supports (weak cues support none): the only labels a text can
    be given, whatever its score."""
    supporting = [span for span in spans if span.kind not in WEAK_KINDS]
    found = {span.label for span in supporting}
    threat_side, target_side = sides(supporting)
    if threat_side and target_side:
        found.add(TARGETED)
    return found


class Analyzer:
    """A model and an optional watch list of protected persons, loaded once."""

    def __init__(self, model: Model, watch_list: WatchList | None = None) -> None:
        self.model = model
        self.watch_list = watch_list

    def score(self, text: str, spans: list[Span]) -> dict[str, float]:
        """The model's score of each label; a label no span supports keeps at most half
        its threshold: the words alone can raise a score, only a cue can make a label."""
        columns, values = vector(text, spans, self.model.cue_index)
        scores = self.model.scores(columns, values)
        found = supported(spans)
        thresholds = self.model.thresholds
        return {
            label: float(score) if label in found else min(float(score), thresholds[label] / 2)
            for label, score in zip(LABELS, scores, strict=True)
        }

    def analyze(self, text: str) -> Result:
        normalized_text, spans = read(text, self.watch_list)
        scores = self.score(normalized_text, spans)
        thresholds = self.model.thresholds
        labels = [label for label in LABELS if scores[label] >= thresholds[label]]
        shown = set(labels)
        kept = [
            span
            for span in spans
            if span.label in shown or (TARGETED in shown and span.label in EVIDENCE)
        ]
        return Result(scores, labels, kept)

    def analyze_lines(self, lines: Iterable[bytes | str]) -> Iterator[bytes | BadLine]:
        """One JSON line out per item in; a BadLine for each line that is not an item.
        Blank lines are skipped."""
        decoder = msgspec.json.Decoder()
        encoder = msgspec.json.Encoder()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = decoder.decode(line)
            except msgspec.DecodeError as error:
                yield BadLine(number, f"is not JSON ({error})")
                continue
            problem = _item_problem(item)
            if problem:
                yield BadLine(number, problem)
                continue
            yield encoder.encode(self.analyze(item["text"]).as_json(item["id"])) + b"\n"


def _item_problem(item: object) -> str | None:
    if not isinstance(item, dict):
        return 'is not a JSON object like {"id": ..., "text": ...}'
    if "id" not in item:
        return 'has no "id"'
    if not isinstance(item.get("text"), str):
        return 'has no "text" string'
    return None
