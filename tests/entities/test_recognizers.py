"""The ``@duckling.*`` recognisers the bot's patterns use."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ringback.entities import recognizers
from ringback.entities.types import EntityContext

MOSCOW = ZoneInfo("Europe/Moscow")
CTX = EntityContext(datetime(2013, 2, 12, 10, 30, tzinfo=MOSCOW), MOSCOW, "ru")


def test_names() -> None:
    assert {"duckling.time", "duckling.date", "duckling.number", "duckling.duration"} <= set(
        recognizers()
    )


def test_time_has_the_fields_scripts_read() -> None:
    (match,) = recognizers()["duckling.time"]("перезвоните завтра в 15:00", CTX)
    assert (match.text, match.entity) == ("завтра в 15:00", "duckling.time")
    assert "перезвоните завтра в 15:00"[match.start : match.end] == match.text
    v = match.value
    assert v["value"] == "2013-02-13T15:00:00"
    assert v["timestamp"] == int(datetime(2013, 2, 13, 15, tzinfo=MOSCOW).timestamp() * 1000)
    assert (v["year"], v["month"], v["day"], v["hour"], v["minute"]) == (2013, 2, 13, 15, 0)
    assert v["grain"] == "minute" and v["type"] == "value"


def test_interval_keeps_from_and_to() -> None:
    (match,) = recognizers()["duckling.time"]("завтра после обеда", CTX)
    v = match.value
    assert v["type"] == "interval" and v["hour"] == 13
    assert v["to"]["value"] == "2013-02-13T17:00:00.000+04:00"


def test_date_number_duration() -> None:
    r = recognizers()
    ctx = EntityContext(CTX.now, MOSCOW, "en_US")
    assert [m.value["day"] for m in r["duckling.date"]("see you on Friday", ctx)] == [15]
    assert r["duckling.date"]("at 3 pm", ctx) == []
    assert [m.value for m in r["duckling.number"]("two tickets", ctx)] == [2]
    (d,) = r["duckling.duration"]("for 2 hours", ctx)
    assert d.value["normalized"]["value"] == 7200


def test_unknown_language_finds_nothing() -> None:
    ctx = EntityContext(CTX.now, MOSCOW, "de_DE")
    assert recognizers()["duckling.time"]("morgen um 15 Uhr", ctx) == []
