"""The Russian time and duration grammar (after Duckling's ``Time/RU/Rules.hs``)."""

from __future__ import annotations

from ringback.entities.engine import Rule


def time_rules() -> list[Rule]:
    return []


def duration_rules() -> list[Rule]:
    return []
