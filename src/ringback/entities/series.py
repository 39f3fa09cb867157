"""Time predicates as lazy series of intervals, the heart of Duckling's resolution.

A predicate describes a set of time spans ("every Monday", "15:00 each day", "next week").
``forward(t)`` yields its spans that end after ``t`` in ascending order (the first one may contain
``t``); ``backward(t)`` yields the spans that end at or before ``t``, latest first. Resolving a
time expression takes the first forward span from the reference time ("future by default");
"last <x>" takes the first backward one.

Intersections walk the coarser series and keep the finer spans inside each coarse span, so
"4:23" at 04:30 resolves to today's 04:23 (inside the 04:00 hour that contains now) exactly
like Duckling, while "3:18am" at 04:30 is tomorrow's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from ringback.entities.grain import Grain, add, month_days, round_down

# Enough coarse spans to find "Thursday the 15th" or "Feb 29" while bounding impossible ones.
MAX_WALK = 500
# Steps one evaluation may take: nested intersections of incompatible series ("7:30 PM on Fri,
# Sep 20" tries Fridays that are 20ths inside evenings …) stop here instead of walking for ages.
STEP_BUDGET = 1000
_budget: ContextVar[list[int]] = ContextVar("series_budget")


class budget:  # lower case: used like the context-manager function it replaced
    """``with budget(steps):`` gives the evaluation inside its own step budget (a class: it is
    entered for every rule application and every resolution)."""

    __slots__ = ("steps", "token")

    def __init__(self, steps: int = STEP_BUDGET) -> None:
        self.steps = steps

    def __enter__(self) -> None:
        self.token = _budget.set([self.steps])

    def __exit__(self, *_: object) -> None:
        _budget.reset(self.token)


def _step() -> bool:
    """Spend one step; False once the evaluation's budget is used up."""
    b = _budget.get(None)
    if b is None:
        return True
    b[0] -= 1
    return b[0] >= 0


@dataclass(frozen=True, slots=True)
class Span:
    start: datetime
    end: datetime  # exclusive
    grain: Grain
    explicit: bool = False  # an interval (morning, 9:30-11:00) rather than one grain unit

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end


def unit(start: datetime, grain: Grain) -> Span:
    return Span(start, add(start, grain, 1), grain)


class Pred:
    grain: Grain = Grain.second
    interval: bool = False  # spans are parts of a day/week (morning): finer than an hour reading
    period: int = Grain.year + 1  # how often spans recur (sparser series walk faster)

    def forward(self, t: datetime) -> Iterator[Span]:
        raise NotImplementedError

    def backward(self, t: datetime) -> Iterator[Span]:
        raise NotImplementedError


class Fixed(Pred):
    """A finite list of spans (today, next week, 2014, "in 20 minutes")."""

    def __init__(self, *spans: Span) -> None:
        self.spans = tuple(sorted(spans, key=lambda s: s.start))
        self.grain = min((s.grain for s in spans), default=Grain.second)

    def forward(self, t: datetime) -> Iterator[Span]:
        return (s for s in self.spans if s.end > t)

    def backward(self, t: datetime) -> Iterator[Span]:
        return (s for s in reversed(self.spans) if s.end <= t)


class Periodic(Pred):
    """Spans repeating within each unit of ``period`` (a weekday in each week, …)."""

    def __init__(
        self, grain: Grain, period: Grain, members: Callable[[datetime], list[Span]]
    ) -> None:
        self.grain = grain
        self.period = period
        self.unit_period = period
        self.members = members

    def forward(self, t: datetime) -> Iterator[Span]:
        # One period back: a member may outlast its period (the winter that began in December).
        cycle = add(round_down(t, self.unit_period), self.unit_period, -1)
        for _ in range(MAX_WALK):
            if not _step():
                return
            for span in self.members(cycle):
                if span.end > t:
                    yield span
            cycle = add(cycle, self.unit_period, 1)

    def backward(self, t: datetime) -> Iterator[Span]:
        cycle = round_down(t, self.unit_period)
        for _ in range(MAX_WALK):
            if not _step():
                return
            for span in reversed(self.members(cycle)):
                if span.end <= t:
                    yield span
            cycle = add(cycle, self.unit_period, -1)


def cycle(grain: Grain) -> Pred:
    """Every unit of ``grain`` (every day, every week …)."""
    return Periodic(grain, grain, lambda c: [unit(c, grain)])


def day_of_week(dow: int) -> Pred:
    delta = timedelta(days=dow)
    return Periodic(Grain.day, Grain.week, lambda c: [unit(c + delta, Grain.day)])


def day_of_month(dom: int) -> Pred:
    def members(c: datetime) -> list[Span]:
        if dom > month_days(c.year, c.month):
            return []
        return [unit(c.replace(day=dom), Grain.day)]

    return Periodic(Grain.day, Grain.month, members)


def month(m: int) -> Pred:
    return Periodic(Grain.month, Grain.year, lambda c: [unit(c.replace(month=m), Grain.month)])


def quarter(q: int) -> Pred:
    return Periodic(
        Grain.quarter, Grain.year, lambda c: [unit(c.replace(month=3 * q - 2), Grain.quarter)]
    )


def year(y: int) -> Pred:
    if not 1 <= y <= 9999:
        return Fixed()
    return Fixed(unit(datetime(y, 1, 1), Grain.year))


def hour(h: int, is12h: bool) -> Pred:
    """Hour ``h`` of each day; a 12-hour clock reading is two hours a day (3 → 03:00, 15:00)."""
    hours = sorted({h % 12, h % 12 + 12}) if is12h and h <= 12 else [h % 24]

    def members(c: datetime) -> list[Span]:
        return [unit(c.replace(hour=x), Grain.hour) for x in hours]

    return Periodic(Grain.hour, Grain.day, members)


def minute(m: int) -> Pred:
    return Periodic(Grain.minute, Grain.hour, lambda c: [unit(c.replace(minute=m), Grain.minute)])


def second(s: int) -> Pred:
    return Periodic(Grain.second, Grain.minute, lambda c: [unit(c.replace(second=s), Grain.second)])


def daily(start: timedelta, end: timedelta, grain: Grain = Grain.hour) -> Pred:
    """A part of each day as an interval, e.g. the morning 00:00–12:00 (end may pass midnight)."""
    p = Periodic(grain, Grain.day, lambda c: [Span(c + start, c + end, grain, True)])
    p.interval = True
    return p


def weekly(start: timedelta, end: timedelta, grain: Grain = Grain.hour) -> Pred:
    """A part of each week, e.g. the weekend Friday 18:00 – Monday 00:00."""
    p = Periodic(grain, Grain.week, lambda c: [Span(c + start, c + end, grain, True)])
    p.interval = True
    return p


def yearly(members: Callable[[int], list[Span]]) -> Pred:
    """Spans computed per year (holidays, seasons)."""
    return Periodic(Grain.day, Grain.year, lambda c: members(c.year))


def overlap(a: Span, b: Span) -> Span | None:
    if b.start >= a.start and b.end <= a.end:
        return b
    if a.start >= b.start and a.end <= b.end:
        return a
    start, end = max(a.start, b.start), min(a.end, b.end)
    if start >= end:
        return None
    return Span(start, end, min(a.grain, b.grain), True)


class Intersect(Pred):
    def __init__(self, a: Pred, b: Pred) -> None:
        # Walk the coarser series; look for the finer spans inside each of its spans. At equal
        # grains a clock reading walks and a part of the day is looked up inside it, so
        # "3 in the morning" at 04:30 is tomorrow's 03:00 (today's has passed).
        # Between equal grains the sparser series walks (Sep 20 rather than every Friday).
        a_key = (a.grain, not a.interval, a.period)
        b_key = (b.grain, not b.interval, b.period)
        self.coarse, self.fine = (a, b) if a_key >= b_key else (b, a)
        self.grain = self.fine.grain
        self.period = max(a.period, b.period)

    def _inside(self, c: Span) -> Iterator[Span]:
        if not _step():
            return
        for f in islice(self.fine.forward(c.start), MAX_WALK):
            if f.start >= c.end:
                return
            o = overlap(c, f)
            if o is not None:
                yield o

    def forward(self, t: datetime) -> Iterator[Span]:
        for c in islice(self.coarse.forward(t), MAX_WALK):
            yield from self._inside(c)

    def backward(self, t: datetime) -> Iterator[Span]:
        first = next(self.coarse.forward(t), None)
        coarse = self.coarse.backward(t)
        if first is not None and first.start <= t:
            coarse = _chain(first, coarse)
        for c in islice(coarse, MAX_WALK):
            for s in reversed(list(islice(self._inside(c), 200))):
                if s.end <= t:
                    yield s


def _chain(first: Span, rest: Iterator[Span]) -> Iterator[Span]:
    yield first
    yield from rest


class Shifted(Pred):
    """Each span of ``base`` moved by a function of its start (three days after Easter)."""

    def __init__(self, base: Pred, move: Callable[[datetime], datetime], grain: Grain) -> None:
        self.base, self.move, self.grain = base, move, grain

    def _shift(self, s: Span) -> Span:
        return unit(round_down(self.move(s.start), self.grain), self.grain)

    def forward(self, t: datetime) -> Iterator[Span]:
        # The base is walked from far enough back that shifted spans ending after t are seen.
        out = (self._shift(s) for s in self.base.forward(t - timedelta(days=800)))
        return (s for s in islice(out, MAX_WALK) if s.end > t)

    def backward(self, t: datetime) -> Iterator[Span]:
        out = (self._shift(s) for s in self.base.backward(t + timedelta(days=800)))
        return (s for s in islice(out, MAX_WALK) if s.end <= t)


class Nth(Pred):
    """The n-th span of ``inner`` inside each span of ``outer`` (first Tuesday of October).

    ``n`` < 0 counts from the end (last Monday of March = -1).
    """

    def __init__(self, outer: Pred, inner: Pred, n: int) -> None:
        self.outer, self.inner, self.n = outer, inner, n
        self.grain = inner.grain

    def _pick(self, c: Span) -> Span | None:
        inside = []
        for s in islice(self.inner.forward(c.start), 400):
            if s.start >= c.end:
                break
            if s.start >= c.start and s.end <= c.end:  # wholly inside: "last week of Sept."
                inside.append(s)
            if self.n >= 0 and len(inside) > self.n:
                break
        if -len(inside) <= self.n < len(inside):
            return inside[self.n]
        return None

    def forward(self, t: datetime) -> Iterator[Span]:
        for c in islice(self.outer.forward(t - timedelta(days=400)), MAX_WALK):
            s = self._pick(c)
            if s is not None and s.end > t:
                yield s

    def backward(self, t: datetime) -> Iterator[Span]:
        for c in islice(self.outer.backward(t + timedelta(days=400)), MAX_WALK):
            s = self._pick(c)
            if s is not None and s.end <= t:
                yield s


class Moved(Pred):
    """Every span of ``base`` moved by a fixed offset (a clock reading in another zone)."""

    def __init__(self, base: Pred, delta: timedelta, grain: Grain) -> None:
        self.base, self.delta, self.grain = base, delta, grain

    def _move(self, s: Span) -> Span:
        g = min(s.grain, self.grain)
        end = s.end if s.explicit else s.start + (s.end - s.start if g == s.grain else _ONE[g])
        return Span(s.start + self.delta, end + self.delta, g, s.explicit)

    def forward(self, t: datetime) -> Iterator[Span]:
        return (self._move(s) for s in self.base.forward(t - self.delta))

    def backward(self, t: datetime) -> Iterator[Span]:
        return (self._move(s) for s in self.base.backward(t - self.delta))


def clock(hours: list[int], minute: int, sec: int | None, grain: Grain) -> Pred:
    """A clock reading each day (15:30, or 03:30 and 15:30 for an ambiguous "3:30")."""

    def members(c: datetime) -> list[Span]:
        return [
            unit(c.replace(hour=h, minute=minute, second=sec or 0), grain) for h in sorted(hours)
        ]

    return Periodic(grain, Grain.day, members)


_ONE = {Grain.minute: timedelta(minutes=1), Grain.second: timedelta(seconds=1)}


class Between(Pred):
    """From each span of ``a`` to the first span of ``b`` after it (9:30 - 11:00, July 13-15).

    Closed intervals end one unit of the finer grain after ``b`` starts, so "3:30 to 6 PM"
    ends at 18:01 as in Duckling; an interval ``b`` (a morning) ends where it ends.
    """

    def __init__(self, a: Pred, b: Pred, closed: bool) -> None:
        self.a, self.b, self.closed = a, b, closed
        self.grain = a.grain

    def _to(self, s: Span) -> Span | None:
        for e in islice(self.b.forward(s.start), MAX_WALK):
            if e.start < s.start:
                continue
            g = min(s.grain, e.grain)
            if not self.closed:
                end = e.start
            elif e.explicit:
                end = e.end
            else:
                end = add(e.start, g, 1)
            if end <= s.start:
                return None
            return Span(s.start, end, g, True)
        return None

    def forward(self, t: datetime) -> Iterator[Span]:
        for s in islice(self.a.forward(t), MAX_WALK):
            span = self._to(s)
            if span is not None:
                yield span

    def backward(self, t: datetime) -> Iterator[Span]:
        for s in islice(self.a.backward(t), MAX_WALK):
            span = self._to(s)
            if span is not None and span.end <= t:
                yield span


def seasons() -> Pred:
    """The four astronomical seasons as one series, each up to the day before the next."""
    starts = ((3, 20), (6, 21), (9, 23), (12, 21))

    def members(c: datetime) -> list[Span]:
        ds = [datetime(c.year, m, d) for m, d in starts] + [datetime(c.year + 1, 3, 20)]
        return [Span(ds[i], ds[i + 1] - timedelta(days=1), Grain.day, True) for i in range(4)]

    return Periodic(Grain.day, Grain.year, members)
