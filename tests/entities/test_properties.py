"""Properties: any text parses without error into well-formed entities; relative durations are
elapsed time in any zone, across DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from ringback.entities import parse

WORDS = st.sampled_from(
    "at in on the next last tomorrow today monday 3 15 30 pm am : / - . , half past quarter "
    "минут через завтра в 5 часов утра вечером после до обеда понедельник марта 2014".split()
)
TEXT = st.one_of(st.text(max_size=40), st.lists(WORDS, max_size=8).map(" ".join))
ZONES = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Europe/Moscow"]
)
INSTANTS = st.datetimes(datetime(2000, 1, 1), datetime(2035, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@settings(max_examples=50)
@given(TEXT, st.sampled_from(["en_US", "ru_RU"]), INSTANTS, ZONES)
def test_any_text_gives_well_formed_entities(
    text: str, locale: str, ref: datetime, zone: str
) -> None:
    for e in parse(text, locale=locale, ref=ref, tz=ZoneInfo(zone), latent=True):
        assert text[e["start"] : e["end"]] == e["body"]
        assert e["dim"] in ("time", "number", "ordinal", "duration")
        if e["dim"] == "time":
            v = e["value"]
            assert v["type"] in ("value", "interval")
            for point in [v] if v["type"] == "value" else [v.get("from"), v.get("to")]:
                if point is not None:
                    datetime.fromisoformat(point["value"])  # a valid ISO instant


@settings(max_examples=40)
@given(st.integers(1, 600), INSTANTS, ZONES)
@example(120, datetime(2024, 3, 31, 0, 30, tzinfo=UTC), "Europe/Berlin")  # across spring-forward
@example(90, datetime(2024, 10, 27, 0, 30, tzinfo=UTC), "Europe/Berlin")  # across fall-back
def test_in_n_minutes_is_elapsed_time(n: int, ref: datetime, zone: str) -> None:
    (e,) = parse(f"in {n} minutes", ref=ref, tz=ZoneInfo(zone), dims=["time"])
    got = datetime.fromisoformat(e["value"]["value"])
    assert got == (ref + timedelta(minutes=n)).replace(microsecond=0)  # grain: second
    (r,) = parse(f"через {n} минут", locale="ru", ref=ref, tz=ZoneInfo(zone), dims=["time"])
    assert datetime.fromisoformat(r["value"]["value"]) == got
