"""eventlens's own spaCy components that are not about actors or places.

- ``eventlens_text_fixes`` (first in the pipeline): a paragraph break ends a sentence, so a headline is
  never glued to the sentence after it; prefixed words split by the tokenizer ("re-organised",
  "co-operate") are merged back into one token so that the tagger and the trigger lexicon see a verb.
- ``eventlens_events`` (last): ``Doc -> Doc._.events / Doc._.relations`` (see ``extract/events.py``).
"""
from __future__ import annotations

from collections.abc import Callable

from spacy.attrs import IS_SPACE, LOWER
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc

from ..settings import Settings
from .doccache import forget

HYPHEN_PREFIXES = {"re", "co", "de", "pre", "non", "counter", "anti", "un", "ex", "post", "mid", "self"}
_PREFIX_IDS = frozenset(get_string_id(word) for word in HYPHEN_PREFIXES)  # the ids ``Doc.to_array`` gives


def register_extensions() -> None:
    for name in ("published", "events", "relations", "places"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


@Language.factory("eventlens_text_fixes", default_config={"merge_prefixes": True},
                  assigns=["token.is_sent_start"])
def make_text_fixes(nlp: Language, name: str, *, merge_prefixes: bool) -> Callable[[Doc], Doc]:
    def text_fixes(doc: Doc) -> Doc:
        # Both passes read one attribute of every token from ``Doc.to_array`` and build Token objects
        # only where it says there may be something to do: a prefix word (by the id of its lower-case
        # form, confirmed on the token) or a space token.
        if merge_prefixes:
            spans = []
            n = len(doc)
            nxt = 0  # the first token not yet merged into a span
            for i, lower in enumerate(doc.to_array(LOWER).tolist()):
                if lower not in _PREFIX_IDS or i < nxt or i + 2 >= n:
                    continue
                a, hyphen, b = doc[i], doc[i + 1], doc[i + 2]
                if (a.lower_ in HYPHEN_PREFIXES and hyphen.text == "-" and not a.whitespace_
                        and not hyphen.whitespace_ and b.is_alpha and b.is_lower):
                    spans.append(doc[i: i + 3])
                    nxt = i + 3
            if spans:
                with doc.retokenize() as retok:
                    for span in spans:
                        retok.merge(span)
        spaces = doc.to_array(IS_SPACE).tolist()
        for i in range(len(spaces) - 1):
            if spaces[i] and "\n" in doc[i].text:
                doc[i + 1].is_sent_start = True
        return doc

    return text_fixes


@Language.factory("eventlens_events", default_config={"actor_files": []},
                  assigns=["doc._.events", "doc._.relations"], requires=["doc._.places"])
def make_events(nlp: Language, name: str, *, actor_files: list[str]) -> Callable[[Doc], Doc]:
    from ..extract.events import DocContext, extract_doc
    from ..extract.ontology import load_ontology
    from ..resolve.actors import DocActors, load_actor_knowledge

    register_extensions()
    knowledge = load_actor_knowledge(Settings(actor_files=tuple(actor_files)))
    ontology = load_ontology()

    def events(doc: Doc) -> Doc:
        forget(doc)  # entities are final from here on; the caches start fresh
        doc_actors = DocActors()
        doc_actors.prepare(doc, knowledge)
        ctx = DocContext(knowledge=knowledge, ontology=ontology, published=doc._.published,
                         places=list(doc._.places or []), doc_actors=doc_actors)
        doc._.events, doc._.relations = extract_doc(doc, ctx)
        forget(doc)  # a Doc the caller keeps does not keep the caches too
        return doc

    return events
