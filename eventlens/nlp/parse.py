"""The dependency parser and the entity recogniser, run by the compiled loop in ``_greedy``.

Same model, same weights, same C loop as spaCy's own ``greedy_parse``, so the same heads, labels,
sentences and entities; only the GIL is held through the loop. Where the module was not built (no C++
compiler at install), or the component is not a greedy spaCy parser, the component is left as it is.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

log = logging.getLogger(__name__)

try:
    from eventlens.nlp import _greedy
except ImportError:  # built without a compiler
    _greedy = None


def available() -> bool:
    """True when the compiled loop is installed and was built for this spaCy."""
    return _greedy is not None and spacy.__version__ == _greedy.SPACY_VERSION


class HeldParse:
    """Runs ``parser`` (spaCy's ``DependencyParser`` or ``EntityRecognizer``) through ``_greedy``."""

    def __init__(self, parser) -> None:
        self.parser = parser

    def _states(self, docs: list[Doc]):
        if not any(len(doc) for doc in docs):
            return self.parser.moves.init_batch(docs)
        return _greedy.greedy_parse(self.parser, docs)

    def __call__(self, doc: Doc) -> Doc:
        for _ in self.pipe([doc], batch_size=1):
            pass
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        handler = self.parser.get_error_handler()
        for docs in minibatch(stream, size=batch_size):
            try:
                self.parser.set_annotations(docs, self._states(docs))
                yield from docs
            except Exception as e:
                handler(self.parser.name, self.parser, docs, e)


def use_held_parse(nlp: Language, names: tuple[str, ...] = ("parser", "ner")) -> list[str]:
    """Run the named greedy parsers of ``nlp`` through the compiled loop; the names replaced."""
    from spacy.pipeline.transition_parser import Parser
    from thinc.api import CupyOps

    from eventlens.nlp.attributes import replace_pipe

    if not available():
        log.warning("eventlens's compiled parse loop is not installed (it is built at install when a C++ "
                    "compiler and Python's headers are there); spaCy's own loop is used: the same output, "
                    "the parser and entity recogniser about twice as slow")
        return []
    done = []
    for name in names:
        if name not in nlp.pipe_names:
            continue
        parser = nlp.get_pipe(name)
        if (not isinstance(parser, Parser) or parser.cfg.get("beam_width", 1) != 1
                or isinstance(parser.model.ops, CupyOps)):
            continue
        replace_pipe(nlp, name, HeldParse(parser))
        done.append(name)
    return done
