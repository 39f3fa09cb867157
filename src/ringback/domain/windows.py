"""Calling windows: when may an attempt start, in the callee's zone(s), exactly and DST-safe.

The semantics (SPEC 1.2). An instant ``t`` (UTC) is *open* for a policy in zone ``Z`` iff

1. ``start_datetime <= t`` (if set) and ``t < finish_datetime`` (if set); and
2. ``t`` lies in the span of some window ``W`` of some local day ``D`` of ``Z``: ``W`` is a
   :class:`TimeRange` of ``policy.ranges_for(weekday(D))``; its span is
   ``[first(D W.start), first(D' W.end))`` where ``D' = D``, or ``D + 1`` when the window crosses
   midnight (or is the full day), and ``first(wall)`` is the first instant at which the local
   clock of ``Z`` reads ``>= wall``: a bound inside a DST gap starts at the transition, a bound
   inside a fold is its first occurrence; and
3. ``t``'s own local wall time lies in ``[D W.start, D' W.end)``.

Rule 3 only matters after a clock goes back. Worked example, Europe/London, 2020-10-25, the
clock goes 02:00 BST → 01:00 GMT at 01:00 UTC:

- window 01:30-03:00: its span is [00:30 UTC (01:30 BST), 03:00 UTC (03:00 GMT)); the second
  pass 01:00-01:29 GMT (01:00-01:29 UTC) is excluded by rule 3, so it is open in two runs:
  [00:30, 01:00) and [01:30, 03:00) UTC;
- window 01:00-01:30: span [00:00 UTC, 00:30 UTC), the first pass only — a repeated hour is
  never opened twice;
- America/Santiago goes back at midnight (2020-04-05 00:00 -03 → 23:00 -04 on the 4th): a
  window ``sun 00:00-01:00`` opens at 04:00 UTC (00:00 -04), not at the transition 03:00 UTC,
  when the clock reads Saturday 23:00 again.

Spring forward, America/New_York 2020-03-08 (02:00 EST → 03:00 EDT at 07:00 UTC): a window
02:30-04:00 starts at the transition, 07:00 UTC (03:00 EDT), and ends 08:00 UTC; a window
02:00-02:30 lies wholly in the gap and is empty that day.

For several zones (the intersection rule of SPEC 1.3) ``t`` is open iff it is open in every
zone. Windows are exact to the microsecond: bounds are whole wall minutes, ``after`` may be any
instant.

Decisions: a window whose wall range covers both passes of a repeated hour is open in both
(``01:00-02:00`` on the London fold night is open 00:00-02:00Z: every instant of it reads
01:xx); ``close`` is capped at ``open + MAX_WINDOW`` (a policy without any restriction never
closes); ``next_window`` gives up after a horizon (see the constants below) unless given one.

How: every instant is an ``int`` of microseconds since the Unix epoch and a wall time is the
same number shifted by the UTC offset, so the work is integer arithmetic. A zone's offsets are
read once per UTC day (sampled every 6 hours, a change is bisected to the second — zoneinfo
transitions are whole seconds) and cached; the open pieces of one local day are cached per
(zone, day, windows of that day). ``next_window`` walks local days forward, merging pieces into
runs, and leapfrogs between zones until one instant is open in all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from itertools import pairwise

from ringback.domain.policy import MINUTES_PER_DAY, WEEKDAYS, CallingPolicy

_MINUTE = 60_000_000
_DAY = MINUTES_PER_DAY * _MINUTE
_SECOND = 1_000_000
_SAMPLE = 6 * 3600  # seconds between offset samples within one UTC day
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_THURSDAY = 3  # 1970-01-01, local day 0, was a Thursday

# Nothing open within this long after max(after, start) means never: one zone's policy repeats
# every week in local time, and a DST change can empty a window on one date only (a window
# wholly inside a gap), never on the same weekday two weeks running — so two weeks and a day
# see every weekday at least twice. Fixed offsets never change, so the same holds for their
# intersections.
SINGLE_ZONE_HORIZON = timedelta(days=15)
# Several zones with DST: their offsets drift against each other for weeks (the US moves its
# clocks 2-3 weeks before Europe; the two hemispheres change in opposite seasons), so an
# intersection can stay shut for months and open later. The rules are yearly: a year and a week.
MULTI_ZONE_HORIZON = timedelta(days=372)
# A run that is still open this long after it opened (e.g. no window restriction at all) is
# reported as closing then; asking again at ``close`` gives the continuation at once.
MAX_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Window:
    """A contiguous open stretch: an attempt may start at any t with ``open <= t < close``."""

    open: datetime  # UTC; the first instant an attempt may start
    close: datetime  # UTC; exclusive


# --- zone offsets -------------------------------------------------------------------------

Segments = tuple[tuple[int, int, int], ...]  # (utc_start_us, utc_end_us, offset_us), in order


def _offset_us(zone: tzinfo, utc_seconds: int) -> int:
    local = (_EPOCH + timedelta(seconds=utc_seconds)).astimezone(zone)
    offset = local.utcoffset()
    assert offset is not None
    return offset // _ONE_US


@lru_cache(maxsize=65536)
def _utc_day_changes(zone: tzinfo, day: int) -> tuple[tuple[int, int], ...]:
    """The offsets of UTC day ``day``: ``((start_us, offset_us), ...)``, first start = day start.

    Assumes no zone changes its offset and back again within 6 hours (none in the tz database
    does): such a pair between two samples would go unseen.
    """
    first = day * 86400
    samples = [first + i * _SAMPLE for i in range(86400 // _SAMPLE + 1)]
    offsets = [_offset_us(zone, s) for s in samples]
    changes = [(first * _SECOND, offsets[0])]
    for (lo, off_lo), (hi, off_hi) in pairwise(zip(samples, offsets, strict=True)):
        while off_lo != off_hi:
            # Bisect to the first second whose offset differs from off_lo.
            a, b = lo, hi
            while b - a > 1:
                mid = (a + b) // 2
                if _offset_us(zone, mid) == off_lo:
                    a = mid
                else:
                    b = mid
            off_lo = _offset_us(zone, b)
            changes.append((b * _SECOND, off_lo))
            lo = b
    return tuple(changes)


@lru_cache(maxsize=16384)
def _segments(zone: tzinfo, local_day: int) -> Segments:
    """Offset segments covering UTC ``[(local_day - 1) d, (local_day + 3) d)``.

    Every instant whose wall time falls on ``local_day`` or the next day lies in there (UTC
    offsets are less than a day), and so does ``first(wall)`` for any such wall time.
    """
    points: list[tuple[int, int]] = []
    for day in range(local_day - 1, local_day + 3):
        for start, offset in _utc_day_changes(zone, day):
            if not points or points[-1][1] != offset:
                points.append((start, offset))
    end = (local_day + 3) * _DAY
    starts = [start for start, _ in points[1:] if start < end]
    return tuple(
        (start, starts[i] if i < len(starts) else end, offset)
        for i, (start, offset) in enumerate(points[: len(starts) + 1])
    )


def _first(segments: Segments, wall: int) -> int:
    """The first instant at which the local clock reads ``>= wall``.

    In a segment with offset ``o`` the clock reads ``t + o``; the first segment whose clock
    reaches ``wall`` before it ends holds the answer: ``wall - o``, or the segment start when
    the clock jumped over ``wall`` into it (a gap).
    """
    for start, end, offset in segments:
        if end + offset > wall:
            return max(start, wall - offset)
    raise AssertionError("wall time outside the segments")  # pragma: no cover


def _fixed_offset(zone: tzinfo) -> int | None:
    if isinstance(zone, timezone):
        offset = zone.utcoffset(None)
        return offset // _ONE_US
    return None


# --- open pieces of one local day ---------------------------------------------------------

# A day's windows as (start, length) in microseconds after local midnight.
DayRanges = tuple[tuple[int, int], ...]
Week = tuple[DayRanges, ...]  # indexed like WEEKDAYS
Pieces = tuple[tuple[int, int], ...]

_WEEKS: dict[int, tuple[CallingPolicy, Week]] = {}


def _week(policy: CallingPolicy) -> Week:
    """The policy's windows per weekday in microseconds, cached by identity.

    The entry keeps the policy alive, so its ``id`` cannot be reused while cached; policies
    are frozen, so the table cannot go stale.
    """
    entry = _WEEKS.get(id(policy))
    if entry is not None and entry[0] is policy:
        return entry[1]
    week = tuple(
        tuple((r.start * _MINUTE, r.length * _MINUTE) for r in policy.ranges_for(day))
        for day in WEEKDAYS
    )
    if len(_WEEKS) >= 1024:
        _WEEKS.clear()
    _WEEKS[id(policy)] = (policy, week)
    return week


@lru_cache(maxsize=65536)
def _zone_day(zone: tzinfo, local_day: int, ranges: DayRanges) -> tuple[Pieces, int]:
    """The open UTC intervals of the windows that start on ``local_day`` (rules 2 and 3), in
    order of start, and first(next local midnight)."""
    segments = _segments(zone, local_day)
    midnight = local_day * _DAY
    if len(segments) == 1:  # no transition anywhere near: plain arithmetic
        offset = segments[0][2]
        base = midnight - offset
        return tuple((base + start, base + start + length) for start, length in ranges), (
            base + _DAY
        )
    pieces: list[tuple[int, int]] = []
    for start, length in ranges:
        wall_from = midnight + start
        wall_to = wall_from + length
        span_from, span_to = _first(segments, wall_from), _first(segments, wall_to)
        for seg_start, seg_end, offset in segments:
            # Rule 3: within one segment the clock is t + offset, so "wall >= wall_from" is
            # "t >= wall_from - offset"; rule 2's upper bound implies "wall < wall_to".
            lo = max(seg_start, span_from, wall_from - offset)
            hi = min(seg_end, span_to)
            if lo < hi:
                pieces.append((lo, hi))
    pieces.sort()
    return tuple(pieces), _first(segments, midnight + _DAY)


class _ZoneScan:
    """The open runs of one zone, computed day by day as far as needed.

    ``runs`` are maximal (merged) open intervals, exact below ``frontier`` = first(local
    midnight of the next day to compute): the windows of later days only open at or after it.
    """

    __slots__ = ("day", "fixed", "frontier", "runs", "week", "zone")

    def __init__(self, zone: tzinfo, week: Week, after: int) -> None:
        self.zone = zone
        self.week = week
        self.fixed = _fixed_offset(zone)
        self.runs: list[tuple[int, int]] = []
        # A window that starts two local days before after's date ends before that date begins
        # (it is at most 24 h long), so the day before is the earliest that can matter.
        if self.fixed is not None:
            wall = after + self.fixed
        else:
            changes = _utc_day_changes(zone, after // _DAY)
            wall = after + next(o for s, o in reversed(changes) if s <= after)
        self.day = wall // _DAY - 1
        self.frontier = after - 2 * _DAY  # below the real one: claims nothing yet

    def extend(self) -> None:
        """Add the pieces of the next local day."""
        day = self.day
        ranges = self.week[(day + _THURSDAY) % 7]
        if self.fixed is not None:
            base = day * _DAY - self.fixed
            pieces: Pieces = tuple((base + start, base + start + n) for start, n in ranges)
            self.frontier = base + _DAY
        else:
            pieces, self.frontier = _zone_day(self.zone, day, ranges)
        runs = self.runs
        for lo, hi in pieces:
            if runs and lo <= runs[-1][1]:
                # Pieces come in order of start; one touching or overlapping the last run
                # extends it (22:00-02:00 then 02:00-06:00 is one run).
                last_lo, last_hi = runs[-1]
                if lo < last_lo:  # only possible with overlapping windows
                    runs.append((lo, hi))
                    runs.sort()
                    self.runs = runs = _merge(runs)
                else:
                    runs[-1] = (last_lo, max(last_hi, hi))
            else:
                runs.append((lo, hi))
        self.day = day + 1

    def next_open(self, x: int, bound: int) -> int | None:
        """The first open instant ``>= x`` in this zone, or None if there is none below bound."""
        runs = self.runs
        while True:
            # Forget runs that end at or before x: the search only moves forward.
            while runs and runs[0][1] <= x:
                del runs[0]
            if runs:
                candidate = max(runs[0][0], x)
                if candidate < self.frontier:
                    return candidate if candidate < bound else None
            if self.frontier >= bound:
                return None
            self.extend()
            runs = self.runs

    def run_end(self, x: int, cap: int) -> int:
        """The end of the run holding the open instant ``x``, at most ``cap``."""
        while self.runs[0][1] >= self.frontier and self.frontier < cap:
            self.extend()
        return min(self.runs[0][1], cap)


def _merge(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in runs:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


# --- public API ---------------------------------------------------------------------------


def _to_us(instant: datetime) -> int:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"instants must be timezone-aware, got {instant!r}")
    return (instant - _EPOCH) // _ONE_US


def _from_us(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def _zone_tuple(zones: tzinfo | Sequence[tzinfo]) -> tuple[tzinfo, ...]:
    result = (zones,) if isinstance(zones, tzinfo) else tuple(zones)
    if not result:
        raise ValueError("at least one zone is needed")
    return result


def _search(
    after: datetime,
    policy: CallingPolicy,
    zones: tuple[tzinfo, ...],
    horizon: timedelta | None,
) -> tuple[int, int | None, list[_ZoneScan]] | None:
    """(open, finish bound, scans) for the first instant >= after open in every zone."""
    x = _to_us(after)
    if policy.start_datetime is not None:
        x = max(x, _to_us(policy.start_datetime))
    if horizon is None:
        fixed = all(_fixed_offset(z) is not None for z in zones)
        horizon = SINGLE_ZONE_HORIZON if len(set(zones)) == 1 or fixed else MULTI_ZONE_HORIZON
    bound = x + horizon // _ONE_US
    finish = _to_us(policy.finish_datetime) if policy.finish_datetime is not None else None
    if finish is not None:
        bound = min(bound, finish)
    if x >= bound:
        return None
    week = _week(policy)
    scans = [_ZoneScan(zone, week, x) for zone in zones]
    # Leapfrog: each zone pushes x to its own next open instant until none moves it.
    moved = True
    while moved:
        moved = False
        for scan in scans:
            y = scan.next_open(x, bound)
            if y is None:
                return None
            if y > x:
                x, moved = y, True
    return x, finish, scans


def next_window(
    after: datetime,
    policy: CallingPolicy,
    zones: tzinfo | Sequence[tzinfo],
    *,
    horizon: timedelta | None = None,
) -> Window | None:
    """The window holding the first instant ``>= after`` at which an attempt may start.

    ``open`` is that instant (later than ``after`` when the window was shut then) and ``close``
    the end of the contiguous open stretch that holds it, clipped by ``finish_datetime`` and
    by ``open + MAX_WINDOW``. Several zones: the intersection. None when nothing opens within
    ``horizon`` after ``max(after, start_datetime)`` (default: :data:`SINGLE_ZONE_HORIZON`
    for one zone or fixed offsets, :data:`MULTI_ZONE_HORIZON` for several DST zones), or
    before ``finish_datetime``.

    >>> from zoneinfo import ZoneInfo
    >>> from ringback.domain.policy import PolicyFields, effective_policy
    >>> policy = effective_policy(PolicyFields.from_json(
    ...     {"localTimeFrom": "09:00", "localTimeTo": "18:00"}))
    >>> w = next_window(datetime(2020, 3, 8, 12, 0, tzinfo=UTC), policy,
    ...                 ZoneInfo("America/New_York"))
    >>> w.open.isoformat(), w.close.isoformat()  # 09:00-18:00 EDT on the day DST began
    ('2020-03-08T13:00:00+00:00', '2020-03-08T22:00:00+00:00')
    """
    zone_tuple = _zone_tuple(zones)
    found = _search(after, policy, zone_tuple, horizon)
    if found is None:
        return None
    opened, finish, scans = found
    cap = opened + MAX_WINDOW // _ONE_US
    if finish is not None:
        cap = min(cap, finish)
    close = min(scan.run_end(opened, cap) for scan in scans)
    return Window(_from_us(opened), _from_us(close))


def next_open(
    after: datetime,
    policy: CallingPolicy,
    zones: tzinfo | Sequence[tzinfo],
    *,
    horizon: timedelta | None = None,
) -> datetime | None:
    """The first instant ``>= after`` at which an attempt may start (see :func:`next_window`)."""
    found = _search(after, policy, _zone_tuple(zones), horizon)
    return None if found is None else _from_us(found[0])


def is_open(at: datetime, policy: CallingPolicy, zones: tzinfo | Sequence[tzinfo]) -> bool:
    """May an attempt start at ``at``?"""
    if policy.start_datetime is not None and at < policy.start_datetime:
        return False
    found = _search(at, policy, _zone_tuple(zones), _ONE_US)
    return found is not None and found[0] == _to_us(at)
