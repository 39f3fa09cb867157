"""Holidays whose dates follow a rule: fixed dates, n-th weekdays, and Easter-based feasts.

Holidays on lunar or lunisolar calendars (Eid, Diwali, Hanukkah …), which Duckling reads from
tables, are not covered.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta

from ringback.entities import series as S
from ringback.entities.engine import Context, Rule, rule
from ringback.entities.grain import Grain
from ringback.entities.timevalue import Time


def easter(y: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian computus)."""
    a, b, c = y % 19, y // 100, y % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(y, month, day + 1)


def orthodox_easter(y: int) -> date:
    """Orthodox Easter (Julian computus, shown in the Gregorian calendar)."""
    a, b, c = y % 4, y % 7, y % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month, day = divmod(d + e + 114, 31)
    return date(y, month, day + 1) + timedelta(days=(y // 100) - (y // 400) - 2)


def nth_weekday(y: int, m: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1 = last) ``weekday`` of a month."""
    if n > 0:
        first = date(y, m, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(y, m, calendar.monthrange(y, m)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _boss(y: int) -> date:
    d = date(y, 10, 16)  # the nearest weekday when it falls on a weekend
    return d + timedelta(days={5: -1, 6: 1}.get(d.weekday(), 0))


DayRule = Callable[[int], date]
SpanRule = Callable[[int], tuple[date, date]]

# name → (pattern, the date in a given year)
EN_DAYS: dict[str, tuple[str, DayRule]] = {
    "Christmas": (r"(christmas|xmas)( day)?", lambda y: date(y, 12, 25)),
    "Christmas Eve": (r"(christmas|xmas) eve", lambda y: date(y, 12, 24)),
    "New Year's Eve": (r"new year'?s? eve", lambda y: date(y, 12, 31)),
    "New Year's Day": (r"new year'?s?( day)?", lambda y: date(y, 1, 1)),
    "Valentine's Day": (r"valentine'?s?( day)?", lambda y: date(y, 2, 14)),
    "Halloween": (r"hall?owe?en( day)?", lambda y: date(y, 10, 31)),
    "St Patrick's Day": (r"(st\.?|saint) patrick'?s?( day)?", lambda y: date(y, 3, 17)),
    "World Vegan Day": (r"world vegan day", lambda y: date(y, 11, 1)),
    "Boss's Day": (r"boss'?s?( day)?", _boss),
    "Thanksgiving Day": (r"thanks?giving( day)?", lambda y: nth_weekday(y, 11, 3, 4)),
    "Black Friday": (r"black friday", lambda y: nth_weekday(y, 11, 3, 4) + timedelta(days=1)),
    "Martin Luther King's Day": (
        r"(mlk|martin luther king'?s?|civil rights)( jr\.?)?( day)?",
        lambda y: nth_weekday(y, 1, 0, 3),
    ),
    "Easter Sunday": (r"easter( sunday)?", easter),
    "Maundy Thursday": (
        r"maundy thursday|covenant thu(rsday)?",
        lambda y: easter(y) - timedelta(3),
    ),
    "Good Friday": (r"good friday", lambda y: easter(y) - timedelta(2)),
    "Pentecost": (r"pentecost|whit sunday", lambda y: easter(y) + timedelta(49)),
    "Whit Monday": (r"whit monday|monday of the holy spirit", lambda y: easter(y) + timedelta(50)),
    "Palm Sunday": (r"(palm|branch) sunday", lambda y: easter(y) - timedelta(7)),
    "Shrove Tuesday": (
        r"shrove tuesday|pancake (day|tuesday)|mardi gras",
        lambda y: easter(y) - timedelta(47),
    ),
    "Ash Wednesday": (r"ash wednesday", lambda y: easter(y) - timedelta(46)),
    "Orthodox Easter Sunday": (r"orthodox easter( sunday)?", orthodox_easter),
    "Clean Monday": (
        r"(orthodox )?(clean|shrove|pure) monday",
        lambda y: orthodox_easter(y) - timedelta(48),
    ),
    "Earth Day": (r"earth day", lambda y: date(y, 4, 22)),
    "Independence Day": (r"independence day|4th of july|fourth of july", lambda y: date(y, 7, 4)),
    "Mother's Day": (r"mother'?s? day", lambda y: nth_weekday(y, 5, 6, 2)),
    "Father's Day": (r"father'?s? day", lambda y: nth_weekday(y, 6, 6, 3)),
    "Memorial Day": (r"memorial day", lambda y: nth_weekday(y, 5, 0, -1)),
    "Labor Day": (r"labou?r day", lambda y: nth_weekday(y, 9, 0, 1)),
}
EN_SPANS: dict[str, tuple[str, SpanRule]] = {
    "Lent": (r"lent", lambda y: (easter(y) - timedelta(46), easter(y))),
    "Great Lent": (
        r"great (lent|fast)",
        lambda y: (orthodox_easter(y) - timedelta(48), orthodox_easter(y) - timedelta(8)),
    ),
}
RU_DAYS: dict[str, tuple[str, DayRule]] = {
    "Рождество Христово": (r"рождеств[оа]( христов[оа])?", lambda y: date(y, 1, 7)),
    "Новый год": (r"нов(ый|ого|ому) год[ау]?", lambda y: date(y, 1, 1)),
    "Международный женский день": (r"8 марта|международный женский день", lambda y: date(y, 3, 8)),
    "День защитника Отечества": (r"день защитника отечества", lambda y: date(y, 2, 23)),
    "День Победы": (r"день победы", lambda y: date(y, 5, 9)),
}


def _day_time(name: str, fn: DayRule) -> Time:
    def members(y: int) -> list[S.Span]:
        try:
            d = fn(y)
        except ValueError:
            return []
        return [S.unit(datetime(d.year, d.month, d.day), Grain.day)]

    return Time(S.yearly(members), Grain.day, form="holiday", holiday=name)


def _span_time(name: str, fn: SpanRule) -> Time:
    def members(y: int) -> list[S.Span]:
        a, b = fn(y)
        start = datetime(a.year, a.month, a.day)
        return [S.Span(start, datetime(b.year, b.month, b.day), Grain.day, True)]

    return Time(S.yearly(members), Grain.day, form="holiday", holiday=name, interval=True)


def _rules(
    days: dict[str, tuple[str, DayRule]], spans: dict[str, tuple[str, SpanRule]]
) -> list[Rule]:
    out = []
    for name, (pattern, fn) in days.items():
        t = _day_time(name, fn)
        out.append(rule(f"holiday {name}", "time", [pattern], lambda _c, _m, t=t: t))
    for name, (pattern, sfn) in spans.items():
        t = _span_time(name, sfn)
        out.append(rule(f"holiday {name}", "time", [pattern], lambda _c, _m, t=t: t))
    return out


def en_holiday_rules() -> list[Rule]:
    return _rules(EN_DAYS, EN_SPANS)


def ru_holiday_rules() -> list[Rule]:
    return _rules(RU_DAYS, {})


__all__ = ["Context", "easter", "en_holiday_rules", "orthodox_easter", "ru_holiday_rules"]
