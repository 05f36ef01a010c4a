"""Relations stated in words: "X's fight against Y", "X, together with Y, works to defeat Z", "in support
of Y".

Government releases and news state who fights whom far more often in words of purpose and campaign
than in attack verbs: "the campaign to defeat Daesh", "the Global Coalition has launched almost 8,000
strikes against ISIL", "in support of the government of Iraq". The words are closed classes of English,
so they are listed here, not kept as knowledge about actors. The opponent is the object of the hostile
word; the party is found by climbing the parse from that word to the first subject, by-agent, possessor
or actor compound ("coalition operations against Daesh").

Also the helpers every relation rule shares (what counts as an actor, a combatant, an individual).

Where it fails: a party named only in an earlier sentence, "we" (the speaker's side is not resolved),
long coordinations the parser splits, and clauses the parser attaches to the wrong noun.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from spacy.tokens import Span, Token

from ..nlp.doccache import children_of, ent_at, span_text, span_tokens, token_words, tokens
from ..records import ActorEntity, Relation
from ..resolve.actors import resolve_actor
from .participants import phrase_span

if TYPE_CHECKING:
    from .events import DocContext

# the people in an organisation, not the organisation: their acts are no relation between parties
INDIVIDUAL_NOUNS = {"leader", "minister", "secretary", "president", "official", "officer", "soldier",
                    "airman", "airmen", "sailor", "marine", "spokesman", "spokesperson", "envoy",
                    "ambassador", "diplomat", "general", "commander", "member", "members"}
ARMED = {"state", "rebel", "political_militia", "identity_militia", "external", "military"}


def is_actor(a: ActorEntity | None) -> bool:
    return a is not None and bool(a.actor_id or a.code or a.country)


def resolve_token(tok: Token, ctx: DocContext) -> ActorEntity | None:
    if tok.pos_ == "PRON":
        return None
    return resolve_actor(phrase_span(tok), knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)


def combatant(a: ActorEntity) -> bool:
    return a.kind in ARMED or (a.kind not in ("civilians", "protesters", "media", "ngo", "igo", "person")
                               and a.sector in ("MIL", "REB", "INS", "UAF", "COP", "GOV", "SPY"))


def individual(a: ActorEntity, sent: Span) -> bool:
    """A person or a few people rather than a party: "a soldier who was supporting ...", "Petty Officer
    Keating", "the two leaders discussed the campaign ...". People serve, meet and discuss; the parties
    they belong to support and fight, so these are no end of a supports, allied_with or stance relation."""
    if a.kind == "person":
        return True
    if a.start is None or a.end is None:
        return False
    span = sent.doc.char_span(a.start, a.end, alignment_mode="expand")
    if span is None or not len(span):
        return False
    root = span.root
    return (root.ent_type_ == "PERSON" or root.lemma_.lower() in INDIVIDUAL_NOUNS
            or (root.tag_ == "NN" and any(c.lower_ in ("a", "an") for c in children_of(root))))


def official(a: ActorEntity, sent: Span) -> bool:
    """A minister or an envoy: a person who holds office, not a fighter ("Minister Tobias Ellwood
    welcomes ... the fight against ISIL" makes him no party to the fight)."""
    return individual(a, sent) and a.sector not in ("MIL", "REB", "INS", "UAF", "SPY")


def is_operation(a: ActorEntity) -> bool:
    """"Operation Inherent Resolve": a named operation is what parties do, not a party one supports."""
    return (a.entity_text or "").lower().startswith(("operation ", "the operation "))


def same_actor(a: ActorEntity, b: ActorEntity) -> bool:
    if a.actor_id and b.actor_id:
        return a.actor_id == b.actor_id
    return (a.name or a.entity_text) == (b.name or b.entity_text)


def make_relation(kind: str, src: ActorEntity, tgt: ActorEntity, sent: Span, modality: str = "asserted",
              evidence: Token | None = None) -> Relation:
    rel = Relation(id="", doc_id="", kind=kind, source=src, target=tgt, text=span_text(sent),
                   start=sent.start_char, end=sent.end_char, modality=modality)
    if evidence is not None:
        rel.evidence_start, rel.evidence_end = evidence.idx, evidence.idx + len(evidence.text)
    return rel



SYMMETRIC = frozenset({"opposes", "allied_with"})
# words that take "against Y" (or "on Y") as the side they fight
AGAINST_HEADS = frozenset({
    "fight", "fighting", "campaign", "operation", "strike", "airstrike", "attack", "war", "offensive",
    "battle", "struggle", "effort", "defense", "defence", "mission", "raid", "assault", "action", "unite",
    "fire", "counterattack", "counteroffensive", "resistance", "coalition", "position", "weapon", "use",
    "bombing", "shelling", "conduct", "launch", "wage", "stand", "rise", "mobilize", "mobilise",
    "munition", "deliver", "sortie", "fly"})
WAR_NOUNS = frozenset({"war", "conflict"})
ON_HEADS = frozenset({"war", "attack", "assault", "fire", "firing", "crackdown", "offensive"})
# verbs whose object is the enemy ("to degrade and defeat Da'esh"); their nouns take "of Y" ("defeat of ISIL")
HOSTILE_VERBS = frozenset({
    "defeat", "destroy", "degrade", "eliminate", "counter", "confront", "combat", "fight", "attack",
    "strike", "target", "dismantle", "finish", "crush", "eradicate", "annihilate", "repel", "repulse",
    "ambush", "besiege", "bomb", "shell", "rout", "deny", "engage", "neutralize", "neutralise"})
HOSTILE_NOUNS_OF = frozenset({"defeat", "destruction", "elimination", "isolation", "rout"})
# "targeted Russia with sweeping sanctions": pressure by other means is no armed conflict
PEACEFUL_MEANS = frozenset({"sanction", "sanctions", "tariff", "embargo", "expulsion", "penalty", "ban",
                            "restriction", "measure", "criticism", "lawsuit", "vote"})
# "liberated Dabiq from ISIL", "cleared the city of enemy forces", "fire from ISIL fighters"
FROM_HEADS = frozenset({"liberate", "free", "retake", "recapture", "seize", "capture", "clear", "wrest",
                        "drive", "expel", "oust", "fire", "defend", "protect", "liberation"})
# "in support of Y", "with the aid of Y", "support for Y": the party backs Y
SUPPORT_NOUNS = frozenset({"support", "aid", "help", "backing", "assistance"})
SUPPORT_VERBS = frozenset({"support", "assist", "aid", "back", "help", "reinforce", "train", "equip"})
# "together with Y", "alongside Y", "in coordination with Y": the party fights beside Y
WITH_HEADS = frozenset({"together", "alongside", "coordinate", "coordination", "partnership", "partner",
                        "cooperation", "conjunction", "concert", "join"})
# every lemma ``_opponents_of`` and ``_supported`` can read a side off: the scan of a sentence asks
# both of every word, and most words are none of these
_OPPOSING_CUES = AGAINST_HEADS | ON_HEADS | HOSTILE_VERBS | HOSTILE_NOUNS_OF | FROM_HEADS | {
    "clear", "receive", "push", "drive", "beat", "force", "deliver"}
_SUPPORTING_CUES = SUPPORT_NOUNS | SUPPORT_VERBS | WITH_HEADS | {"stand"}
# the climb from a hostile word to its party passes through these links and stops at others (a ccomp is
# another speaker's clause: "We have been clear that to defeat Daesh we ..." has two subjects)
CLIMB = frozenset({"xcomp", "advcl", "pcomp", "prep", "pobj", "dobj", "acomp", "conj", "attr", "oprd",
                   "compound", "nmod", "amod", "dative", "npadvmod", "appos", "advmod", "acl", "relcl"})
GROUP_PRONOUNS = frozenset({"it", "its", "they", "them", "their"})  # "it" only within its sentence
GROUP_WORDS = frozenset({*GROUP_PRONOUNS, *(w.capitalize() for w in GROUP_PRONOUNS)})
NOMINAL = ("NOUN", "PROPN", "PRON")
RELATIVE = frozenset({"which", "who", "that", "whom"})
FIGHT_WORDS = frozenset({"fight", "fighting", "struggle", "confront", "unite", "resistance", "defeat",
                         "clear", "liberate", "retake", "recapture"})
NOT_PARTY_KINDS = frozenset({"civilians", "protesters", "media", "ngo"})
# a minister who "reiterates support for Iraq in the fight against ISIL" is not a fighter, and the UN
# "working to defeat ISIL" does not fight: people and intergovernmental bodies are no party to these words
NOT_STANCE_KINDS = frozenset({"person", "igo", "media", "ngo"})


def _siblings(tok: Token) -> list[Token]:
    """A party head and the heads coordinated or in apposition with it ("The UK, the wider Global
    Coalition and the Government of Iraq")."""
    out, stack = [], [tok]
    while stack:
        t = stack.pop()
        if t in out:
            continue
        out.append(t)
        stack += [c for c in children_of(t) if c.dep_ in ("conj", "appos") and c.pos_ in NOMINAL]
    return sorted(out, key=lambda t: t.i)


def named_antecedent(pron: Token, sent: Span, ctx: DocContext) -> list[ActorEntity]:
    """its/their: the nearest actor named before it in the sentence, with its coordinated siblings
    ("the Government of Iraq and the Iraqi people in their fight")."""
    if pron.lower_ not in GROUP_PRONOUNS:
        return []
    # number: "the coalition has supported the Iraqi Security Forces in its efforts" is the coalition's
    singular = pron.lower_ in ("it", "its")
    for tok in reversed([t for t in span_tokens(sent) if t.i < pron.i and t.pos_ in ("NOUN", "PROPN")
                         and t.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "appos", "conj")
                         and not (singular and t.tag_ in ("NNS", "NNPS"))]):
        actor = resolve_token(tok, ctx)
        if is_actor(actor) and actor.kind not in ("person", "media"):  # type: ignore[union-attr]
            head = tok
            while head.dep_ in ("conj", "appos") and head.head.i < head.i:
                head = head.head
            return [a for a in (resolve_token(t, ctx) for t in _siblings(head)) if is_actor(a)]  # type: ignore[misc]
    return []


def _pronoun_party(pron: Token, sent: Span, ctx: DocContext) -> list[ActorEntity]:
    """its/their/they: the antecedent named in the sentence, else (they/their only: "it" names things
    as often as groups) the group the last sentence had as subject, kept at the pronoun's own words.
    we/our are the speaker's side and stay unresolved."""
    named = named_antecedent(pron, sent, ctx)
    if named or pron.lower_ not in GROUP_PRONOUNS:
        return named
    group = ctx.subject_group
    if group is None or not is_actor(group) or pron.lower_ in ("it", "its"):
        return []
    return [replace(group, entity_text=pron.text, start=pron.idx, end=pron.idx + len(pron.text))]


def _parties(tok: Token, sent: Span, ctx: DocContext, *, owners: bool = False) -> list[ActorEntity]:
    """The actors a head names with its siblings. A head that is no actor but carries one as a name
    compound stands for it ("ISIL targets", "ISIL control"); with ``owners`` a possessor does too, as the
    doer of its noun ("the U.S.-led coalition's four airstrikes"). An actor that only modifies the head
    ("Iraq's democratic process") is not the head's party."""
    out: list[ActorEntity] = []
    for t in _siblings(tok):
        if t.pos_ == "PRON":
            out += _pronoun_party(t, sent, ctx)
            continue
        actor = resolve_token(t, ctx)
        if actor is not None and actor.end is not None and actor.end <= t.idx and not owners:
            actor = None
        if not is_actor(actor):
            deps = ("compound", "nmod", "amod", "poss") if owners else ("compound", "nmod", "amod")
            # "the coalition campaign": the doer of an activity noun may be a plain noun
            activity = t.lemma_.lower() in AGAINST_HEADS
            named = [c for c in children_of(t) if c.dep_ in deps and (c.pos_ in ("PROPN", "PRON") or owners
                                                                  or (activity and c.pos_ == "NOUN"))]
            if named and named[0].pos_ == "PRON":
                out += _pronoun_party(named[0], sent, ctx)
                continue
            actor = _name_at(named[0], ctx) if named else None
        if is_actor(actor):
            out.append(actor)  # type: ignore[arg-type]
    return out


def _name_at(tok: Token, ctx: DocContext) -> ActorEntity | None:
    """The actor a modifier names: the whole entity it is part of ("al-Qaida" in "al-Qaida operatives",
    which the parser splits into three compounds), else its own phrase."""
    ent = ent_at(tok.doc, tok.i)
    if ent is not None and tok.pos_ == "PROPN":
        actor = resolve_actor(ent, knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
        if is_actor(actor):
            return actor
    return resolve_token(tok, ctx)


NOMINAL_DEPS = frozenset({"nsubj", "nsubjpass", "dobj", "pobj", "appos", "conj", "attr", "ROOT"})


def _agents(cue: Token, opponents: set[int], sent: Span, ctx: DocContext) -> list[ActorEntity]:
    """The party that does what ``cue`` says: climb the parse to the first subject, by-agent,
    possessor, actor compound or the noun a relative or participle clause describes.

    Two turns on the way: "urged the regime to cease airstrikes" gives the object of the controlling
    verb (object control; "is assisting the Iraqi government to destroy ISIL" gives both), and "support
    for the Government of Iraq in the fight against ISIL" gives the side supported, not the supporter."""
    node, came, passive_cue = cue, cue, any(c.dep_ == "auxpass" for c in children_of(cue))
    for _ in range(10):
        kids = list(children_of(node))
        agent = [p for c in kids if c.dep_ == "agent" for p in children_of(c) if p.dep_ == "pobj"]
        if agent and agent[0].i not in opponents:
            return _parties(agent[0], sent, ctx, owners=True)
        if node is not cue and came.dep_ == "prep" and came.lower_ == "in" and (
                node.lemma_.lower() in SUPPORT_NOUNS | SUPPORT_VERBS):
            helped = _supported(node)
            if helped:
                return _parties(helped[0], sent, ctx)
        infinitive = came.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to"
                                                  for c in children_of(came))
        if node is not cue and (came.dep_ == "xcomp" or infinitive):
            objs = [c for c in kids if c.dep_ == "dobj" and c.i not in opponents]
            found = _parties(objs[0], sent, ctx) if objs else []
            if objs and (found or came.dep_ == "xcomp"):
                if node.lemma_.lower() in SUPPORT_VERBS:  # the helper fights too
                    subj = [c for c in kids if c.dep_ == "nsubj"]
                    found += _parties(subj[0], sent, ctx, owners=True) if subj else []
                return found
        nominal = node.pos_ in ("NOUN", "PROPN") or node.dep_ in NOMINAL_DEPS
        if nominal and (node is cue or node.dep_ != "pobj" or came.dep_ == "acl"):
            named = [c for c in kids if c.dep_ in ("poss", "compound", "nmod") and c.i not in opponents
                     and (c.pos_ == "PRON" or is_actor(_name_at(c, ctx)))]
            if named:
                return _parties(named[0], sent, ctx, owners=True) + _joining(node, sent, ctx)
        subj = [c for c in kids if c.dep_ in ("nsubj", "nsubjpass", "csubj") and c.i not in opponents]
        if subj and not (node is cue and passive_cue):
            head = subj[0]
            if head.lower_ in RELATIVE and node.dep_ == "relcl":
                return _parties(node.head, sent, ctx, owners=True)
            if head.dep_ == "csubj":
                return []
            return _parties(head, sent, ctx, owners=True) + _part_of(node, sent, ctx)
        if (node.dep_ == "relcl" and subj) or (node.dep_ == "acl" and node.tag_ == "VBG"):
            # "the 134th Squadron, which will fly strike missions against ISIL", "enemy fighters firing on"
            return _parties(node.head, sent, ctx, owners=True)
        if node.dep_ in ("acl", "relcl") and node.tag_ in ("VBN", "VB"):
            # "local ground forces, focused on defeating ISIL"; "11 strikes coordinated with ..." names no
            # party, so the climb goes on to the verb the strikes are the object of
            found = _parties(node.head, sent, ctx, owners=True)
            if found:
                return found + _joining(node.head, sent, ctx)
        elif node.dep_ == "appos" and node.pos_ in ("NOUN", "PROPN"):
            # "Operation Inherent Resolve, the operation to eliminate ...": the named one does it
            found = _parties(node.head, sent, ctx, owners=True)
            if found:
                return found
        if node.dep_ not in CLIMB or node.head is node:
            return []
        came, node = node, node.head
    return []


def _against_head(against: Token) -> Token:
    """The hostile word a stray "against" belongs to when the parser hung it on a neighbour: "using
    attack, fighter, and remotely piloted aircraft as well as rocket artillery against ISIL targets"."""
    node = against.head
    for _ in range(4):
        if node.lemma_.lower() in AGAINST_HEADS:
            return node
        if node.dep_ not in ("conj", "dobj", "pobj", "prep", "appos") or node.head is node:
            break
        node = node.head
    return against


def _joining(noun: Token, sent: Span, ctx: DocContext) -> list[ActorEntity]:
    """"the role the United States can play in Iraq's efforts to destroy the terrorist group": who acts in
    another's efforts or fight takes part in it."""
    verb = noun.head.head if noun.dep_ == "pobj" and noun.head.lower_ == "in" else None
    if verb is None or verb.pos_ not in ("VERB", "AUX"):
        return []
    subjects = [c for c in children_of(verb) if c.dep_ == "nsubj"]
    return _parties(subjects[0], sent, ctx, owners=True) if subjects else []


def _part_of(verb: Token, sent: Span, ctx: DocContext) -> list[ActorEntity]:
    """"the UK is working as part of the Global Coalition to defeat ISIL": the whole acts with its part."""
    wholes = [w for prep in children_of(verb) if prep.dep_ == "prep" and prep.lower_ == "as"
              for part in children_of(prep)
              if part.dep_ == "pobj" and part.lemma_.lower() in ("part", "member")
              for of in children_of(part) if of.dep_ == "prep" and of.lower_ == "of"
              for w in children_of(of) if w.dep_ == "pobj"]
    return [a for w in wholes for a in _parties(w, sent, ctx)]


def _opponents_of(cue: Token) -> list[Token]:
    """The enemy heads a hostile word names."""
    low = cue.lemma_.lower()
    if low not in _OPPOSING_CUES and cue.lower_ != "against":
        return []
    kids = list(children_of(cue))
    if cue.lower_ == "against" and cue.dep_ == "prep":
        if cue.head.lemma_.lower() in AGAINST_HEADS or _against_head(cue) is cue:
            return []  # the head word itself takes it, or no hostile word is near
        return [c for c in kids if c.dep_ == "pobj"]
    if low == "receive" and any(c.lemma_.lower() in ON_HEADS for c in kids if c.dep_ == "dobj"):
        return [p for c in kids if c.dep_ == "prep" and c.lower_ == "from" for p in children_of(c)
                if p.dep_ == "pobj"]  # "continued to receive heavy fire from ISIL fighters"
    out = [p for c in kids if c.dep_ == "prep" for p in children_of(c) if p.dep_ == "pobj"
           and ((c.lower_ == "against" and low in AGAINST_HEADS) or (c.lower_ == "on" and low in ON_HEADS)
                or (c.lower_ == "from" and low in FROM_HEADS)
                or (c.lower_ == "of" and (low in HOSTILE_NOUNS_OF or low == "clear")))]
    if cue.pos_ in ("VERB", "AUX") and low in HOSTILE_VERBS:
        objs = [c for c in kids if c.dep_ in ("dobj", "dative")]
        if not objs and any(c.dep_ == "auxpass" for c in kids):
            objs = [c for c in kids if c.dep_ == "nsubjpass"]
        if not objs:  # "to degrade and defeat Da'esh": the object hangs on the last verb
            objs = [c for conj in cue.conjuncts if conj.i > cue.i
                    for c in children_of(conj) if c.dep_ == "dobj"]
        out += objs
    if low == "clear" and not out:  # "cleared 15 to 20 percent of the city of enemy forces"
        out += [p for obj in kids if obj.dep_ == "dobj" for t in obj.subtree
                if t.dep_ == "prep" and t.lower_ == "of" and t.head.dep_ == "pobj"
                for p in children_of(t) if p.dep_ == "pobj"]
    if low in ("push", "drive", "beat", "force") and any(c.lower_ in ("back", "out") for c in kids):
        out += [c for c in kids if c.dep_ == "dobj"]  # "pushing ISIL back"
    if low == "deliver" and any(c.lemma_.lower() == "defeat" for c in kids if c.dep_ == "dobj"):
        out += [c for c in kids if c.dep_ == "dative"]  # "deliver ISIL a lasting defeat"
    return out


def stated_relations(sent: Span, ctx: DocContext) -> list[Relation]:
    out: list[Relation] = []
    toks, w = tokens(sent.doc), token_words(sent.doc)
    lemmas, lowers = w.lemma, w.lower
    for i in range(sent.start, sent.end):
        low = lemmas[i]
        if (low not in WAR_NOUNS and low not in _OPPOSING_CUES and low not in _SUPPORTING_CUES
                and lowers[i] != "against"):
            continue  # no war noun, no hostile or supporting word: nothing below would be found
        tok = toks[i]
        out += _war_sides(tok, sent, ctx) if low in WAR_NOUNS else []
        enemies = _opponents_of(tok)
        if enemies and by_peaceful_means(tok):
            enemies = []
        cue = _against_head(tok) if tok.lower_ == "against" else tok
        if enemies:
            opp_heads = {t.i for e in enemies for t in _siblings(e)}
            opponents = [o for e in enemies for o in _parties(e, sent, ctx)
                         if combatant(o) and not _place_beside(o, e, sent)]
            agents = [a for a in _agents(cue, opp_heads, sent, ctx) if a.kind not in NOT_STANCE_KINDS
                      and (a.kind not in NOT_PARTY_KINDS or _fights(cue)) and not individual(a, sent)]
            for a in agents:
                for o in opponents:
                    if not same_actor(a, o):
                        out.append(make_relation("opposes", a, o, sent, evidence=cue))
            if opponents:
                out += _side_by_side(agents, sent, cue)
        allies = _supported(tok)
        if allies:
            helpers = [h for h in _agents(cue, {t.i for e in allies for t in _siblings(e)}, sent, ctx)
                       if h.kind not in NOT_STANCE_KINDS | NOT_PARTY_KINDS and not individual(h, sent)]
            kind = "allied_with" if low in WITH_HEADS else "supports"
            for helper in helpers:
                own = {e.i for e in allies
                       if any(c.dep_ == "poss" and c.pos_ == "PRON" for c in children_of(e))}
                for ally in (a for e in allies if e.i not in own for a in _parties(e, sent, ctx)):
                    if not (same_actor(helper, ally) or ally.kind in NOT_STANCE_KINDS or is_operation(ally)):
                        out.append(make_relation(kind, helper, ally, sent, evidence=cue))
    return out + _fights_supported(out, sent)


def _fights_supported(rels: list[Relation], sent: Span) -> list[Relation]:
    """"Coalition forces conducted strikes in support of the government of Iraq ... against ISIL": the
    side a strike supports is fighting the same enemy (its fight is what the strike supports)."""
    out = []
    for sup in (r for r in rels if r.kind == "supports"):
        for opp in (r for r in rels if r.kind == "opposes" and same_actor(r.source, sup.source)):
            if combatant(sup.target) and not same_actor(sup.target, opp.target):
                out.append(make_relation("opposes", sup.target, opp.target, sent))
                out[-1].evidence_start, out[-1].evidence_end = opp.evidence_start, opp.evidence_end
    return out


def _war_sides(war: Token, sent: Span, ctx: DocContext) -> list[Relation]:
    """"the Iran-Iraq War": the names compounded on a war noun are its sides."""
    sides = [c for c in children_of(war) if c.dep_ == "compound" and c.pos_ == "PROPN"]
    sides += [s for c in sides for s in children_of(c) if s.dep_ == "compound" and s.pos_ == "PROPN"]
    found = (resolve_actor(sent.doc[t.i:t.i + 1], knowledge=ctx.knowledge, doc_actors=ctx.doc_actors)
             for t in sorted(sides, key=lambda t: t.i))
    actors = [a for a in found if is_actor(a)]
    return [make_relation("opposes", a, b, sent, evidence=war)  # type: ignore[arg-type]
            for i, a in enumerate(actors) for b in actors[i + 1:] if not same_actor(a, b)]  # type: ignore[arg-type]


def _place_beside(actor: ActorEntity, head: Token, sent: Span) -> bool:
    """A country coordinated with a group ("to defeat Da'esh in Iraq and Syria" parsed as one list) is
    where the enemy is, not a second enemy: a state named by a place word next to a head that is none."""
    if actor.kind != "state" or actor.start is None or head.ent_type_ in ("GPE", "LOC"):
        return False
    span = sent.doc.char_span(actor.start, actor.end or actor.start, alignment_mode="expand")
    return span is not None and len(span) > 0 and span.root.ent_type_ in ("GPE", "LOC") and span.root != head


def by_peaceful_means(cue: Token) -> bool:
    """The act is done with sanctions, expulsions or votes: pressure, not fighting."""
    return any(p.lemma_.lower() in PEACEFUL_MEANS for c in children_of(cue) if c.dep_ == "prep"
               and c.lower_ in ("with", "through", "by") for p in children_of(c) if p.dep_ == "pobj")


def _fights(cue: Token) -> bool:
    """Words that make their subject a fighter whatever its kind ("the Iraqi people in their fight")."""
    return cue.lemma_.lower() in FIGHT_WORDS


def _side_by_side(agents: list[ActorEntity], sent: Span, cue: Token) -> list[Relation]:
    """Parties coordinated as the subject of one hostile act fight on the same side ("The UK, the wider
    Global Coalition and the Government of Iraq are committed to defeating ..."); parties with a verb
    between them are in different clauses and only share the enemy."""
    out = []
    ordered = sorted((a for a in agents if a.start is not None and a.end is not None),
                     key=lambda a: a.start or 0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if any(t.pos_ in ("VERB", "AUX") for t in span_tokens(sent)
                   if (a.end or 0) <= t.idx < (b.start or 0)):
                continue
            if not same_actor(a, b) and a.kind not in NOT_PARTY_KINDS and b.kind not in NOT_PARTY_KINDS:
                out.append(make_relation("allied_with", a, b, sent, evidence=cue))
    return out


def _supported(cue: Token) -> list[Token]:
    """The heads a support or partnership word names as the side helped or joined."""
    low = cue.lemma_.lower()
    if low not in _SUPPORTING_CUES:
        return []
    kids = list(children_of(cue))
    if low in SUPPORT_NOUNS and cue.pos_ == "NOUN":
        # "in support of Y", "support for Y"; "with the aid of Y" names the helper, handled by its climb
        return [p for c in kids if c.dep_ == "prep" and c.lower_ in ("of", "for", "to")
                for p in children_of(c) if p.dep_ == "pobj"]
    if low in SUPPORT_VERBS and cue.pos_ == "VERB" and not any(c.dep_ == "auxpass" for c in kids):
        return [c for c in kids if c.dep_ == "dobj"]
    if low == "stand" and cue.pos_ == "VERB":  # "The UK stands by Iraq to defeat Daesh"
        return [p for c in kids if c.dep_ == "prep" and c.lower_ in ("by", "with", "behind")
                for p in children_of(c) if p.dep_ == "pobj"]
    if low in WITH_HEADS:
        return [p for c in (kids if cue.pos_ != "ADP" else [cue]) if c.lower_ in ("with", "alongside")
                for p in children_of(c) if p.dep_ == "pobj"]
    return []
