"""Shapes shared by entity recognisers and the bot's pattern matcher.

A recogniser finds entities (``@duckling.time``, ``@duckling.number`` …) in an utterance; the
pattern matcher treats each match as one token span it may consume, and stores ``value`` under
``$parseTree._<name>`` (or ``_<alias>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class EntityContext:
    now: datetime  # the reference time (aware): the call's current time
    tz: tzinfo  # the callee's zone: relative expressions resolve there
    locale: str  # "en", "ru", "en_US" …


@dataclass(frozen=True, slots=True)
class EntityMatch:
    start: int  # character offsets in the text, end exclusive
    end: int
    text: str
    value: Any  # JSON-able: what a script reads in $parseTree._<name>
    entity: str  # "duckling.time" …


class EntityRecognizer(Protocol):
    def __call__(self, text: str, ctx: EntityContext) -> list[EntityMatch]: ...
