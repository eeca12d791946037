from __future__ import annotations

import re

from stockade.watch.normalize import normalize
from stockade.watch.spans import Span, find, find_original


def test_find_reports_the_original_characters() -> None:
    text = "I will K-I-L-L you"
    spans = find(re.compile("kill"), normalize(text), "threat", "intent")
    assert spans == [Span(7, 14, "threat", "intent", "K-I-L-L")]


def test_find_original_keeps_case_sensitive_matches() -> None:
    spans = find_original(re.compile(r"@\w+"), "hi @Dana", "target", "handle")
    assert [span.as_json() for span in spans] == [
        {"start": 3, "end": 8, "label": "target", "kind": "handle", "text": "@Dana"}
    ]
