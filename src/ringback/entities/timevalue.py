"""Typed partial values the grammar builds: times, durations, numbers; and their resolution."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import islice

from ringback.entities.engine import Context
from ringback.entities.grain import SECONDS, Grain, add, finer, round_down
from ringback.entities.series import Between, Fixed, Intersect, Pred, Span, unit


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    words: bool = False  # spelled out ("three"): never a clock reading like "3"
    multiplier: bool = False  # hundred, thousand: multiplies what precedes it
    fuzzy: bool = False  # a couple, a few, dozens: a count, never a clock reading


@dataclass(frozen=True, slots=True)
class Ordinal:
    value: int


@dataclass(frozen=True, slots=True)
class Duration:
    value: float
    grain: Grain

    def normalized(self) -> float:
        return self.value * SECONDS[self.grain]

    def exact(self) -> Duration:
        """Fractions move down a grain: 2.5 hours → 150 minutes, half an hour → 30 minutes."""
        d = self
        while d.value != int(d.value) and d.grain > Grain.second:
            lower = Grain(d.grain - 1)
            d = Duration(d.value * SECONDS[d.grain] / SECONDS[lower], lower)
        return Duration(int(d.value) if d.value == int(d.value) else d.value, d.grain)


@dataclass(frozen=True, slots=True)
class Time:
    pred: Pred
    grain: Grain
    latent: bool = False
    not_immediate: bool = False
    form: str = ""  # dow, month, dom, tod, daypart, year, date, holiday, part-of-day …
    hour: int | None = None  # time of day: the hour as read, for am/pm and "quarter past"
    is12h: bool = False
    minute: int = 0
    second: int | None = None
    direction: str | None = None  # "after" / "before": an open interval
    holiday: str | None = None
    interval: bool = False  # the value is an interval (Duckling "from … to")


def shift(ctx: Context, base: datetime, d: Duration, sign: int = 1) -> datetime:
    """``base`` (local wall time) moved by ``d``.

    Below a day the move is in absolute time, so "in 2 hours" at 01:30 on the night clocks go
    forward (Europe/Berlin, 2024-03-31) reads 04:30, not 03:30; days and longer keep the wall
    clock ("tomorrow at 3 pm" stays 15:00 across the change).
    """
    d = d.exact()
    if d.grain <= Grain.hour:
        # Aware arithmetic in Python is wall-clock arithmetic: move in UTC.
        aware = to_aware(ctx, base).astimezone(UTC)
        moved = aware + timedelta(seconds=sign * d.normalized())
        return moved.astimezone(ctx.tz).replace(tzinfo=None)
    if d.value != int(d.value):
        return base + timedelta(seconds=sign * d.normalized())
    return add(base, d.grain, sign * int(d.value))


def to_aware(ctx: Context, local: datetime) -> datetime:
    """A local wall time as an instant: the first instant the local clock reads ≥ it.

    In a gap (02:30 on a spring-forward night in Berlin) that is the transition, 03:00 CEST;
    in a fold the first occurrence (fold=0).
    """
    aware = local.replace(tzinfo=ctx.tz, fold=0)
    if aware.astimezone(UTC).astimezone(ctx.tz).replace(tzinfo=None) == local:
        return aware
    # Nonexistent: step from the earliest reading of it (post-transition offset) to the gap's end.
    probe = local.replace(tzinfo=ctx.tz, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    for _ in range(24 * 60):
        if probe.astimezone(ctx.tz).replace(tzinfo=None) >= local:
            break
        probe += timedelta(minutes=1)
    return probe.astimezone(ctx.tz)


def resolve(t: Time, ref: datetime) -> Span | None:
    """The value: the first span ending after ``ref`` (the latest before it when none does)."""
    spans = future(t, ref, 1)
    if spans:
        return spans[0]
    return next(t.pred.backward(ref), None)


def future(t: Time, ref: datetime, n: int = 3) -> list[Span]:
    spans = list(islice(t.pred.forward(ref), n + 1))
    if spans and t.not_immediate and spans[0].contains(ref):
        spans = spans[1:]
    return spans[:n]


def fixed(span: Span | None) -> Pred:
    return Fixed() if span is None else Fixed(span)


def nth(t: Time, ctx: Context, n: int, not_immediate: bool = False) -> Time | None:
    """The n-th span from now: 0 = this, 1 = the one after, -1 = the last one before now."""
    if n >= 0:
        spans = list(islice(t.pred.forward(ctx.ref), n + 2))
        if spans and not_immediate and spans[0].contains(ctx.ref):
            spans = spans[1:]
        span = spans[n] if len(spans) > n else None
    else:
        span = next(islice(t.pred.backward(ctx.ref), -n - 1, None), None)
    if span is None:
        return None
    return replace(t, pred=Fixed(span), latent=False, not_immediate=False, form="fixed")


def intersect(a: Time, b: Time) -> Time | None:
    if a.direction or b.direction:
        # "today after 6pm": the open interval of that day's 6pm
        if a.direction and b.direction:
            return None
        d, other = (a, b) if a.direction else (b, a)
        if other.grain < Grain.day:
            return None
        inner = intersect(replace(d, direction=None), other)
        return None if inner is None else replace(inner, direction=d.direction, form="open")
    grain = min(a.grain, b.grain)
    return Time(
        Intersect(a.pred, b.pred),
        grain,
        latent=False,
        not_immediate=a.not_immediate and b.not_immediate,
        form="intersect",
        holiday=a.holiday or b.holiday,
        interval=a.interval or b.interval,
    )


def cycle_nth(ctx: Context, grain: Grain, n: int) -> Time:
    start = add(round_down(ctx.ref, grain), grain, n)
    return Time(Fixed(unit(start, grain)), grain, form="cycle")


def at(start: datetime, grain: Grain, **kw: object) -> Time:
    return Time(Fixed(unit(round_down(start, grain), grain)), grain, **kw)  # type: ignore[arg-type]


def in_duration(ctx: Context, d: Duration, sign: int = 1) -> Time:
    """ "in 20 minutes": now moved, rounded one grain finer than the duration (Duckling)."""
    g = finer(d.exact().grain)
    return at(shift(ctx, ctx.ref, d, sign), g, form="shifted")


def interval(ctx: Context, a: Time, b: Time, closed: bool = True) -> Time | None:
    """From the first ``a`` to the first ``b`` after it (July 13-15, 9:30 - 11:00)."""
    if a.direction or b.direction:
        return None
    # Lazy like every series: an interval that never occurs is dropped when resolved.
    return Time(Between(a.pred, b.pred, closed), a.grain, form="interval", interval=True)


def open_interval(t: Time, direction: str) -> Time:
    return replace(t, direction=direction, latent=False, form="open")
