"""`doxx`: personal data that lets someone find a person — a street address, a phone
number (found by the phonenumbers library), an e-mail address, and cues about where they
work, where their children go to school, their family or their car."""

from __future__ import annotations

import re
from typing import Final

import phonenumbers

from stockade.watch.analyzers.context import CONTEXTS
from stockade.watch.analyzers.lexicon import compile_words
from stockade.watch.normalize import Normalized
from stockade.watch.spans import Span, find, find_original

LABEL: Final = "doxx"

# Regions whose national formats are tried, in order, for numbers written without "+".
PHONE_REGIONS: Final = ("US", "FR", "GB", "CA", "BE")
# Candidates the matcher tries per region: without a bound, a long run of numbers takes
# seconds; a post with more phone-like runs than this is not a post.
PHONE_CANDIDATES: Final = 100

_STREET_EN = (
    r"Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|"
    r"Terrace|Close|Crescent|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Row|Trail"
)
_STREET_FR = (
    r"rue|avenue|av\.|boulevard|bd|impasse|allée|allee|chemin|place|quai|route|cours|"
    r"square|passage|résidence|residence|lotissement|cité|cite"
)
ADDRESS: Final = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?\s+(?:[A-Z][\w'.-]*\s+){{1,3}}(?:{_STREET_EN})\b\.?"
    rf"(?:,?\s+(?:Apt|Apartment|Unit|Suite|#)\.?\s*\w+)?"
    rf"|\b\d{{1,4}}(?:\s?(?:bis|ter))?,?\s+(?i:{_STREET_FR})\s+(?:(?:de|du|des|de la|d'|l')\s*)?[A-ZÉÈ][\w'-]+(?:\s+[A-ZÉÈa-zé][\w'-]+){{0,3}}"
)
# The local part is bounded (64 characters, as in RFC 5321) so that a long run of
# "x.x.x." without "@" is not scanned again from every position.
EMAIL: Final = re.compile(r"\b[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
_DIGITS: Final = re.compile(r"\d")

PERSONAL: Final = compile_words(
    r"lives (?:at|on|in|near)", r"home address", r"(?:his|her|their) (?:address|house|home|place|apartment|flat) (?:is|at)",
    r"works (?:at|for|in)", r"(?:his|her|their) (?:office|workplace|job|work) (?:is|at)",
    r"goes to (?:\w+ )?(?:school|high|elementary|college|middle school|daycare)",
    r"(?:drives|driving) an?", r"license plate", r"licence plate", r"plate (?:number|no)",
    r"(?:his|her|their) (?:car|truck|van|bike|motorbike)", r"parks? (?:at|on|in)",
    r"leaves (?:work|home|school) at", r"(?:gets|picks) (?:home|the kids up|up the kids|off) at",
    r"apt\.? ?\d+", r"(?:his|her|their) (?:phone|number|cell|email|e-mail)",
    r"(?:habite|vit|loge|demeure|crèche|creche) (?:au|a|rue|avenue|chez|dans|pres)",
    r"(?:son|leur) (?:domicile|appart|appartement|bureau|boulot|travail|numero|portable|mail)",
    r"(?:sa|leur) (?:voiture|plaque|maison|adresse)", r"(?:ses|leurs) horaires",
    r"(?:travaille|bosse|bossent|travaillent) (?:a|chez|au|aux|dans)",
    r"(?:va|vont) (?:a l'ecole|au college|au lycee|a la creche)",
    r"(?:conduit|roule en|roule dans) une?", r"plaque d'immatriculation", r"immatricul\w*",
    r"(?:recupere|depose|attend) (?:sa|son|ses) (?:fille|fils|enfants|gosses)",
    r"(?:picks?|drops?) (?:up |off )?(?:the|her|his|their) (?:kids|children|son|daughter)",
    r"digicode", r"code de la porte", r"(?:sort|rentre) du (?:boulot|travail) a",
)  # fmt: skip

# Relatives: personal, but on their own they locate nobody, so they justify no label.
FAMILY: Final = compile_words(
    r"(?:his|her|their) (?:kids?|children|son|daughter|wife|husband|mom|mother|dad|father|sister|brother|parents|girlfriend|boyfriend)",
    r"(?:son|sa|leur) (?:mari|fils|copain|pere|frere|femme|fille|mere|soeur|copine)",
    r"(?:ses|leurs) (?:enfants|gosses|parents)",
    r"(?:son|sa|leur) (?:ecole|college|lycee|creche|adresse)",
)  # fmt: skip
# Cues that justify no label: relatives, and the address or number of a business or a
# public office, which is published to be found.
WEAK_KINDS: Final = frozenset({"family", "public_address", "public_phone", "public_email"})
_PUBLIC_KIND: Final = {
    "address": "public_address",
    "phone": "public_phone",
    "email": "public_email",
}


def phones(original: str) -> list[Span]:
    """Phone numbers, tried in each region of PHONE_REGIONS; a number counts once."""
    if len(_DIGITS.findall(original)) < 7:
        return []
    found: dict[tuple[int, int], Span] = {}
    for region in PHONE_REGIONS:
        matcher = phonenumbers.PhoneNumberMatcher(
            original, region, phonenumbers.Leniency.VALID, PHONE_CANDIDATES
        )
        for match in matcher:
            key = (match.start, match.end)
            if key not in found and not any(
                start < match.end and match.start < end for start, end in found
            ):
                found[key] = Span(match.start, match.end, LABEL, "phone", match.raw_string)
    return list(found.values())


def cues(normalized: Normalized) -> list[Span]:
    """Spans of addresses, phone numbers, e-mail addresses and personal details."""
    original = normalized.original
    personal = find(PERSONAL, normalized, LABEL, "personal_detail")
    details = [
        *find_original(ADDRESS, original, LABEL, "address"),
        *phones(original),
        *find_original(EMAIL, original, LABEL, "email"),
    ]
    if not personal and CONTEXTS["public_place"].search(normalized.text):
        details = [span._replace(kind=_PUBLIC_KIND[span.kind]) for span in details]
    return [*details, *personal, *find(FAMILY, normalized, LABEL, "family")]
