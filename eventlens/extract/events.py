"""Doc -> event records: triggers, their participants resolved to actors, place, time, counts, modality.

This is the body of the ``eventlens_events`` spaCy component. It reads what earlier components left on
the Doc (entities with actor ids from ``eventlens_actors``, ``Doc._.places`` from ``eventlens_places``)
and writes ``Doc._.events`` and ``Doc._.relations``. Records carry an empty ``doc_id`` here; the
pipeline stamps the article id and derives stable record ids (``pipeline.finalize``).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc, Span, Token

from ..nlp.doccache import (
    children_of,
    doc_text,
    memo,
    sentence_of,
    sentence_words,
    span_ents,
    span_text,
    span_tokens,
    tokens,
)
from ..records import ActorEntity, Count, DateInfo, Event, Place, Relation
from ..resolve.acled import acled_for
from ..resolve.actors import (
    ActorKnowledge,
    DocActors,
    context_country,
    locate,
    resolve_actor,
    resolve_actors,
    sentence_countries,
    unattributed_attacker,
)
from ..resolve.counts import displacement_term, find_counts
from ..resolve.eventplace import attach_event_place
from ..resolve.time import resolve_time, tense_is_past
from .displacement import figures_without_event, housing_loss
from .modality import modality_of, specificity_of
from .ontology import Ontology
from .participants import participants, phrase_span
from .relations import find_relations
from .stance import apply_stance, obligations
from .triggers import TriggerMatch, find_triggers

log = logging.getLogger(__name__)

_PERSON_PRONOUNS = {"he", "she", "him", "her", "his"}
_GROUP_PRONOUNS = {"it", "its", "they", "them", "their"}
_OTHER_PRONOUNS = {"it", "its", "they", "them", "their", "this", "that", "these", "those", "who",
                   "which", "we", "us", "i", "me", "you", "one", "itself", "themselves"}
# the counts that belong with each event type when the count is not inside a participant phrase
_COUNT_FOR_TYPE = {
    "ASSAULT": {"killed", "injured", "abducted", "dead", "wounded", "missing", "destroyed_housing",
                "damaged_housing"},
    "DISPLACE": {"displaced", "affected", "homeless", "evacuated", "returned"},
    "COERCE": {"arrested", "detained", "abducted", "destroyed_housing", "damaged_housing"},
    "MOBILIZE": {"troops", "fighters"},
    "PROTEST": {"protesters", "participants"},
}


@dataclass
class DocContext:
    """What the extractor remembers across the sentences of one article."""

    knowledge: ActorKnowledge
    ontology: Ontology
    published: dt.date | None
    places: list[Place]
    doc_actors: DocActors
    last_person: ActorEntity | None = None
    subject_person: ActorEntity | None = None
    subject_group: ActorEntity | None = None  # the state or organisation the last sentence had as subject
    historical_frame: DateInfo | None = None  # an earlier sentence set the narrative in the past
    events: list[Event] = field(default_factory=list)


def _places_in(places: list[Place], start: int, end: int) -> list[Place]:
    return [p for p in places if p.start >= start and p.end <= end]


def _is_place(token: Token, places: list[Place]) -> bool:
    """Whether a place covers the token's first character; the covered offsets are gathered once per
    Doc and place list."""
    table = memo(token.doc)
    key = ("events.place_offsets", id(places))
    kept = table.get(key)
    if kept is None or kept[0] is not places:
        kept = table[key] = (places, frozenset(i for p in places for i in range(p.start, p.end)))
    return token.idx in kept[1]


def _entities_for(head: Token, ctx: DocContext, *, as_recipient: bool) -> list[ActorEntity]:
    low = head.lower_
    if head.pos_ == "PRON" or (low in _OTHER_PRONOUNS and not head.is_upper):  # "US" is no "us"
        antecedent = None
        if low in _PERSON_PRONOUNS:
            antecedent = _antecedent(head, ctx)
        elif low in _GROUP_PRONOUNS:
            antecedent = _group_antecedent(head, ctx)
        if antecedent is None:
            return []
        return [replace(antecedent, entity_text=head.text, start=head.idx, end=head.idx + len(head.text))]
    span = phrase_span(head)
    if _is_place(head, ctx.places) and not head.ent_id_:
        # a place is never an actor; a country used as an agent is resolved by the actor knowledge
        actor = resolve_actor(span, knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
        if actor is not None and actor.kind == "state" and actor.actor_id:
            return [actor]
        # a name the gazetteer knows as a town may still be a person an apposition describes
        return _apposed(head, span, ctx) if head.dep_ in ("nsubj", "nsubjpass") else []
    actors = locate(resolve_actors(span, knowledge=ctx.knowledge, doc_actors=ctx.doc_actors), head,
                    knowledge=ctx.knowledge, places=ctx.places)
    if actors and (actors[0].country or actors[0].actor_id):
        return actors
    apposed = _apposed(head, span, ctx)
    if apposed or actors:
        return apposed or actors
    # "the Hizbollah (Party of God) group", "the Hamas movement": a named actor modifying a plain noun
    # (an organisation before a person: "Osama bin Laden's al-Qaeda terror network" is al-Qaeda)
    named = [a for t in span_tokens(span)
             if t.ent_id_ and t.i != head.i and (a := ctx.knowledge.get(t.ent_id_))]
    actor = next((a for a in named if a.type != "person"), None)
    if actor is not None:
        return [actor.entity(span.text, span.start_char, span.end_char)]
    # "the Turkish and Greek sides": nationality adjectives on a head the knowledge does not know
    demonyms = _demonym_states(span, ctx, any_head=as_recipient)
    if demonyms:
        return demonyms
    # "Turkey's efforts", "the government's plan": the possessor is the actor the words are about
    for poss in (c for c in children_of(head) if c.dep_ == "poss" and c.pos_ != "PRON"):
        owner = resolve_actors(phrase_span(poss), knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
        if owner:
            return owner
    if as_recipient and head.pos_ in ("NOUN", "PROPN") and not head.like_num:
        # a target that is not an actor ("hospitals, schools and houses"): kept with its words only
        return [ActorEntity(entity_text=span.text, start=span.start_char, end=span.end_char)]
    return []


def _apposed(head: Token, span: Span, ctx: DocContext) -> list[ActorEntity]:
    """"Kenzo Oshima, the United Nations Emergency Relief Coordinator": the apposition says whom he
    serves."""
    appositions = [c for c in children_of(head) if c.dep_ == "appos"]
    if head.dep_ == "appos":
        appositions.append(head.head)
    for appos in appositions:
        better = resolve_actors(phrase_span(appos), knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
        if better and (better[0].country or better[0].actor_id or (better[0].code or "")[:3] == "IGO"):
            return [replace(better[0], entity_text=span.text, start=span.start_char, end=span.end_char)]
    return []


def _implied_actor(event: Event, match: TriggerMatch, countries: set[str], ctx: DocContext) -> None:
    """The actor an event implies when the words name none, as ACLED codes such events: an attack nobody
    is named for is an unidentified armed group's of the country where it happened; a passive arrest or
    investigation there ("was arrested in Lebanon") is that state's."""
    if event.actor or event.modality not in ("asserted", "reported"):
        return
    if event.event == "ASSAULT" and (event.recipient or event.size):
        # where it happened; else the one country named besides the victims' ("US servicemen were
        # killed by a roadside bomb outside the Iraqi city of Basra")
        hosts = countries - {r.country for r in event.recipient} if len(countries) > 1 else countries
        where = (event.event_loc.country if event.event_loc else None) or (
            next(iter(hosts)) if len(hosts) == 1 else ctx.doc_actors.dominant_country)
        attacker = unattributed_attacker(where, event.event_text, event.trigger_start, event.trigger_end)
        event.actor += [attacker] if attacker is not None else []
    elif event.event in ("COERCE", "ACCUSE") and event.event_loc is not None and _passive_frame(match):
        # "was arrested in Lebanon" (that state's police), "was put under investigation in Italy" (its state)
        sector = "COP" if event.event == "COERCE" else None
        state = ctx.knowledge.country_actor(event.event_loc.country, sector)
        if state is not None:
            event.actor.append(state.entity(event.event_text, event.trigger_start, event.trigger_end))


def _passive_frame(match: TriggerMatch) -> bool:
    """The trigger is a passive verb, or a noun under one ("was put under investigation")."""
    verb = match.token
    if not match.is_verb and verb.dep_ == "pobj" and verb.head.dep_ == "prep":
        verb = verb.head.head
    return verb.pos_ == "VERB" and any(c.dep_ in ("auxpass", "nsubjpass") for c in children_of(verb))


def _ranked(entities: list[ActorEntity]) -> list[ActorEntity]:
    """Actors the knowledge resolved first, then the words that named no actor; no repeats."""
    seen: set[tuple[int | None, int | None]] = set()
    out = []
    for ent in sorted(entities, key=lambda e: not (e.code or e.country or e.actor_id)):
        if (ent.start, ent.end) not in seen:
            seen.add((ent.start, ent.end))
            out.append(ent)
    return out


def _overlaps(head: Token, match: TriggerMatch) -> bool:
    span = phrase_span(head)
    return span.start <= match.token.i < span.end


def _demonym_states(span: Span, ctx: DocContext, *, any_head: bool = False) -> list[ActorEntity]:
    """Nationality adjectives on a head that stands for people acting for a state ("sides",
    "negotiators", "warships"). As the one acted upon, a nationality marks the state whose people,
    property or policy it was ("demolished Palestinian homes", "rejected an Australian ultimatum")."""
    if not any_head and span.root.lemma_.lower() not in ctx.ontology.words("group_heads") and (
            span.root.lower_ not in ctx.ontology.words("group_heads")):
        return []
    out = []
    for tok in span_tokens(span):
        if tok.dep_ not in ("amod", "compound", "conj") or tok.i >= span.root.i:
            continue
        hit = ctx.knowledge.country_word(tok.text)
        if hit is None:
            continue
        actor = ctx.knowledge.country_actor(hit[0], None)
        if actor is not None:
            out.append(actor.entity(tok.text, tok.idx, tok.idx + len(tok.text)))
    return out


def _is_group(actor: ActorEntity | None) -> bool:
    return actor is not None and actor.kind not in (None, "person") and bool(actor.code or actor.country)


def _group_antecedent(pronoun: Token, ctx: DocContext) -> ActorEntity | None:
    """it/they/its/their: the nearest subject before it in the sentence that is a state or an
    organisation ("Hungary has said it will support …"), else the group the last sentence had as subject."""
    for subj in reversed([t for t in span_tokens(sentence_of(pronoun))
                          if t.i < pronoun.i and t.dep_ in ("nsubj", "nsubjpass") and t.pos_ != "PRON"]):
        actor = resolve_actor(phrase_span(subj), knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
        if _is_group(actor):
            return actor
    return ctx.subject_group


def _person_at(ent: Span, ctx: DocContext) -> ActorEntity | None:
    phrase = phrase_span(ent.root)  # with its title and "of Morocco"
    span = phrase if phrase.start <= ent.start and ent.end <= phrase.end else ent
    actor = resolve_actor(span, knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
    return actor if actor is not None and (actor.kind == "person" or ent.label_ == "PERSON") else None


def _antecedent(pronoun: Token, ctx: DocContext) -> ActorEntity | None:
    """he/she: a person subject earlier in the same sentence, else the person the narrative follows
    (the last person in subject position), else the last person named. Subjects win because a story
    keeps its protagonist in subject position ("Soleimani saw … He brought … he mobilised …")."""
    sent = sentence_of(pronoun)
    for ent in reversed([e for e in span_ents(sent) if e.end <= pronoun.i and e.label_ == "PERSON"]):
        if ent.root.dep_ in ("nsubj", "nsubjpass"):
            return _person_at(ent, ctx)
    return ctx.subject_person or ctx.last_person


def _update_person(sent: Span, ctx: DocContext) -> None:
    """After a sentence: remember its last named person and the person it has as subject."""
    for ent in span_ents(sent):
        if ent.label_ != "PERSON":
            continue
        actor = _person_at(ent, ctx)
        if actor is None:
            continue
        ctx.last_person = actor
        if ent.root.dep_ in ("nsubj", "nsubjpass") and ent.root.head.dep_ in ("ROOT", "conj", "ccomp"):
            ctx.subject_person = actor
    root_subj = [t for t in children_of(sent.root) if t.dep_ in ("nsubj", "nsubjpass")]
    if root_subj and root_subj[0].pos_ != "PRON":
        actor = resolve_actor(phrase_span(root_subj[0]), knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
        if _is_group(actor):
            ctx.subject_group = actor
    if root_subj and root_subj[0].lower_ in ("he", "she"):
        antecedent = _antecedent(root_subj[0], ctx)
        if antecedent is not None:
            ctx.subject_person = antecedent


def _counts_for(match: TriggerMatch, sent: Span, spans: list[Span]) -> dict[str, Count]:
    size: dict[str, Count] = {}
    wanted = _COUNT_FOR_TYPE.get(match.trigger.event, set())
    for count in find_counts(sent, trigger=match.token):
        inside = any(s.start_char <= count.start and count.end <= s.end_char for s in spans)
        if (inside or count.category in wanted) and count.category not in size:
            size[count.category] = count
    return size


def _mode(match: TriggerMatch, sent: Span) -> str | None:
    if match.trigger.event == "DISPLACE" and match.trigger.mode == "displaced":
        # a plain "displaced" says least; the sentence may say more (evacuated, fled, homeless)
        term = displacement_term(sent, match.token)
        if term:
            return term.lower()
    return match.trigger.mode


_NON_STATE_ARMED = {"rebel", "political_militia", "identity_militia"}


def _refine(match: TriggerMatch, sent: Span, ctx: DocContext) -> TriggerMatch:
    """Words whose event depends on the sentence: a strike by workers is a protest; expelling
    inspectors or diplomats is a sanction, not a displacement; "bombings" by an armed group, with no
    aircraft in the sentence, are explosive attacks."""
    trig = match.trigger
    labor = ctx.ontology.words("labor_strike_words")
    if trig.words[-1] == "strike" and not match.is_verb and (
            sentence_words(sent) & labor or any(" " in w and w in span_text(sent).lower() for w in labor)):
        return replace(match, trigger=replace(trig, event="PROTEST", mode="strike", cameo="143",
                                              acled_event_type="Protests",
                                              acled_sub_event_type="Peaceful protest",
                                              context=("political",)))
    if trig.event == "DISPLACE" and trig.mode == "expulsion":
        objects = [c for c in match.token.subtree if c.dep_ in ("dobj", "pobj", "nsubjpass")]
        if any(o.lemma_.lower() in ctx.ontology.words("official_nouns") for o in objects):
            return replace(match, trigger=replace(trig, event="SANCTION", mode="expel", cameo="166",
                                                  acled_event_type=None, acled_sub_event_type=None,
                                                  context=("political",)))
    rule = ctx.ontology.rules.get("bomb_refinement") or {}
    if trig.mode != "aerial" or trig.words[-1] not in rule.get("lemmas", ()):
        return match
    air = ctx.ontology.words("air_words")
    if any(t.lower_ in air or t.lemma_.lower() in air for t in span_tokens(sent)):
        return match
    kinds = {a.kind for ent in span_ents(sent)
             if (a := ctx.knowledge.get(ent.ent_id_) if ent.ent_id_ else ctx.knowledge.named(ent.text))}
    if not kinds & _NON_STATE_ARMED or "state" in kinds:
        return match
    acled_type, _, acled_sub = rule["acled"].partition("|")
    return replace(match, trigger=replace(trig, mode=rule["mode"], cameo=rule["cameo"],
                                          acled_event_type=acled_type, acled_sub_event_type=acled_sub))


def _localise(event: Event, ctx: DocContext) -> None:
    """Civilians, protesters and rioters named without a nationality belong to the country where the
    event happened, not to the country the article talks about most."""
    place = event.event_loc
    _state_roles_at_home(event, ctx)
    if place is None or not place.country:
        return
    kinds = ctx.ontology.words("contextual_country_kinds")
    for role in (event.actor, event.recipient):
        for i, ent in enumerate(role):
            if ent.kind not in kinds or ent.country == place.country:
                continue
            words = ent.entity_text.replace("’s", " ").split()
            ethnic = "ethnic" in (w.lower() for w in words)
            if not ethnic and any(ctx.knowledge.country_word(w) for w in words):
                continue  # "Syrian civilians": the words say whose; "ethnic Albanians" live elsewhere
            generic = ctx.knowledge.country_actor(place.country, ent.sector)
            role[i] = replace(ent, country=place.country,
                              code=(place.country + ent.sector) if ent.sector else ent.code,
                              name=generic.name if generic and ent.kind == "civilians" else ent.name,
                              actor_id=generic.id if generic and ent.kind == "civilians" else ent.actor_id)


_STATE_SECTORS = {"GOV", "MIL", "COP", "JUD", "LEG", "SPY"}


def _state_roles_at_home(event: Event, ctx: DocContext) -> None:
    """"Security forces", "the authorities", "government troops" named without a country act for the
    state where the event happened ("in Guinea"), else for the country the article is about. A
    government mostly acts on its own territory; where it does not, the words usually name it."""
    country = (event.event_loc.country if event.event_loc else None) or ctx.doc_actors.dominant_country
    if not country:
        return
    for role in (event.actor, event.recipient):
        for i, ent in enumerate(role):
            if ent.country or ent.sector not in _STATE_SECTORS or ent.kind in ("igo", "ngo", "person"):
                continue
            if any(ctx.knowledge.named(w) for w in ent.entity_text.split()[:-1]):
                continue  # "U.N. helicopters": an organisation's, not the host state's
            role[i] = replace(ent, country=country, code=country + ent.sector)


def _harmonise_acled(events: list[Event], sent: Span, ctx: DocContext) -> None:
    """ACLED codes one incident by its most telling feature, so the records of one sentence agree:
    "killed in a suicide bombing" is a suicide bomb, not an attack; a protest where stones were thrown
    is a violent demonstration; one the police broke up is a protest with intervention, one they shot
    at is excessive force."""
    specific = ctx.ontology.words("acled_specific_weapons")
    weapon = next((e.acled for e in events if e.acled and e.acled.get("sub_event_type") in specific
                   and e.modality in ("asserted", "reported", "alleged")), None)
    if weapon is not None:
        for e in events:
            generic = e.acled and e.acled.get("sub_event_type") in ("Attack", "Armed clash")
            if e.event == "ASSAULT" and generic:
                e.acled = dict(weapon)
    protests = [e for e in events if e.acled and e.acled.get("event_type") == "Protests"
                and e.acled.get("sub_event_type") == "Peaceful protest"]
    if not protests:
        return
    text = span_text(sent).lower()
    words = sentence_words(sent)

    def said(key: str) -> bool:
        cues = ctx.ontology.words(key)
        return bool(words & cues) or any(" " in c and c in text for c in cues)

    if said("lethal_force_words") and said("intervention_words"):
        sub = ("Protests", "Excessive force against protesters")
    elif said("intervention_words"):
        sub = ("Protests", "Protest with intervention")
    elif said("riot_words"):
        sub = ("Riots", "Violent demonstration")
    else:
        return
    for e in protests:
        e.acled = {"disorder_type": "Demonstrations", "event_type": sub[0], "sub_event_type": sub[1]}


def _merge_same(events: list[Event]) -> list[Event]:
    """One record per event type and trigger: two reported attacks under one "said" make one
    accusation with both accused."""
    out: dict[tuple[str, int, int], Event] = {}
    for event in events:
        key = (event.event, event.trigger_start, event.trigger_end)
        first = out.get(key)
        if first is None:
            out[key] = event
            continue
        for role, extra in ((first.actor, event.actor), (first.recipient, event.recipient)):
            role += [a for a in extra if (a.start, a.end) not in {(b.start, b.end) for b in role}]
    return list(out.values())


_MORE_SPEECH_VERBS = frozenset({"reiterate", "insist", "demand", "urge", "stress", "conclude", "declare",
                                "warn", "argue", "note", "state"})
_SPEECH_NOUNS = frozenset({"statement", "reminder", "warning", "declaration", "message", "letter", "call",
                           "demand", "appeal", "note", "communique", "resolution"})


def _speech_act(token: Token, ctx: DocContext) -> tuple[Token | None, list[ActorEntity]]:
    """The speech verb whose complement holds the token, and its speakers ("a British minister
    reiterated that …")."""
    speech = ctx.ontology.words("speech_verbs")  # and _MORE_SPEECH_VERBS: tested apart, not joined per call
    cur = token
    for _ in range(6):
        if cur.head.i == cur.i:
            return None, []
        below, cur = cur, cur.head
        lemma = cur.lemma_.lower()
        if (lemma in speech or lemma in _MORE_SPEECH_VERBS) and below.dep_ in ("ccomp", "parataxis", "xcomp"):
            subj = [c for c in children_of(cur) if c.dep_ in ("nsubj", "nsubjpass")]
            return cur, [a for s in subj for a in _entities_for(s, ctx, as_recipient=False)]
        if (lemma in _SPEECH_NOUNS and below.dep_ in ("acl", "ccomp", "relcl")
                and cur.dep_ in ("dobj", "attr") and cur.head.pos_ == "VERB"):
            # "issued a stern reminder to Iraq that it must …": who issued it speaks
            subj = [c for c in children_of(cur.head) if c.dep_ in ("nsubj", "nsubjpass")]
            return cur, [a for s in subj for a in _entities_for(s, ctx, as_recipient=False)]
    return None, []


_ACCUSABLE = {"ASSAULT", "COERCE", "DISPLACE"}


def _accusation(event: Event, speech: Token | None, speakers: list[ActorEntity]) -> Event | None:
    """"The US said that ISIL had attacked Iraq": besides the attack it reports, the statement accuses
    ISIL (PLOVER ACCUSE, CAMEO 112). Not when the speakers claim the act themselves."""
    if (speech is None or event.event not in _ACCUSABLE or not event.actor
            or event.modality not in ("reported", "alleged")
            or not any(s.country or s.actor_id for s in speakers)):
        return None
    if any(_same_entity(s, a) for s in speakers for a in event.actor):
        return None
    return replace(event, event="ACCUSE", mode="allege", context=["political"], actor=list(speakers),
                   recipient=list(event.actor), size={}, cameo="112", acled=None, modality="asserted",
                   attribution=None, event_text=speech.text, trigger_start=speech.idx,
                   trigger_end=speech.idx + len(speech.text), confidence=event.confidence * 0.9)


def _same_entity(a: ActorEntity, b: ActorEntity) -> bool:
    if a.actor_id and b.actor_id:
        return a.actor_id == b.actor_id
    return bool(a.country) and a.country == b.country and a.sector == b.sector


def _demands(sent: Span, ctx: DocContext, triggered: set[int]) -> list[Event]:
    """"X must/should do Y" said by someone, where Y is no event word: a REQUEST from the speaker to X."""
    out = []
    for verb in obligations(sent, {t.i for t in span_tokens(sent) if t.idx in triggered}):
        speakers = _speech_act(verb, ctx)[1]
        subj = [c for c in children_of(verb) if c.dep_ in ("nsubj", "nsubjpass")]
        targets = [a for s in subj for a in _entities_for(s, ctx, as_recipient=False)]
        if not speakers and not targets:
            continue
        timing = resolve_time(sent, verb, ctx.published)
        modality = modality_of(verb, ctx.ontology)
        out.append(Event(
            id="", doc_id="", event="REQUEST", mode="demand", context=["political"], actor=speakers,
            recipient=targets, event_loc=None, date_info=timing.date_info, size={},
            modality="reported" if modality.attribution else "asserted", specificity="specific",
            historical=timing.historical, attribution=modality.attribution, event_text=verb.text,
            text=span_text(sent), start=sent.start_char, end=sent.end_char, trigger_start=verb.idx,
            trigger_end=verb.idx + len(verb.text), cameo="10", acled=None,
            confidence=0.4 + 0.15 * bool(speakers) + 0.1 * bool(targets)))
    return out


def extract_sentence(sent: Span, ctx: DocContext) -> tuple[list[Event], list[Relation]]:
    events: list[Event] = []
    doc = sent.doc
    sent_places = _places_in(ctx.places, sent.start_char, sent.end_char)
    for found in find_triggers(sent, ctx.ontology):
        match = _refine(found, sent, ctx)
        parts = participants(match, ctx.ontology.words("light_verbs"))
        actors = _ranked([a for h in parts.agents for a in _entities_for(h, ctx, as_recipient=False)])
        patients = list(parts.patients)
        if match.trigger.event == "RETREAT" and match.is_verb:
            # withdrawing from a country is a move towards that country: PLOVER's recipient
            patients = [p for prep in children_of(match.token)
                        if prep.dep_ == "prep" and prep.lower_ == "from"
                        for p in children_of(prep) if p.dep_ == "pobj"] + patients
        recipients = _ranked([a for h in patients if not _overlaps(h, match)
                              for a in _entities_for(h, ctx, as_recipient=True)])
        if (match.trigger.event == "RETREAT" and match.is_verb and not actors
                and any(c.dep_ == "auxpass" for c in children_of(match.token))):
            # "guerrillas have been demobilized", "troops were withdrawn": who retreats is the subject
            actors = [r for r in recipients if r.code or r.country]
            recipients = [r for r in recipients if r not in actors]
        if match.trigger.event == "MOBILIZE" and not match.is_verb and not actors:
            # "the deployment of NATO troops": the forces deployed are the ones mobilising
            deployed = {phrase_span(h).start_char for h in patients
                        if h.head.lower_ == "of" and h.head.head.i == match.token.i}
            actors = [r for r in recipients if r.start in deployed and (r.code or r.country)]
            recipients = [r for r in recipients if r not in actors]
        spans = [phrase_span(h) for h in parts.agents + parts.patients]
        size = _counts_for(match, sent, spans)
        # a country named inside an actor ("the US government", "Russia") is not where the event was
        free_places = [p for p in sent_places if not any(
            a.start is not None and a.code and a.start <= p.start and p.end <= (a.end or 0)
            for a in actors + recipients)]
        place = attach_event_place(match.token, free_places,
                                   participants=[*parts.agents, *parts.patients])
        timing = resolve_time(sent, match.token, ctx.published)
        date_info, historical = timing.date_info, timing.historical
        if (not historical and ctx.historical_frame is not None and date_info.basis == "publication"
                and tense_is_past(match.token)):
            # the narrative is still in the past an earlier sentence set: date it as that sentence did
            historical, date_info = True, ctx.historical_frame
        modality = modality_of(match.token, ctx.ontology)
        low = max((c.low or 0 for c in size.values()), default=None)
        plural = len(parts.patients) > 1 or any(t.tag_ in ("NNS", "NNPS") for t in parts.patients)
        specificity = specificity_of(match.token, ctx.ontology, count_low=low, plural_patients=plural)
        idx = sorted(t.i for t in match.tokens)
        if idx == list(range(idx[0], idx[-1] + 1)):
            toks = tokens(doc)
            trig_start = toks[idx[0]].idx
            trig_end = toks[idx[-1]].idx + len(toks[idx[-1]].text)
        else:  # "brought the Shabiha together": quote the verb alone
            trig_start, trig_end = match.start_char, match.end_char
        confidence = 0.45 + 0.15 * bool(actors) + 0.1 * bool(recipients) + 0.1 * bool(place) + (
            0.1 if match.is_verb else 0.05) - (0.1 if modality.modality != "asserted" else 0.0)
        event = Event(
            id="", doc_id="", event=match.trigger.event, mode=_mode(match, sent),
            context=list(match.trigger.context),
            actor=actors, recipient=recipients, event_loc=place, date_info=date_info, size=size,
            modality=modality.modality, specificity=specificity, historical=historical,
            attribution=modality.attribution,
            event_text=doc_text(doc)[trig_start:trig_end], text=span_text(sent),
            start=sent.start_char, end=sent.end_char, trigger_start=trig_start, trigger_end=trig_end,
            cameo=match.trigger.cameo, acled=None, confidence=max(0.05, min(confidence, 0.95)),
        )
        _localise(event, ctx)
        event.acled = acled_for(match.trigger, event)
        speech, speakers = _speech_act(match.token, ctx)
        event = apply_stance(event, match.token, ctx.ontology, speakers,
                             resolve=lambda t: _entities_for(t, ctx, as_recipient=False))
        countries = sentence_countries(sent, knowledge=ctx.knowledge, places=ctx.places)
        context_country([event.actor, event.recipient], countries, ctx.doc_actors.dominant_country)
        _implied_actor(event, match, countries, ctx)
        events.append(event)
        accusation = _accusation(event, speech, speakers)
        if accusation is not None:
            events.append(accusation)
    events += _demands(sent, ctx, {e.trigger_start for e in events})
    events += [d for e in events if (d := housing_loss(e)) is not None]
    events += figures_without_event(sent, events, ctx.places, ctx.published, ctx.ontology)
    events = _merge_same(events)
    _harmonise_acled(events, sent, ctx)
    relations = find_relations(sent, events, ctx)
    return events, relations


def extract_doc(doc: Doc, ctx: DocContext) -> tuple[list[Event], list[Relation]]:
    events: list[Event] = []
    relations: list[Relation] = []
    for sent in doc.sents:
        if not span_text(sent).strip():
            continue
        sent_events, sent_relations = extract_sentence(sent, ctx)
        _update_person(sent, ctx)
        events += sent_events
        relations += sent_relations
        # the narrative frame: explicit historical time sets it, a present-tense or dated-now sentence ends it
        root = sent.root
        framed = [e.date_info for e in sent_events
                  if e.historical and e.date_info and e.date_info.basis != "publication"]
        if framed:
            ctx.historical_frame = framed[0]
        elif (frame := _sentence_history(sent, ctx)) is not None:
            ctx.historical_frame = frame
        elif root.tag_ in ("VBZ", "VBP") or any(c.lower_ in ("has", "have") for c in children_of(root)):
            ctx.historical_frame = None
    ctx.events = events
    return events, relations


def _sentence_history(sent: Span, ctx: DocContext) -> DateInfo | None:
    """A sentence with no event can still move the narrative into the past ("In the early days of …")."""
    timing = resolve_time(sent, sent.root, ctx.published)
    return timing.date_info if timing.historical else None
