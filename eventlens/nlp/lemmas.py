"""spaCy's rule ``lemmatizer`` with its answer kept per (word, part of speech, features).

The rule lemmatizer's answer for a token depends only on its form, part of speech and morphological
features (``Lemmatizer.rule_lemmatize`` keys its own cache on exactly these), but it is asked through
a Python call per token. This version reads those three columns and the lemmas already set in one
array, asks the same lemmatizer once per distinct row and writes the lemmas back in one array:
identical lemmas (``tests/test_attributes.py`` compares them on real text), a fraction of the cost.
"""
from __future__ import annotations

from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.language import Language
from spacy.tokens import Doc

from .attributes import replace_pipe

_MEMO_SIZE = 200_000  # distinct (word, part of speech, features) rows remembered; then it starts again


class IndexedLemmatizer:
    """Callable on a Doc; made from a loaded rule ``Lemmatizer`` by :func:`use_indexed_lemmatizer`."""

    def __init__(self, lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self.strings = lemmatizer.vocab.strings
        self.overwrite = bool(lemmatizer.overwrite)
        self._memo: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        lem = self.lemmatizer
        if not lem._validated:
            lem._validate_tables()
        rows = doc.to_array([ORTH, POS, MORPH, LEMMA])
        lemmas = rows[:, 3].copy()
        memo = self._memo
        for i, (orth, pos, morph, lemma) in enumerate(rows.tolist()):
            if lemma and not self.overwrite:
                continue
            key = (orth, pos, morph)
            found = memo.get(key)
            if found is None:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                found = memo[key] = self.strings.add(lem.lemmatize(doc[i])[0])
            lemmas[i] = found
        doc.from_array([LEMMA], lemmas.reshape(-1, 1))
        return doc


def use_indexed_lemmatizer(nlp: Language, name: str = "lemmatizer") -> bool:
    """Replace the pipeline's rule lemmatizer by its indexed form; False when it is kept as it is (not
    there, another mode, or a lemmatizer of another kind)."""
    if name not in nlp.pipe_names:
        return False
    lemmatizer = nlp.get_pipe(name)
    from spacy.pipeline import Lemmatizer

    if not isinstance(lemmatizer, Lemmatizer) or getattr(lemmatizer, "mode", None) != "rule":
        return False
    replace_pipe(nlp, name, IndexedLemmatizer(lemmatizer))
    return True
