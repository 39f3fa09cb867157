"""Entity recognisers for the bot's patterns: ``@duckling.time``, ``@duckling.number`` …

A time match's value is Duckling's value object with the fields JAICP scripts read added:
``value`` (local ISO time without offset, ``"2013-02-13T15:00:00"``), ``timestamp`` (epoch ms),
``year``, ``month``, ``day``, ``hour``, ``minute`` — of the start for an interval, whose
``from``/``to`` stay. ``duckling.date`` is a time match of a day or coarser grain. A number
match's value is the number itself; a duration's is Duckling's duration object.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ringback.entities.extract import language, parse
from ringback.entities.types import EntityContext, EntityMatch, EntityRecognizer

_COARSE = {"day", "week", "month", "quarter", "year"}


def _jaicp_time(value: dict[str, Any]) -> dict[str, Any]:
    point = value if value.get("type") == "value" else value.get("from") or value.get("to")
    out = dict(value)
    if point is None:
        return out
    at = datetime.fromisoformat(point["value"])
    out.update(
        value=at.replace(tzinfo=None).isoformat(timespec="seconds"),
        timestamp=int(at.timestamp() * 1000),
        year=at.year,
        month=at.month,
        day=at.day,
        hour=at.hour,
        minute=at.minute,
    )
    if "grain" not in out and "grain" in point:
        out["grain"] = point["grain"]
    return out


def _grain(value: dict[str, Any]) -> str | None:
    point = value if value.get("type") == "value" else value.get("from") or value.get("to")
    return None if point is None else point.get("grain")


def _recognizer(
    name: str, dim: str, convert: Callable[[dict[str, Any]], Any], keep: Callable[[Any], bool]
) -> EntityRecognizer:
    def recognize(text: str, ctx: EntityContext) -> list[EntityMatch]:
        try:
            language(ctx.locale)
        except ValueError:
            return []  # a language we have no grammar for: no entities, not an error
        found = parse(text, locale=ctx.locale, ref=ctx.now, tz=ctx.tz, dims=[dim])
        return [
            EntityMatch(e["start"], e["end"], e["body"], convert(e["value"]), name)
            for e in found
            if keep(e["value"])
        ]

    return recognize


def recognizers() -> dict[str, EntityRecognizer]:
    """The recognisers by entity name (without ``@``), Duckling's names as JAICP uses them."""
    return {
        "duckling.time": _recognizer("duckling.time", "time", _jaicp_time, lambda v: True),
        "duckling.date": _recognizer(
            "duckling.date", "time", _jaicp_time, lambda v: _grain(v) in _COARSE
        ),
        "duckling.number": _recognizer(
            "duckling.number", "number", lambda v: v["value"], lambda v: True
        ),
        "duckling.ordinal": _recognizer(
            "duckling.ordinal", "ordinal", lambda v: v["value"], lambda v: True
        ),
        "duckling.duration": _recognizer("duckling.duration", "duration", dict, lambda v: True),
    }
