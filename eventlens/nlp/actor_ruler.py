"""``eventlens_actors``: an entity ruler built from the actor knowledge, placed after ``ner``.

The small English model gets conflict names wrong ("Soleimani" comes out as GPE, "Shabiha" as NORP);
the knowledge knows better, so every name or alias of a named actor becomes an entity with the right
label (PERSON for persons, ORG for organisations) and ``ent.ent_id_`` set to the actor id. Matched
entities replace the model's overlapping ones (``overwrite``). Country names and generic words
("rebels") are left to the model and to the resolver.

Matching uses two ``PhraseMatcher``s: one on LOWER for names, one on ORTH for short all-caps
abbreviations ("HTS", "SDF", "IS"), which must not match common words. A lower-case match of a
capitalised name ("amnesty" for "Amnesty") is dropped by asking the knowledge for the matched words
again, which applies the same case rule as the resolver. Arabic names are matched with their article
joined by a space or a hyphen ("al-Thani", "Al Thani").
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from ..resolve.actor_knowledge import ActorKnowledge, is_abbreviation, load_actor_knowledge
from ..settings import Settings

log = logging.getLogger(__name__)

LABELS = {"person": "PERSON", "org": "ORG", "generic": "ORG"}


_PARTICLE_SPACE = re.compile(r"\b([Aa]l|[Ee]l|[Aa]d|[Aa]s|[Aa]sh|[Aa]r)[ -](?=[A-Z])")


def _spellings(alias: str) -> list[str]:
    """An Arabic name is written with its article joined by a hyphen or a space ("Hamad bin Khalifa
    al-Thani", "Al Thani"); the tokenizer splits the hyphen, so the matcher needs both forms. The knowledge
    folds hyphens to spaces, so either form resolves to the same actor."""
    forms = [alias]
    if _PARTICLE_SPACE.search(alias):
        forms.append(_PARTICLE_SPACE.sub(lambda m: m.group(1) + "-", alias))
        forms.append(_PARTICLE_SPACE.sub(lambda m: m.group(1) + " ", alias))
    return list(dict.fromkeys(forms))


class ActorRuler:
    """Tags the names of known actors as entities carrying the actor id."""

    def __init__(self, nlp: Language, knowledge: ActorKnowledge, *, overwrite: bool = True) -> None:
        self.knowledge = knowledge
        self.overwrite = overwrite
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        lower: dict[str, list[Doc]] = {}
        exact: dict[str, list[Doc]] = {}
        for alias, actor in knowledge.ruler_patterns():
            table = exact if is_abbreviation(alias) else lower
            for form in _spellings(alias):
                table.setdefault(actor.id, []).append(nlp.make_doc(form))
        for actor_id, docs in lower.items():
            self.lower.add(actor_id, docs)
        for actor_id, docs in exact.items():
            self.exact.add(actor_id, docs)
        log.debug("actor ruler: %d actors by name, %d by abbreviation", len(lower), len(exact))

    def spans(self, doc: Doc) -> list[Span]:
        year = getattr(doc._.published, "year", None) if Doc.has_extension("published") else None
        found: list[Span] = []
        for match_id, start, end in [*self.lower(doc), *self.exact(doc)]:
            actor_id = doc.vocab.strings[match_id]
            span = doc[start:end]
            actor = self.knowledge.named(span.text, year=year)
            if actor is None:
                continue  # a capitalised name found in lower case: a common word
            if actor.id != actor_id and self.knowledge.get(actor_id) is not None:
                # the same words name several actors: the knowledge picked one (valid in that year)
                actor_id = actor.id
            label = LABELS.get(actor.type, "ORG")
            found.append(Span(doc, start, end, label=label, span_id=actor_id))
        return filter_spans(found)

    def __call__(self, doc: Doc) -> Doc:
        new = self.spans(doc)
        if not new:
            return doc
        taken = {i for span in new for i in range(span.start, span.end)}
        if self.overwrite:
            kept = [e for e in doc.ents if not any(i in taken for i in range(e.start, e.end))]
            doc.ents = sorted([*kept, *new], key=lambda s: s.start)
        else:
            old = {i for e in doc.ents for i in range(e.start, e.end)}
            extra = [s for s in new if not any(i in old for i in range(s.start, s.end))]
            doc.ents = sorted([*doc.ents, *extra], key=lambda s: s.start)
        return doc


@Language.factory("eventlens_actors", default_config={"actor_files": [], "overwrite": True},
                  assigns=["doc.ents", "token.ent_type", "token.ent_id"], requires=["doc.ents"])
def make_actor_ruler(nlp: Language, name: str, *, actor_files: list[str],
                     overwrite: bool) -> Callable[[Doc], Doc]:
    knowledge = load_actor_knowledge(Settings(actor_files=tuple(actor_files)))
    return ActorRuler(nlp, knowledge, overwrite=overwrite)


def add_actor_ruler(nlp: Language, settings: Settings | None = None) -> Language:
    """Add ``eventlens_actors`` after ``ner`` (or last if the pipeline has no ``ner``)."""
    settings = settings or Settings()
    config = {"actor_files": list(settings.actor_files)}
    if "ner" in nlp.pipe_names:
        nlp.add_pipe("eventlens_actors", after="ner", config=config)
    else:
        nlp.add_pipe("eventlens_actors", last=True, config=config)
    return nlp
