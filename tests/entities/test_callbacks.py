"""The callback phrases this product lives on, at a fixed reference time and zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ringback.entities import parse

REF = datetime.fromisoformat("2013-02-12T04:30:00-02:00")  # a Tuesday


def only_time(text: str, locale: str, ref: datetime = REF, tz: Any = None) -> dict[str, Any]:
    found = [e for e in parse(text, locale=locale, ref=ref, tz=tz) if e["dim"] == "time"]
    assert len(found) == 1, found
    return found[0]


VALUES = [
    ("in 20 minutes", "en", "2013-02-12T04:50:00.000-02:00", "second"),
    ("in half an hour", "en", "2013-02-12T05:00:00.000-02:00", "second"),
    ("call me back in an hour", "en", "2013-02-12T05:30:00.000-02:00", "minute"),
    ("tomorrow at 3 pm", "en", "2013-02-13T15:00:00.000-02:00", "hour"),
    ("the day after tomorrow at 10:30", "en", "2013-02-14T10:30:00.000-02:00", "minute"),
    ("через полчаса", "ru", "2013-02-12T05:00:00.000-02:00", "second"),
    ("через 2 часа", "ru", "2013-02-12T06:30:00.000-02:00", "minute"),
    ("завтра в 15:00", "ru", "2013-02-13T15:00:00.000-02:00", "minute"),
    ("послезавтра", "ru", "2013-02-14T00:00:00.000-02:00", "day"),
    ("в 3 часа дня", "ru", "2013-02-12T15:00:00.000-02:00", "hour"),
]


@pytest.mark.parametrize(("text", "locale", "value", "grain"), VALUES)
def test_callback_values(text: str, locale: str, value: str, grain: str) -> None:
    v = only_time(text, locale)["value"]
    assert (v["type"], v["value"], v["grain"]) == ("value", value, grain)


INTERVALS = [
    ("next Monday morning", "en", "2013-02-18T00:00:00.000-02:00", "2013-02-18T12:00:00.000-02:00"),
    # SPEC 6: ringback combines a day with "after lunch" (13:00-17:00) where Duckling does not.
    (
        "call me back tomorrow after lunch",
        "en",
        "2013-02-13T13:00:00.000-02:00",
        "2013-02-13T17:00:00.000-02:00",
    ),
    ("завтра после обеда", "ru", "2013-02-13T13:00:00.000-02:00", "2013-02-13T17:00:00.000-02:00"),
    ("в понедельник утром", "ru", "2013-02-18T00:00:00.000-02:00", "2013-02-18T12:00:00.000-02:00"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "locale", "start", "end"), INTERVALS)
def test_callback_intervals(text: str, locale: str, start: str, end: str) -> None:
    entity = only_time(text, locale)
    v = entity["value"]
    assert v["type"] == "interval"
    assert (v["from"]["value"], v["to"]["value"], v["from"]["grain"]) == (start, end, "hour")
    assert text.endswith(entity["body"])


def test_body_and_offsets_locate_the_phrase() -> None:
    text = "please call me back tomorrow at 3 pm, thanks"
    entity = only_time(text, "en_US")
    assert entity["body"] == "tomorrow at 3 pm"
    assert text[entity["start"] : entity["end"]] == entity["body"]
    assert entity["latent"] is False


# Europe/Berlin springs forward on 2024-03-31 at 02:00 (CET +01:00 → CEST +02:00).
BERLIN = ZoneInfo("Europe/Berlin")
BEFORE_SPRING = datetime(2024, 3, 31, 1, 30, tzinfo=BERLIN)


def test_dst_hours_are_elapsed_time() -> None:
    # 01:30 CET + 2 h of real time = 04:30 CEST (the clock skipped 02:00-03:00).
    v = only_time("in 2 hours", "en", BEFORE_SPRING, BERLIN)["value"]
    assert v["value"] == "2024-03-31T04:30:00.000+02:00"
    v = only_time("через 2 часа", "ru", BEFORE_SPRING, BERLIN)["value"]
    assert v["value"] == "2024-03-31T04:30:00.000+02:00"


def test_dst_days_keep_the_wall_clock() -> None:
    ref = datetime(2024, 3, 30, 12, 0, tzinfo=BERLIN)
    v = only_time("tomorrow at 3 pm", "en", ref, BERLIN)["value"]
    assert v["value"] == "2024-03-31T15:00:00.000+02:00"
    v = only_time("завтра в 15:00", "ru", ref, BERLIN)["value"]
    assert v["value"] == "2024-03-31T15:00:00.000+02:00"


def test_a_time_in_the_spring_gap_starts_at_the_transition() -> None:
    # 02:30 does not exist on that night in Berlin: the first instant the clock reads ≥ 02:30.
    ref = datetime(2024, 3, 30, 12, 0, tzinfo=BERLIN)
    v = only_time("tomorrow at 2:30am", "en", ref, BERLIN)["value"]
    assert v["value"] == "2024-03-31T03:00:00.000+02:00"


def test_values_render_in_the_requested_zone() -> None:
    # 04:30 at -02:00 is 10:30 in Moscow; "tomorrow at 3 pm" is Moscow's 3 pm.
    v = only_time("tomorrow at 3 pm", "en", REF, ZoneInfo("Europe/Moscow"))["value"]
    assert v["value"] == "2013-02-13T15:00:00.000+04:00"


def test_future_by_default() -> None:
    assert only_time("monday", "en")["value"]["value"].startswith("2013-02-18")
    assert only_time("tuesday", "en")["value"]["value"].startswith("2013-02-19")  # not today
    assert only_time("at 3", "en")["value"]["value"] == "2013-02-12T15:00:00.000-02:00"
    assert only_time("в пятницу", "ru")["value"]["value"].startswith("2013-02-15")


def test_open_intervals() -> None:
    after = only_time("after 2 pm", "en")["value"]
    assert after["type"] == "interval" and "to" not in after
    assert after["from"] == {"value": "2013-02-12T14:00:00.000-02:00", "grain": "hour"}
    before = only_time("до 11 часов", "ru")["value"]
    assert "from" not in before and before["to"]["value"] == "2013-02-12T11:00:00.000-02:00"


def test_latent_matches_only_on_request() -> None:
    assert [e for e in parse("7", ref=REF) if e["dim"] == "time"] == []
    latent = [e for e in parse("7", ref=REF, latent=True) if e["dim"] == "time"]
    assert latent[0]["latent"] is True
    assert latent[0]["value"]["value"] == "2013-02-12T07:00:00.000-02:00"
    assert len(latent[0]["value"]["values"]) == 3  # 07:00, 19:00, tomorrow 07:00
