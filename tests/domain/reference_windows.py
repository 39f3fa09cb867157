"""A naive, independent reference for the window rules, to check ``ringback.domain.windows``.

It applies the three rules of the ``windows`` module docstring literally, with the standard
library only: the local wall time of an instant is ``astimezone(zone)``; ``first(wall)`` (the
first instant the local clock reads >= wall) is found from the two fold candidates that
``zoneinfo`` gives for a naive wall time, and, when neither round-trips (a gap), by stepping
minute by minute from the earlier candidate. No integer time, no segments, no bisection: it
shares nothing with the implementation but ``CallingPolicy.ranges_for``.

It is slow (a few µs per instant), so searches step whole minutes; that is exact for the zones
used in tests, whose transitions and offsets are whole minutes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from ringback.domain.policy import WEEKDAYS, CallingPolicy, TimeRange

MINUTE = timedelta(minutes=1)


@lru_cache(maxsize=200_000)
def first_at_or_after(zone: tzinfo, wall: datetime) -> datetime:
    """The first UTC instant at which the clock of ``zone`` reads ``>= wall`` (naive)."""
    candidates = sorted(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    real = [c for c in candidates if c.astimezone(zone).replace(tzinfo=None) == wall]
    if real:
        return real[0]
    # In a gap: the clock jumps over `wall`; find the first minute at which it is past it.
    t = candidates[0].replace(second=0, microsecond=0)
    while t.astimezone(zone).replace(tzinfo=None) < wall:
        t += MINUTE
    # Step back to the exact transition second is not needed: transitions are whole minutes.
    return t


def _wall(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(minutes=minutes)


@lru_cache(maxsize=100_000)
def day_windows(
    zone: tzinfo, day: date, ranges: tuple[TimeRange, ...]
) -> tuple[tuple[datetime, datetime, datetime, datetime], ...]:
    """(wall_from, wall_to, span_from, span_to) of the windows starting on local ``day``."""
    out = []
    for r in ranges:
        wall_from = _wall(day, r.start)
        end_day = day + timedelta(days=1) if r.end <= r.start else day
        wall_to = _wall(end_day, r.end)
        out.append(
            (
                wall_from,
                wall_to,
                first_at_or_after(zone, wall_from),
                first_at_or_after(zone, wall_to),
            )
        )
    return tuple(out)


def open_in_zone(t: datetime, policy: CallingPolicy, zone: tzinfo) -> bool:
    """Rules 2 and 3 for one zone."""
    wall = t.astimezone(zone).replace(tzinfo=None)
    for day in (wall.date() - timedelta(days=1), wall.date()):
        ranges = policy.ranges_for(WEEKDAYS[day.weekday()])
        for wall_from, wall_to, span_from, span_to in day_windows(zone, day, ranges):
            if span_from <= t < span_to and wall_from <= wall < wall_to:
                return True
    return False


def ref_is_open(t: datetime, policy: CallingPolicy, zones: Sequence[tzinfo]) -> bool:
    """Rule 1, then rules 2 and 3 in every zone."""
    if policy.start_datetime is not None and t < policy.start_datetime:
        return False
    if policy.finish_datetime is not None and t >= policy.finish_datetime:
        return False
    return all(open_in_zone(t, policy, zone) for zone in zones)


def _candidates(after: datetime, limit: datetime) -> list[datetime]:
    """``after`` and every whole minute after it, below ``limit``."""
    out = [after]
    t = after.replace(second=0, microsecond=0) + MINUTE
    while t < limit:
        out.append(t)
        t += MINUTE
    return out


def ref_next_open(
    after: datetime, policy: CallingPolicy, zones: Sequence[tzinfo], horizon: timedelta
) -> datetime | None:
    """The first open instant among ``max(after, start)`` and the whole minutes after it."""
    if policy.start_datetime is not None and after < policy.start_datetime:
        after = policy.start_datetime
    for t in _candidates(after, after + horizon):
        if ref_is_open(t, policy, zones):
            return t
    return None


def ref_next_closed(
    after: datetime, policy: CallingPolicy, zones: Sequence[tzinfo], horizon: timedelta
) -> datetime | None:
    """The first closed instant among ``after`` and the whole minutes after it."""
    for t in _candidates(after, after + horizon):
        if not ref_is_open(t, policy, zones):
            return t
    return None
