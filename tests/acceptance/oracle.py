"""An independent oracle for simulated runs: windows checked literally in local time.

Nothing here uses ringback's window code: an instant is allowed when, converted to the zone with
zoneinfo, its local weekday and wall time fall in one of the scenario's windows as written; the
open periods are reconstructed by stepping UTC minute by minute (so a bound in a DST gap opens at
the first minute whose local clock reads at or after it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTE = timedelta(minutes=1)


def minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


@dataclass(frozen=True)
class Windows:
    """``allowedDays`` + ``allowedTime`` as written, and the start/finish clip."""

    days: tuple[str, ...] | None
    time: dict[str, list[dict[str, str]]] | None
    start: datetime | None = None
    finish: datetime | None = None

    def ranges(self, day: str) -> list[tuple[int, int]]:
        if self.days is not None and day not in self.days:
            return []
        if self.time is None:
            return [(0, 24 * 60)]
        spec = self.time.get(day, self.time.get("default", []))
        return [(minutes(r["localTimeFrom"]), minutes(r["localTimeTo"])) for r in spec]

    def allowed(self, t: datetime, tz: tzinfo) -> bool:
        if self.start is not None and t < self.start:
            return False
        if self.finish is not None and t >= self.finish:
            return False
        local = t.astimezone(tz)
        now = local.hour * 60 + local.minute + local.second / 60
        today = DAYS[local.weekday()]
        yesterday = DAYS[(local.weekday() - 1) % 7]
        for start, end in self.ranges(today):
            if end > start and start <= now < end:
                return True
            if end < start and now >= start:  # crosses midnight, first part
                return True
        return any(end < start and now < end for start, end in self.ranges(yesterday))

    def open_periods(
        self, tz: tzinfo, begin: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """[open, close) periods between begin and end, by stepping UTC minutes."""
        periods: list[tuple[datetime, datetime]] = []
        t = begin.replace(second=0, microsecond=0)
        current: datetime | None = None
        while t < end:
            if self.allowed(t, tz):
                current = t if current is None else current
            elif current is not None:
                periods.append((current, t))
                current = None
            t += MINUTE
        if current is not None:
            periods.append((current, end))
        return periods


def next_allowed(t: datetime, periods: list[tuple[datetime, datetime]]) -> datetime | None:
    for open_, close in periods:
        if t < close:
            return max(t, open_)
    return None


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def max_concurrency(intervals: Iterable[tuple[datetime, datetime]]) -> int:
    events = []
    for start, end in intervals:
        events += [(start, 1), (end, -1)]
    events.sort(key=lambda e: (e[0], e[1]))  # an end at t frees its line before a start at t
    level = peak = 0
    for _, delta in events:
        level += delta
        peak = max(peak, level)
    return peak


def union(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def intersect(
    a: list[tuple[datetime, datetime]], b: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def seconds(intervals: Iterable[tuple[datetime, datetime]]) -> float:
    return sum((end - start).total_seconds() for start, end in intervals)
