"""Words the analysers share, as regular-expression fragments over normalised text (lower
case, no accents, apostrophes as "'"). English and French."""

from __future__ import annotations

import re
from typing import Final


def words(*alternatives: str) -> str:
    """A non-capturing group of alternatives, longest first so that regex picks it."""
    return "(?:" + "|".join(sorted(alternatives, key=len, reverse=True)) + ")"


def compile_words(*alternatives: str) -> re.Pattern[str]:
    """Alternatives as whole words."""
    return re.compile(r"(?<![\w@])" + words(*alternatives) + r"(?!\w)")


# violence, English: a verb in any form, and phrases that mean the same
_EN_STEMS = (
    "kill", "murder", "stab", "shoot", "shot", "strangl", "chok", "hurt", "beat", "gut",
    "slaughter", "burn", "hang", "hung", "lynch", "execut", "behead", "tortur", "rape", "raped", "raping",
    "punch", "slit", "smash", "shank", "bludgeon", "maim", "cripple", "massacr", "butcher",
    "assassinat", "decapitat", "drown", "bomb", "knife", "torch", "annihilat",
    "exterminat", "slap", "smack", "stone", "nuke",
)  # fmt: skip
VIOLENT_EN: Final = (
    r"(?:"
    + words(*_EN_STEMS)
    + r"(?:s|es|e|ed|ing|ted|ting|bed|bing|ered|ering)?(?!\w)"
    + r"|"
    + words(
        r"break (?:your|his|her|their) (?:neck|legs?|arms?|face|jaw|skull)",
        r"bash (?:your|his|her|their) (?:head|face|skull)",
        r"put (?:a bullet|a knife|one|two|a round) (?:in|through)",
        r"blow (?:your|his|her|their) (?:head|brains) (?:off|out)",
        r"end (?:you|him|her|them)",
        r"bury (?:you|him|her|them)",
        r"run (?:you|him|her|them) over",
        r"hunt (?:you|him|her|them) down",
        r"make (?:you|him|her|them) bleed",
        r"cut (?:you|him|her|them|your|his|her) (?:up|open|throat)",
        r"beat (?:you|him|her|them) (?:up|to death)",
        r"curb ?stomp",
        r"(?:bullet|knife) in (?:your|his|her|their)",
    )
    + r")"
)
# English past participles, for "he should be shot"
VIOLENT_EN_DONE: Final = words(
    "killed", "murdered", "shot", "stabbed", "strangled", "hanged", "hung", "beaten",
    "burned", "burnt", "lynched", "executed", "beheaded", "tortured", "gutted", "slaughtered",
    "put down", "taken out", "wiped out", "exterminated", "gassed", "eliminated",
    "annihilated", "abused", "stoned", "set on fire", "slapped", "raped",
)  # fmt: skip

# violence, French: verbs in the forms a threat takes (infinitive, future, present)
_FR_STEMS_ER = (
    "tu", "but", "egorg", "flingu", "poignard", "frapp", "defonc", "cogn", "tabass",
    "etrangl", "brul", "cram", "massacr", "lynch", "saign", "bless", "liquid", "execut",
    "decapit", "viol", "trou", "refroid", "crev", "achev", "explos", "fracass",
    "assassin", "dessoud", "ecras", "eventr", "mutil", "latt",
)  # fmt: skip
_FR_ENDINGS = (
    "er", "e", "es", "ent", "erai", "eras", "era", "erons", "erez", "eront", "ez", "ons",
    "ee", "ees", "ais", "ait", "erais", "erait", "erions", "eriez", "eraient",
)  # fmt: skip
VIOLENT_FR: Final = (
    r"(?:"
    + words(*_FR_STEMS_ER)
    + words(*_FR_ENDINGS)
    + r"(?!\w)|"
    + words(
        r"abat(?:tre|s|tu|tue|trai|tra|trons|tront)",
        r"pend(?:re|s|rai|ra|rons|u|ue)",
        r"faire (?:la|ta|sa) peau",
        r"fais(?:ons)? (?:la|ta|sa) peau",
        r"casser (?:la|ta|sa) (?:gueule|tete)",
        r"peter (?:la|ta|sa) (?:gueule|tete)",
        r"(?:mettre|mets|mettrai) une balle",
        r"regler (?:son|ton) compte",
        r"faire sauter (?:la|ta|sa) (?:cervelle|tete)",
        r"exploser (?:la|ta|sa) tete",
        r"coup de (?:couteau|poing|batte|feu)",
        r"une balle dans (?:la|ta|sa) tete",
    )
    + r")"
)
VIOLENT_FR_DONE: Final = r"(?:" + words(
    "tue", "tuee", "tues", "bute", "butee", "abattu", "abattue", "pendu", "pendue", "egorge",
    "egorgee", "brule", "brulee", "lynche", "execute", "executee", "fusille", "fusillee",
    "flingue", "liquide", "elimine", "eliminee", "massacre", "decapite", "gaze", "extermine",
    "exterminee", "poignarde", "poignardee", "etrangle", "etranglee", "fusille",
) + "s?)"  # fmt: skip

VIOLENT: Final = words(VIOLENT_EN, VIOLENT_FR)
VIOLENT_DONE: Final = words(VIOLENT_EN_DONE, VIOLENT_FR_DONE)

# who is addressed or named
SECOND_PERSON_EN: Final = words(
    "you", "your", "yours", "yourself", "u", "ur", "ya", "youre", "thee"
)
SECOND_PERSON_FR: Final = words("tu", "toi", "te", "ton", "ta", "tes", "vous", "votre", "vos")
# after the verb, in English: French puts its object pronouns before the verb
THIRD_PERSON_OBJECT: Final = words("him", "her", "them")
