from __future__ import annotations

import re

import pytest

from stockade.watch.analyzers.lexicon import VIOLENT, VIOLENT_DONE, compile_words, words


@pytest.mark.parametrize(
    "word",
    ["kill", "killed", "stabbing", "strangle", "murdered", "tuer", "buterai", "egorger",
     "poignardee", "faire ta peau", "break your neck"],
)  # fmt: skip
def test_violent_words_in_their_forms(word: str) -> None:
    assert re.fullmatch(VIOLENT, word)


@pytest.mark.parametrize("word", ["skill", "rap", "but", "tu", "bless", "planter", "descendre"])
def test_words_that_only_look_violent(word: str) -> None:
    assert not re.fullmatch(VIOLENT, word)


def test_past_participles() -> None:
    assert re.fullmatch(VIOLENT_DONE, "shot")
    assert re.fullmatch(VIOLENT_DONE, "pendue")


def test_words_prefers_the_longest_alternative() -> None:
    assert re.match(words("kill", "kill you"), "kill you").group() == "kill you"


def test_compile_words_matches_whole_words() -> None:
    pattern = compile_words("kill")
    assert pattern.search("i kill")
    assert not pattern.search("skilled")
    assert not pattern.search("@kill")
