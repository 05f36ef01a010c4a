"""Finding event triggers in a sentence: verbs and nominals whose lemma the ontology knows.

A trigger is a token plus the ontology entry it matched. Phrasal verbs ("drive out", "bring in") match on
the verb and its particle; compound nominals ("air strike", "suicide bombing") on the noun and its
modifier. Verbs that only carry a nominal event ("conducted 34 strikes", "provide assistance") give way to
the nominal, which inherits their subject later (see ``participants.py``).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Span, Token

from ..nlp.doccache import children_of, sentence_of, token_words, tokens
from .ontology import Ontology, Trigger

VERB_POS = {"VERB"}
NOUN_POS = {"NOUN", "PROPN"}
# Dependencies under which a verb form is still an event: participles modifying a noun ("displaced
# persons", "Russia-backed forces") count; auxiliaries and fixed phrases do not.
_SKIP_DEPS = {"aux", "auxpass", "fixed", "compound:prt"}
HOMES = {"home", "house", "village", "town", "land", "city", "neighbourhood", "neighborhood", "area", "camp"}
# nouns that frame an event named by their modifier: "mediation mission", "peace talks", "rescue effort"
FRAME_NOUNS = {"mission", "effort", "efforts", "campaign", "operation", "talks", "process", "initiative",
               "attempt", "bid", "plan", "drive", "programme", "program", "package", "deal", "attack"}


@dataclass(frozen=True)
class TriggerMatch:
    token: Token
    trigger: Trigger
    tokens: tuple[Token, ...]  # all the words of the trigger (the particle of a phrasal verb too)
    causative: Token | None = None  # "forcing" in "forcing thousands to flee"

    @property
    def is_verb(self) -> bool:
        return self.token.pos_ in VERB_POS

    @property
    def start_char(self) -> int:
        return self.token.idx

    @property
    def end_char(self) -> int:
        return self.token.idx + len(self.token.text)


def _lemma(token: Token) -> str:
    return token.lemma_.lower()


def _matches(token: Token, trig: Trigger, is_verb: bool) -> tuple[Token, ...] | None:
    if ("V" in trig.pos) != is_verb and trig.pos != "VN":
        return None
    if len(trig.words) == 1:
        return (token,)
    if is_verb:
        # phrasal verb: the other words are particles, prepositions, adverbs or the object ("open fire")
        found: list[Token] = []
        for word in trig.words[1:]:
            hit = next((c for c in children_of(token)
                        if c.dep_ in ("prt", "prep", "advmod", "dobj", "dative") and c.lower_ == word), None)
            if hit is None:
                return None
            found.append(hit)
        return (token, *found)
    # compound nominal: the modifiers stand right before the head ("air strike", "suicide bombing")
    n = len(trig.words) - 1
    if token.i - n < sentence_of(token).start:
        return None
    words, start = token_words(token.doc), token.i - n
    if words.lower[start:token.i] == list(trig.words[:-1]) or words.lemma[start:token.i] == list(
            trig.words[:-1]):
        return (*tokens(token.doc)[start:token.i], token)
    return None


def find_triggers(sent: Span, ontology: Ontology) -> Iterator[TriggerMatch]:
    """Every trigger in the sentence, in token order, at most one per token."""
    light = ontology.words("light_verbs")
    causative = ontology.words("causative_verbs")
    object_verbs = ontology.words("object_verbs")
    motion = ontology.words("motion_verbs")
    doc = sent.doc
    n_tokens = len(doc)
    toks, w = tokens(doc), token_words(doc)
    poses, deps = w.pos, w.dep
    for i in range(sent.start, sent.end):
        pos, dep = poses[i], deps[i]
        is_verb = pos in VERB_POS
        if not (is_verb or pos in NOUN_POS or pos == "ADJ"):
            continue  # no event word: nothing below takes it
        token = toks[i]
        if pos == "ADJ" and dep in ("acomp", "oprd", "amod", "xcomp", "ccomp"):
            cands = ontology.candidates(_lemma(token)) + ontology.candidates(token.lower_)
            adjective = next((t for t in cands if t.pos == "A"), None)
            if adjective is not None:  # "left homeless"
                yield TriggerMatch(token=token, trigger=adjective, tokens=(token,))
            continue
        if not (is_verb or pos in NOUN_POS) or dep in _SKIP_DEPS:
            continue
        if (not is_verb and dep == "compound" and token.head.pos_ in NOUN_POS
                and token.head.lemma_.lower() not in FRAME_NOUNS):
            continue  # a modifier of another noun: "supply route", "attack helicopter"
        if not is_verb and token.i + 1 < n_tokens and doc[token.i + 1].text == "-" and (
                not token.whitespace_):
            continue  # the first half of a hyphenated adjective: "war-torn", "attack-prone"
        if not is_verb and _is_instrument(token, object_verbs):
            continue  # "using attack, bomber and fighter aircraft", "destroyed ... an IED"
        if is_verb and dep == "amod" and not _amod_event(token, ontology):
            continue  # "this shared fight", "a negotiated transition": adjectives, not events
        lemma = _lemma(token)
        if is_verb and lemma in causative:
            match = _causative_displacement(token, ontology, motion)
            if match is not None:
                yield match
                continue
        candidates = ontology.candidates(lemma) or (
            ontology.candidates(token.lower_) if not is_verb else ())
        for trig in candidates:
            words = _matches(token, trig, is_verb)
            if words is None:
                continue
            if pos == "PROPN" and not _propn_is_event(token):
                break
            if is_verb and lemma in light and _has_nominal_event(token, ontology):
                break
            yield TriggerMatch(token=token, trigger=trig, tokens=words)
            break


_AMOD_EVENT_TYPES = {"DISPLACE", "ASSAULT", "COERCE"}  # "displaced persons", "wounded soldiers"


def _amod_event(token: Token, ontology: Ontology) -> bool:
    cands = ontology.candidates(_lemma(token))
    return any(t.event in _AMOD_EVENT_TYPES for t in cands)


def _is_instrument(token: Token, object_verbs: frozenset[str]) -> bool:
    """A weapon or attack noun that something is done *to* names a thing, not an event: "using attack
    aircraft", "destroyed two artillery systems, a VBIED and an IED", "defused a roadside bomb"
    (``object_verbs`` in event_rules.json)."""
    head = token
    while head.dep_ == "conj":
        head = head.head
    return head.dep_ in ("dobj", "amod", "compound") and head.head.lemma_.lower() in object_verbs


def _propn_is_event(token: Token) -> bool:
    """A proper noun is an event word only when the tagger was fooled by capitals ("Airstrikes Hit")."""
    return not token.ent_type_ or token.ent_type_ in ("EVENT", "")


def _has_nominal_event(verb: Token, ontology: Ontology) -> bool:
    for child in children_of(verb):
        if child.dep_ in ("dobj", "attr", "nsubjpass") and any(
                "N" in t.pos for t in ontology.candidates(_lemma(child)) + ontology.candidates(child.lower_)):
            return True
    return False


def _causative_displacement(verb: Token, ontology: Ontology, motion: frozenset[str]) -> TriggerMatch | None:
    """"forcing hundreds of thousands of Syrians to ... move northwards" is displacement, told by the verb
    that forces and the motion verb it governs; "forced Assad to demobilise" is not (no motion)."""
    for child in children_of(verb):
        # "forced 800 families from their homes"
        uprooted = child.dep_ == "prep" and child.lower_ in ("from", "out") and any(
            _lemma(o) in HOMES for o in child.subtree if o.dep_ == "pobj")
        if uprooted or (child.dep_ in ("xcomp", "ccomp") and child.pos_ in VERB_POS):
            chain = [child, *child.conjuncts]
            if uprooted or any(_lemma(t) in motion for t in chain):
                spec = ontology.rules["causative_displacement"]
                acled_type, _, acled_sub = spec["acled"].partition("|")
                trig = Trigger(words=(_lemma(verb),), pos="V", event=spec["event"], mode=spec["mode"],
                               cameo=spec["cameo"], acled_event_type=acled_type,
                               acled_sub_event_type=acled_sub or None,
                               context=tuple(spec["context"].split(",")))
                return TriggerMatch(token=verb, trigger=trig, tokens=(verb,), causative=verb)
    return None
