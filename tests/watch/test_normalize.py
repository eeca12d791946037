"""Normalisation: evasions read as the plain word, and every span maps back to the
characters of the original text."""

# ruff: noqa: RUF001 (look-alike and full-width letters are what is tested)
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockade.watch.normalize import normalize


def original_of(text: str, word: str) -> str:
    normalized = normalize(text)
    start = normalized.text.index(word)
    begin, end = normalized.span(start, start + len(word))
    return text[begin:end]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("I will k1ll you", "k1ll"),
        ("I will K I L L you", "K I L L"),
        ("I will k.i.l.l you", "k.i.l.l"),
        ("I will k-i-l-l you", "k-i-l-l"),
        ("I will kіll you", "kіll"),
        ("I will ki\u200bll you", "ki\u200bll"),
        ("I will ｋｉｌｌ you", "ｋｉｌｌ"),
        ("I will ki\u00adll you", "ki\u00adll"),
    ],
)
def test_evasions_read_as_the_word_and_map_back(text: str, written: str) -> None:
    assert "kill" in normalize(text).text
    assert original_of(text, "kill") == written


def test_case_accents_and_apostrophes_are_folded() -> None:
    assert normalize("Je vais t’ÉGORGER").text == "je vais t'egorger"


def test_greek_and_cyrillic_look_alikes_become_latin() -> None:
    assert normalize("уоu аrе dеаd").text == "you are dead"


def test_numbers_handles_and_sentences_are_left_alone() -> None:
    text = "Call 555-0134 on the 2nd at 10am, @mike_99! Il y a du pain."
    assert normalize(text).text == text.lower()


def test_a_word_ending_a_sentence_keeps_its_exclamation_marks() -> None:
    assert normalize("die!!").text == "die!!"


def test_spans_of_an_ascii_text_are_its_own() -> None:
    normalized = normalize("Hello there")
    assert normalized.span(0, 5) == (0, 5)
    assert normalized.span(11, 11) == (11, 11)


@given(st.text(alphabet=st.sampled_from("kIl1 .-@$éï\u200bаоＫ'’!|5xy"), max_size=60))
def test_every_normalised_character_points_into_the_original(text: str) -> None:
    normalized = normalize(text)
    assert len(normalized.origins) == len(normalized.text)
    assert normalized.origins == sorted(normalized.origins)
    assert all(0 <= origin < len(text) for origin in normalized.origins)
    for start in range(len(normalized.text)):
        begin, end = normalized.span(start, len(normalized.text))
        assert 0 <= begin < end <= len(text)
