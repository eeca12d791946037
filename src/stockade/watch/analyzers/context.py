"""Context that changes what a violent word means: negation, news reporting, quoting to
condemn, fiction, games and sport, software, cooking, hyperbole, and the public address
of a business or an office. These cues are not shown to people; they are features the
model weighs against the threat cues."""

from __future__ import annotations

import re
from typing import Final

from stockade.watch.analyzers.lexicon import compile_words
from stockade.watch.normalize import Normalized
from stockade.watch.spans import Span, find_each

LABEL: Final = "context"

CONTEXTS: Final[dict[str, re.Pattern[str]]] = {
    "negation": compile_words(
        "never", "not", "no one", "nobody", "wouldn't", "won't", "would not", "will not",
        "don't", "do not", "didn't", "isn't", "jamais", "ne", "n'", "pas", "personne",
        "aucun", "aucune",
    ),
    "news": compile_words(
        "police said", "arrested", "charged", "court", "sentenced", "convicted", "trial",
        "suspect", "allegedly", "according to", "reported", "prosecutors?", "investigation",
        "accused", "judge", "jury", "verdict", "tribunal", "condamne", "condamnee",
        "interpelle", "interpellee", "proces", "enquete", "selon", "parquet", "prevenu",
        "mis en examen", "juge", "gendarmerie", "garde a vue", "a ete", "was", "were",
        "has been", "threatened", "menace de", "menaces de mort", "death threats?",
    ),
    "condemnation": compile_words(
        "not okay", "not ok", "unacceptable", "disgusting", "reported", "report this",
        "condemn", "shameful", "vile", "no place", "never okay", "is a crime", "stop this",
        "pas acceptable", "inadmissible", "inacceptable", "honteux", "signale", "degoutant",
        "intolerable", "ca suffit", "est un delit", "c'est un delit", "scandaleux",
        "how is this allowed", "this is why", "people like this", "banned", "ban",
    ),
    "fiction": compile_words(
        "novel", "chapter", "character", "villain", "story", "plot", "movie", "film",
        "book", "episode", "season finale", "scene", "script", "fanfic", "dungeon",
        "dragon", "wizard", "roman", "personnage", "chapitre", "intrigue", "serie",
        "heros", "mechant", "nouvelle", "scenario", "polar", "campaign", "d&d", "my dm",
        "the killer", "le tueur", "in the game of", "trailer", "sequel",
    ),
    "game": compile_words(
        "match", "game", "round", "level", "boss", "raid", "team", "league", "tournament",
        "ranked", "lobby", "respawn", "pvp", "quiz", "chess", "tennis", "football",
        "soccer", "basketball", "opponents?", "final", "finals", "partie", "manche",
        "equipe", "tournoi", "championnat", "adversaires?", "jeu", "niveau", "mario kart",
        "smash", "fortnite", "scrabble", "poker", "court", "field", "pitch", "rematch",
        "revanche", "on the board", "a la belote", "tekken", "padel", "ping pong",
        "rocket league", "street fighter", "mortal kombat", "overwatch", "valorant",
        "call of duty", "warzone", "minecraft", "uno", "monopoly", "badminton", "squash",
        "bowling", "darts", "golf", "rugby", "hockey", "volley", "petanque", "babyfoot",
        "flechettes", "echecs", "catan", "fifa", "league of legends", "counter-strike",
        "apex", "halo", "tetris", "ranked", "1v1", "gg", "noob",
    ),
    "software": compile_words(
        "process", "processes", "pid", "daemon", "server", "thread", "task", "job",
        "query", "container", "pod", "docker", "kernel", "terminal", "script", "branch",
        "build", "bug", "tab", "app", "session", "node", "sigkill", "kill -9", "cron",
        "processus", "serveur", "tache", "requete", "conteneur", "the feature", "ticket",
        "pull request", "compile", "feature flag", "release", "gpu", "cache", "deploy", "prod", "la prod", "commande",
    ),
    "cooking": compile_words(
        "recipe", "onions?", "garlic", "dough", "eggs?", "butter", "oven", "pan", "whisk",
        "sauce", "chicken", "meat", "cream", "steak", "recette", "oignons?", "oeufs?",
        "four", "poele", "pate", "beurre", "viande", "poulet", "legumes", "blanc",
        "weeds?", "plants?", "sugar", "sucre", "caramel", "heat", "feu", "garden", "mauvaises herbes", "jardin", "lobster", "homard",
    ),
    "hyperbole": compile_words(
        "killing me", "kills me", "killed me", "kill for", "to die for", "dying to",
        "dead tired", "dying of", "died laughing", "i'm dead", "im dead", "killed it",
        "killing it", "slay", "slays", "slayed", "me tue", "me tuent", "mort de rire",
        "morte de rire", "mourir de rire", "creve de", "je suis mort", "je suis morte",
        "lol", "mdr", "ptdr", "haha", "literally dying", "murder a", "kill a",
        "could kill for", "tuerais pour", "a mourir", "tuer pour une?",
        "pourrais tuer pour", "death of me", "dead inside",
    ),
    "public_place": compile_words(
        "our store", "our shop", "our office", "our restaurant", "our bakery", "our clinic",
        "our team", "open daily", "open from", "open monday", "open until", "opening hours",
        "business hours", "call us", "contact us", "visit us", "customer service",
        "headquarters", "head office", "town hall", "city hall", "public library",
        "post office", "embassy", "consulate", "ministry", "mayor's office", "council",
        "reception", "mairie", "hotel de ville", "prefecture", "horaires", "ouvert du",
        "ouvert tous", "notre magasin", "notre boutique", "notre bureau",
        "notre restaurant", "notre cabinet", "notre agence", "siege social", "accueil",
        "service client", "contactez-nous", "bibliotheque", "ambassade", "ministere",
        "appointments?", "rendez-vous", "bookings?", "reservations?", "ltd", "inc",
        "sarl", "cafe", "pharmacie", "pharmacy", "office hours", "permanence",
        "pressing", "boutique", "cabinet", "sans rendez-vous", "clinic", "clinique", "magasin", "store", "shop", "tailors?", "bakery", "salon",
        "garage", "restaurant", "visit", "opens?", "reopens?", "rouvre", "walk-ins", "visas?",
        "reservations", "venez", "come visit", "now open", "moved to", "demenage",
    ),
}  # fmt: skip
QUOTE: Final = re.compile(r"[\"“”«»]|(?<!\w)'(?=\w)[^']{8,}'(?!\w)")


def cues(normalized: Normalized) -> list[Span]:
    """Spans of each kind of mitigating context, and of quotation marks."""
    return find_each({**CONTEXTS, "quote": QUOTE}, normalized, LABEL)
