from __future__ import annotations

from stockade.watch.analyzers.doxx import WEAK_KINDS, cues, phones
from stockade.watch.normalize import normalize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in cues(normalize(text))]


def test_an_english_post_with_address_phone_email_and_details() -> None:
    found = kinds(
        "Maya lives at 41 Birchwood Lane, Apt 3. Call (617) 555-0142 or "
        "maya@mailbox.example; her kids go to Lincoln Elementary and she drives a red Ford."
    )
    assert ("address", "41 Birchwood Lane, Apt 3") in found
    assert ("phone", "(617) 555-0142") in found
    assert ("email", "maya@mailbox.example") in found
    assert ("personal_detail", "lives at") in found
    assert ("personal_detail", "drives a") in found
    assert ("family", "her kids") in found


def test_a_french_post() -> None:
    found = kinds("Elle habite au 12 rue des Lilas, 06 12 34 56 78, sa voiture est une Clio")
    assert ("address", "12 rue des Lilas") in found
    assert ("phone", "06 12 34 56 78") in found
    assert ("personal_detail", "habite au") in found
    assert ("personal_detail", "sa voiture") in found


def test_a_business_address_is_public() -> None:
    found = kinds("Our store is at 14 Market Street, open daily. Call us at (617) 555-0199.")
    assert ("public_address", "14 Market Street") in found
    assert ("public_phone", "(617) 555-0199") in found
    assert {kind for kind, _ in found} <= WEAK_KINDS


def test_short_numbers_are_not_phones() -> None:
    assert phones("Room 101, floor 3, 2026") == []
