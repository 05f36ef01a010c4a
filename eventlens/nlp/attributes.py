"""spaCy's ``attribute_ruler`` with its patterns indexed by tag and word.

The English pipelines map every fine-grained tag to its part of speech and features, and a few
words to lemmas, with an ``AttributeRuler``: a ``Matcher`` of 179 patterns that tries each one at
every token. That is as dear as the tagger and the parser together. Almost every pattern starts
with an exact tag or word, so this version looks the candidates up by the token's tag and lower
form and tests only those, then sets the attributes exactly as the ruler does: every match found on
the unchanged Doc first, applied in the ruler's order (later patterns win), through spaCy's own
``set_token_attrs``. The annotations are identical (``tests/test_attributes.py`` compares every
token's tag, part of speech, features and lemma on real text).

A ruler whose patterns use anything this does not read (operators, other attributes, other
predicates than equality, IN, NOT_IN and REGEX) is left as it is: :func:`index_attribute_ruler`
then returns ``None``.
"""
from __future__ import annotations

import re
import struct
from collections.abc import Callable

from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, NORM, POS, TAG
from spacy.language import Language
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

# pattern keys this index reads, and the Doc.to_array column for each
_COLUMNS = {"TAG": TAG, "LOWER": LOWER, "DEP": DEP, "IS_SPACE": IS_SPACE}
_ORDER = ("TAG", "LOWER", "DEP", "IS_SPACE")
_MEMO_SIZE = 200_000  # distinct (tag, word, dependency, space) rows remembered; then it starts again
_INDEXED = ("TAG", "LOWER")  # looked up per token; patterns keyed on neither are tried everywhere
# the token fields the ruler may set here: each belongs to its token alone
_SETS = frozenset({TAG, POS, MORPH, LEMMA, DEP, NORM})

_unpack = struct.Struct("<" + "Q" * len(_ORDER)).unpack


class _Unsupported(Exception):
    pass


def _value_id(strings, key: str, value) -> int:
    if key == "IS_SPACE":
        if not isinstance(value, bool):
            raise _Unsupported(key)
        return int(value)
    if not isinstance(value, str):
        raise _Unsupported(key)
    return strings.add(value)


def _token_test(strings, spec: dict) -> tuple[list[tuple[int, str, object]], tuple[str, frozenset] | None]:
    """One pattern token as (column, kind, value) checks, and its index key (attribute, ids) if any."""
    checks: list[tuple[int, str, object]] = []
    key: tuple[str, frozenset] | None = None
    for name, value in spec.items():
        attr = name.upper() if isinstance(name, str) else name
        if attr not in _COLUMNS:
            raise _Unsupported(attr)
        col = _ORDER.index(attr)
        if isinstance(value, dict):
            if len(value) != 1:
                raise _Unsupported(attr)
            (op, arg), = value.items()
            if op == "IN" and isinstance(arg, list):
                ids = frozenset(_value_id(strings, attr, v) for v in arg)
                checks.append((col, "in", ids))
                if attr in _INDEXED and (key is None or key[0] != "TAG"):
                    key = (attr, ids)
            elif op == "NOT_IN" and isinstance(arg, list):
                checks.append((col, "not_in", frozenset(_value_id(strings, attr, v) for v in arg)))
            elif op == "REGEX" and isinstance(arg, str) and attr != "IS_SPACE":
                checks.append((col, "re", re.compile(arg)))
            else:
                raise _Unsupported(f"{attr} {op}")
        else:
            vid = _value_id(strings, attr, value)
            checks.append((col, "eq", vid))
            if attr in _INDEXED and (key is None or key[0] != "TAG"):
                key = (attr, frozenset((vid,)))
    return checks, key


class IndexedAttributeRuler:
    """Callable on a Doc; made from a loaded ``AttributeRuler`` by :func:`index_attribute_ruler`."""

    def __init__(self, ruler) -> None:
        self.vocab = ruler.vocab
        strings = self.vocab.strings
        self.attrs = list(ruler.attrs)
        self.indices = list(ruler.indices)
        if any(key not in _SETS for attrs in self.attrs for key in attrs):
            # merging a token's attributes is sound only for fields of the token itself
            raise _Unsupported("attribute")
        # every pattern: (attr id, list of token checks); indexed by the first token's tag or word
        self.patterns: list[tuple[int, list[list[tuple[int, str, object]]]]] = []
        self.by_tag: dict[int, list[int]] = {}
        self.by_lower: dict[int, list[int]] = {}
        self.anywhere: list[int] = []
        self._columns = [_COLUMNS[a] for a in _ORDER]
        # a token's attribute row -> (one-token pattern ids, longer patterns it starts, their attributes)
        self._memo: dict[bytes, tuple[tuple[int, ...], tuple[int, ...], dict]] = {}
        self._merged_cache: dict[tuple[int, ...], dict] = {}
        for attr_id in range(len(self.attrs)):
            for pattern in ruler.matcher.get(strings[str(attr_id)])[1]:
                if not pattern or any(not isinstance(tok, dict) or "OP" in tok for tok in pattern):
                    raise _Unsupported("OP")
                tests = []
                first_key = None
                for i, tok in enumerate(pattern):
                    checks, key = _token_test(strings, tok)
                    tests.append(checks)
                    if i == 0:
                        first_key = key
                n = len(self.patterns)
                self.patterns.append((attr_id, tests))
                if first_key is None:
                    self.anywhere.append(n)
                else:
                    table = self.by_tag if first_key[0] == "TAG" else self.by_lower
                    for vid in first_key[1]:
                        table.setdefault(vid, []).append(n)

    def _first_token(self, key: tuple) -> tuple[tuple[int, ...], tuple[int, ...], dict]:
        """The one-token patterns a token with these attributes matches, and the longer patterns its
        token starts: the same for every token with the same tag, word, dependency and space flag."""
        cands = sorted({*self.by_tag.get(key[0], ()), *self.by_lower.get(key[1], ()), *self.anywhere})
        single: list[int] = []
        longer: list[int] = []
        for n in cands:
            attr_id, tests = self.patterns[n]
            if self._passes(tests[0], key):
                if len(tests) == 1:
                    single.append(attr_id)
                else:
                    longer.append(n)
        ids = tuple(sorted(set(single)))
        return ids, tuple(longer), self._merged(ids)

    def _passes(self, checks, values) -> bool:
        strings = self.vocab.strings
        for col, kind, value in checks:
            got = values[col]
            if kind == "eq":
                ok = got == value
            elif kind == "in":
                ok = got in value
            elif kind == "not_in":
                ok = got not in value
            else:
                ok = value.search(strings[got]) is not None
            if not ok:
                return False
        return True

    def _merged(self, attr_ids: tuple[int, ...]) -> dict:
        """The attributes of these patterns applied in order: each sets fields of its own token only,
        so applying their union once, later patterns winning, is the same as applying them in turn."""
        merged = self._merged_cache.get(attr_ids)
        if merged is None:
            merged = {}
            for attr_id in attr_ids:
                merged.update(self.attrs[attr_id])
            self._merged_cache[attr_ids] = merged
        return merged

    def __call__(self, doc: Doc) -> Doc:
        n_tokens = len(doc)
        if not n_tokens:
            return doc
        # every pattern is tested on the Doc as the ruler receives it, before any attribute is set
        raw = doc.to_array(self._columns).astype("<u8", copy=False).tobytes()
        width = 8 * len(_ORDER)
        keys = [raw[k:k + width] for k in range(0, len(raw), width)]
        memo = self._memo
        per_token: list[tuple] = []
        extra: dict[int, list[int]] = {}  # token -> attr ids of longer patterns that target it
        for i, key in enumerate(keys):
            hit = memo.get(key)
            if hit is None:
                if len(memo) >= _MEMO_SIZE:
                    memo.clear()
                hit = memo[key] = self._first_token(_unpack(key))
            per_token.append(hit)
            for n in hit[1]:
                attr_id, tests = self.patterns[n]
                end = i + len(tests)
                if end > n_tokens or not all(self._passes(tests[k], _unpack(keys[i + k]))
                                             for k in range(1, len(tests))):
                    continue
                index = self.indices[attr_id]
                pos = i + index if index >= 0 else end + index
                if not i <= pos < end:
                    raise ValueError(f"attribute ruler index {index} outside its match of {end - i} tokens")
                extra.setdefault(pos, []).append(attr_id)
        for i, hit in enumerate(per_token):
            more = extra.get(i) if extra else None
            if more:
                set_token_attrs(doc[i], self._merged(tuple(sorted([*hit[0], *more]))))
            elif hit[0]:
                set_token_attrs(doc[i], hit[2])
        return doc


def index_attribute_ruler(ruler) -> IndexedAttributeRuler | None:
    """The indexed form of ``ruler``, or ``None`` when its patterns use what the index does not read."""
    try:
        return IndexedAttributeRuler(ruler)
    except _Unsupported:
        return None


@Language.factory("eventlens_indexed")
def _make_indexed(nlp: Language, name: str):
    return IndexedPipe()


class IndexedPipe:
    """A pipeline component that runs the indexed form of the component it replaced (``replace_pipe``)."""

    def __init__(self) -> None:
        self.run: Callable[[Doc], Doc] | None = None

    def __call__(self, doc: Doc) -> Doc:
        return self.run(doc) if self.run is not None else doc

    def pipe(self, docs, batch_size: int = 128):
        batched = getattr(self.run, "pipe", None)
        if batched is not None:  # a component that works on batches
            yield from batched(docs, batch_size=batch_size)
            return
        for doc in docs:
            yield self(doc)


def replace_pipe(nlp: Language, name: str, run: Callable[[Doc], Doc]) -> None:
    """Put ``run`` in the place of the pipeline's component ``name``, keeping its name."""
    holder = nlp.replace_pipe(name, "eventlens_indexed")
    holder.run = run


def use_indexed_attribute_ruler(nlp: Language, name: str = "attribute_ruler") -> bool:
    """Replace the pipeline's ``attribute_ruler`` by its indexed form; False when it is kept as it is."""
    if name not in nlp.pipe_names:
        return False
    ruler = nlp.get_pipe(name)
    if type(ruler).__name__ != "AttributeRuler":
        return False
    indexed = index_attribute_ruler(ruler)
    if indexed is None:
        return False
    replace_pipe(nlp, name, indexed)
    return True
