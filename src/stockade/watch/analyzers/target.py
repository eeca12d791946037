"""`target`: someone identifiable — the person addressed ("you", "tu"), a name, a handle,
a person on the deployment's watch list of protected persons, or "him"/"her" right after
a violent verb."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from stockade.watch.analyzers.lexicon import (
    SECOND_PERSON_EN,
    SECOND_PERSON_FR,
    THIRD_PERSON_OBJECT,
    VIOLENT,
    VIOLENT_FR,
    compile_words,
)
from stockade.watch.normalize import Normalized, normalize
from stockade.watch.spans import Span, find, find_original

LABEL: Final = "target"

SECOND_PERSON: Final = re.compile(
    rf"(?<![\w@]){SECOND_PERSON_EN}(?!\w)|(?<![\w@]){SECOND_PERSON_FR}(?![\w-])|(?<!\w)t'(?=\w)"
)
VICTIM: Final = re.compile(rf"(?<!\w){VIOLENT}\s+{THIRD_PERSON_OBJECT}(?!\w)")
HANDLE: Final = re.compile(r"(?<![\w@.])@\w(?:[\w.]{0,28}\w)?(?![\w@])")
# Someone pointed at without a name: "that girl", "ce type".
REFERENT: Final = compile_words(
    r"(?:that|this) (?:girl|guy|woman|man|kid|boy|bitch|dude|idiot|clown|creep|loser|lady|chick|fraud|hack|snake|coward)",
    r"(?:ce|cette) (?:fille|mec|type|meuf|gars|femme|bouffon|connard|conne|abruti|guignol|tocard|lache|minable|escroc|imbecile)",
)  # fmt: skip
# Imperatives that can only be said to the reader.
ADDRESSED: Final = compile_words(
    "just die", "go die", "kys", "va mourir", "va crever", "creve", "va te pendre"
)
_CAPITALISED = r"[A-ZÀ-Ý][a-zà-ÿ]+(?:[-'][A-ZÀ-Ý][a-zà-ÿ]+)?"
TITLED: Final = re.compile(
    rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Mme|Mlle|Madame|Monsieur|Maître|Me)\.?\s+{_CAPITALISED}"
)
NAME: Final = re.compile(rf"\b{_CAPITALISED}\s+{_CAPITALISED}\b")
# One capitalised word inside a sentence, or opening one before a comma: "for Amara",
# "Amara, stop": perhaps a first name, a weaker cue than a full name.
FIRST_NAME: Final = re.compile(rf"(?<=[\w,] ){_CAPITALISED}\b|^{_CAPITALISED}(?=,)")
VICTIM_FR: Final = re.compile(rf"(?<!\w)(?:le|la|les|l')\s*'?{VIOLENT_FR}")
# Capitalised pairs that are not people.
_NOT_NAMES: Final = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "it",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "if",
        "when",
        "what",
        "why",
        "how",
        "who",
        "where",
        "police",
        "city",
        "town",
        "new",
        "saint",
        "st",
        "le",
        "la",
        "les",
        "un",
        "une",
        "ce",
        "cette",
        "mon",
        "ma",
        "je",
        "tu",
        "il",
        "elle",
        "on",
        "nous",
        "vous",
        "ils",
        "elles",
        "mais",
        "et",
        "donc",
        "quand",
        "pourquoi",
        "comment",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "street",
        "avenue",
        "road",
        "rue",
        "place",
        "boulevard",
        "hall",
        "mairie",
        "google",
        "lane",
        "drive",
        "court",
        "way",
        "terrace",
        "close",
        "elementary",
        "school",
        "high",
        "college",
        "academy",
        "park",
        "center",
        "centre",
        "hospital",
        "university",
        "bank",
        "store",
        "market",
        "cafe",
        "church",
        "station",
    ]
)


class WatchList:
    """Protected persons matched on normalised text, so "K4te M0rr1s" is Kate Morris."""

    def __init__(self, names: Iterable[str]) -> None:
        folded = sorted({normalize(name.strip()).text for name in names if name.strip()})
        self.names = folded
        self.pattern = (
            compile_words(*(re.escape(name).replace(r"\ ", r"\s+") for name in folded))
            if folded
            else None
        )


def _names(original: str) -> list[Span]:
    found = []
    for span in find_original(NAME, original, LABEL, "name"):
        first, _, last = span.text.partition(" ")
        if first.lower() not in _NOT_NAMES and last.strip().lower() not in _NOT_NAMES:
            found.append(span)
    covered = {index for span in found for index in range(span.start, span.end)}
    for span in find_original(FIRST_NAME, original, LABEL, "first_name"):
        if span.start not in covered and span.text.lower() not in _NOT_NAMES:
            found.append(span)
    return found


def cues(normalized: Normalized, watch_list: WatchList | None = None) -> list[Span]:
    """Spans of the person addressed, named, handled, watch-listed or made a victim."""
    original = normalized.original
    found = [
        *find(SECOND_PERSON, normalized, LABEL, "second_person"),
        *find(ADDRESSED, normalized, LABEL, "second_person"),
        *find(VICTIM, normalized, LABEL, "third_person"),
        *find(REFERENT, normalized, LABEL, "referent"),
        *find(VICTIM_FR, normalized, LABEL, "third_person"),
        *find_original(HANDLE, original, LABEL, "handle"),
        *find_original(TITLED, original, LABEL, "name"),
        *_names(original),
    ]
    if watch_list is not None and watch_list.pattern is not None:
        found.extend(find(watch_list.pattern, normalized, LABEL, "protected_person"))
    return found
