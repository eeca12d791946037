"""The project's labelled examples, made from templates written here: each phenomenon
(threats, death wishes, incitement, doxxing, swatting calls) and each hard-negative
family (hyperbole, games and sport, cooking, software, news, counter-speech, negation,
fiction, business and public-office addresses), in English and French.

The test split is made from its own templates and its own names, handles, addresses and
numbers, none of which the training split uses, so its figures measure text the model
has not seen. Every name, address, number and handle is made up. Some threats are
written with evasions (leetspeak, letters spread out, look-alike letters, zero-width
characters), as people write them to get past filters.

    python -m stockade.watch.corpus [OUT.csv]   # writes src/stockade/watch/data/examples.csv
"""

# ruff: noqa: RUF001 (look-alike letters are one of the evasions written here)
from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from stockade.watch.analyzers import LABELS
from stockade.watch.dataset import Example, write

DEFAULT_OUT: Final = Path(__file__).resolve().parent / "data" / "examples.csv"
SEED: Final = 20261124
# Examples made from each template, by split.
VARIANTS: Final = {"train": 5, "test": 3}
# Share of examples with a harmful label that are written with an evasion.
EVASION_SHARE: Final = 0.25

Pools = dict[str, list[str]]

# Slot values, by split: the test split's are never seen in training.
SLOTS: Final[dict[str, Pools]] = {
    "train": {
        "name": ["Maya Torres", "Daniel Hwang", "Priya Raman", "Owen Fletcher", "Lena Kowalski",
                 "Marcus Bell", "Tessa Quinlan", "Ravi Anand", "Hannah Sorensen", "Jonah Pike"],
        "first": ["Maya", "Daniel", "Priya", "Owen", "Lena", "Marcus", "Tessa", "Jonah"],
        "nom": ["Camille Besson", "Julien Marchand", "Inès Roussel", "Thomas Lefort",
                "Sarah Benali", "Hugo Vasseur", "Léa Morvan", "Karim Haddad"],
        "prenom": ["Camille", "Julien", "Inès", "Thomas", "Sarah", "Hugo", "Léa", "Karim"],
        "handle": ["@maya_t", "@dhwang88", "@priya.writes", "@owenfl", "@lena_k_art",
                   "@marcusbell_", "@tessq", "@ravi_codes"],
        "verb": ["kill", "stab", "shoot", "hurt", "strangle", "beat"],
        "verbe": ["tuer", "buter", "égorger", "défoncer", "crever", "tabasser"],
        "when": ["tonight", "tomorrow", "after work", "this weekend", "on Friday", "soon"],
        "quand": ["ce soir", "demain", "samedi", "à la sortie du boulot", "bientôt"],
        "address": ["41 Birchwood Lane", "118 Harbor View Drive", "7 Millstone Court",
                    "2209 Cedar Ridge Road", "56 Alder Street, Apt 4"],
        "adresse": ["12 rue des Lilas", "8 bis avenue Jean Moulin", "27 impasse des Tanneurs",
                    "3 chemin du Moulin", "44 boulevard Carnot"],
        "city": ["Springfield", "Riverton", "Lakewood", "Fairview"],
        "ville": ["Lyon", "Rennes", "Tours", "Nancy"],
        "phone": ["(617) 555-0142", "212-555-0187", "+1 415 555 0123", "(303) 555-0169"],
        "tel": ["06 12 34 56 78", "07 81 22 43 90", "+33 6 45 78 12 03", "06.98.76.54.32"],
        "email": ["maya.torres@mailbox.example", "dhwang@inbox.example", "lena.k@post.example"],
        "courriel": ["c.besson@courrier.example", "julien.m@boite.example"],
        "school": ["Lincoln Elementary", "Westbrook Middle School", "St. Anne's Primary"],
        "ecole": ["l'école Jules Ferry", "le collège Victor Hugo", "la maternelle des Tilleuls"],
        "work": ["the Riverside Dental clinic", "Hollis & Grant on 5th", "the Target on Elm"],
        "travail": ["la pharmacie du Centre", "l'agence Crédit du Port", "le Carrefour de la zone"],
        "car": ["a grey Honda Civic", "a red Ford pickup", "a white Tesla Model 3"],
        "voiture": ["une Clio grise", "une 308 noire", "un Duster blanc"],
        "plate": ["7KDL392", "HXR-4471", "BN52 ZTY"],
        "plaque": ["FG-482-KT", "CD-119-PL"],
        "insult": ["clown", "idiot", "loser", "coward", "creep"],
        "insulte": ["guignol", "abruti", "tocard", "lâche", "bouffon"],
        "team": ["the Hawks", "your squad", "team blue"],
        "equipe": ["les Aigles", "ton équipe", "les bleus"],
        "biz": ["Corner Bakery", "Hartley Hardware", "Blue Fern Café"],
        "commerce": ["Boulangerie Martin", "Garage du Lac", "Librairie Les Pages"],
        "game": ["Mario Kart", "chess", "FIFA", "Smash", "ranked", "Catan"],
        "jeu": ["Mario Kart", "la belote", "FIFA", "Smash", "Uno"],
        "food": ["coffee", "cheesecake", "burger", "slice of pizza"],
        "plat": ["café", "croissant", "burger", "tiramisu"],
        "ingredient": ["onions", "garlic", "peppers"],
        "legume": ["oignons", "poivrons", "échalotes"],
        "proc": ["the process", "that container", "the worker", "the stuck thread"],
        "group": ["protesters", "landlords", "journalists", "cyclists"],
        "groupe": ["manifestants", "journalistes", "propriétaires"],
        "processus": ["le processus", "ce conteneur", "le worker"],
    },
    "test": {
        "name": ["Nora Lindqvist", "Felix Ortega", "Amara Okafor", "Gideon Walsh",
                 "Ivy Castellano", "Samir Qureshi"],
        "first": ["Nora", "Felix", "Amara", "Gideon", "Ivy", "Samir"],
        "nom": ["Manon Guillot", "Bastien Leroux", "Yasmine Chérif", "Élodie Caradec",
                "Rémi Fontaine"],
        "prenom": ["Manon", "Bastien", "Yasmine", "Élodie", "Rémi"],
        "handle": ["@nora_lq", "@felix.ortega", "@amara_reads", "@gwalsh_dev", "@ivycast"],
        "verb": ["murder", "kill", "shoot", "gut", "burn"],
        "verbe": ["poignarder", "flinguer", "tuer", "massacrer", "étrangler"],
        "when": ["next week", "when you least expect it", "before Sunday", "tonight"],
        "quand": ["la semaine prochaine", "quand tu t'y attendras pas", "dimanche"],
        "address": ["903 Quarry Hill Road", "15 Wren Terrace", "64 Lantern Way, Unit 2",
                    "330 Osprey Avenue"],
        "adresse": ["5 rue Paul Bert", "19 allée des Cerisiers", "61 quai de la Loire",
                    "2 place du Marché aux Grains"],
        "city": ["Brookhaven", "Millbrook", "Eastport"],
        "ville": ["Angers", "Dijon", "Brest"],
        "phone": ["(503) 555-0111", "617-555-0178", "+1 202 555 0150"],
        "tel": ["06 23 45 67 89", "07 12 98 34 56", "+33 7 56 43 21 09"],
        "email": ["nora.l@letters.example", "felix.o@relay.example"],
        "courriel": ["manon.guillot@courriel.example", "b.leroux@messagerie.example"],
        "school": ["Maple Grove Elementary", "Eastside High", "Little Acorns daycare"],
        "ecole": ["l'école Pasteur", "le lycée Descartes", "la crèche Les Lutins"],
        "work": ["the Northgate public library", "Pioneer Auto Repair", "the Kroger on 3rd"],
        "travail": ["la boulangerie Dumas", "le cabinet Girard", "la mairie annexe"],
        "car": ["a blue Subaru Outback", "a black Jeep Wrangler"],
        "voiture": ["une Twingo rouge", "un Kangoo gris"],
        "plate": ["8FJW217", "KLM-2093"],
        "plaque": ["AB-731-ZR", "EK-226-JD"],
        "insult": ["fraud", "hack", "joke", "snake"],
        "insulte": ["minable", "escroc", "imbécile"],
        "team": ["the Rovers", "their lineup"],
        "equipe": ["les Rouges", "leur équipe"],
        "biz": ["Maple & Co Tailors", "Sunrise Pharmacy"],
        "commerce": ["Fromagerie Duval", "Pressing Saint-Roch"],
        "game": ["Tekken", "padel", "Rocket League", "ping pong"],
        "jeu": ["Tekken", "Street Fighter", "Rocket League"],
        "food": ["plate of fries", "taco", "donut"],
        "plat": ["kebab", "éclair", "crêpe"],
        "ingredient": ["shallots", "leeks"],
        "legume": ["poireaux", "courgettes"],
        "proc": ["the pod", "the job", "the hung worker"],
        "group": ["referees", "politicians", "tourists"],
        "groupe": ["arbitres", "politiciens", "touristes"],
        "processus": ["le pod", "la tâche", "ce job"],
    },
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Family:
    """Templates of one phenomenon, their labels, and by language and split the templates.
    Every template names or addresses someone (target = 1) unless it starts with "-"."""

    labels: frozenset[str]
    templates: dict[tuple[str, str], list[str]]


def family(labels: str, en_train: str, en_test: str, fr_train: str, fr_test: str) -> Family:
    def lines(block: str) -> list[str]:
        return [line.strip() for line in block.strip().splitlines() if line.strip()]

    return Family(
        frozenset(labels.split()),
        {
            ("en", "train"): lines(en_train),
            ("en", "test"): lines(en_test),
            ("fr", "train"): lines(fr_train),
            ("fr", "test"): lines(fr_test),
        },
    )


FAMILIES: Final[dict[str, Family]] = {
    "direct_threat": family(
        "threat target targeted_threat",
        """
        I'm going to {verb} you {when}.
        I will find you and {verb} you, that's a promise.
        You think you're safe? I'm gonna {verb} you {when}.
        Keep talking. I swear I'll {verb} you with my own hands.
        One more post like that and I will {verb} you.
        I know where you live and I'm coming to {verb} you {when}.
        we are going to {verb} you and nobody will find the body
        ima {verb} u fr, watch
        You're dead. I'll {verb} you the moment I see you.
        I'm going to put a bullet in your head {when}.
        ur gonna catch these hands {when}, {insult}
        im gonna {verb} ur ass so bad u won't walk
        That {insult} needs a good beating and I'm the one who'll give it.
        Say that again and I'll smack you so hard you forget your name.
        I'll slap the taste out of your mouth, {insult}.
        """,
        """
        Enjoy your last days, because I plan to {verb} you {when}.
        Delete your account or I will personally {verb} you.
        Mark my words: I'll {verb} you and your whole family.
        better lock your doors {when}, I'm coming to {verb} you
        Your days are numbered, {insult}.
        wait till i see u, gonna {verb} u for real
        Keep running your mouth and I'll punch your teeth in, {handle}.
        This {insult} right here is going to get stabbed the second I find him.
        """,
        """
        Je vais te {verbe} {quand}.
        Je sais où tu habites, je vais venir te {verbe}.
        Continue comme ça et je vais te {verbe}, je te le jure.
        On va te retrouver et on va te {verbe}.
        t'es mort, je vais te {verbe} {quand}
        Encore un message et je te fais la peau.
        Je vais te {verbe} sale {insulte}.
        Tu vas crever, je vais m'en occuper moi-même.
        Je vais te mettre une balle dans la tête {quand}.
        Tu vas te prendre une raclée {quand}, {insulte}.
        Cette {insulte} mérite une bonne raclée et c'est moi qui vais la lui mettre.
        """,
        """
        Tes jours sont comptés, {insulte}.
        Je compte te {verbe} {quand}, prépare-toi.
        Ferme ta gueule ou je vais te {verbe} devant tout le monde.
        Fais gaffe à toi {quand}, je viens te {verbe}.
        Attends que je te croise, je vais te {verbe}.
        """,
    ),
    "named_threat": family(
        "threat target targeted_threat",
        """
        I'm going to {verb} {name} {when}.
        {name} is a dead woman walking. I will {verb} her myself.
        {handle} I know where you sleep. I'm going to {verb} you.
        Someday soon I'm gonna {verb} {first}, and I won't be sorry.
        {name} thinks this is a game. I'll {verb} her {when}.
        {handle} enjoy your weekend, it's your last. I will {verb} you.
        Going to {city} {when} to {verb} {name}. Done talking.
        """,
        """
        {handle} watch your back {when}, I'm going to {verb} you.
        I'm waiting for {first} outside that gym, and I intend to {verb} her.
        {name} won't see Christmas. I'll {verb} him myself.
        """,
        """
        Je vais {verbe} {nom} {quand}.
        {handle} je sais où tu dors, je vais te {verbe}.
        {prenom} va comprendre, je vais le {verbe} {quand}.
        Je monte à {ville} {quand} pour {verbe} {nom}.
        {nom} peut dire adieu à sa famille, je vais la {verbe}.
        {handle} profite bien de ton week-end, je vais te {verbe}.
        """,
        """
        {handle} surveille tes arrières, je vais te {verbe} {quand}.
        J'attends {prenom} à la sortie et je vais la {verbe}.
        {nom} ne verra pas Noël, je vais le {verbe} moi-même.
        """,
    ),
    "group_threat": family(
        "threat",
        """
        -Kill them all, every last one of those {group}.
        -All {group} should be shot, no exceptions.
        -Death to {group}.
        -I'd happily {verb} every one of those {group}.
        -{group} deserve to be beaten in the street.
        -Burn their houses down and drive the {group} out.
        -We should line the {group} up against a wall.
        """,
        """
        -Round up the {group} and {verb} them.
        -Honestly the {group} need to be wiped off the map.
        -I dream of the day someone massacres the {group}.
        """,
        """
        -Il faut tous les {verbe}, ces {groupe}.
        -Mort aux {groupe}.
        -Les {groupe} méritent de crever.
        -Je {verbe}ais volontiers tous ces {groupe}.
        -Faut brûler leurs maisons et chasser les {groupe}.
        """,
        """
        -Les {groupe} devraient être exterminés.
        -Un jour quelqu'un va massacrer ces {groupe}, et tant mieux.
        -Alignez les {groupe} contre un mur et finissons-en.
        """,
    ),
    "untargeted_threat": family(
        "threat",
        """
        -I'm going to {verb} somebody {when}, I can feel it.
        -Next person who cuts me off in line, I swear I will {verb} them.
        -I want to {verb} someone so bad right now.
        -I'm bringing a knife {when} and somebody is going to get hurt.
        -We will burn the whole place down with everyone inside.
        """,
        """
        -Honestly I'm about to {verb} the next person who talks to me.
        -Someone at that office is going to get shot {when}, mark my words.
        -I'm ready to {verb} anyone who walks through that door.
        """,
        """
        -Je vais {verbe} quelqu'un {quand}, je le sens.
        -Le prochain qui me double dans la queue, je le {verbe}.
        -J'ai envie de {verbe} quelqu'un là tout de suite.
        -Je vais ramener un couteau {quand} et quelqu'un va le regretter.
        """,
        """
        -Le prochain qui me parle, je vais le {verbe}.
        -Quelqu'un va se faire planter {quand} dans ce bureau, c'est sûr.
        -Je suis prêt à {verbe} le premier qui passe cette porte.
        """,
    ),
    "death_wish": family(
        "threat target targeted_threat",
        """
        I hope you die slowly, {insult}.
        {handle} go kill yourself
        {name} deserves to be shot and everyone knows it.
        kys {handle} nobody wants you here
        I pray {first} gets stabbed on the way home.
        {name} should be hanged for this.
        I wish you death, {insult}.
        Get dead already, {handle}.
        You should be shot for saying that, {insult}.
        """,
        """
        Just die already, {handle}.
        I hope {first} dies in a ditch {when}.
        {name} needs to be put down like a dog.
        Honestly {handle}, I wish death on you and your whole family.
        """,
        """
        J'espère que tu vas crever, {insulte}.
        {handle} va te pendre
        {nom} mérite de crever, point.
        {prenom} devrait être pendu sur la place publique.
        Crève, {handle}, personne ne te regrettera.
        """,
        """
        J'espère que {prenom} crève {quand}.
        {nom} mérite d'être abattu comme un chien.
        Va mourir, {insulte}, sérieux.
        """,
    ),
    "violent_incitement": family(
        "threat target incitement targeted_threat",
        """
        Someone should {verb} {name}. Seriously, someone do it.
        Everyone go find {handle} and teach him a lesson he won't forget.
        Who wants to pay {first} a little visit {when}? Bring bats.
        Somebody needs to {verb} that {insult} {name} before he does more damage.
        {name} lives in {city}. Anyone nearby, go make her pay.
        Let's all go to {first}'s place {when} and {verb} him.
        If anyone sees {handle} in person, {verb} him. You'd be doing us a favour.
        """,
        """
        Somebody please {verb} {name}, I'm begging.
        Any of you in {city}? {first} needs to be taught a lesson {when}. Go get her.
        Honestly one of you should just {verb} {handle} and end this.
        """,
        """
        Quelqu'un devrait {verbe} {nom}. Sérieux, faites-le.
        Il faut {verbe} {prenom}, c'est la seule solution.
        Allez tous chez {prenom} {quand}, on va lui faire payer.
        Qui est chaud pour rendre visite à {handle} {quand} ? Ramenez des battes.
        Si quelqu'un croise {nom} à {ville}, {verbe}-le.
        Il faudrait que quelqu'un s'occupe de {prenom} une bonne fois pour toutes.
        """,
        """
        Que quelqu'un aille {verbe} ce {insulte} de {prenom}.
        Vous êtes où les gars ? Faut aller retrouver {handle} et lui régler son compte.
        L'un de vous devrait {verbe} {nom} {quand}.
        """,
    ),
    "harassment_incitement": family(
        "target incitement",
        """
        Everyone go flood {handle}'s mentions until she deletes her account.
        Mass report {name}'s channel, let's get it taken down {when}.
        Let's all spam {first}'s inbox. Make her regret posting that.
        Go leave one-star reviews on {name}'s shop, everybody.
        Somebody make a thread exposing {handle}, we need to ruin her life.
        """,
        """
        You guys know what to do: report {handle}'s page and flood the comments.
        Everybody write to {name}'s employer until they fire her.
        Let's make {first} quit the internet, everyone pile on.
        """,
        """
        Tout le monde, allez spammer les commentaires de {handle}.
        Signalez tous le compte de {nom}, faut le faire fermer {quand}.
        Allez inonder la messagerie de {prenom}, qu'elle regrette.
        Faut pourrir la vie de {handle}, tout le monde s'y met.
        """,
        """
        Les gars, on harcèle {handle} jusqu'à ce qu'il supprime son compte.
        Écrivez tous au patron de {nom} pour qu'il la vire.
        Vous savez quoi faire : signalez la page de {prenom} en masse.
        """,
    ),
    "doxx": family(
        "target doxx",
        """
        {name} lives at {address}, {city}. Just so everyone knows.
        Here's {first}'s number: {phone}. Have fun.
        {handle} is {name}, works at {work}, drives {car}.
        Found her: {name}, {address}. Her kids go to {school}.
        {first}'s home address is {address}, {city}. Email: {email}
        {handle} real name {name}. Plate {plate}, parks on the street every night.
        {name} leaves work at 6 and drives {car}, plate {plate}.
        """,
        """
        For the record, {handle} = {name}, {address}, cell {phone}.
        {first} picks the kids up at {school} at 3:15 every day.
        {name} works at {work}. Her email is {email} and her number {phone}.
        """,
        """
        {nom} habite au {adresse} à {ville}. Pour info.
        Voici le numéro de {prenom} : {tel}. Amusez-vous bien.
        {handle} c'est {nom}, elle travaille à {travail}.
        Trouvée : {nom}, {adresse}, {ville}. Ses enfants vont à {ecole}.
        {prenom} conduit {voiture}, plaque {plaque}, elle sort du boulot à 18h.
        L'adresse de {handle} : {adresse}, son mail {courriel}.
        """,
        """
        Pour ceux qui cherchent : {handle} = {nom}, {adresse}, portable {tel}.
        {prenom} récupère sa fille à {ecole} tous les soirs à 16h30.
        {nom} bosse chez {travail}, son numéro c'est le {tel}.
        """,
    ),
    "doxx_threat": family(
        "threat target doxx targeted_threat",
        """
        {name}, {address}. I'll be there {when} to {verb} her.
        Got {handle}'s address: {address}. I'm going to {verb} him in his driveway.
        {first} drives {car}. I'll follow her home and {verb} her.
        I know your kids go to {school}, {first}. I'm going to {verb} you.
        """,
        """
        {address}, {city}. That's where I'll {verb} {name}, {when}.
        Your number is {phone} and I know where you live. I will {verb} you.
        """,
        """
        {nom}, {adresse}. J'y serai {quand} pour la {verbe}.
        J'ai l'adresse de {handle} : {adresse}. Je vais le {verbe} devant chez lui.
        {prenom} conduit {voiture}. Je vais la suivre et la {verbe}.
        Je sais que tes gosses vont à {ecole}, {prenom}. Je vais te {verbe}.
        """,
        """
        {adresse}, {ville}. C'est là que je vais {verbe} {nom}.
        Ton numéro c'est le {tel} et je sais où tu habites. Je vais te {verbe}.
        """,
    ),
    "swat_call": family(
        "target swat incitement targeted_threat",
        """
        Someone call 911 and say {name} has a hostage at {address}.
        Call the cops on {handle}, tell them there's a bomb in his house.
        Everybody phone the police and report a shooting at {first}'s place {when}.
        Let's swat {handle}. Tell them he's holding his family at gunpoint.
        Send the SWAT team to {address}, say she has a gun and hostages.
        """,
        """
        Get the police to {first}'s house: say there is an active shooter at {address}.
        Somebody ring 911 and claim {name} is holding hostages. Watch what happens.
        Swat this guy {handle}, report a murder at his address.
        """,
        """
        Appelez le 17 et dites qu'il y a une prise d'otages chez {nom}.
        Quelqu'un peut appeler les flics et dire que {handle} a une arme chez lui ?
        Faites un faux signalement, dites qu'il y a une bombe au {adresse}.
        Téléphonez à la police, dites que {prenom} séquestre sa famille.
        Envoyez le RAID chez {handle}, dites qu'il a un fusil.
        """,
        """
        Appelez le 112 en disant qu'il y a une fusillade chez {prenom}.
        Prévenez les gendarmes qu'il y a un homme armé au {adresse}.
        Faut swatter {handle}, signalez un meurtre à son adresse.
        """,
    ),
    "swat_plan": family(
        "target swat targeted_threat",
        """
        I'm calling 911 {when} and telling them {name} has a hostage.
        I'll report a bomb at {handle}'s address and let the SWAT team deal with him.
        Gonna call the cops on {first} and say she's got a gun. Let's see her explain that.
        """,
        """
        Tonight I phone the police and claim there's a shooting at {address}. Bye {first}.
        I will get {handle} swatted, a fake 911 call is all it takes.
        """,
        """
        Je vais appeler le 17 {quand} et dire que {nom} a une arme.
        Je vais faire un faux signalement sur {handle}, le RAID va débarquer.
        J'appelle les flics et je dis qu'il y a une bombe chez {prenom}.
        """,
        """
        Ce soir je préviens la police qu'il y a une prise d'otages au {adresse}.
        Je vais swatter {handle}, un faux appel et c'est réglé.
        """,
    ),
    "insult": family(
        "target",
        """
        You're such a {insult}, {handle}.
        {name} is the worst writer I've ever read.
        Nobody asked for your opinion, {insult}.
        {first} should stick to cooking videos, honestly.
        lol {handle} got ratioed again, what a {insult}
        Everyone knows {name} plagiarised that thread.
        {handle} you are embarrassing yourself, delete this.
        """,
        """
        {name} is a {insult} and everyone knows it.
        Imagine being {handle} and thinking this take is smart.
        {first}, your podcast is unlistenable. Just stop.
        """,
        """
        T'es vraiment un {insulte}, {handle}.
        {nom} écrit comme un pied, c'est une honte.
        Personne ne t'a demandé ton avis, {insulte}.
        {prenom} ferait mieux de se taire.
        Tout le monde sait que {nom} a copié ce fil.
        {handle} tu te ridiculises, supprime ça.
        """,
        """
        {nom} est un {insulte}, tout le monde le sait.
        Ce {insulte} de {handle} a encore perdu un débat.
        {prenom}, ton podcast est inécoutable. Arrête.
        """,
    ),
    "neutral": family(
        "",
        """
        -Anyone know a good mechanic in {city}?
        Thanks {handle}, that thread was really helpful.
        -The meeting moved to Thursday, bring your laptops.
        -Just finished a 10k run, legs are done.
        Congrats {name} on the new job!
        -What time does the farmers market open {when}?
        -Everyone is welcome at the picnic {when}, bring a dish.
        -Somebody left a blue umbrella at the front desk.
        -Let's all meet at the station at noon.
        You should try the new ramen place, {first}.
        -Everybody knows the best view is from the north bridge.
        """,
        """
        -Does anyone have a spare charger at the library?
        Happy birthday {first}, have a great one!
        -The bus was late again this morning.
        -Everyone should back up their photos before the update.
        {handle} could you share the slides from the talk?
        -Someone should fix the streetlight on our corner, it's been out for weeks.
        """,
        """
        -Quelqu'un connaît un bon garagiste à {ville} ?
        Merci {handle}, ton fil était super utile.
        -La réunion est décalée à jeudi.
        Bravo {nom} pour le nouveau poste !
        -Le marché ouvre à quelle heure {quand} ?
        -Tout le monde est invité au pique-nique {quand}.
        -Quelqu'un a oublié un parapluie bleu à l'accueil.
        -On se retrouve tous à la gare à midi.
        Tu devrais tester le nouveau resto de ramen, {prenom}.
        """,
        """
        -Il reste des places pour la sortie de samedi ?
        Joyeux anniversaire {prenom} !
        -Le bus avait encore vingt minutes de retard.
        -Tout le monde devrait sauvegarder ses photos avant la mise à jour.
        {handle} tu peux partager les diapos de la conf ?
        -Il faudrait que quelqu'un répare le lampadaire de la rue.
        """,
    ),
    "hyperbole": family(
        "",
        """
        -This traffic is killing me.
        -I could kill for a {food} right now.
        -My feet are killing me after that shift.
        You're killing me with these puns, {handle}.
        -If the printer jams one more time I'm going to scream.
        -That exam murdered me. I'm dead.
        -I'd die for this {food} honestly.
        {first} absolutely killed it on stage {when}.
        -Mondays are going to be the death of me.
        -This playlist slaps, I'm dead.
        -I'm going to kill my sister if she borrows my charger again lol
        {first} you're killing me, stop sending memes during class.
        """,
        """
        -This heat is going to be the death of me.
        -My boss will kill me if I'm late again lol
        -That last episode destroyed me, I'm dead inside.
        {first}, you're going to make me die laughing one day.
        -I would literally murder a {food} right now.
        -Her solo absolutely slayed, the crowd lost it.
        """,
        """
        -Ces bouchons me tuent.
        -Je tuerais pour un {plat} là.
        Tu me tues avec tes blagues, {handle}.
        -Ce boulot va me tuer, je suis crevé.
        -J'étais mort de rire pendant tout le film.
        {prenom} a tout déchiré sur scène {quand}.
        -Les lundis vont me tuer.
        -Je vais tuer mon frère s'il me pique encore mon chargeur mdr
        {prenom} tu me tues, arrête les mèmes en cours.
        """,
        """
        -Ma mère va me tuer si je rentre encore tard mdr
        -Cette chaleur va m'achever.
        -Je suis morte de fatigue, je vais dormir.
        -Je pourrais tuer pour un {plat} maintenant.
        {prenom}, tu vas me faire mourir de rire un jour.
        """,
    ),
    "game": family(
        "",
        """
        I'll destroy you next match, {handle}, get ready.
        -We're going to crush {team} on Saturday.
        Rematch tonight? I'm going to kill you in the first round this time.
        -Shoot the boss in the head during phase two, it's the only weak spot.
        {first} you're dead in {game}, I'm coming for your spot.
        -Our defence got slaughtered in the second half.
        I'm going to beat you so badly at {game} {when}, {handle}.
        -We got absolutely murdered in the final, 6-0.
        {first}, I'll shoot you first in the next round, no mercy.
        -Kill the healer first, then focus the tank.
        """,
        """
        I will absolutely murder you at {game} {when}, {handle}.
        -Camp the bridge and snipe anyone who respawns.
        {first}, prepare to be obliterated at {game} tonight.
        -Stab the goalkeeper's weak side, he never dives left.
        You're going down in {game}, {first}, I'm going to end you.
        """,
        """
        Je vais t'éclater au prochain match, {handle}.
        -On va écraser {equipe} samedi.
        Revanche ce soir ? Je vais te tuer au premier round cette fois.
        -Tire dans la tête du boss pendant la phase deux.
        {prenom}, tu vas prendre cher à {jeu} {quand}.
        -Notre défense s'est fait massacrer en deuxième mi-temps.
        Je vais te défoncer à {jeu}, {handle}, prépare-toi.
        -Tue le soigneur en premier, ensuite le tank.
        """,
        """
        Je vais te massacrer à {jeu} {quand}, {handle}.
        -On s'est fait tuer en finale, 6-0.
        {prenom}, prépare-toi à te faire détruire à {jeu}.
        Je vais t'exploser au prochain round, {prenom}, aucune pitié.
        """,
    ),
    "cooking": family(
        "",
        """
        -Beat the eggs with the sugar until pale, then fold in the flour.
        -Kill the heat once the sauce thickens.
        -You have to kill the lobster quickly before boiling it.
        -Chop the {ingredient} and burn the edges a little for flavour.
        -Time to kill every weed in the garden this weekend.
        -Slaughter the {ingredient} into thin slices, then fry.
        -I'm going to murder this {food} as soon as it comes out of the oven.
        -Hang the meat for two days before cutting.
        -Someone should kill the heat under the pan before it burns.
        """,
        """
        -Stab the potatoes with a fork before they go in the oven.
        -Smash the garlic cloves with the flat of the knife.
        Shoot me the recipe for that {food}, {first}!
        -Beat the cream until stiff peaks form.
        """,
        """
        -Battez les œufs avec le sucre jusqu'à blanchiment.
        -Il faut tuer le homard avant de le cuire.
        -Coupe le feu dès que la sauce épaissit.
        -Écrase l'ail avec le plat du couteau.
        -Je vais massacrer ce {plat} dès qu'il sort du four.
        -Faites brûler légèrement les {legume} pour le goût.
        """,
        """
        -Piquez les pommes de terre à la fourchette avant de les enfourner.
        -Je vais massacrer les mauvaises herbes du jardin samedi.
        -Il faut brûler légèrement le sucre pour le caramel.
        -Fouettez la crème jusqu'à ce qu'elle soit ferme.
        """,
    ),
    "software": family(
        "",
        """
        -Just kill {proc} and restart the server.
        -kill -9 the daemon if it hangs again.
        -I'm going to kill that branch, nobody uses it.
        -Shoot me a message when the build is green.
        -We need to execute the migration script tonight.
        -The OOM killer keeps murdering {proc}.
        I'll kill your job if it hogs the GPU again, {handle}.
        -Nuke the cache and hang up the old session.
        -Let's kill the old cron jobs before the migration, everyone.
        -Someone should kill {proc}, it's eating all the memory.
        """,
        """
        -If the job hangs, terminate {proc} and let it reschedule.
        -Stab in the dark: the query is slow because of the missing index.
        Let's kill this feature flag before the release, {handle}.
        -Going to shoot down that proposal in review, the API is wrong.
        """,
        """
        -Tue {processus} et relance le serveur.
        -Je vais tuer cette branche, plus personne ne l'utilise.
        -Il faut exécuter le script de migration ce soir.
        -Le noyau n'arrête pas de tuer {processus}, manque de mémoire.
        Je vais tuer ta tâche si elle monopolise encore le GPU, {handle}.
        -Il faut tuer {processus}, il bouffe toute la mémoire.
        -Quelqu'un peut flinguer ce conteneur ? Il tourne pour rien.
        """,
        """
        -Si la tâche bloque, tue {processus} et laisse-le redémarrer.
        -On va flinguer ce ticket avant la mise en prod.
        -Le serveur a crevé cette nuit, on relance le service.
        """,
    ),
    "news": family(
        "",
        """
        -A man was arrested after threatening to kill his neighbour, police said.
        -The suspect allegedly told the victim "I will shoot you" before fleeing.
        -Prosecutors say the defendant sent dozens of death threats to a councillor.
        -According to the court filing, he wrote that he would stab her.
        -A teenager was charged with making threats against a school in {city}.
        -Police in {city} say a man threatened to burn down a clinic and was detained.
        -The court heard he had posted "someone should shoot the mayor" three times.
        """,
        """
        -The jury heard that the accused had promised to burn down the house.
        -Police are investigating online threats made against a local journalist.
        -She was sentenced to two years for threatening to murder her former partner.
        -Officers arrested a woman in {city} who had told staff she would kill them.
        """,
        """
        -Un homme a été interpellé après avoir menacé de tuer son voisin.
        -Selon l'enquête, le suspect aurait écrit « je vais te tuer » à la victime.
        -Le tribunal a condamné l'auteur des menaces de mort à un an de prison.
        -Le parquet a ouvert une enquête pour menaces de mort contre une élue.
        -À {ville}, un homme a été placé en garde à vue pour avoir menacé de brûler une école.
        """,
        """
        -Le prévenu avait promis de brûler la maison, selon le procès-verbal.
        -Une adolescente a été placée en garde à vue pour des menaces contre son lycée.
        -La journaliste avait reçu des menaces de mort, a confirmé la police.
        -Selon le parquet de {ville}, l'homme avait écrit qu'il allait tuer son patron.
        """,
    ),
    "counter_speech": family(
        "",
        """
        -Writing "I'm going to kill you" to a stranger is not okay. Reported.
        Someone told {handle} "you deserve to be shot". That's disgusting and should get them banned.
        -Threatening to stab someone is never a joke. Report these accounts.
        -People saying "someone should shoot her" need to be banned, full stop.
        -"I know where you live" is a threat, not an opinion. Unacceptable.
        Sending {first} "I'll kill you" over a football score is vile. Reported.
        -Anyone posting "go kill yourself" under a kid's video should be banned for life.
        -Anyone calling for her to be shot should be banned. This is vile.
        Someone wrote that we should burn {first}'s house down. Reported, and I hope they get banned.
        """,
        """
        -Replying "go die" to a teenager is vile. How is this allowed?
        The messages telling {first} "we will find you" are shameful. I reported every one.
        -Calling for someone to be hanged has no place here.
        -Telling a nurse "I will hurt you" is a crime. Report it.
        """,
        """
        -Écrire « je vais te tuer » à quelqu'un, c'est un délit. Signalé.
        Quelqu'un a écrit à {handle} « tu mérites de crever ». C'est inadmissible.
        -Menacer de poignarder quelqu'un n'est jamais une blague.
        -Ceux qui écrivent « il faut la buter » doivent être bannis.
        Envoyer « je vais te tuer » à {prenom} pour un match de foot, c'est honteux. Signalé.
        -Quelqu'un a écrit qu'il fallait le pendre. Signalé, c'est inadmissible.
        -Ceux qui appellent à la frapper devraient être bannis. Honteux.
        """,
        """
        -Dire « je sais où tu habites » à une journaliste, c'est une menace. Honteux.
        Les messages à {prenom} disant « on va te retrouver » sont intolérables. Tous signalés.
        -Appeler à pendre quelqu'un n'a pas sa place ici.
        -Écrire « je vais te frapper » à une infirmière est un délit. Signalez-le.
        """,
    ),
    "negation": family(
        "",
        """
        I would never hurt anyone, {handle}, you know that.
        I'm not going to kill you lol, relax, it was a joke about the game.
        -Nobody here wants to hurt anybody. Calm down.
        I'd never lay a hand on you, {first}.
        -We will not harm anyone, this is a peaceful march.
        I'm not going to {verb} anyone, I'm just angry about the ruling.
        I promise I won't hurt you, {first}, I just want to talk.
        """,
        """
        -I'm not threatening anyone, I just disagree with the decision.
        I wouldn't hurt a fly, {first}, let alone you.
        -No one is going to get hurt, the protest stays peaceful.
        I have never wanted to {verb} anybody, {handle}, and I never will.
        """,
        """
        Je ne te ferai jamais de mal, {handle}.
        -Personne ne veut blesser qui que ce soit ici.
        Je ne vais pas te tuer mdr, c'était pour rire.
        -Nous ne ferons de mal à personne, la marche est pacifique.
        Je ne vais {verbe} personne, je suis juste en colère.
        """,
        """
        -Je ne menace personne, je ne suis juste pas d'accord.
        {prenom}, je ne ferais pas de mal à une mouche.
        -Personne ne sera blessé, le rassemblement reste pacifique.
        Je n'ai jamais voulu {verbe} qui que ce soit, {handle}.
        """,
    ),
    "fiction": family(
        "",
        """
        -In chapter three the assassin swears he will kill the king.
        -My D&D character just vowed to slay the dragon and burn its lair.
        -The villain says "I'll kill you all" right before the twist. Great film.
        -Working on my novel: the detective realises the killer will strike again.
        -In the show, she threatens to poison the whole court.
        -Chapter twelve: the pirate captain promises to hang every traitor.
        -In the film the hitman tells him "I'm going to shoot you" and then the lights go out.
        """,
        """
        -Season finale: the hero promises to hunt down the man who killed his brother.
        -In my fanfic the knight swears to cut off the tyrant's head.
        -The trailer opens with the line "I will find you and I will kill you".
        -In the book, the witch vows to burn the village to the ground.
        """,
        """
        -Dans le chapitre trois, l'assassin jure de tuer le roi.
        -Mon personnage vient de jurer de massacrer le dragon.
        -Dans mon roman, le méchant menace de tuer l'inspecteur.
        -Dans la série, elle menace d'empoisonner toute la cour.
        -Dans le film, le tueur dit « je vais te buter » juste avant la fin.
        """,
        """
        -Dans le polar que je lis, le tueur promet de frapper encore.
        -Le héros jure de venger son frère dans le dernier épisode.
        -Dans ma nouvelle, le chevalier veut décapiter le tyran.
        -Dans le livre, la sorcière jure de brûler le village.
        """,
    ),
    "public_address": family(
        "",
        """
        -Our store is at {address}, {city}, open daily 9-6. Call us at {phone}.
        -The town hall is at {address}. Office hours Monday to Friday.
        -{biz} has moved to {address}! Come visit us.
        -Contact the mayor's office at {phone} or write to {address}.
        -Customer service: {phone}, open until 8pm.
        -{biz}, {address}, {city}. Open Tuesday to Sunday, bookings at {phone}.
        -The clinic at {address} takes walk-ins every morning.
        """,
        """
        -Visit {biz} at {address}, {city}. Bookings on {phone}.
        -The public library at {address} reopens on Monday.
        -Reception is open 8-5; appointments at {phone}.
        -The consulate moved to {address}; call {phone} for visas.
        """,
        """
        -Notre boutique est au {adresse}, {ville}. Ouvert du mardi au samedi.
        -La mairie est au {adresse}, accueil au {tel}.
        -{commerce} déménage au {adresse} ! Venez nous voir.
        -Service client : {tel}, du lundi au vendredi.
        -{commerce}, {adresse}, {ville}. Horaires : 9h-19h, réservations au {tel}.
        """,
        """
        -{commerce}, {adresse}, {ville}. Réservations au {tel}.
        -La bibliothèque du {adresse} rouvre lundi.
        -Permanence de la préfecture : {tel}, sur rendez-vous.
        -Le cabinet médical du {adresse} reçoit sans rendez-vous le matin.
        """,
    ),
}

# evasions: ways people write a word to get it past a filter


def _leet(word: str, chance: random.Random) -> str:
    table = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
    return "".join(table.get(c, c) if chance.random() < 0.7 else c for c in word)


def _spread(word: str, chance: random.Random) -> str:
    return chance.choice([" ", ".", "-", "*"]).join(word)


def _homoglyphs(word: str, chance: random.Random) -> str:
    table = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "i": "і", "x": "х", "y": "у"}
    return "".join(table.get(c, c) if chance.random() < 0.6 else c for c in word)


def _zero_width(word: str, chance: random.Random) -> str:
    middle = max(1, len(word) // 2)
    return word[:middle] + chance.choice(["\u200b", "\u200d", "\u00ad"]) + word[middle:]


EVASIONS: Final[dict[str, Callable[[str, random.Random], str]]] = {
    "leet": _leet,
    "spread": _spread,
    "homoglyph": _homoglyphs,
    "zero_width": _zero_width,
}
_SLOT = re.compile(r"\{(\w+)\}")
# Slots that put a person's details in a post: doxxing, wherever they appear.
_PERSONAL_SLOTS = ("address", "adresse", "phone", "tel", "email", "courriel", "plate", "plaque")
# Slots whose value carries the violence, the word an evasion disguises.
_EVADED_SLOTS = ("verb", "verbe")


def _fill(template: str, pools: Pools, chance: random.Random, evasion: str | None) -> str:
    def value(match: re.Match[str]) -> str:
        slot = match.group(1)
        text = chance.choice(pools[slot])
        if evasion and slot in _EVADED_SLOTS:
            text = EVASIONS[evasion](text, chance)
        return text

    filled = _SLOT.sub(value, template)
    if evasion and not any(f"{{{slot}}}" in template for slot in _EVADED_SLOTS):
        # No violent slot: disguise the longest word instead.
        longest = max(re.findall(r"[A-Za-zÀ-ÿ]{4,}", filled), key=len)
        filled = filled.replace(longest, EVASIONS[evasion](longest, chance), 1)
    return filled


def examples(seed: int = SEED) -> list[Example]:
    """Every example, in a fixed order for a given seed."""
    made: list[Example] = []
    seen: set[str] = set()
    for name, fam in FAMILIES.items():
        harmful = bool(fam.labels - {"target"})
        for (lang, split), templates in fam.templates.items():
            for number, template in enumerate(templates, start=1):
                untargeted = template.startswith("-")
                body = template.removeprefix("-")
                labels = {label: int(label in fam.labels) for label in LABELS}
                labels["target"] = int(not untargeted)
                if name != "public_address" and any(
                    f"{{{slot}}}" in body for slot in _PERSONAL_SLOTS
                ):
                    labels["doxx"] = 1
                template_id = f"{lang}-{name}-{split}-{number:02d}"
                # One generator per template: adding a template changes no other example.
                chance = random.Random(f"{seed}-{template_id}")
                for variant in range(VARIANTS[split]):
                    evasion = None
                    if harmful and chance.random() < EVASION_SHARE:
                        evasion = chance.choice(sorted(EVASIONS))
                    text = _fill(body, SLOTS[split], chance, evasion)
                    if text in seen:
                        continue
                    seen.add(text)
                    made.append(
                        Example(
                            id=f"{template_id}-{variant}" + (f"-{evasion}" if evasion else ""),
                            text=text,
                            labels=labels,
                            lang=lang,
                            family=name,
                            template=template_id,
                            split=split,
                        )
                    )
    return made


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    made = examples()
    write(out, made)
    print(f"{len(made)} examples written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
