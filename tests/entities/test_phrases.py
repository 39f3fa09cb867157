"""Everyday callback answers beyond the corpus (EN, RU), at the corpus's reference time."""

from __future__ import annotations

from datetime import datetime

import pytest

from ringback.entities import parse

REF = datetime.fromisoformat("2013-02-12T04:30:00-02:00")  # Tuesday 04:30


def reading(text: str, locale: str) -> tuple[str, str | None, str | None]:
    found = list(parse(text, locale=locale, ref=REF, dims=["time"]))
    assert len(found) == 1, found
    v = found[0]["value"]
    if v["type"] == "value":
        return (found[0]["body"], v["value"][:16], None)
    return (
        found[0]["body"],
        v.get("from", {}).get("value", "")[:16] or None,
        v.get("to", {}).get("value", "")[:16] or None,
    )


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("call me back in 10 minutes", "en", ("in 10 minutes", "2013-02-12T04:40", None)),
        ("in an hour and a half", "en", ("in an hour and a half", "2013-02-12T06:00", None)),
        ("maybe next tuesday at 11am", "en", ("next tuesday at 11am", "2013-02-19T11:00", None)),
        ("today after 6pm", "en", ("today after 6pm", "2013-02-12T18:00", None)),
        ("tomorrow before noon", "en", ("tomorrow before noon", None, "2013-02-13T12:00")),
        ("перезвоните через 10 минут", "ru", ("через 10 минут", "2013-02-12T04:40", None)),
        ("через пару часов", "ru", ("через пару часов", "2013-02-12T06:30", None)),
        ("в пять", "ru", ("в пять", "2013-02-12T05:00", None)),
        ("без пятнадцати пять", "ru", ("без пятнадцати пять", "2013-02-12T04:45", None)),
        ("в среду в 14:30", "ru", ("в среду в 14:30", "2013-02-13T14:30", None)),
        ("сегодня после 18:00", "ru", ("сегодня после 18:00", "2013-02-12T18:00", None)),
        ("завтра до обеда", "ru", ("завтра до обеда", None, "2013-02-13T12:00")),
        ("перезвоните вечером", "ru", ("вечером", "2013-02-12T18:00", "2013-02-13T00:00")),
        ("завтра вечером", "ru", ("завтра вечером", "2013-02-13T18:00", "2013-02-14T00:00")),
        (
            "в четверг после обеда",
            "ru",
            ("в четверг после обеда", "2013-02-14T13:00", "2013-02-14T17:00"),
        ),
    ],
)
def test_phrase(text: str, locale: str, expected: tuple[str, str | None, str | None]) -> None:
    assert reading(text, locale) == expected


@pytest.mark.parametrize("text", ["", "   ", "!!!", "ааа", "4a", "rat 6", "1 отель", "x" * 500])
def test_nothing_found_in_noise(text: str) -> None:
    assert list(parse(text, locale="ru" if "о" in text else "en", ref=REF, dims=["time"])) == []
