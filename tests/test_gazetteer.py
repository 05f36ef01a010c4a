"""The gazetteer file, its loader and the place-name folding, on the committed Syria slice."""
from __future__ import annotations

import pickle
import time
from pathlib import Path

import pytest

from eventlens.errors import KnowledgeError
from eventlens.knowledge.gazetteer import Gazetteer, load_gazetteer
from eventlens.resolve.placenames import normalise_placename, split_level
from eventlens.settings import Settings

SLICE = Path(__file__).parent / "data" / "gazetteer-sy.pkl"


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer(Settings(gazetteer=str(SLICE)))


@pytest.mark.parametrize(("a", "b"), [
    ("Maarat al Numan", "Ma`arrat an Nu`man"),
    ("Maarat al Numan", "Maarrat al-Nu'man"),
    ("Raqqa", "Ar-Raqqah"),
    ("Qamishli", "Kamishli"),
    ("Deir ez-Zor", "Deir EZ Zor"),
    ("São Paulo", "Sao Paulo"),
])
def test_transliteration_variants_share_a_key(a: str, b: str) -> None:
    assert normalise_placename(a) == normalise_placename(b)


def test_folding_keeps_different_names_apart() -> None:
    assert normalise_placename("Homs") != normalise_placename("Hama")
    assert normalise_placename("Idlib") != normalise_placename("Aleppo")
    assert normalise_placename("El") == "el"  # an article alone is a name, not nothing


@pytest.mark.parametrize(("text", "expected"), [
    ("Idlib province", ("Idlib", "admin1")),
    ("countryside of Aleppo", ("Aleppo", "admin1")),
    ("Karrada district", ("Karrada", "admin2")),
    ("the city of Homs", ("Homs", "city")),
    ("Mosul", ("Mosul", None)),
])
def test_level_words(text: str, expected: tuple[str, str | None]) -> None:
    assert split_level(text) == expected


def test_maarat_al_numan_is_found(gaz: Gazetteer) -> None:
    towns = [e for e in gaz.candidates("Maarat al Numan") if e.level == "city"]
    assert towns, "the town must be indexed under its folded name"
    assert abs(towns[0].lat - 35.648) < 0.02 and abs(towns[0].lon - 36.672) < 0.02
    assert towns[0].country3 == "SYR" and towns[0].admin1 == "Idlib"


def test_slice_keeps_every_country_and_admin1(gaz: Gazetteer) -> None:
    assert gaz.country("PAK").name == "Pakistan"
    assert gaz.country("AF").country3 == "AFG"
    baghdad = [e for e in gaz.candidates("Baghdad") if e.level == "admin1"]
    assert baghdad and baghdad[0].country == "IQ"
    assert not [e for e in gaz.candidates("Mosul") if e.level == "city"], "towns outside Syria are sliced"


def test_admin1_takes_its_seat_city_names(gaz: Gazetteer) -> None:
    # GeoNames calls the governorate "Dimashq"; news says "Damascus".
    levels = {e.level for e in gaz.candidates("Damascus")}
    assert {"city", "admin1"} <= levels


def test_arabic_names_from_the_syrian_list(gaz: Gazetteer) -> None:
    assert any(e.country == "SY" for e in gaz.candidates("حلب"))


def test_slice_loads_fast_and_is_cached() -> None:
    settings = Settings(gazetteer=str(SLICE))
    start = time.perf_counter()
    first = load_gazetteer(settings)
    assert time.perf_counter() - start < 2.0
    assert load_gazetteer(settings) is first


def test_user_gazetteer_adds_places(tmp_path: Path) -> None:
    csv_file = tmp_path / "mine.csv"
    csv_file.write_text("name,alternate names,lat,lon,country,admin1\n"
                        "Karrada,Al-Karrada;Karada,33.305,44.424,IRQ,Baghdad\n", encoding="utf-8")
    gaz = load_gazetteer(Settings(gazetteer=str(SLICE), user_gazetteers=(str(csv_file),)))
    found = gaz.candidates("Al Karrada")
    assert found and found[0].country3 == "IRQ" and found[0].admin1 == "Baghdad"


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError) as err:
        load_gazetteer(Settings(gazetteer=str(tmp_path / "nope.pkl")))
    assert err.value.code == "E020" and "build_gazetteer" in err.value.message


def test_continents_and_regions_are_places(gaz: Gazetteer) -> None:
    europe = [e for e in gaz.candidates("Europe") if e.level == "region"]
    assert europe and europe[0].geonameid == 6255148 and europe[0].feature_code == "CONT"
    assert [e.level for e in gaz.candidates("the Middle East")] == ["region"]
    assert any(e.name == "European Union" for e in gaz.candidates("EU"))


def test_region_abbreviations_need_their_dot(gaz: Gazetteer) -> None:
    kentucky = gaz.abbreviation("Ky.")
    assert kentucky is not None and kentucky.level == "admin1" and kentucky.country3 == "USA"
    assert gaz.abbreviation("B.C.").name == "British Columbia"  # type: ignore[union-attr]
    assert gaz.abbreviation("Ky") is None and gaz.abbreviation("Miss") is None


def test_big_countries_sit_at_their_geonames_point(gaz: Gazetteer) -> None:
    # A point derived from member towns would sit in the south-east, where Canadians live.
    canada = gaz.country("CAN")
    assert canada is not None and canada.lat > 59 and canada.lon < -110


def test_a_stale_cache_is_told_by_its_fingerprint() -> None:
    from eventlens.knowledge.gazetteer import data_fingerprint

    data = pickle.loads(SLICE.read_bytes())
    assert data["fingerprint"] == data_fingerprint()  # the committed slice matches the data files
