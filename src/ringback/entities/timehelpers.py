"""Constructors and rule helpers shared by the English and Russian time grammars."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from ringback.entities import series as S
from ringback.entities.engine import Context, Dim, Token
from ringback.entities.grain import Grain, add, round_down
from ringback.entities.series import Fixed, Span
from ringback.entities.timevalue import (
    Duration,
    Number,
    Time,
    at,
    cycle_nth,
    fixed,
    in_duration,
    intersect,
    interval,
    resolve,
    shift,
)

ZONES = {
    "gmt": 0, "utc": 0, "wet": 0, "cet": 60, "cest": 120, "bst": 60, "eet": 120, "msk": 180,
    "ist": 330, "est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360,
    "pst": -480, "pdt": -420,
}  # fmt: skip


# The token tests below are made once per argument list: rules asking for the same test share
# it, so the chart tests a new token once for all of them.


@cache
def integer(lo: int, hi: int, digits: bool | None = None) -> Dim:
    def ok(n: Number) -> bool:
        if n.value != int(n.value) or not lo <= n.value <= hi:
            return False
        return digits is None or digits != n.words

    return Dim("number", ok)


@cache
def ordinal(lo: int = 1, hi: int = 31) -> Dim:
    return Dim("ordinal", lambda o: lo <= o.value <= hi)


def time(test: Any = None) -> Dim:
    return Dim("time", test)


def nonlatent(t: Time) -> bool:
    return not t.latent


@cache
def form(*forms: str, latent: bool | None = None) -> Dim:
    def ok(t: Time) -> bool:
        return t.form in forms and (latent is None or t.latent == latent) and not t.direction

    return Dim("time", ok)


TOD_ANY = Dim("time", lambda t: t.form == "tod")
DURATION = Dim("duration")


def tod(h: int, m: int | None = None, s: int | None = None, *, is12h: bool = True,
        latent: bool = False) -> Time | None:  # fmt: skip
    """A clock reading. ``is12h``: "3" or "3:30" may mean the afternoon; "15:30" may not."""
    if not (0 <= h <= 24 and (m is None or 0 <= m <= 59) and (s is None or 0 <= s <= 59)):
        return None
    amb = is12h and 0 < h <= 12
    [h % 12, h % 12 + 12] if amb else [h % 24]
    grain = Grain.hour if m is None else Grain.minute if s is None else Grain.second
    # Like Duckling, "4:23" is minute 23 inside the hour 4 that contains now, so at 04:30 it
    # is today's 04:23; a whole reading ("3:18" at 04:30) moves on to the next such hour.
    pred: S.Pred = S.hour(h, amb)
    if m is not None:
        pred = S.Intersect(pred, S.minute(m))
    if s is not None:
        pred = S.Intersect(pred, S.second(s))
    return Time(
        pred, grain, latent=latent, form="tod",
        hour=h % 24 if not amb else h, is12h=amb, minute=m or 0, second=s,
    )  # fmt: skip


def with_minutes(t: Time, minutes: int) -> Time | None:
    """ "quarter past three", "20 to 2pm": the reading moved by minutes within its hour."""
    if t.hour is None:
        return None
    total = t.hour * 60 + t.minute + minutes
    h, m = divmod(total % (24 * 60), 60)
    if t.is12h and h == 0:
        h = 12
    return tod(h, m, is12h=t.is12h)


def ampm(t: Time, pm: bool) -> Time | None:
    """ "3pm" → 15:00, "12am" → 00:00, "9:01:10 AM" keeps minutes and seconds."""
    if t.hour is None or t.hour > 12:
        return None
    h = t.hour % 12 + (12 if pm else 0)
    return tod(h, t.minute if t.grain <= Grain.minute else None, t.second, is12h=False)


def daypart(start_h: float, end_h: float, *, latent: bool = True) -> Time:
    pred = S.daily(timedelta(hours=start_h), timedelta(hours=end_h))
    return Time(pred, Grain.hour, latent=latent, form="daypart", interval=True, holiday=None)


def date(y: int | None, m: int | None, d: int | None) -> Time | None:
    """A calendar date, any part missing meaning "the next one" (March 3, the 15th, May)."""
    parts: list[S.Pred] = []
    try:
        if y is not None and m is not None and d is not None:
            return Time(Fixed(S.unit(datetime(y, m, d), Grain.day)), Grain.day, form="date")
    except ValueError:
        return None
    if m is not None and not 1 <= m <= 12:
        return None
    if d is not None and not 1 <= d <= 31:
        return None
    if y is not None:
        parts.append(S.year(y))
    if m is not None:
        parts.append(S.month(m))
    if d is not None:
        parts.append(S.day_of_month(d))
    if not parts:
        return None
    pred = parts[0]
    for p in parts[1:]:
        pred = S.Intersect(pred, p)
    grain = Grain.day if d is not None else Grain.month if m is not None else Grain.year
    return Time(pred, grain, form="date" if d is not None else "month" if y is None else "ym")


def year_of(n: int) -> int:
    """Two-digit years: 74 → 1974, 14 → 2014 (below 50 → this century)."""
    if n < 100:
        return 2000 + n if n < 50 else 1900 + n
    return n


def dow(d: int) -> Time:
    return Time(S.day_of_week(d), Grain.day, not_immediate=True, form="dow")


def month_t(m: int, latent: bool = False) -> Time:
    return Time(S.month(m), Grain.month, latent=latent, form="month")


def now(ctx: Context) -> Time:
    return Time(Fixed(S.unit(ctx.ref, Grain.second)), Grain.second, form="now")


def with_zone(ctx: Context, t: Time, zone: str) -> Time | None:
    offset = ZONES.get(zone.lower().strip("()"))
    here = ctx.ref_aware.utcoffset()
    if offset is None or here is None or t.form not in ("tod", "intersect", "interval"):
        return None
    delta = here - timedelta(minutes=offset)
    grain = min(t.grain, Grain.minute)
    return replace(t, pred=S.Moved(t.pred, delta, grain), grain=grain, form="zoned")


def last_next_n(ctx: Context, grain: Grain, n: int, sign: int) -> Time | None:
    """ "last 2 days" = the two whole days before today; "next 3 weeks" = the three after."""
    if n <= 0:
        return None
    base = round_down(ctx.ref, grain)
    if sign > 0:
        start, end = add(base, grain, 1), add(base, grain, n + 1)
    else:
        start, end = add(base, grain, -n), base
    return Time(Fixed(Span(start, end, grain, True)), grain, form="interval", interval=True)


def span_of(t: Time, ctx: Context) -> Span | None:
    return resolve(t, ctx.ref)


def for_duration(ctx: Context, t: Time, d: Duration) -> Time | None:
    """ "from 4pm for 30 minutes": a closed interval ending on the grain unit reached."""
    s = span_of(t, ctx)
    if s is None:
        return None
    g = min(s.grain, d.exact().grain)
    end = S.unit(round_down(shift(ctx, s.start, d), g), g).end
    return Time(Fixed(Span(s.start, end, g, True)), g, form="interval", interval=True)


def by(ctx: Context, t: Time, use_end: bool = False) -> Time | None:
    """ "by 2pm": from now until then (an interval of seconds)."""
    s = span_of(t, ctx)
    if s is None:
        return None
    end = s.end if use_end else s.start
    if end <= ctx.ref:
        return None
    span = Span(round_down(ctx.ref, Grain.second), end, Grain.second, True)
    return Time(Fixed(span), Grain.second, form="interval", interval=True)


def cycle_part(ctx: Context, grain: Grain, n: int, part: str) -> Time | None:
    """Beginning / end of a week, month or year (end of the month = the 21st to the 1st)."""
    base = add(round_down(ctx.ref, grain), grain, n)
    return part_of(Span(base, add(base, grain, 1), grain), part)


def part_of(s: Span, part: str) -> Time | None:
    g = s.grain
    if g == Grain.month:
        a, b = (s.start, s.start.replace(day=11)) if part == "begin" else (
            (s.start.replace(day=11), s.start.replace(day=21)) if part == "mid"
            else (s.start.replace(day=21), s.end)
        )  # fmt: skip
        inner = Grain.day
    elif g == Grain.year:
        a, b = (s.start, add(s.start, Grain.month, 3)) if part == "begin" else (
            add(s.start, Grain.month, 8), s.end)  # fmt: skip
        inner = Grain.month
    elif g == Grain.week:
        a, b = (s.start, s.start + timedelta(days=3)) if part == "begin" else (
            s.start + timedelta(days=4), s.end)  # fmt: skip
        inner = Grain.day
    else:
        return None
    return Time(Fixed(Span(a, b, inner, True)), inner, form="interval", interval=True)


def inter(_: Context, a: Token, b: Token) -> Time | None:
    return intersect(a.value, b.value)


def between(ctx: Context, a: Token, b: Token, closed: bool = True) -> Time | None:
    return interval(ctx, a.value, b.value, closed)


in_dur = in_duration


def closed(ctx: Context, a: Time, b: Time) -> Time | None:
    """A closed interval between two times; a latent end must read like the start (3-4pm)."""
    if a.latent and b.latent and not a.form == b.form == "year":
        return None
    both_tod = a.form == b.form == "tod"
    if (a.latent or b.latent) and a.grain != b.grain and not both_tod:
        return None
    if (a.form == "zoned") != (b.form == "zoned"):  # "9h30 - 11h CST": the zone is outermost
        return None
    t = interval(ctx, a, b)
    return None if t is None else replace(t, latent=a.latent and b.latent)


def fix_inter(ctx: Context, a: Time, b: Time) -> Time | None:
    t = inter(ctx, Token("time", 0, 0, a, 1, "", ()), Token("time", 0, 0, b, 1, "", ()))
    if t is None:
        return None
    return replace(t, form="fixed" if a.form in ("fixed", "cycle", "year") else "date"
                   if t.grain == Grain.day else t.form)  # fmt: skip


def day_part(ctx: Context, n: int, a: float, b: float) -> Time | None:
    t = fix_inter(ctx, cycle_nth(ctx, Grain.day, n), daypart(a, b, latent=False))
    return None if t is None else replace(t, form="intersect")


def duration_from(ctx: Context, t: Time, d: Duration, sign: int) -> Time | None:
    """ "3 days after Easter", "15 minutes from 1pm": the finer of the two grains."""
    s = span_of(t, ctx)
    if s is None:
        return None
    return at(shift(ctx, s.start, d, sign), min(s.grain, d.exact().grain), holiday=None)


def week_rest(ctx: Context, latent: bool) -> Time:
    """ "all week": Monday to Saturday night; "the week": today to then (Duckling)."""
    monday = S.round_down(ctx.ref, Grain.week)
    start = S.round_down(ctx.ref, Grain.day) if latent else monday
    span = S.Span(start, monday + S.timedelta(days=6), Grain.day, True)
    return Time(S.Fixed(span), Grain.day, latent=latent, form="interval", interval=True)


def fixed_time(s: S.Span) -> Time:
    return Time(fixed(s), s.grain, form="fixed")
