"""Holidays whose dates follow a rule: fixed dates, n-th weekdays, Easter-based feasts, and the
Hebrew and (arithmetic) Islamic calendars.

Jewish holidays are dated, like Duckling, from the evening they begin (Yom Kippur 2018 →
September 18). Islamic ones use the tabular calendar, which can be a day off the observed date.
Hindu ones and Chinese New Year are computed from the Sun and the Moon (``panchang``), where
Duckling reads published tables; a day off is possible when a lunar day turns near the moment
of observance.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import cache

from ringback.entities import calendars as K
from ringback.entities import panchang as P
from ringback.entities import series as S
from ringback.entities.engine import Rule, rule
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


def _king(y: int) -> date:
    d = date(y, 4, 27)  # moved to the Saturday when it falls on a Sunday
    return d - timedelta(days=1) if d.weekday() == 6 else d


def _eve(y: int, month: int, day: int) -> date:
    """The evening a Jewish holiday begins, in Gregorian year ``y``."""
    return K.hebrew_date(K.hebrew_year(y, month), month, day) - timedelta(days=1)


def _tisha_bav(y: int) -> date:
    d = K.hebrew_date(K.hebrew_year(y, K.AV), K.AV, 9)
    if d.weekday() == 5:  # a fast is not held on the Sabbath: postponed to Sunday
        d += timedelta(days=1)
    return d - timedelta(days=1)


def _purim(y: int) -> date:
    hy = K.hebrew_year(y, K.ADAR)
    return K.hebrew_date(hy, K.ADAR_II if K.hebrew_leap(hy) else K.ADAR, 14) - timedelta(days=1)


def _hebrew_span(month: int, day: int, length: int) -> SpanRule:
    def span(y: int) -> tuple[date, date]:
        start = _eve(y, month, day)
        return start, start + timedelta(days=length)

    return span


def _islamic(month: int, day: int) -> Callable[[int], list[date]]:
    return lambda y: K.islamic_in_year(y, month, day)


def _wida(y: int) -> list[date]:
    """Jumu'atul-Wida: the last Friday of Ramadan."""
    out = []
    for eid in K.islamic_in_year(y, 10, 1):
        d = eid - timedelta(days=1)
        out.append(d - timedelta(days=(d.weekday() - 4) % 7))
    return out


EN_DAYS.update(
    {
        "King's Day": (r"king'?s day|koningsdag", _king),
        "Yom Kippur": (r"yom kippur", lambda y: _eve(y, K.TISHREI, 10)),
        "Shemini Atzeret": (r"shemini atzeret", lambda y: _eve(y, K.TISHREI, 22)),
        "Simchat Torah": (r"simc?hat torah", lambda y: _eve(y, K.TISHREI, 23)),
        "Tisha B'Av": (r"tisha b'?av", _tisha_bav),
        "Lag BaOmer": (r"lag b'?a?omer", lambda y: _eve(y, K.IYYAR, 18)),
        "Purim": (r"purim", _purim),
    }
)
EN_MULTI: dict[str, tuple[str, Callable[[int], list[date]]]] = {
    "Eid al-Fitr": (r"(eid|id)[- ](al|ul)[- ]fitr|sugar feast|ramadan bayram", _islamic(10, 1)),
    "Eid al-Adha": (
        r"(eid|id)[- ](al|ul)[- ]adha|bakr[- ]?id|sacrifice feast|feast of (the )?sacrifice",
        _islamic(12, 10),
    ),
    "Islamic New Year": (r"islamic new year|hijri new year|amun jadid", _islamic(1, 1)),
    "Ashura": (r"(the )?(day of )?ashura", _islamic(1, 10)),
    "Mawlid": (r"mawlid( al[- ]nabawi)?|milad[- ]un[- ]nabi", _islamic(3, 12)),
    "Isra and Mi'raj": (
        r"isra and mi'?raj|the prophet'?s ascension|the night journey",
        _islamic(7, 27),
    ),
    "Laylat al-Qadr": (r"laylat al[- ]?(qadr|kadr)|night of (power|destiny)", _islamic(9, 27)),
    "Jumu'atul-Wida": (r"jamat[- ]ul[- ]vida|jumu'?atul[- ]wida", _wida),
}
# Hindu festivals: (lunar month 1=Chaitra … 12=Phalguna, tithi 1-15 waxing / 16-30 waning,
# moment of observance).
_HINDU = {
    "Ugadi": (r"y?ugadi|samvatsaradi|chaitra sukhladi|gudi padwa", 1, 1, "sunrise"),
    "Mahavir Jayanti": (r"mahavir(a)? jayanti", 1, 13, "sunrise"),
    "Vesak": (r"vesak|vaisakha|buddha (day|purnima|jayanti)", 2, 15, "evening"),
    "Ratha-Yatra": (r"ratha?[- ]yatra", 4, 2, "sunrise"),
    "Raksha Bandhan": (r"raksha bandhan|rakhi", 5, 15, "sunrise"),
    "Krishna Janmashtami": (r"(krishna )?janmashtami|gokulashtami", 5, 23, "midnight"),
    "Ganesh Chaturthi": (r"ganesh(a)? chaturthi|vinayaka chaturthi", 6, 4, "noon"),
    "Maha Saptami": (r"maha saptami", 7, 7, "sunrise"),
    "Vijayadashami": (r"vijayadashami|dussehra|dasara", 7, 10, "noon"),
    "Pargat Diwas": (r"pargat diwas|valmiki jayanti", 7, 15, "sunrise"),
    "Karva Chauth": (r"karva chauth|karwa chauth", 7, 19, "evening"),
    "Dhanteras": (r"dhanteras|dhanatrayodashi", 7, 28, "evening"),
    "Naraka Chaturdashi": (r"naraka chaturdashi|chh?oti diwali", 7, 29, "evening"),
    "Diwali": (r"diwali|deepavali|lakshmi puja", 7, 30, "evening"),
    "Bhai Dooj": (r"bhai dooj|bhau beej|bhai tika", 8, 2, "sunrise"),
    "Chhath": (r"chhath( puja)?|dala puja|surya shashthi", 8, 6, "sunrise"),
    "Guru Gobind Singh Jayanti": (r"guru go[bv]ind singh (jayanti|birthday)", 10, 7, "sunrise"),
    "Vasant Panchami": (r"vasant panchami|basant panchami", 11, 5, "sunrise"),
    "Guru Ravidass Jayanti": (r"guru ravidass? (jayanti|birthday)", 11, 15, "sunrise"),
    "Holika Dahan": (r"holika dahan|chh?oti holi|kamudu pyre", 12, 15, "evening"),
}


def _hindu(month: int, tithi: int, at: str, shift: int = 0) -> Callable[[int], list[date]]:
    return lambda y: [d + timedelta(days=shift) for d in P.festival(y, month, tithi, at)]


def _solar(sign: int, shift: int = 0) -> Callable[[int], list[date]]:
    return lambda y: [P.sankranti_day(y, sign) + timedelta(days=shift)]


EN_MULTI.update({name: (p, _hindu(m, t, at)) for name, (p, m, t, at) in _HINDU.items()})
EN_MULTI.update(
    {
        "Holi": (r"holi|dhulandi|phagwah|dhuleti", _hindu(12, 15, "evening", 1)),
        "Thai Pongal": (r"(thai )?pongal|maghi|makar sankranti", _solar(9)),
        "Mattu Pongal": (r"maa?ttu pongal", _solar(9, 1)),
        "Kaanum Pongal": (r"kaa?n(u|n)(m|i) pongal", _solar(9, 2)),
        "Vaisakhi": (r"baisakhi|vaa?i?sh?akhi|vasakhi", _solar(0)),
        # 25 Boishakh: the Bengali year starts the day after the Sun enters Aries.
        "Rabindra Jayanti": (
            r"rabindra(nath)? jayanti",
            lambda y: [P.sankranti(y, 0)[0] + timedelta(days=25)],
        ),
        "Thiru Onam": (r"thiru ?v?onam|onam", lambda y: P.nakshatra_day(y, 4, 21)),
        "Chinese New Year": (
            r"chinese (lunar )?new year('?s day)?|lunar new year|spring festival",
            lambda y: [P.chinese_new_year(y)],
        ),
    }
)
EN_SPANS: dict[str, tuple[str, SpanRule]] = {
    "Rosh Hashanah": (r"rosh hash?ann?ah?|jewish new year", _hebrew_span(K.TISHREI, 1, 3)),
    "Sukkot": (
        r"sukkot|succos|sukkos|feast of (the )?(ingathering|tabernacles)",
        _hebrew_span(K.TISHREI, 15, 9),
    ),
    "Hanukkah": (r"c?hann?ukk?ah|chanukk?ah|festival of lights", _hebrew_span(K.KISLEV, 25, 8)),
    "Shavuot": (r"shavuot|feast of weeks", _hebrew_span(K.SIVAN, 6, 3)),
    "Passover": (r"passover|pesach", _hebrew_span(K.NISAN, 15, 8)),
    "Ramadan": (r"ramadan|ramazan", lambda y: _ramadan(y)),
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


def _ramadan(y: int) -> tuple[date, date]:
    start = K.islamic_in_year(y, 9, 1)[0]
    return start, K.islamic_date(_islamic_year(start), 10, 1)


def _islamic_year(d: date) -> int:
    y = int((d.year - 622) * 33 / 32)
    while K.islamic_date(y + 1, 1, 1) <= d:
        y += 1
    while K.islamic_date(y, 1, 1) > d:
        y -= 1
    return y


def _multi_time(name: str, fn: Callable[[int], list[date]]) -> Time:
    @cache  # the dates of a year never change; some take astronomy to find
    def members(y: int) -> list[S.Span]:
        return [S.unit(datetime(d.year, d.month, d.day), Grain.day) for d in fn(y)]

    return Time(S.yearly(members), Grain.day, form="holiday", holiday=name)


def _day_time(name: str, fn: DayRule) -> Time:
    @cache
    def members(y: int) -> list[S.Span]:
        try:
            d = fn(y)
        except ValueError:
            return []
        return [S.unit(datetime(d.year, d.month, d.day), Grain.day)]

    return Time(S.yearly(members), Grain.day, form="holiday", holiday=name)


def _span_time(name: str, fn: SpanRule) -> Time:
    @cache
    def members(y: int) -> list[S.Span]:
        a, b = fn(y)
        start = datetime(a.year, a.month, a.day)
        return [S.Span(start, datetime(b.year, b.month, b.day), Grain.day, True)]

    return Time(S.yearly(members), Grain.day, form="holiday", holiday=name, interval=True)


def _rules(
    days: dict[str, tuple[str, DayRule]],
    spans: dict[str, tuple[str, SpanRule]],
    multi: dict[str, tuple[str, Callable[[int], list[date]]]] | None = None,
) -> list[Rule]:
    out = []
    for name, (pattern, fn) in days.items():
        t = _day_time(name, fn)
        out.append(rule(f"holiday {name}", "time", [pattern], lambda _c, _m, t=t: t))
    for name, (pattern, mfn) in (multi or {}).items():
        t = _multi_time(name, mfn)
        out.append(rule(f"holiday {name}", "time", [pattern], lambda _c, _m, t=t: t))
    for name, (pattern, sfn) in spans.items():
        t = _span_time(name, sfn)
        out.append(rule(f"holiday {name}", "time", [pattern], lambda _c, _m, t=t: t))
    return out


def en_holiday_rules() -> list[Rule]:
    return _rules(EN_DAYS, EN_SPANS, EN_MULTI)


def ru_holiday_rules() -> list[Rule]:
    return _rules(RU_DAYS, {})
