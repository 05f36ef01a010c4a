"""Participant phrase -> actor: a named actor, a country's state or institution, or what context gives.

``resolve_actor`` reads the phrase the event extractor hands over ("the Assad regime", "Iraqi
proxies", "thousands of IRGC and Army troops") in this order:

1. a named actor whose name covers the head word ("the Free Syrian Army", "Shabiha militias");
2. a person's name, remembered per article by ``DocActors`` so that "Soleimani" after "Qasem
   Soleimani" and "Ellwood" after "Tobias Ellwood" are the same actor;
3. a generic head word (``actor_roles.json``: "troops", "regime", "protesters", "general") whose owner
   comes from its modifiers: a country word ("Iranian general" -> IRN MIL), a named actor
   ("Assad's forces" -> SYR MIL; "Hezbollah fighters" -> Hezbollah), a capital ("Khartoum
   government"), or, for local actors such as protesters, the article's dominant country;
4. a country word: a country used as an agent is its state ("backed by Russia"), a plural demonym its
   civilians ("Syrians");
5. other names the tagger calls PERSON or ORG become actors without an id.

A place is never an actor: a head inside a place that ``eventlens_places`` found, a GPE/LOC entity
that is not a country, a name with an Arabic toponym prefix ("Maarat al Numan", "Kafr Nabl") or in
apposition to "city"/"town" returns None. Where this fails: a country in a locative phrase ("in
Syria") is dropped even when the writer meant its government, and a capital is taken for its
government only when it is a grammatical subject ("Moscow denied ...").
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Span, Token

from ..nlp.doccache import (
    children_of,
    doc_ents,
    doc_text,
    ent_at,
    head_ids,
    memo,
    span_tokens,
    token_words,
    tokens,
)
from ..records import ActorEntity
from .actor_context import (
    NO_COUNTRY_CODES,
    PLACE_LABELS,
    context_country,
    locate,
    sentence_countries,
    unattributed_attacker,
)
from .actor_knowledge import Actor, ActorKnowledge, Role, fold, load_actor_knowledge

__all__ = ["ActorKnowledge", "DocActors", "context_country", "load_actor_knowledge", "locate",
           "resolve_actor", "sentence_countries", "split_coordination", "unattributed_attacker"]

log = logging.getLogger(__name__)

# "to", "at", "with", "against" often mark a recipient ("aid to Lebanon"), so they are not here
LOCATIVE_PREPS = frozenset({"in", "into", "inside", "within", "across", "throughout", "from", "near",
                            "around", "through"})
CLAUSE_DEPS = frozenset({"relcl", "acl", "advcl", "appos", "ccomp", "xcomp", "prep_clause"})
NAME_PARTICLES = frozenset({"al", "el", "bin", "ibn", "abu", "van", "von", "de", "da", "di", "du", "la"})
GENERATED_SECTORS = frozenset({"GOV", "MIL", "COP", "CVL"})
NAMED_LABELS = frozenset({"PERSON", "ORG", "NORP"})


@dataclass
class _Match:
    start: int  # token indices
    end: int
    actor: Actor | None = None
    country: tuple[str, str] | None = None  # (iso3, form)
    capital: str | None = None


class DocActors:
    """Per-article memory: persons by their name variants, and the article's dominant country.

    Made once per article and handed to every ``resolve_actor`` call for that article. It notices a new
    Doc by itself and starts afresh, so reusing one instance across articles is safe but forgets.

    It also keeps what ``resolve_actor`` answered for each phrase: the extractor asks for the same
    phrase as a participant, an antecedent, a speaker and a relation end. An answer depends on the
    phrase, the knowledge and the persons remembered so far, so it is kept under the phrase's token
    range and ``version``, which counts the changes to the persons.
    """

    def __init__(self) -> None:
        self._doc: Doc | None = None
        self._persons: dict[str, ActorEntity] = {}
        self._dominant: str | None = None
        self.version = 0
        self.resolved: dict[tuple[int, int, int], ActorEntity | None] = {}
        self.resolved_with: ActorKnowledge | None = None

    @property
    def doc(self) -> Doc | None:
        return self._doc

    def prepare(self, doc: Doc, knowledge: ActorKnowledge) -> None:
        if doc is self._doc:
            if knowledge is not self.resolved_with:
                self.resolved, self.resolved_with = {}, knowledge
            return
        self._doc = doc
        self._persons = {}
        self.resolved, self.resolved_with = {}, knowledge
        counts: Counter[str] = Counter()
        toks, texts = tokens(doc), token_words(doc).text
        for i, text in enumerate(texts):
            if text[:1].isupper() and toks[i].is_alpha:
                hit = knowledge.country_word(text)
                if hit:
                    counts[hit[0]] += 1
        for ent in doc_ents(doc):
            if (ent.label_ == "PERSON" and len(ent) > 1 and not ent.ent_id_
                    and not _is_place(ent.root, knowledge)):
                person = ActorEntity(entity_text=ent.text, name=_clean_name(ent), kind="person")
                self.remember(ent.text, person, overwrite=False)
        total = sum(counts.values())
        top = counts.most_common(2)
        self._dominant = None
        if top and top[0][1] >= 2 and top[0][1] >= 0.35 * total and (len(top) == 1 or top[0][1] > top[1][1]):
            self._dominant = top[0][0]

    @property
    def dominant_country(self) -> str | None:
        """The country the article is mostly about (most mentioned, clearly ahead), or None."""
        return self._dominant

    def remember(self, name: str, entity: ActorEntity, *, overwrite: bool = True) -> None:
        for key in _name_keys(name):
            if overwrite or key not in self._persons:
                if self._persons.get(key) != entity:
                    self.version += 1
                self._persons[key] = entity

    def person(self, name: str) -> ActorEntity | None:
        return self._persons.get(fold(name))


def _name_keys(name: str) -> list[str]:
    words = fold(name).split()
    keys = [" ".join(words)]
    if len(words) > 1:
        keys.append(words[-1])
        if len(words) > 2 and words[-2] in NAME_PARTICLES:
            keys.append(" ".join(words[-2:]))
    return keys


def _clean_name(span: Span) -> str:
    toks = [t for t in span_tokens(span) if not (t.i == span.start and t.lower_ in ("the", "a", "an"))]
    while toks and toks[-1].text in ("'s", "’s", "'"):
        toks.pop()
    return "".join(t.text_with_ws for t in toks).strip()


def _strip(span: Span) -> Span:
    start, end = span.start, span.end
    doc = span.doc
    toks = tokens(doc)
    while (start < end and (toks[start].is_punct or toks[start].is_space)
           and toks[start].text not in ("'", "’")):
        start += 1
    while end > start and (toks[end - 1].is_punct or toks[end - 1].is_space):
        end -= 1
    if start == span.start and end == span.end:
        return span  # nothing to strip; the resolver reads a span's words and offsets, never its label
    return doc[start:end]


def split_coordination(span: Span) -> list[Span]:
    """"Russia and Iran" -> [Russia, Iran]: one span per conjunct of the phrase's head.

    Coordinated modifiers ("IRGC and Army troops") are one phrase and are not split. Kept per Doc and
    token range: a phrase is split for its own actors and again for each conjunct's.
    """
    key = ("split_coordination", span.start, span.end)
    table = memo(span.doc)
    parts = table.get(key)
    if parts is None:
        parts = table[key] = _split_coordination(span)
    return list(parts)


def _split_coordination(span: Span) -> list[Span]:
    span = _strip(span)
    if not len(span):
        return []
    root = span.root
    heads = [root, *(t for t in root.conjuncts if span.start <= t.i < span.end)]
    if len(heads) == 1:
        return [span]
    doc = span.doc
    parts: list[Span] = []
    for head in sorted(heads, key=lambda t: t.i):
        others = [h for h in heads if h is not head and head.is_ancestor(h)]
        excluded = {t.i for h in others for t in h.subtree}
        keep = [t.i for t in head.subtree if span.start <= t.i < span.end and t.i not in excluded
                and not (t.dep_ in ("cc", "preconj", "punct") and t.head in heads)]
        if not keep:
            continue
        start, end = min(keep), max(keep) + 1
        # the kept words are contiguous up to the first conjunct; cut there
        for i in range(start, end):
            if i in excluded or (doc[i].dep_ in ("cc", "punct") and doc[i].head in heads):
                end = i
                break
        part = _strip(doc[start:end])
        if len(part):
            parts.append(part)
    return parts or [span]


def _head(span: Span, knowledge: ActorKnowledge) -> Token:
    """The head noun, looking through quantities: "thousands of IRGC troops" -> troops."""
    head = span.root
    heads = head_ids(span.doc)
    tops = [t for t in span_tokens(span) if not (span.start <= heads[t.i] < span.end) or heads[t.i] == t.i]
    if len(tops) > 1:  # a fragment of a phrase ("Panamanian army" of "Panamanian army officers")
        nominal = [t for t in tops if t.pos_ in ("NOUN", "PROPN")]
        head = (nominal or tops)[-1]
    for _ in range(4):
        if not (head.lower_ in knowledge.quantity_heads or head.like_num or head.ent_type_ == "CARDINAL"):
            break
        nxt = next((g for c in children_of(head) if c.dep_ == "prep" and c.lower_ == "of"
                    for g in children_of(c) if g.dep_ == "pobj" and span.start <= g.i < span.end), None)
        if nxt is None:
            break
        head = nxt
    return head


def _matches(span: Span, knowledge: ActorKnowledge, year: int | None) -> list[_Match]:
    """Named actors, country words and capitals in the span, longest first, not overlapping.

    The phrases of one sentence overlap, so the longest match starting at a token (up to where the
    phrase ends) is kept per Doc and read again for the next phrase."""
    doc = span.doc
    table = memo(doc)
    found: list[_Match] = []
    longest = max(knowledge.names.max_words, knowledge.country_words.max_words)
    i = span.start
    while i < span.end:
        key = ("actors.match", i, min(span.end, i + longest), year, id(knowledge))
        kept = table.get(key)
        if kept is None or kept[0] is not knowledge:
            kept = table[key] = (knowledge, _match_at(doc, i, key[2], knowledge, year))
        hit = kept[1]
        if hit is not None:
            found.append(hit)
            i = hit.end
        else:
            i += 1
    return found


def _match_at(doc: Doc, i: int, stop: int, knowledge: ActorKnowledge, year: int | None) -> _Match | None:
    """The longest name, country word or capital that starts at token ``i`` and ends by ``stop``.

    A capital counts only where the first token is in a place entity, so the capital index is not
    asked elsewhere (the lookups are pure: the answer is the same)."""
    toks, words = tokens(doc), token_words(doc).text
    text_of = doc_text(doc)
    start = toks[i].idx
    in_place = toks[i].ent_type_ in PLACE_LABELS
    for j in range(stop, i, -1):
        last = toks[j - 1]
        word = words[j - 1]
        if j - 1 > i and word != "." and last.is_punct:
            continue
        text = text_of[start:last.idx + len(word)]  # doc[i:j].text
        actor = knowledge.named(text, year=year)
        if actor is not None:
            return _Match(i, j, actor=actor)
        country = knowledge.country_word(text)
        if country is not None and not _inside_person_name(doc, i, j, knowledge):
            return _Match(i, j, country=country)
        if in_place:
            capital = knowledge.capital(text)
            if capital is not None:
                return _Match(i, j, capital=capital)
    return None


def _inside_person_name(doc: Doc, start: int, end: int, knowledge: ActorKnowledge) -> bool:
    """"Jordan" in "Michael Jordan" is no country; "Bosnian Serbs", tagged PERSON, is no name."""
    ent_type = doc[start].ent_type_
    if ent_type != "PERSON":
        return False
    ent = ent_at(doc, start)
    if ent is None or len(ent) <= end - start:
        return False
    return not all(knowledge.country_word(t.text) for t in ent if t.is_alpha)


def _clause_tokens(head: Token, span: Span) -> set[int]:
    """Tokens of clauses hanging off the head (relative clauses, appositions): context, not owner."""
    return {t.i for c in children_of(head) if c.dep_ in CLAUSE_DEPS for t in c.subtree
            if span.start <= t.i < span.end}


def _role_of(tok: Token, knowledge: ActorKnowledge, span: Span) -> Role | None:
    keys = []
    if tok.i - 1 >= span.start:
        prev = tok.doc[tok.i - 1].lower_
        keys += [f"{prev} {tok.lower_}", f"{prev} {tok.lemma_.lower()}"]
    keys += [tok.lower_, tok.lemma_.lower()]
    return knowledge.role(*keys)


def _is_place(head: Token, knowledge: ActorKnowledge) -> bool:
    doc = head.doc
    for start, end in _place_ranges(doc):
        if start <= head.idx < end:
            return True
    ent = ent_at(doc, head.i)
    if ent is not None and ent.label_ in PLACE_LABELS:
        return True
    first = ent[0] if ent is not None else head
    if first.pos_ == "PROPN" and fold(first.text) in knowledge.toponym_prefixes:
        return True
    return any(c.dep_ == "appos" and c.lemma_.lower() in knowledge.place_nouns for c in children_of(head))


def _place_ranges(doc: Doc) -> list[tuple[int, int]]:
    """Character ranges of the Doc's places other than countries, read once per Doc (the places are
    final before extraction starts)."""
    table = memo(doc)
    ranges = table.get("actors.place_ranges")
    if ranges is None:
        places = doc._.places if Doc.has_extension("places") else None
        ranges = table["actors.place_ranges"] = [
            (p.start, p.end) for p in places or () if getattr(p, "resolution", None) != "country"]
    return ranges  # type: ignore[no-any-return]


def _published_year(doc: Doc) -> int | None:
    table = memo(doc)
    if "actors.year" not in table:
        published = doc._.published if Doc.has_extension("published") else None
        table["actors.year"] = getattr(published, "year", None)
    return table["actors.year"]  # type: ignore[no-any-return]


def _entity(span: Span, **fields: object) -> ActorEntity:
    return ActorEntity(entity_text=span.text, start=span.start_char, end=span.end_char, **fields)  # type: ignore[arg-type]


def _from_actor(actor: Actor, span: Span) -> ActorEntity:
    return actor.entity(span.text, span.start_char, span.end_char)


def _code(country: str | None, sector: str | None, suffix: str = "") -> str | None:
    code = (country or "") + (sector or "") + suffix
    return code or None


def _head_phrase(head: Token, span: Span, skip: set[int]) -> Span:
    """The head with its left modifiers: the name of an actor that has no entry ("Shia mercenaries")."""
    left = head.i
    for tok in reversed(list(head.lefts)):
        if tok.i in skip or tok.dep_ in ("det", "predet", "nummod", "quantmod") or tok.i < span.start:
            break
        left = tok.left_edge.i if tok.left_edge.i >= span.start else tok.i
    return span.doc[left:head.i + 1]


def _compose(span: Span, head: Token, role: Role, *, matches: list[_Match], knowledge: ActorKnowledge,
             doc_actors: DocActors) -> ActorEntity:
    """A generic head word plus what modifies it: whose troops, which country's regime."""
    doc = span.doc
    skip = _clause_tokens(head, span)
    mods = [m for m in matches if m.start not in skip and not (m.start <= head.i < m.end)]
    org = next((m.actor for m in mods if m.actor is not None and m.actor.type in ("org", "generic")), None)
    person = next((m.actor for m in mods if m.actor is not None and m.actor.type == "person"), None)
    country = next((m.country[0] for m in mods if m.country is not None), None)
    country = country or next((m.capital for m in mods if m.capital is not None), None)
    if role.member and org is not None:
        return _from_actor(org, span)
    if org is not None and role.sector == "GOV" and not role.person and org.kind in ("igo", "ngo", "media"):
        return _from_actor(org, span)  # "Red Cross officials" speak for the Red Cross, not a government
    sector, kind = role.sector, role.kind
    owner = org or person
    if owner is not None:
        country = country or owner.country
        if role.person and org is not None:
            sector, kind = org.sector, org.kind
    affil_words = [t for t in doc[span.start:head.i] if t.i not in skip]
    suffix = ""
    for tok in affil_words:
        affil = knowledge.affiliations.get(tok.lower_) or knowledge.affiliations.get(tok.lemma_.lower())
        if affil is not None and (role.person or role.member or affil.sector == "ELI"):
            sector = affil.sector or sector
            kind = affil.kind or kind
        ethnic = knowledge.ethnoreligious.get(fold(tok.text))
        if ethnic:
            suffix = ethnic
            if kind == "political_militia":
                kind = "identity_militia"
    if country is None and role.context_country and org is None:
        country = doc_actors.dominant_country
    if not suffix and not role.person and kind == role.kind:
        generated = knowledge.country_actor(country, sector) if sector in GENERATED_SECTORS else None
        if generated is not None:
            return _from_actor(generated, span)
    name = _clean_name(_head_phrase(head, span, skip))
    if country is None and owner is not None and (owner.code or "")[:3] in NO_COUNTRY_CODES:
        # "the U.N. war crimes court", "U.N. helicopters": the organisation's, coded as CAMEO codes it
        return _entity(span, name=name, code=(owner.code or "")[:3] + (sector or ""), country=None,
                       sector=sector, kind=owner.kind)
    return _entity(span, name=name, code=_code(country, sector, suffix), country=country, sector=sector,
                   kind=kind)


def _titled(span: Span, ent: Span, knowledge: ActorKnowledge) -> bool:
    """"King Hassan", "President Dos Santos": a title makes a name a person even where the gazetteer
    knows a town of that name."""
    return any((r := knowledge.role(t.lower_)) is not None and r.person
               for t in span_tokens(span) if t.i < ent.start)


def _person(span: Span, ent: Span, matches: list[_Match], knowledge: ActorKnowledge,
            doc_actors: DocActors) -> ActorEntity:
    """A name the tagger calls PERSON: remembered per article; titles before it say whose."""
    name = _clean_name(ent)
    known = doc_actors.person(name)
    head = ent.root
    title_toks = [t for t in span_tokens(span) if t.i < ent.start or t.i in _clause_tokens(head, span)]
    clause = _clause_tokens(head, span)
    # "King Hassan of Morocco", "President Assad of Syria": the country after "of" is whose he is
    clause |= {t.i for c in children_of(head) if c.dep_ == "prep" and c.lower_ == "of" for t in c.subtree}
    country = next((m.country[0] for m in matches
                    if m.country is not None and (m.end <= ent.start or m.start in clause)), None)
    org = next((m.actor for m in matches
                if m.actor is not None and m.start not in range(ent.start, ent.end)), None)
    sector = kind = None
    for tok in title_toks:
        role = knowledge.role(tok.lower_, tok.lemma_.lower())
        if role is not None and (role.person or sector is None):
            sector, kind = role.sector, role.kind
    if org is not None:
        country = country or org.country
        # the organisation a titled person speaks for wins over a rank word in the title
        # ("Arab League Secretary General X" is the League's, not a general)
        if org.type != "person" and (sector in (None, "GOV")
                                     or org.sector in ("REB", "UAF", "OPP", "IGO", "NGO", "MED")):
            sector, kind = org.sector, org.kind
    for tok in title_toks:
        affil = knowledge.affiliations.get(tok.lower_)
        if affil is not None and affil.sector:
            sector, kind = affil.sector, affil.kind or kind
    if known is not None and sector is None and country is None:
        return replace(known, entity_text=span.text, start=span.start_char, end=span.end_char)
    if known is not None:
        name = known.name or name
    entity = _entity(span, name=name, code=_code(country, sector), country=country, sector=sector,
                     kind=kind or "person")
    doc_actors.remember(name, replace(entity, entity_text=name))
    return entity


def _national_noun(head: Token, matches: list[_Match], span: Span) -> str | None:
    """The country of a people noun the role words do not know, by its nationality adjective:
    "Algerian landowners", "Palestinian youths", "Afghan guerillas", "US Predator attacks". Only for
    nouns (not names) that are plural or name a person by its suffix, so "Iraqi oil" stays a thing."""
    if head.pos_ != "NOUN" or not (head.tag_ == "NNS" or head.lower_.endswith(_PERSON_SUFFIXES)):
        return None
    for m in matches:
        if m.country is None or m.country[1] == "plural" or m.end > head.i:
            continue
        if m.country[1] == "name" and span.doc[m.end - 1].dep_ != "compound":
            continue  # "US Predator attacks" as "American attacks"; not "Iraq's oil"
        if any(head.i in (t.head.i, t.head.head.i) for t in span.doc[m.start:m.end]):
            return m.country[0]
    return None


_PERSON_SUFFIXES = ("er", "or", "ist", "ian", "ant", "ent", "man", "men", "ee")


def resolve_actor(span: Span, *, knowledge: ActorKnowledge, doc_actors: DocActors) -> ActorEntity | None:
    """The actor a participant phrase names, with its exact words and offsets, or None if it is none.

    None for things ("hospitals", "civilian infrastructure", "the country") and for places ("Idlib").
    For a coordination ("Russia and Iran") this resolves the first conjunct; call
    ``split_coordination`` first to get all of them.
    """
    if span.doc is not doc_actors.doc or knowledge is not doc_actors.resolved_with:
        return _resolve_actor(span, knowledge, doc_actors)  # prepares doc_actors for this Doc
    key = (span.start, span.end, doc_actors.version)
    if key in doc_actors.resolved:
        known = doc_actors.resolved[key]
        return _copy(known) if known is not None else None
    actor = _resolve_actor(span, knowledge, doc_actors)
    if doc_actors.version == key[2]:  # the answer did not change what is remembered: it holds until then
        doc_actors.resolved[key] = _copy(actor) if actor is not None else None
    return actor


def _copy(actor: ActorEntity) -> ActorEntity:
    """``copy.copy(actor)`` (a new object with the same attribute dictionary) without the generic
    reduce protocol: a kept answer is copied each time it is handed out."""
    new = type(actor).__new__(type(actor))
    new.__dict__.update(actor.__dict__)
    return new


def _resolve_actor(span: Span, knowledge: ActorKnowledge, doc_actors: DocActors) -> ActorEntity | None:
    span = _strip(span)
    if not len(span):
        return None
    doc = span.doc
    doc_actors.prepare(doc, knowledge)
    conjuncts = split_coordination(span)
    if len(conjuncts) > 1:
        span = conjuncts[0]
    head = _head(span, knowledge)
    if head.pos_ == "PRON":
        return None
    year = _published_year(doc)
    matches = _matches(span, knowledge, year)
    covering = next((m for m in matches if m.start <= head.i < m.end), None)

    # 1. a named actor whose name covers the head (or that the entity ruler found around it, when the
    # phrase is cut inside the name: "Sheikh Hamad" of "Sheikh Hamad bin Khalifa al-Thani")
    tagged = knowledge.get(head.ent_id_) if head.ent_id_ else None
    if covering is None and tagged is not None and tagged.type != "generic":
        if tagged.type == "person":
            doc_actors.remember(tagged.name, tagged.entity(tagged.name))
        return _from_actor(tagged, span)
    if covering is not None and covering.actor is not None:
        actor = covering.actor
        if actor.type == "person":
            doc_actors.remember(doc[covering.start:covering.end].text, actor.entity(actor.name))
        return _from_actor(actor, span)

    # 2. a person's name
    ent = ent_at(doc, head.i)
    if (covering is None and ent is not None and ent.label_ == "PERSON"
            and (not _is_place(head, knowledge) or _titled(span, ent, knowledge))):
        return _person(span, ent, matches, knowledge, doc_actors)

    if (covering is None and head.pos_ == "PROPN" and (ent is None or ent.label_ in NAMED_LABELS)
            and not _is_place(head, knowledge)):
        # a surname the tagger missed as a person, named in full earlier ("Ellwood" after "Tobias Ellwood")
        known = doc_actors.person(_clean_name(ent) if ent is not None else head.text)
        if known is not None:
            return replace(known, entity_text=span.text, start=span.start_char, end=span.end_char)

    # 3. a country word as the head
    if covering is not None and covering.country is not None:
        iso3, form = covering.country
        if form == "plural":
            home = next((m.country[0] for m in matches if m.end == covering.start and m.country is not None
                         and m.country[1] != "plural" and m.country[0] != iso3), None)
            if home is not None:
                # "Bosnian Serbs", "Kosovo Albanians": a people counted where it lives, with its identity
                ethnic = knowledge.ethnoreligious.get(fold(head.lemma_)) or iso3
                return _entity(span, name=_clean_name(span), code=home + "CVL" + ethnic, country=home,
                               sector="CVL", kind="civilians")
            generated = knowledge.country_actor(iso3, "CVL")
            return _from_actor(generated, span) if generated else None
        if head.dep_ == "pobj" and head.head.lower_ in LOCATIVE_PREPS and head.head.dep_ != "agent":
            return None  # "in Syria", "from Afghanistan": a place
        state = knowledge.country_actor(iso3, None)
        return _from_actor(state, span) if state else None
    if covering is not None and covering.capital is not None:
        if head.dep_ in ("nsubj", "nsubjpass", "poss") or (head.dep_ == "pobj" and head.head.lower_ == "by"):
            generated = knowledge.country_actor(covering.capital, "GOV")
            return _from_actor(generated, span) if generated else None
        return None

    # 4. a generic actor word, owned by what modifies it
    role = _role_of(head, knowledge, span)
    if role is not None and not (ent is not None and ent.label_ in PLACE_LABELS):
        return _compose(span, head, role, matches=matches, knowledge=knowledge, doc_actors=doc_actors)

    # ethnic or religious group as a plural noun ("Kurds", "Sunnis")
    ethnic = knowledge.ethnoreligious.get(fold(head.lemma_)) or knowledge.ethnoreligious.get(fold(head.text))
    if ethnic and head.tag_ in ("NNS", "NNPS"):
        country = next((m.country[0] for m in matches if m.country), None) or doc_actors.dominant_country
        return _entity(span, name=_clean_name(span), code=_code(country, "CVL", ethnic), country=country,
                       sector="CVL", kind="civilians")

    # 5. a place is never an actor; other names are actors without an id
    if _is_place(head, knowledge):
        return None
    national = _national_noun(head, matches, span)
    if national is not None:
        return _entity(span, name=_clean_name(_head_phrase(head, span, _clause_tokens(head, span))),
                       code=national, country=national, sector=None, kind=None)
    if ent is not None and ent.label_ == "ORG":
        country = next((m.country[0] for m in matches if m.country), None)
        # the organisation's head noun ("Association of African Jurists"), else a title before the name
        inner = _role_of(ent.root, knowledge, ent) or next(
            (r for t in ent if (r := knowledge.role(t.lower_, t.lemma_.lower())) is not None), None) or next(
            (r for t in span_tokens(span) if t.i < ent.start and (r := knowledge.role(t.lower_)) is not None),
            None)
        sector = inner.sector if inner else None
        return _entity(span, name=_clean_name(ent), code=_code(country, sector), country=country,
                       sector=sector, kind=inner.kind if inner else None)
    return None


def resolve_actors(span: Span, *, knowledge: ActorKnowledge, doc_actors: DocActors) -> list[ActorEntity]:
    """Every actor of a coordinated phrase ("backed by Russia and Iran" -> Russia, Iran)."""
    out = []
    for part in split_coordination(span):
        actor = resolve_actor(part, knowledge=knowledge, doc_actors=doc_actors)
        if actor is not None:
            out.append(actor)
    return out
