"""Grains (second … year) and calendar arithmetic on naive local wall times.

Every time predicate works on *naive* datetimes that read the local clock of the request's zone;
only durations below a day are added in absolute time (see :func:`ringback.entities.series`).
"""

from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from enum import IntEnum


class Grain(IntEnum):
    second = 0
    minute = 1
    hour = 2
    day = 3
    week = 4
    month = 5
    quarter = 6
    year = 7


_FIXED = {
    Grain.second: timedelta(seconds=1),
    Grain.minute: timedelta(minutes=1),
    Grain.hour: timedelta(hours=1),
    Grain.day: timedelta(days=1),
    Grain.week: timedelta(days=7),
}
_MONTHS = {Grain.month: 1, Grain.quarter: 3, Grain.year: 12}
SECONDS = {
    Grain.second: 1,
    Grain.minute: 60,
    Grain.hour: 3600,
    Grain.day: 86400,
    Grain.week: 604800,
    Grain.month: 2592000,
    Grain.quarter: 7776000,
    Grain.year: 31536000,
}


# By grain number, for the hot paths: the fixed step or None, and the months in one unit.
# Grain(n) for n in 0..len-1: grains numbered otherwise fail here rather than index wrongly.
_STEP = [_FIXED.get(Grain(n)) for n in range(len(Grain))]
_MONTHS_IN = [_MONTHS.get(Grain(n), 0) for n in range(len(Grain))]
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_days(year: int, month: int) -> int:
    """Days in a month (``calendar.monthrange``'s second half, without its weekday)."""
    if month == 2 and calendar.isleap(year):
        return 29
    return _DAYS[month]


def add_months(t: datetime, months: int) -> datetime:
    """``t`` plus whole months, the day clamped to the target month (Jan 31 + 1 → Feb 28)."""
    index = t.year * 12 + t.month - 1 + months
    year, month = divmod(index, 12)
    day = min(t.day, month_days(year, month + 1))
    return t.replace(year=year, month=month + 1, day=day)


def add(t: datetime, grain: Grain, n: int | float) -> datetime:
    """Wall-clock arithmetic: ``t`` plus ``n`` units of ``grain``."""
    step = _STEP[grain]
    if step is not None:
        return t + step * n
    return add_months(t, int(n) * _MONTHS_IN[grain])


def round_down(t: datetime, grain: Grain) -> datetime:
    """The start of the ``grain`` unit containing ``t`` (weeks start on Monday)."""
    if grain == Grain.second:
        return t.replace(microsecond=0)
    if grain == Grain.minute:
        return t.replace(second=0, microsecond=0)
    if grain == Grain.hour:
        return t.replace(minute=0, second=0, microsecond=0)
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if grain == Grain.day:
        return day
    if grain == Grain.week:
        return day - timedelta(days=day.weekday())
    if grain == Grain.month:
        return day.replace(day=1)
    if grain == Grain.quarter:
        return day.replace(day=1, month=(t.month - 1) // 3 * 3 + 1)
    return day.replace(day=1, month=1)


def finer(grain: Grain) -> Grain:
    """The grain a shifted instant is rounded to: "in 3 days" → hour, "in 2 minutes" → second."""
    if grain == Grain.second:
        return grain
    if grain in (Grain.week, Grain.month):
        return Grain.day
    if grain in (Grain.quarter, Grain.year):
        return Grain.month
    return Grain(grain - 1)
