"""`threat`: an intention or a call to inflict violence, in the first person ("I'm going
to kill you", "je vais te buter"), as a fate announced to someone ("you're dead", "tes
jours sont comptés") or as a wish ("I hope you die")."""

from __future__ import annotations

import re
from typing import Final

from stockade.watch.analyzers.incitement import crowd_call
from stockade.watch.analyzers.lexicon import VIOLENT, VIOLENT_DONE, compile_words, words
from stockade.watch.normalize import Normalized
from stockade.watch.spans import Span, find_each

LABEL: Final = "threat"

_FIRST_PERSON_EN = words(
    "i", "we", "ima", "imma", "im", "i'm", "i'll", "we'll", "we're", "i'd", "ill"
)
_INTENT_EN = words(
    "will", "'ll", "shall", "gonna", "going to", "am going to", "are going to", "'m going to",
    "'re going to", "want to", "wanna", "plan to", "intend to", "about to", "would love to",
    "'d love to", "can't wait to", "cant wait to", "am coming to", "'m coming to", "will come",
    "am gonna", "'m gonna", "'re gonna", "are gonna", "swear i'll", "promise i'll", "would",
    "'d", "will personally", "'ll personally",
)  # fmt: skip
_FIRST_PERSON_FR = words("je", "j'", "j", "on", "nous", "moi je")
_INTENT_FR = words(
    "vais", "va", "allons", "veux", "voudrais", "compte", "vas", "irai", "ira", "viendrai",
    "viens", "vais aller", "va aller", "vais venir", "va venir", "jure de", "jure que je vais",
)  # fmt: skip
_OBJECT_FR = r"(?:(?:te|vous|le|la|les|lui|leur|me)\s+|[tl]'\s*)"
# A word between subject and verb, unless it negates: "I would never hurt anyone".
_FILLER = r"(?!(?:never|not|no|nobody|jamais|ne|n|pas|personne)\b)\w+"

INTENT: Final = re.compile(
    rf"(?<!\w)(?:ready|prepared|pret|prete|prets) (?:to|a) {VIOLENT}"
    rf"|(?:is|are) (?:going to|gonna|about to) get {VIOLENT_DONE}"
    rf"|(?:va|vont) se faire (?:planter|descendre|{VIOLENT})"
    rf"|(?<!\w)(?:gonna|finna|bout to|boutta) {VIOLENT}\s+(?:u|you|ya|him|her|them|y'all)(?!\w)"
    rf"|(?<!\w){_FIRST_PERSON_EN}(?:\s*{_INTENT_EN})?(?:\s+{_FILLER}){{0,3}}?\s+{VIOLENT}"
    rf"|(?<!\w){_FIRST_PERSON_FR}(?:\s*'?\s*{_INTENT_FR})?\s+(?:{_FILLER}\s+){{0,2}}?{_OBJECT_FR}?{VIOLENT}"
)
# Violence others are called to inflict: a threat too, and incitement.
CALL: Final = crowd_call(VIOLENT)
# A violent verb that opens a sentence and has someone to fall on: "Kill them all".
IMPERATIVE: Final = re.compile(
    rf"(?:^|(?<=[.!?,;:] )|(?<=\blet's )|(?<=\blets )|(?<=\bgo )|(?<=\band ))(?:go )?{VIOLENT}"
    r"(?: (?:all|every|them|these|those|the|that|this|him|her|you|u|em|those)\b)"
)
FATE: Final = compile_words(
    r"(?:you're|youre|you are|ur|u r|you will be|you'll be|you r) (?:so |already |a )?(?:dead|dead (?:man|woman|meat)|next|going to die|gonna die|finished)",
    r"(?:you|u) (?:will|'ll|are going to|gonna) (?:die|bleed|pay for this|regret this|suffer)",
    r"watch your back", r"sleep with one eye open", r"your days are numbered",
    r"i know where (?:you|u) (?:live|sleep|work)", r"we know where (?:you|u) (?:live|sleep|work)",
    r"you won't (?:see|live to see) (?:tomorrow|next week|christmas|the weekend)",
    r"count your days", r"say goodbye to your (?:family|kids|life)",
    r"t'es (?:mort|morte|fini|finie)", r"tu es (?:mort|morte|fini|finie)",
    r"(?:tu|vous) (?:vas|allez) (?:crever|mourir|saigner|payer|le regretter|y passer|souffrir)",
    r"tes jours sont comptes", r"je sais ou (?:tu|vous) (?:habites?|vis|dors|travailles?)",
    r"on sait ou (?:tu|vous) (?:habites?|vis|dors|travailles?)",
    r"fais gaffe a (?:toi|ta gueule)", r"surveille tes arrieres", r"dors que d'un oeil",
    r"tu ne verras pas (?:demain|la fin de la semaine|noel)",
)  # fmt: skip
WISH: Final = compile_words(
    r"(?:hope|wish|pray) (?:that )?\w+(?: \w+)? (?:die|dies|dead|death|gets? (?:shot|killed|stabbed|raped|hurt))",
    r"wish (?:you|u|him|her|them) death", r"go kill yourself", r"kill yourself", r"kys",
    r"go die", r"just die", r"(?:deserves?|should|needs? to) (?:to )?die",
    rf"(?:deserves?|needs?|ought) to (?:be|get) {VIOLENT_DONE}",
    rf"(?:should|must|will|deserved?) (?:be |get )?{VIOLENT_DONE}",
    r"wish(?:ing)? (?:\w+ )?(?:slow |painful )?death", r"death to", r"genocide",
    r"ethnic cleansing", r"massacre of", r"hitman", r"(?:die|dies) (?:fucking|already|slowly)",
    r"removed from the face of the earth", r"wiped off the (?:map|earth|planet)",
    r"(?:up )?against (?:a|the) wall", r"contre un mur",
    r"(?:lui|leur|te|vous) (?:regler son compte|regler leur compte|faire la peau|casser la gueule|peter la gueule)",
    r"j'espere que \w+(?: \w+)? (?:meurs|meure|meurt|creves|creve|crevez|crevera|vas crever|va crever)",
    r"(?:va|allez) (?:crever|mourir)", r"(?:creve|crevez),",
    r"(?:merite|meritent|meriterait) (?:de |d')(?:crever|mourir|etre)",
    rf"(?:devrait|doit|devraient|doivent) etre {VIOLENT_DONE}",
    r"(?:suicide|tue) toi", r"va te pendre",
)  # fmt: skip


PATTERNS: Final = {
    "intent": INTENT,
    "call": CALL,
    "imperative": IMPERATIVE,
    "fate": FATE,
    "wish": WISH,
}


def cues(normalized: Normalized) -> list[Span]:
    """Spans of stated intent, announced fate and wished harm."""
    return find_each(PATTERNS, normalized, LABEL)
