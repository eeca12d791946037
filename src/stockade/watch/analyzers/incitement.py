"""`incitement`: calls for others to act against a person — "someone should shoot him",
"everyone go flood her inbox", "il faut le buter", "allez tous chez lui"."""

from __future__ import annotations

import re
from typing import Final

from stockade.watch.analyzers.lexicon import VIOLENT, VIOLENT_DONE, compile_words, words
from stockade.watch.normalize import Normalized
from stockade.watch.spans import Span, find, find_each

LABEL: Final = "incitement"

CROWD_EN: Final = words(
    "someone", "somebody", "anyone", "anybody", "everyone", "everybody", "y'all", "yall",
    "you all", "you guys", "people", "guys", "we all", "all of you", "who wants to", "let's",
    "lets", "let us", "one of you", "any of you",
)  # fmt: skip
MODAL_EN: Final = words("should", "need to", "needs to", "has to", "have to", "must", "gotta", "go",
                  "please", "pls", "can", "could", "ought to", "better")  # fmt: skip
_ACTION = words(
    VIOLENT,
    r"swat\w*", r"(?:call|ring|phone|dial) (?:911|999|112|the cops|the police)",
    r"go after", r"pile on", r"dogpile", r"make \w+ quit", r"en masse",
    r"report [@\w.']+ (?:page|account|channel|profile)", r"harcel\w*",
    r"signal\w* (?:la page|le compte|la chaine|son compte)", r"pay (?:him|her|them) a (?:little )?visit", r"visit (?:him|her|them)",
    r"find (?:him|her|them)", r"teach (?:him|her|them) a lesson", r"show up at",
    r"pull up (?:on|to|at)", r"raid", r"dox+", r"spam", r"flood", r"harass",
    r"report (?:his|her|their) (?:account|page|channel)", r"mass report", r"get (?:him|her|them)",
    r"make (?:him|her|them) (?:pay|suffer|regret)", r"ruin (?:his|her|their) life",
    r"rendre visite", r"aller chez", r"debarquer chez", r"retrouver", r"lui faire",
    r"harceler", r"spammer", r"inonder", r"signaler (?:son|leur) compte", r"faire payer",
    r"pourrir (?:sa|leur) vie", r"lui pourrir la vie", r"s'occuper (?:de lui|d'elle|d'eux)",
)  # fmt: skip
CROWD_FR: Final = words(
    "quelqu'un", "qqn", "quelqu un", "tout le monde", "vous tous", "les gars", "allez",
    "allons", "faut", "il faut", "faudrait", "il faudrait", "on devrait", "vous devriez",
    "qui veut", "qui est chaud pour", "on", "que quelqu'un", "un de vous", "l'un de vous",
)  # fmt: skip
MODAL_FR: Final = words("devrait", "doit", "peut", "pourrait", "va", "aille", "vienne", "tous", "y")
OBJECT_FR: Final = r"(?:(?:le|la|les|lui|leur)\s+|l'\s*)"


def crowd_call(action: str) -> re.Pattern[str]:
    """A crowd addressed ("someone should", "il faut") and then `action`."""
    return re.compile(
        rf"(?<!\w){CROWD_EN}(?:\s+{MODAL_EN})?(?:\s+\w+){{0,2}}?\s+{action}"
        rf"|(?<!\w){CROWD_FR}(?:\s+{MODAL_FR})?\s+(?:\w+\s+){{0,2}}?{OBJECT_FR}?{action}"
    )


CALL: Final = crowd_call(_ACTION)
IMPERATIVE: Final = compile_words(
    rf"(?:go|come on|let's go|lets go|everybody go) (?:and )?{_ACTION}",
    rf"(?:he|she|they|this guy|this girl|this woman|this man) (?:should|needs? to|ought to|must|has to) (?:be|get) {VIOLENT_DONE}",
    rf"(?:qu'on|que quelqu'un) (?:le |la |les |l')?{VIOLENT}",
    rf"(?:faut|il faut|faudrait|il faudrait) (?:le |la |les |l'|lui )?{VIOLENT}",
    rf"(?:faut|il faut|faudrait|il faudrait) (?:qu'(?:il|elle|ils) soi(?:t|ent)|(?:le |la |les |l')?voir) {VIOLENT_DONE}",
    r"(?:tous|toutes) chez (?:lui|elle|eux)",
    r"(?:write|email|call|message|tag) (?:to )?[\w@.']+ (?:employer|boss|school|work|manager)",
    r"until (?:she|he|they) (?:deletes?|quits?|leaves?|gets? fired|is fired|fire)",
    r"flood (?:the|her|his|their) (?:comments|mentions|inbox|dms)",
    r"(?:ecrivez|signalez|spammez|harcelez|inondez|envoyez|appelez|prevenez|telephonez)(?: tous| toutes)?",
    r"jusqu'a ce qu'(?:il|elle|ils) (?:supprime|quitte|parte|soit vire)\w*",
    r"(?:au|a son|a sa) (?:patron|employeur|boss)",
    r"swat (?:this|that|him|her|them)", r"mass[- ]report\w*(?: (?:his|her|their) (?:account|page|channel))?", r"everyone to (?:his|her|their) (?:house|place|address)",
)  # fmt: skip


# Asking whoever reads to call emergency services: the sentence opens with the verb.
SEND_POLICE: Final = re.compile(
    r"(?:^|(?<=[.!?:;,] ))(?:someone |somebody |y'all |guys )?(?:call|phone|ring|dial|get|send)"
    r" (?:the )?(?:911|999|112|cops|police|swat)"
)


def cues(normalized: Normalized) -> list[Span]:
    """Spans of calls that ask others to act against someone."""
    return [
        *find_each({"call_to_act": CALL, "imperative": IMPERATIVE}, normalized, LABEL),
        *find(SEND_POLICE, normalized, LABEL, "imperative"),
    ]
