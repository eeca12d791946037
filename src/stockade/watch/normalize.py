"""Text normalised against evasion, with a way back to the original offsets.

Analysers match their patterns on the normalised text and report spans in the original:
every character of the normalised text remembers the index of the original character it
came from. Steps, in order: NFKC, accents and zero-width characters removed, case folded,
Cyrillic and Greek look-alikes mapped to Latin letters, leetspeak inside words ("k1ll"),
and letters spread out by spaces or punctuation ("k i l l", "k.i.l.l") joined again.
"""

# ruff: noqa: RUF001 (look-alike letters are what this module maps)
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

# Characters that render as nothing and are used to split a word for a filter.
ZERO_WIDTH: Final = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad")

# Cyrillic and Greek letters that look like Latin ones (lower case: text is folded first),
# and typographic apostrophes, so that patterns need only "'".
HOMOGLYPHS: Final = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ɩ": "i", "ı": "i", "ⅼ": "l",
    "’": "'", "‘": "'", "ʼ": "'", "´": "'",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "г": "r", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ѡ": "w", "ɑ": "a",
}  # fmt: skip

# Leetspeak, applied only inside words that mix letters with these characters.
LEET: Final = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
               "!": "i", "|": "l", "€": "e"}  # fmt: skip

# A run of letters, digits and leet symbols: the unit leetspeak is decided on.
_WORD: Final = re.compile(r"[\w@$!|€]+")
# A number with a short suffix ("2nd", "10am", "4b"), which is not leetspeak.
_NUMBER_WITH_SUFFIX: Final = re.compile(r"\d+[a-z]{0,3}")
# Three or more single letters split by one and the same separator: "k i l l", "k.i.l.l".
_SPREAD: Final = re.compile(r"(?<!\w)\w([ .\-_*·/+,~])\w(?!\w)(?:\1\w(?!\w))+")
# Runs made only of one-letter words are sentences ("il y a à"), not a word spread out.
_ONE_LETTER_WORDS: Final = frozenset("aiy")


class Normalized:
    """The normalised text and, for each of its characters, the original index."""

    __slots__ = ("original", "origins", "text")

    def __init__(self, original: str, text: str, origins: list[int]) -> None:
        self.original = original
        self.text = text
        self.origins = origins

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original [start, end) of the normalised [start, end)."""
        if start >= end:
            position = self.origins[start] if start < len(self.origins) else len(self.original)
            return position, position
        return self.origins[start], self.origins[end - 1] + 1


@lru_cache(maxsize=4096)
def _fold(character: str) -> str:
    """One original character as it reads after NFKC, accents, case and look-alikes."""
    if character in ZERO_WIDTH:
        return ""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", character))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFKC", kept).casefold()
    return "".join(HOMOGLYPHS.get(c, c) for c in folded)


def _unleet(word: str) -> str:
    if word.isalpha() or not any(c.isalpha() for c in word):
        return word
    if _NUMBER_WITH_SUFFIX.fullmatch(word) or word.startswith("@"):
        return word
    stripped = word.rstrip("!|")  # "kill!!" ends a sentence, it is not "killii"
    body = "".join(LEET.get(c, c) for c in stripped)
    return body + word[len(stripped) :]


def normalize(original: str) -> Normalized:
    """`original` normalised, each character mapped back to where it came from."""
    characters: list[str] = []
    origins: list[int] = []
    if original.isascii():
        folded = original.lower()
        characters = list(folded)
        origins = list(range(len(original)))
    else:
        for index, character in enumerate(original):
            for piece in _fold(character):
                characters.append(piece)
                origins.append(index)
    text = "".join(characters)
    if any(c in LEET for c in text):
        text = _WORD.sub(lambda match: _unleet(match.group()), text)
    if _SPREAD.search(text):
        text, origins = _join_spread(text, origins)
    return Normalized(original, text, origins)


def _join_spread(text: str, origins: list[int]) -> tuple[str, list[int]]:
    """Drop the separators inside runs of single letters, keeping each letter's origin."""
    kept_text: list[str] = []
    kept_origins: list[int] = []
    position = 0
    for match in _SPREAD.finditer(text):
        kept_text.append(text[position : match.start()])
        kept_origins.extend(origins[position : match.start()])
        letters = match.group()[::2]
        if set(letters) <= _ONE_LETTER_WORDS:
            kept_text.append(match.group())
            kept_origins.extend(origins[match.start() : match.end()])
        else:
            kept_text.append(letters)
            kept_origins.extend(origins[match.start() : match.end() : 2])
        position = match.end()
    kept_text.append(text[position:])
    kept_origins.extend(origins[position:])
    return "".join(kept_text), kept_origins
