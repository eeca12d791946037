from __future__ import annotations

from stockade.watch.analyzers.target import WatchList, cues
from stockade.watch.normalize import normalize


def kinds(text: str, watch_list: WatchList | None = None) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in cues(normalize(text), watch_list)]


def test_second_person_in_english_and_french() -> None:
    assert ("second_person", "you") in kinds("I see you")
    assert ("second_person", "toi") in kinds("Fais gaffe à toi")
    assert ("second_person", "t'") in kinds("je vais t'avoir")


def test_names_titles_and_first_names() -> None:
    found = kinds("Maya Torres lives on Birchwood Lane; ask Mme Dubois or Élodie")
    assert ("name", "Maya Torres") in found
    assert ("name", "Mme Dubois") in found
    assert ("first_name", "Élodie") in found
    assert all(text != "Birchwood Lane" for _, text in found)


def test_handles_but_not_e_mail_addresses() -> None:
    found = kinds("@felix.ortega, write to felix@mail.example.")
    assert ("handle", "@felix.ortega") in found
    assert all(kind != "handle" or text == "@felix.ortega" for kind, text in found)


def test_a_victim_after_a_violent_verb() -> None:
    assert ("third_person", "shoot him") in kinds("someone should shoot him")
    assert ("third_person", "la buter") in kinds("je vais la buter")


def test_watch_listed_persons_are_found_through_evasions() -> None:
    watch_list = WatchList(["Kate Morris", " ", "Jo Lin"])
    assert watch_list.names == ["jo lin", "kate morris"]
    assert ("protected_person", "K4te  M0rris") in kinds("go after K4te  M0rris", watch_list)


def test_an_empty_watch_list_finds_nobody() -> None:
    assert kinds("hello there", WatchList([])) == []
