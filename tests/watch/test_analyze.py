"""The item -> result contract with the shipped model: threats and their evasions are
labelled with the spans behind them, hard negatives stay negative, bad lines are named."""

from __future__ import annotations

import json
import time

import pytest

from stockade.watch.analyze import Analyzer, BadLine, read
from stockade.watch.analyzers import LABELS, WatchList
from stockade.watch.model import default_model

KEYS = {"id", *LABELS, "labels", "spans"}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(default_model())


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to kill you tonight, @dana_k.",
        "I'm going to k1ll you tonight, @dana_k.",
        "I'm going to k i l l you tonight, @dana_k.",
        "I'm going to k.i.l.l you tonight, @dana_k.",
        "I'm going to kіll you tonight, @dana_k.",  # noqa: RUF001 (a Cyrillic i)
        "I'm going to ki\u200bll you tonight, @dana_k.",
        "Je vais te buter ce soir, @dana_k.",
        "Je vais te b.u.t.e.r ce soir, @dana_k.",
    ],
)
def test_a_threat_and_its_evasions_are_targeted_threats(analyzer: Analyzer, text: str) -> None:
    result = analyzer.analyze(text)
    assert {"threat", "target", "targeted_threat"} <= set(result.labels)
    threat = next(span for span in result.spans if span.label == "threat")
    assert text[threat.start : threat.end] == threat.text
    assert any(span.label == "target" and span.text == "@dana_k" for span in result.spans)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Jonah Pike lives at 41 Birchwood Lane, his number is (617) 555-0142.", "doxx"),
        ("Someone call 911 and say @dana_k has a hostage at her place.", "swat"),
        ("Everyone go flood @dana_k's mentions until she deletes her account.", "incitement"),
    ],
)
def test_doxxing_swatting_and_incitement(analyzer: Analyzer, text: str, label: str) -> None:
    result = analyzer.analyze(text)
    assert label in result.labels
    assert any(span.label == label for span in result.spans)


@pytest.mark.parametrize(
    "text",
    [
        "This traffic is killing me.",
        "I'll destroy you next match, @dana_k, get ready.",
        "Just kill the process and restart the server.",
        "Beat the eggs with the sugar until pale.",
        "A man was arrested after threatening to kill his neighbour, police said.",
        'Writing "I\'m going to kill you" to a stranger is not okay. Reported.',
        "I would never hurt anyone, you know that.",
        "In chapter three the assassin swears he will kill the king.",
        "Our store is at 14 Market Street, open daily 9-6. Call us at (617) 555-0199.",
        "Ces bouchons me tuent.",
        "Tue le processus et relance le serveur.",
        "Un homme a été interpellé après avoir menacé de tuer son voisin.",
        "Je ne te ferai jamais de mal.",
    ],
)
def test_hard_negatives_stay_negative(analyzer: Analyzer, text: str) -> None:
    result = analyzer.analyze(text)
    assert not set(result.labels) - {"target"}, result
    assert all(span.label == "target" for span in result.spans)


def test_a_label_needs_a_span_to_justify_it(analyzer: Analyzer) -> None:
    result = analyzer.analyze("violence violence violence")
    thresholds = analyzer.model.thresholds
    assert result.labels == []
    assert all(result.scores[label] <= thresholds[label] / 2 for label in LABELS)


def test_watch_listed_names_are_targets(analyzer: Analyzer) -> None:
    watched = Analyzer(analyzer.model, WatchList(["kate"]))
    assert any(span.kind == "protected_person" for span in read("hi k4te", WatchList(["kate"]))[1])
    assert "target" in watched.analyze("I will hurt k4te").labels


def test_lines_in_lines_out_and_bad_lines_named(analyzer: Analyzer) -> None:
    lines = [
        b'{"id": 1, "text": "I will stab you, @dana_k"}\n',
        b"\n",
        b"not json\n",
        b'["a list"]\n',
        b'{"text": "no id"}\n',
        b'{"id": "x", "text": 5}',
        '{"id": "é", "text": "bonjour"}'.encode(),
    ]
    out = list(analyzer.analyze_lines(lines))
    bad = [item for item in out if isinstance(item, BadLine)]
    good = [json.loads(item) for item in out if isinstance(item, bytes)]
    assert [(b.number, b.problem.split(" (")[0]) for b in bad] == [
        (3, "is not JSON"),
        (4, 'is not a JSON object like {"id": ..., "text": ...}'),
        (5, 'has no "id"'),
        (6, 'has no "text" string'),
    ]
    assert [item["id"] for item in good] == [1, "é"]
    assert all(set(item) == KEYS for item in good)
    assert "targeted_threat" in good[0]["labels"]
    assert {"start", "end", "label", "kind", "text"} == set(good[0]["spans"][0])
    assert good[1]["labels"] == [] and good[1]["spans"] == []
    assert all(0.0 <= good[0][label] <= 1.0 for label in LABELS)


@pytest.mark.parametrize("piece", ["x.", "12 ", "a@", "K. ", "1 rue ", "k i l l ", "I will never "])
def test_long_repetitive_texts_take_linear_time(analyzer: Analyzer, piece: str) -> None:
    started = time.perf_counter()
    analyzer.analyze(piece * (40_000 // len(piece)))
    assert time.perf_counter() - started < 2.0
