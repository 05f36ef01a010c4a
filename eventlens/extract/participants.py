"""Who did it and to whom, read off the dependency parse.

Verbs: active subject and object, passive subject and by-agent, the controller of an infinitive ("ordered
the Syrian Army to shoot protesters": the army shoots), the subject inherited by a coordinated verb, the
noun a participle or relative clause modifies. Nominals: by-agent ("bombings by the Assad regime", also
when it hangs on "a spate of …"), possessor ("Assad's forces"), the subject of a light verb ("conducted
strikes"), and the of/on/against object. Coordination expands every head ("Russia and Iran").

Where it fails: long-distance control, ellipsis and pronouns beyond he/she (handled by the caller's
``DocContext``) are not followed; a parse error moves the participant with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from ..nlp.doccache import children_of, head_ids, memo, token_words, tokens
from .triggers import TriggerMatch

_SUBJ = ("nsubj", "csubj")
_OBJ = ("dobj", "dative", "oprd")
_PATIENT_PREPS_VERB = {"on", "against", "at", "upon"}
_PATIENT_PREPS_NOUN = {"of", "on", "against", "upon", "targeting", "to", "for", "with", "between", "toward",
                       "towards", "into"}
_AGENT_PREPS_NOUN = {"by"}
_COLLECTIVE = {"spate", "wave", "series", "campaign", "string", "number", "round", "barrage", "part",
               "use", "flurry", "volley", "surge", "escalation", "onslaught", "rain", "state",
               "hour", "day", "week", "month", "year"}  # "10 days of war games by …"
# verbs that start, stop or change an activity: whoever "ended mediation efforts" was mediating
_ASPECT_VERBS = frozenset({"end", "halt", "stop", "suspend", "cease", "abandon", "reduce", "cut", "increase",
                           "expand", "step", "scale", "call"})
# "used tear gas to disperse them", "summoned the ambassador to complain": the object is a means or a
# guest, the infinitive says what the subject does with it
_PURPOSE_WITH_OBJECT = {"use", "employ", "summon"}
_UNACCUSATIVE = {"die", "perish", "drown", "starve", "succumb"}
_SCENE_PREPS = {"in", "during", "amid"}
_AFTER_PREPS = {"after", "following"}
_RECIPROCAL = {"fighting", "fight", "clash", "battle", "combat", "skirmish", "talk", "negotiation",
               "meeting", "consultation"}
_RELATIVE = {"who", "which", "that", "whom"}
_TRAVEL_VERBS = {"arrive", "come", "go", "travel", "fly", "head", "be", "return", "leave", "embark", "set"}
# "Vietnam is committed to …", "Israel is opposed to …": passive in form, the subject acts
_STATIVE_PASSIVES = {"commit", "prepare", "determine", "dedicate", "resolve", "oblige", "bind", "oppose",
                     "engage", "involve"}
# Span building: keep these dependents of a participant head, drop the rest (clauses, appositions, places)
_KEEP_DEPS = {"det", "amod", "compound", "nummod", "quantmod", "poss", "case", "nmod", "advmod", "predet",
              "preconj", "npadvmod", "punct", "prep", "pobj", "cc", "conj", "appos", "acl", "relcl", "neg",
              "hyph", "pcomp", "dep", "attr", "nn"}
_KEEP_PREPS = {"of", "from"}


@dataclass
class Participants:
    agents: list[Token] = field(default_factory=list)
    patients: list[Token] = field(default_factory=list)
    others: list[Token] = field(default_factory=list)  # complements that may be places or instruments


_NOT_PARTICIPANT_ENTS = {"DATE", "TIME", "CARDINAL", "ORDINAL", "PERCENT", "MONEY", "QUANTITY"}


def _expand(heads: list[Token]) -> list[Token]:
    out: list[Token] = []
    for h in heads:
        for t in (h, *h.conjuncts):
            # "thousands of troops", "one third of the guerrillas"
            quantity_of = (t.lemma_.lower() in ("thousand", "hundred", "dozen", "million") or t.pos_ == "NOUN"
                           ) and any(c.dep_ == "prep" and c.lower_ == "of" for c in children_of(t))
            if t in out or t.pos_ in ("VERB", "AUX") or (
                    t.ent_type_ in _NOT_PARTICIPANT_ENTS and not quantity_of):
                continue
            out.append(t)
    return out


def _pobj(prep: Token) -> list[Token]:
    dep = token_words(prep.doc).dep
    return [c for c in children_of(prep) if dep[c.i] in ("pobj", "pcomp")]


def _children(token: Token, deps: tuple[str, ...] | set[str]) -> list[Token]:
    dep = token_words(token.doc).dep
    return [c for c in children_of(token) if dep[c.i] in deps]


def _is_passive(verb: Token) -> bool:
    if any(c.dep_ in ("auxpass", "nsubjpass") for c in children_of(verb)):
        return True
    # participle modifying a noun ("a regime backed by Russia", "hospitals bombed yesterday")
    return verb.tag_ == "VBN" and verb.dep_ in ("acl", "amod", "relcl")


def _subject_of(verb: Token, seen: int = 0) -> list[Token]:
    """The subject of a verb, following coordination, control and relative clauses upward."""
    if seen > 6:
        return []
    subj = _children(verb, _SUBJ)
    if subj:
        s = subj[0]
        if s.lower_ in _RELATIVE and verb.dep_ == "relcl":
            return [verb.head]
        return [s]
    agent = [p for a in _children(verb, ("agent",)) for p in _pobj(a)]
    if agent:
        return agent
    head = verb.head
    if head.i == verb.i:
        return []
    if verb.dep_ == "conj" and head.pos_ in ("VERB", "AUX"):
        # coordinated verbs share the surface subject: "X has been indicted … and will resign" (X resigns)
        shared = _children(head, ("nsubjpass",)) if not _is_passive(verb) else []
        if shared and shared[0].lower_ not in _RELATIVE:
            return shared[:1]
        return _subject_of(head, seen + 1)
    if verb.dep_ == "xcomp" and head.pos_ == "ADJ" and head.dep_ in ("acomp", "amod", "xcomp"):
        # "Norway is willing to send", "France is ready to contribute": the subject of the copula
        return _subject_of(head.head, seen + 1) if head.head.i != head.i else []
    if verb.dep_ in ("xcomp", "ccomp") and head.pos_ in ("VERB", "AUX"):
        # object control: "ordered the army to shoot", "mobilised Hezbollah to invade"
        objs = _children(head, _OBJ)
        if objs and verb.dep_ == "xcomp" and head.lemma_.lower() not in _PURPOSE_WITH_OBJECT:
            return objs[:1]
        return _subject_of(head, seen + 1)
    if verb.dep_ == "pcomp" and head.dep_ == "prep" and head.head.pos_ in ("VERB", "AUX", "ADJ"):
        # "resorted to throwing": the subject; "accused the US of violating", "charged its neighbour with
        # supporting": the object; "Vietnam is committed to opening up": the passive subject
        governor = head.head
        objs = _children(governor, (*_OBJ, "nsubjpass"))  # "was accused of violating", "is committed to"
        if objs:
            return objs[:1]
        if governor.pos_ == "ADJ" and governor.head.i != governor.i:
            governor = governor.head  # "are guilty of violating"
        return _subject_of(governor, seen + 1)
    if verb.dep_ == "advcl" and head.pos_ in ("VERB", "AUX") and (verb.tag_ == "VBG" or _purpose(verb)):
        # "…, saying he must resign", "began a hunger strike to demand …": the main clause's subject
        return _subject_of(head, seen + 1)
    if verb.dep_ in ("acl", "relcl") and (_purpose(verb) or verb.tag_ == "VBG") and not _children(
            verb, ("nsubj",)):
        # "staged a rally to protest …", "issued a declaration demanding …": who rallies protests
        governor = _governing_verb(head)
        if governor is not None:
            return _subject_of(governor, seen + 1)
    if verb.dep_ == "relcl":
        return [head]
    return []


def _governing_verb(noun: Token) -> Token | None:
    """The verb a noun is the object of, directly or through a preposition ("came for a rally")."""
    if noun.dep_ in ("dobj", "attr") and noun.head.pos_ in ("VERB", "AUX"):
        return noun.head
    if noun.dep_ == "pobj" and noun.head.dep_ == "prep" and noun.head.head.pos_ in ("VERB", "AUX"):
        return noun.head.head
    return None


def _purpose(verb: Token) -> bool:
    """An infinitive of purpose: "to demand", "in order to protest"."""
    return verb.tag_ == "VB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in children_of(verb))


_COMPANION_NOUNS = {"combination", "addition", "conjunction", "tandem", "together", "along"}


def _companions(prep: Token) -> list[Token]:
    """"in combination with X", "along with X", "together with X": X shares the object's role."""
    out: list[Token] = []
    if prep.lower_ == "with" and prep.head.lower_ in ("along", "together"):
        out += _pobj(prep)
    for pobj in _pobj(prep):
        if pobj.lower_ in _COMPANION_NOUNS:
            out += [o for p in _children(pobj, ("prep",)) if p.lower_ == "with" for o in _pobj(p)]
    for adv in children_of(prep):
        if adv.lower_ == "with" and prep.lower_ in ("along", "together"):
            out += _pobj(adv)
    return out


def verb_participants(verb: Token) -> Participants:
    parts = Participants()
    passive = _is_passive(verb) and not (
        verb.lemma_.lower() in _STATIVE_PASSIVES and not _children(verb, ("agent",)))
    if not passive and verb.lemma_.lower() in _STATIVE_PASSIVES:
        parts.agents = _expand(_children(verb, ("nsubjpass", "nsubj")) or _subject_of(verb))
        parts.patients = _expand([p for prep in _children(verb, ("prep",)) if prep.lower_ == "to"
                                  for p in _pobj(prep) if p.pos_ in ("NOUN", "PROPN")])
        return parts
    if passive:
        parts.agents = [p for a in _children(verb, ("agent",)) for p in _pobj(a)]
        patients = _children(verb, ("nsubjpass",))
        if not patients and verb.dep_ in ("acl", "amod", "relcl"):
            patients = [verb.head]
        if not patients and verb.dep_ == "conj":
            patients = _children(verb.head, ("nsubjpass",))
        parts.patients = patients + _children(verb, _OBJ)
        # "cleansed of civilians": the people are the patients, the subject may be a place
        for prep in _children(verb, ("prep",)):
            if prep.lower_ == "of":
                parts.patients += _pobj(prep)
    elif verb.lemma_.lower() in _UNACCUSATIVE:
        # "a prisoner died of torture": the subject is what happened to, not who did it
        parts.patients = _children(verb, ("nsubj",))
    else:
        parts.agents = _subject_of(verb)
        parts.patients = _children(verb, _OBJ)
        # the receiver of a transfer ("hand over to Great Britain", "aid for Romania") comes first
        receivers = [p for prep in _children(verb, ("prep",)) if prep.lower_ in ("to", "for")
                     for p in _pobj(prep) if p.pos_ in ("PROPN",) or p.ent_type_ in ("GPE", "ORG", "NORP")]
        parts.patients = receivers + parts.patients
        if verb.dep_ == "amod" and not parts.patients:  # "displaced persons"
            parts.patients = [verb.head]
            parts.agents = []
        for prep in _children(verb, ("prep",)):
            if prep.lower_ in _PATIENT_PREPS_VERB and not parts.patients:
                parts.patients += _pobj(prep)
    for prep in _children(verb, ("prep",)):
        parts.others += _pobj(prep)
        parts.patients += _companions(prep)
    if not parts.patients:
        # "threatened to cut off electricity to Nakhichevan", "offered to negotiate with Armenia":
        # the one the announced act is aimed at
        for comp in _children(verb, ("xcomp",)):
            parts.patients += [p for prep in _children(comp, ("prep",)) if prep.lower_ in ("to", "with", "on",
                                                                                        "against", "for")
                               for p in _pobj(prep)]
            parts.patients += _children(comp, ("dobj", "dative"))
    parts.agents = _expand(parts.agents)
    parts.patients = _expand(parts.patients)
    return parts


def _base_lemma(verb: Token) -> str:
    """The lemma without a repetition prefix: "reimposed" carries its nominal as "imposed" does."""
    lemma = verb.lemma_.lower()
    return lemma[2:].lstrip("-") if lemma.startswith("re") and len(lemma) > 5 else lemma


def _is_light(verb: Token, light_verbs: frozenset[str]) -> bool:
    """A light verb by its lemma or, where the lemmatiser errs ("staged" -> "stag"), by its word form."""
    if _base_lemma(verb) in light_verbs:
        return True
    word = verb.lower_
    stems = [word[:-len(end)] for end in ("d", "ed", "s", "es", "ing") if word.endswith(end)]
    return any(stem in light_verbs or stem + "e" in light_verbs for stem in stems)


def noun_participants(noun: Token, light_verbs: frozenset[str] = frozenset()) -> Participants:
    parts = Participants()
    agents: list[Token] = []
    patients: list[Token] = []
    anchors = [noun]
    if noun.dep_ == "compound" and noun.head.pos_ in ("NOUN", "PROPN"):
        anchors.append(noun.head)  # "mediation mission between Syria and …"
    # "a spate of terror bombings by the Assad regime": the by-phrase hangs on the collective noun
    up = noun
    while up.dep_ == "pobj" and up.head.lower_ == "of" and up.head.head.lemma_.lower() in _COLLECTIVE:
        up = up.head.head
        anchors.append(up)
    for anchor in anchors:
        for prep in _children(anchor, ("prep",)):
            objs = _pobj(prep)
            if prep.lower_ in _AGENT_PREPS_NOUN:
                agents += objs
            elif prep.lower_ in _PATIENT_PREPS_NOUN and (anchor is noun or anchor is anchors[1]):
                patients += objs
            else:
                parts.others += objs
        agents += _children(anchor, ("poss",))
    # "Russian airstrikes", "regime bombardment": a nationality or actor modifier is the agent
    agents += [c for c in children_of(noun)
               if c.dep_ in ("amod", "compound") and (c.ent_type_ in ("NORP", "ORG", "GPE") or c.ent_id_)]
    # the subject of the verb that carries the nominal ("conducted 34 strikes", "launched an offensive")
    top = anchors[-1]
    if (not agents and top.dep_ in ("dobj", "attr") and top.head.pos_ in ("VERB", "AUX")
            and _is_light(top.head, light_verbs | _ASPECT_VERBS)):
        agents = _subject_of(top.head)
        # "gave Tanzania a grant", "provide aid to Liberia", "held talks with Syria"
        patients += [c for c in children_of(top.head) if c.dep_ in ("dative", "dobj") and c.i != top.i]
        patients += [p for prep in _children(top.head, ("prep",))
                     if prep.lower_ in _PATIENT_PREPS_VERB | {"to", "for", "with", "between"}
                     for p in _pobj(prep)]
    if not agents and top.dep_ == "pobj" and top.head.lower_ in ("on", "for") and (
            top.head.head.lemma_.lower() in _TRAVEL_VERBS):
        agents = _subject_of(top.head.head)  # "arrived in Amman on a visit"
    scene = top
    while scene.dep_ == "pobj" and scene.head.lower_ == "of" and scene.head.head.pos_ == "NOUN":
        scene = scene.head.head  # "during five days of fighting"
    preps = _SCENE_PREPS | (_AFTER_PREPS if noun.lemma_.lower() in _RECIPROCAL else set())
    governor = scene.head.head
    if (not agents and scene.dep_ == "pobj" and scene.head.lower_ in preps and governor.pos_ == "VERB"
            and governor.lemma_.lower() in _STATIVE_PASSIVES):
        agents = _children(governor, ("nsubjpass", "nsubj"))  # "Serb forces were engaged in cleansing"
    if (not agents and scene.dep_ == "pobj" and scene.head.lower_ in preps
            and governor.pos_ == "VERB" and not _is_passive(governor)):
        # "wounded two soldiers in a bomb attack", "captured the town after days of fighting": the
        # subject of the clause did it (not after a passive: "was killed in an explosion"; "after" only
        # for what two sides do together, since "retaliated after an attack" names another attacker)
        agents = _subject_of(scene.head.head)
    if not agents and noun.lemma_.lower() in _RECIPROCAL:
        # "fighting between Azerbaijanis and Armenians", "talks between Syria and Turkey": CAMEO codes the
        # first named side as the source and the other as the target
        between = [o for p in _children(noun, ("prep",)) if p.lower_ == "between" for o in _pobj(p)]
        if between and between[0].conjuncts:
            parts.agents = between[:1]
            parts.patients = [p for p in patients if p.i != between[0].i] + list(between[0].conjuncts)
            return parts
    if not agents and top.dep_ == "nsubjpass":  # "strikes were conducted by coalition forces"
        agents = [p for a in _children(top.head, ("agent",)) for p in _pobj(a)]
    parts.agents = _expand(agents)
    parts.patients = _expand(patients)
    return parts


def participants(match: TriggerMatch, light_verbs: frozenset[str] = frozenset()) -> Participants:
    if match.is_verb:
        return verb_participants(match.token)
    return noun_participants(match.token, light_verbs)


def phrase_span(head: Token) -> Span:
    """The noun phrase a participant head stands for, without clauses, appositions and coordinated
    siblings: "the Assad regime", "hundreds of thousands of Syrians", "Shia mercenaries primarily from
    Afghanistan".

    Asked for the same head as a participant, a speaker, a count's owner and a relation end, so the
    answer is kept per Doc; the tree is read from the Doc's token and children lists."""
    doc = head.doc
    table = memo(doc)
    key = ("phrase_span", head.i)
    span = table.get(key)
    if span is None:
        span = table[key] = _phrase_span(head)
    return span  # type: ignore[no-any-return]


def _phrase_span(head: Token) -> Span:
    doc = head.doc
    toks, words = tokens(doc), token_words(doc)
    deps, texts = words.dep, words.text
    keep = {head.i}
    stack = [head]
    while stack:
        tok = stack.pop()
        for child in children_of(tok):
            dep = deps[child.i]
            if dep in ("relcl", "acl", "appos", "advcl"):
                continue
            if dep in ("conj", "cc", "preconj") and tok is head:
                continue  # the head's own coordination is split into separate participants
            if dep == "prep" and words.lower[child.i] not in _KEEP_PREPS:
                continue
            if dep == "punct" and texts[child.i] not in ("-", "‐", "–") :
                continue
            if dep not in _KEEP_DEPS and dep not in ("prep", "pobj"):
                continue
            keep.add(child.i)
            stack.append(child)
    # a parenthesis inside the phrase belongs to it: "the Hizbollah (Party of God) group"
    lo, hi = min(keep), max(keep)
    depth, inside = 0, set()
    for i in range(lo, hi + 1):
        if texts[i] == "(":
            depth += 1
        if depth:
            inside.add(i)
        if texts[i] == ")" and depth:
            depth -= 1
    if not depth and all(i in keep or i in inside for i in range(lo, hi + 1)):
        keep |= inside
    # the longest contiguous run around the head
    start = end = head.i
    while start - 1 in keep:
        start -= 1
    while end + 1 in keep:
        end += 1
    while end > head.i and deps[end] == "prep" and not any(c.i in keep for c in children_of(toks[end])):
        end -= 1  # "Nigerians from throughout the country": a preposition whose object was dropped
    # an apostrophe-s belongs with its possessor
    if end + 1 < len(doc) and deps[end + 1] == "case" and head_ids(doc)[end + 1] == end:
        end += 1
    return doc[start: end + 1]
