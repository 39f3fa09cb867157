"""The number, ordinal and duration dimensions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from ringback.entities import parse

REF = datetime.fromisoformat("2013-02-12T04:30:00-02:00")


def values(text: str, locale: str, dim: str) -> list[Any]:
    return [e["value"] for e in parse(text, locale=locale, ref=REF, dims=[dim])]


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("3", "en", 3),
        ("twenty-three", "en", 23),
        ("forty two", "en", 42),
        ("2.5", "en", 2.5),
        ("a couple", "en", 2),
        ("двадцать пять", "ru", 25),
        ("три", "ru", 3),
        ("полтора", "ru", 1.5),
    ],
)
def test_numbers(text: str, locale: str, expected: float) -> None:
    assert values(text, locale, "number") == [{"type": "value", "value": expected}]


def test_ordinals() -> None:
    assert values("the third", "en", "ordinal") == [{"type": "value", "value": 3}]
    assert values("двадцать четвертое", "ru", "ordinal") == [{"type": "value", "value": 24}]


@pytest.mark.parametrize(
    ("text", "locale", "value", "unit", "seconds"),
    [
        ("2 hours", "en", 2, "hour", 7200),
        ("half an hour", "en", 30, "minute", 1800),
        ("3 days", "en", 3, "day", 259200),
        ("2 часа", "ru", 2, "hour", 7200),
        ("полтора часа", "ru", 90, "minute", 5400),
        ("полчаса", "ru", 30, "minute", 1800),
        ("5 минут", "ru", 5, "minute", 300),
    ],
)
def test_durations(text: str, locale: str, value: int, unit: str, seconds: int) -> None:
    assert values(text, locale, "duration") == [
        {
            "value": value,
            "unit": unit,
            unit: value,
            "type": "value",
            "normalized": {"value": seconds, "unit": "second"},
        }
    ]


def test_all_dims_keep_the_longest_reading() -> None:
    # "in 2 hours" is one time entity; the number and duration inside it are dominated.
    found = parse("in 2 hours", ref=REF)
    assert [e["dim"] for e in found] == ["time"]
    # asked for durations only, the duration is found
    assert [e["body"] for e in parse("in 2 hours", ref=REF, dims=["duration"])] == ["2 hours"]


def test_entity_shape() -> None:
    (entity,) = parse("tomorrow", ref=REF)
    assert set(entity) == {"body", "start", "end", "dim", "latent", "value"}
    assert entity["value"] == {
        "type": "value",
        "value": "2013-02-13T00:00:00.000-02:00",
        "grain": "day",
        "values": [{"type": "value", "value": "2013-02-13T00:00:00.000-02:00", "grain": "day"}],
    }
