"""The Russian time and duration grammar (after Duckling's ``Time/RU/Rules.hs``).

Decisions where Duckling's Russian rules are silent: "утром" is 00:00-12:00 and "днём"
12:00-19:00 as in English; "ночью" is 22:00-04:00; "в обед" 12:00-14:00; "после обеда"
13:00-17:00 (SPEC 6), and it combines with a day ("завтра после обеда").
"""

# ruff: noqa: E501  -- grammar rules read best one per line

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from ringback.entities import series as S
from ringback.entities.engine import Context, Dim, Rule, Token, compiled, rule
from ringback.entities.grain import Grain
from ringback.entities.holidays import ru_holiday_rules
from ringback.entities.timehelpers import (
    DURATION,
    TOD_ANY,
    ampm,
    by,
    closed,
    date,
    day_part,
    daypart,
    dow,
    duration_from,
    fix_inter,
    fixed_time,
    form,
    in_dur,
    last_next_n,
    month_t,
    now,
    ordinal,
    time,
    tod,
    week_rest,
    with_minutes,
    with_zone,
    year_of,
)
from ringback.entities.timevalue import (
    Duration,
    Time,
    cycle_nth,
    intersect,
    nth,
    open_interval,
    resolve,
)

DOWS = [
    r"понедельник[аеу]?|пн\.?", r"вторник[аеу]?|вт\.?", r"сред[аеуы]|ср\.?", r"четверг[аеу]?|чт\.?",
    r"пятниц[аеуы]|пт\.?", r"суббот[аеуы]|сб\.?", r"воскресень[еяю]|вс\.?",
]  # fmt: skip
MONTHS = [
    r"январ[ьяюе]|янв\.?", r"феврал[ьяюе]|фев\.?", r"март[ауе]?|мар\.?", r"апрел[ьяюе]|апр\.?",
    r"ма[йяюе]", r"июн[ьяюе]|июн\.?", r"июл[ьяюе]|июл\.?", r"август[ауе]?|авг\.?",
    r"сентябр[ьяюе]|сент?\.?", r"октябр[ьяюе]|окт\.?", r"ноябр[ьяюе]|нояб?\.?",
    r"декабр[ьяюе]|дек\.?",
]  # fmt: skip
GRAINS = {
    r"секунд[уыа]?|сек\.?": Grain.second,
    r"минут[уыа]?|мин\.?": Grain.minute,
    r"час(а|ов|у)?|ч\.?": Grain.hour,
    r"дн(я|ей|ям)|день": Grain.day,
    r"недел(ю|и|ь|ь|ям)": Grain.week,
    r"месяц(а|ев)?": Grain.month,
    r"квартал(а|ов)?": Grain.quarter,
    r"год(а|у)?|лет": Grain.year,
}
_GRAIN_RE = "|".join(f"(?:{k})" for k in sorted(GRAINS, key=len, reverse=True))
CYCLE_WORDS = {
    r"недел[яиюе]|неделю": Grain.week,
    r"месяц[аеу]?|месяцем": Grain.month,
    r"квартал[аеу]?": Grain.quarter,
    r"год[ауе]?|году": Grain.year,
    r"день|дня": Grain.day,
}
_CYCLE_RE = "|".join(f"(?:{k})" for k in CYCLE_WORDS)

THIS = r"(в |на )?(эт(от|а|у|ом|ой|и)|текущ(ий|ая|ую|ем|ей))"
NEXT = r"(в |на )?(следующ(ий|ая|ую|ее|ем|ей|его)|след\.?|будущ(ий|ая|ую|ем|ей))"
LAST = r"(в |на )?(прошл(ый|ая|ую|ое|ом|ой|ого)|предыдущ(ий|ая|ую|ем|ей))"
BEFORE_LAST = r"(в |на )?(позапрошл(ый|ая|ую|ое|ом|ой|ого))"


def _pick(patterns: list[str], word: str) -> int:
    for i, p in enumerate(patterns):
        if compiled(p).fullmatch(word.lower()):
            return i
    raise KeyError(word)


def _grain(word: str, table: dict[str, Grain]) -> Grain:
    for pattern, g in table.items():
        if compiled(pattern).fullmatch(word.strip().lower()):
            return g
    raise KeyError(word)


def _n(t: Token) -> int:
    return int(t.value.value)


def _month_no(t: Time) -> int:
    return next(t.pred.forward(datetime(2000, 1, 1))).start.month


def _dm(d: int, m: Time) -> Time | None:
    return date(None, _month_no(m), d)


def _h(h: int, day: str | None = None) -> Time | None:
    """ "3 часа" (15:00 next), "3 часа дня" (15:00), "3 часа утра" (03:00)."""
    t = tod(h, is12h=h <= 12)
    if t is None or day is None:
        return t
    return ampm(t, day not in ("утра", "ночи")) if h <= 12 else t


def time_rules() -> list[Rule]:
    dows = "|".join(DOWS)
    months = "|".join(MONTHS)
    r: list[Rule] = []
    add = r.append
    day_word = r"(утра|ночи|дня|вечера|пополудни|после полудня)"

    add(
        rule(
            "сейчас",
            "time",
            [r"сейчас|прямо сейчас|в данный момент|в настоящий момент"],
            lambda c, _: now(c),
        )
    )
    add(
        rule(
            "сегодня",
            "time",
            [r"сегодня|сегодняшн(ий|его|ему)( день)?"],
            lambda c, _: cycle_nth(c, Grain.day, 0),
        )
    )
    add(rule("завтра", "time", [r"завтра"], lambda c, _: cycle_nth(c, Grain.day, 1)))
    add(rule("вчера", "time", [r"вчера"], lambda c, _: cycle_nth(c, Grain.day, -1)))
    add(
        rule(
            "послезавтра",
            "time",
            [r"(после)+завтра"],
            lambda c, m: cycle_nth(c, Grain.day, m.group(0).lower().count("после") + 1),
        )
    )
    add(
        rule(
            "позавчера",
            "time",
            [r"(поза)+вчера"],
            lambda c, m: cycle_nth(c, Grain.day, -1 - m.group(0).lower().count("поза")),
        )
    )
    add(rule("dow", "time", [rf"({dows})"], lambda c, m: dow(_pick(DOWS, m.group(0)))))
    add(
        rule(
            "в dow",
            "time",
            [r"во|в|на", form("dow", "date", "intersect", "fixed")],
            lambda c, _, t: t.value,
        )
    )
    add(
        rule("month", "time", [rf"({months})"], lambda c, m: month_t(_pick(MONTHS, m.group(0)) + 1))
    )
    add(rule("в month", "time", [r"в", form("month")], lambda c, _, t: t.value))
    add(rule("к date", "time", [r"к|ко|до", form("date")], lambda c, _, t: t.value))

    # --- this / next / last
    add(
        rule(
            "next dow",
            "time",
            [NEXT, form("dow", "month", "holiday")],
            lambda c, _, t: nth(t.value, c, 0, True),
        )
    )
    add(
        rule(
            "last dow",
            "time",
            [LAST, form("dow", "month", "holiday")],
            lambda c, _, t: nth(t.value, c, -1),
        )
    )
    add(
        rule(
            "this dow",
            "time",
            [THIS, form("dow", "month", "holiday")],
            lambda c, _, t: nth(t.value, c, 0),
        )
    )
    add(
        rule(
            "this cycle", "time", [THIS, rf"({_CYCLE_RE})"], lambda c, _, g: _this(c, g.group(0), 0)
        )
    )
    add(
        rule(
            "next cycle",
            "time",
            [NEXT, rf"({_CYCLE_RE})"],
            lambda c, _, g: cycle_nth(c, _grain(g.group(0), CYCLE_WORDS), 1),
        )
    )
    add(
        rule(
            "last cycle",
            "time",
            [LAST, rf"({_CYCLE_RE})"],
            lambda c, _, g: cycle_nth(c, _grain(g.group(0), CYCLE_WORDS), -1),
        )
    )
    add(
        rule(
            "before last cycle",
            "time",
            [BEFORE_LAST, rf"({_CYCLE_RE})"],
            lambda c, _, g: cycle_nth(c, _grain(g.group(0), CYCLE_WORDS), -2),
        )
    )
    add(
        rule(
            "dow of week",
            "time",
            [form("dow"), form("cycle")],
            lambda c, d, w: fix_inter(c, w.value, d.value) if w.value.grain == Grain.week else None,
        )
    )
    add(
        rule(
            "ordinal quarter",
            "time",
            [r"(в )?", ordinal(1, 4), r"квартал[аеу]?"],
            lambda c, _, o, _q: Time(S.quarter(_n(o)), Grain.quarter, form="quarter"),
        )
    )
    add(
        rule(
            "quarter year",
            "time",
            [form("quarter"), form("year")],
            lambda c, q, y: fix_inter(c, y.value, q.value),
        )
    )
    add(
        rule(
            "next n cycles",
            "time",
            [
                r"(в )?(следующи[ейх]|ближайши[ейх])",
                Dim("number", lambda n: n.value >= 1),
                rf"({_GRAIN_RE})",
            ],
            lambda c, _, n, g: last_next_n(c, _grain(g.group(0), GRAINS), _n(n), 1),
        )
    )
    add(
        rule(
            "last n cycles",
            "time",
            [
                r"(за )?(последни[ейх]|прошлы[ейх])",
                Dim("number", lambda n: n.value >= 1),
                rf"({_GRAIN_RE})",
            ],
            lambda c, _, n, g: last_next_n(c, _grain(g.group(0), GRAINS), _n(n), -1),
        )
    )

    # --- years and dates
    add(
        rule(
            "year",
            "time",
            [Dim("number", lambda n: not n.words and 1000 <= n.value <= 2100)],
            lambda c, n: Time(S.year(_n(n)), Grain.year, latent=True, form="year"),
        )
    )
    add(
        rule(
            "в year году",
            "time",
            [r"(в )?", form("year"), r"г(од[ау]?|\.)?"],
            lambda c, _, y, _g: replace(y.value, latent=False),
        )
    )
    dom = Dim("number", lambda n: not n.words and 1 <= n.value <= 31 and n.value == int(n.value))
    add(rule("dom month", "time", [dom, form("month")], lambda c, d, m: _dm(_n(d), m.value)))
    add(
        rule(
            "ordinal month", "time", [ordinal(), form("month")], lambda c, d, m: _dm(_n(d), m.value)
        )
    )
    add(
        rule(
            "date year",
            "time",
            [form("date"), form("year")],
            lambda c, d, y: fix_inter(c, y.value, d.value),
        )
    )
    add(
        rule(
            "dd.mm",
            "time",
            [r"(3[01]|[12]\d|0?[1-9])\.(1[0-2]|0?[1-9])\.?(?![\d])"],
            lambda c, m: date(None, int(m.group(2)), int(m.group(1))),
        )
    )
    add(
        rule(
            "dd.mm.yy",
            "time",
            [r"(3[01]|[12]\d|0?[1-9])\.(1[0-2]|0?[1-9])\.(\d{4}|\d{2})(?!\d)"],
            lambda c, m: date(year_of(int(m.group(3))), int(m.group(2)), int(m.group(1))),
        )
    )
    add(
        rule(
            "yyyy-mm-dd",
            "time",
            [r"(\d{4})-(1[0-2]|0?[1-9])-(3[01]|[12]\d|0?[1-9])"],
            lambda c, m: date(int(m.group(1)), int(m.group(2)), int(m.group(3))),
        )
    )
    add(
        rule(
            "dow, date",
            "time",
            [form("dow"), r",?", form("date", "fixed")],
            lambda c, d, _, t: fix_inter(c, t.value, d.value),
        )
    )

    # --- time of day
    add(
        rule(
            "hour latent",
            "time",
            [
                Dim(
                    "number",
                    lambda n: 0 <= n.value <= 23 and n.value == int(n.value) and not n.words,
                )
            ],
            lambda c, n: tod(_n(n), is12h=_n(n) <= 12, latent=True),
        )
    )
    add(
        rule(
            "в hour words",
            "time",
            [
                r"в|к|около|часов в|часа в",
                Dim("number", lambda n: n.words and 1 <= n.value <= 12 and n.value == int(n.value)),
            ],
            lambda c, _, n: tod(_n(n), is12h=True),
        )
    )
    add(
        rule(
            "без minutes hour",
            "time",
            [
                r"(в )?без",
                Dim("number", lambda n: 1 <= n.value <= 30),
                r"(минут )?",
                Dim("number", lambda n: 1 <= n.value <= 12 and n.value == int(n.value)),
            ],
            lambda c, _, m, _m, h: with_minutes(tod(_n(h), is12h=True), -_n(m)),  # type: ignore[arg-type]
        )
    )
    add(
        rule(
            "без четверти hour",
            "time",
            [
                r"(в )?без четверти",
                Dim("number", lambda n: 1 <= n.value <= 12 and n.value == int(n.value)),
            ],
            lambda c, _, h: with_minutes(tod(_n(h), is12h=True), -15),  # type: ignore[arg-type]
        )
    )
    add(
        rule(
            "в hour",
            "time",
            [r"в|к|около|примерно в|ровно в|часов в|часа в", TOD_ANY],
            lambda c, _, t: replace(t.value, latent=False),
        )
    )
    add(
        rule(
            "n часов",
            "time",
            [
                Dim("number", lambda n: 0 <= n.value <= 24 and n.value == int(n.value)),
                r"час(а|ов)?|ч\.?",
            ],
            lambda c, n, _: _h(_n(n)),
        )
    )
    add(
        rule(
            "n часов дня",
            "time",
            [
                Dim("number", lambda n: 0 <= n.value <= 24 and n.value == int(n.value)),
                r"(час(а|ов)?|ч\.?) ",
                day_word,
            ],
            lambda c, n, _, d: _h(_n(n), d.group(0).lower()),
        )
    )
    add(
        rule(
            "tod дня",
            "time",
            [TOD_ANY, day_word],
            lambda c, t, d: _ampm(t.value, d.group(0).lower(), c),
        )
    )
    add(
        rule(
            "hh:mm",
            "time",
            [r"((?:[01]?\d)|(?:2[0-3])):([0-5]\d)\s*(ч\.?)?(?![\d])"],
            lambda c, m: tod(
                int(m.group(1)),
                int(m.group(2)),
                is12h=int(m.group(1)) < 12 and not m.group(1).startswith("0"),
            ),
        )
    )
    add(
        rule(
            "hhчmm",
            "time",
            [r"((?:[01]?\d)|(?:2[0-3]))ч([0-5]\d)?"],
            lambda c, m: tod(int(m.group(1)), int(m.group(2)) if m.group(2) else None, is12h=False),
        )
    )
    add(rule("полдень", "time", [r"(в )?полдень"], lambda c, _: tod(12, is12h=False)))
    add(rule("полночь", "time", [r"(в )?полночь"], lambda c, _: tod(0, is12h=False)))
    add(
        rule(
            "половина",
            "time",
            [r"(в )?половин[ауе]", Dim("ordinal", lambda o: 1 <= o.value <= 12)],
            lambda c, _, o: with_minutes(tod(_n(o), is12h=True), -30),
        )
    )  # type: ignore[arg-type]
    add(
        rule(
            "tod zone",
            "time",
            [Dim("time", lambda t: not t.latent), r"\(?(gmt|utc|cet|cest|msk|мск)\)?"],
            lambda c, t, m: with_zone(
                c, t.value, {"мск": "msk"}.get(m.group(1).lower(), m.group(1))
            ),
        )
    )

    # --- parts of the day
    # "вечером" alone is this evening (like "in the evening"); the latent part of the day
    # still combines with a day ("завтра вечером").
    add(
        rule(
            "вечером сегодня",
            "time",
            [r"утром|дн[её]м|вечером|ночью"],
            lambda c, m: _this_part(c, m.group(0)),
        )
    )
    add(rule("утро", "time", [r"утр(о|ом|а)|с утра"], lambda c, _: daypart(0, 12)))
    add(rule("день", "time", [r"дн[её]м"], lambda c, _: daypart(12, 19)))
    add(rule("вечер", "time", [r"вечер(ом|а)?"], lambda c, _: daypart(18, 24)))
    add(rule("ночь", "time", [r"ночь[юи]?"], lambda c, _: daypart(22, 28)))
    add(rule("обед", "time", [r"(в |на )?обеда?"], lambda c, _: daypart(12, 14)))
    add(rule("после обеда", "time", [r"после обеда"], lambda c, _: daypart(13, 17, latent=False)))
    add(
        rule(
            "выходные",
            "time",
            [r"(в |на )?(эти )?выходн(ые|ых)"],
            lambda c, _: nth(_weekend(), c, 0),
        )
    )
    add(rule("сегодня вечером", "time", [r"сегодня вечером"], lambda c, _: day_part(c, 0, 18, 24)))
    add(
        rule(
            "эта неделя", "time", [r"(эта|этой|эту) недел[яеюи]"], lambda c, _: week_rest(c, False)
        )
    )

    # --- intersections
    ok = Dim("time", lambda t: not t.latent and not t.direction and t.form != "zoned")
    # "после 6", "до вечера": a bare hour or part of the day after these words
    when = Dim(
        "time",
        lambda t: (
            not t.direction
            and (not t.latent or t.form == "daypart" or (t.form == "tod" and t.grain == Grain.hour))
        ),
    )
    # one rule per separator kind, so each adjacent pair is tried once
    add(rule("intersect", "time", [time(), time()], lambda c, a, b: _intersect(a, None, b)))
    add(
        rule(
            "intersect в",
            "time",
            [time(), r",|во|в", time()],
            lambda c, a, s, b: _intersect(a, s, b),
        )
    )

    # --- durations
    add(
        rule(
            "через duration",
            "time",
            [r"через|спустя", DURATION],
            lambda c, _, d: in_dur(c, d.value),
        )
    )
    add(
        rule(
            "duration назад",
            "time",
            [DURATION, r"(тому )?назад"],
            lambda c, d, _: in_dur(c, d.value, -1),
        )
    )
    add(
        rule(
            "в течение",
            "time",
            [r"в течени[еи]|в пределах", DURATION],
            lambda c, _, d: by(c, in_dur(c, d.value)),
        )
    )
    add(
        rule(
            "duration после",
            "time",
            [DURATION, r"после", ok],
            lambda c, d, _, t: duration_from(c, t.value, d.value, 1),
        )
    )

    # --- intervals
    t_ok = Dim("time", lambda t: not t.direction)
    add(
        rule(
            "interval dash",
            "time",
            [t_ok, r"-|/|по|до", t_ok],
            lambda c, a, _, b: _range(c, a.value, b.value),
        )
    )
    add(
        rule(
            "с по",
            "time",
            [r"со|с|от", t_ok, r"-|по|до", t_ok],
            lambda c, _, a, _m, b: _range(c, a.value, b.value),
        )
    )
    add(
        rule(
            "dd - dd.mm",
            "time",
            [r"(с )?(3[01]|[12]\d|0?[1-9])\.?", r"-|/|по|до", form("date")],
            _dd_range,
        )
    )
    add(
        rule(
            "с dd по dd month",
            "time",
            [r"с", dom, r"-|по|до", form("date")],
            lambda c, _, d, _m, b: _dd_range_n(c, _n(d), b),
        )
    )
    add(
        rule(
            "после time",
            "time",
            [r"после|с|начиная с", when],
            lambda c, _, t: open_interval(t.value, "after"),
        )
    )
    add(
        rule(
            "до time", "time", [r"до|перед", when], lambda c, _, t: open_interval(t.value, "before")
        )
    )
    add(rule("до конца", "time", [r"до конца", rf"({_CYCLE_RE})"], _until_end))
    add(
        rule(
            "seasons",
            "time",
            [
                r"(этой |этим |этого )?(лет[оа]|летом|зим[аыуе]|зимой|весн[аыуе]|весной|осен[ьи]|осенью)"
            ],
            _season,
        )
    )
    r.extend(ru_holiday_rules())
    return r


_DAYS = ("cycle", "fixed", "dow", "date", "intersect", "holiday")


def _plain(t: Time) -> bool:
    return not t.latent and not t.direction and t.form != "zoned"


def _intersect(a: Token, sep: re.Match[str] | None, b: Token) -> Time | None:
    """Two adjacent times read together ("завтра в 15:00", "пятница, 18 июля").

    Both plain, with or without "," / "в" between them; without one, also: a time and a part of
    the day ("в понедельник утром", "утром в понедельник"), a day and a bare hour ("в субботу
    9 часов"), a day and an open interval ("сегодня после 18:00").
    """
    x, y = a.value, b.value
    if _plain(x) and _plain(y):
        return intersect(x, y)
    if sep is not None:
        return None
    day_x = x.form in _DAYS and not x.direction
    day_y = y.form in _DAYS and not y.direction
    if (
        (_plain(x) and y.form == "daypart" and not y.direction)
        or (x.form == "daypart" and not x.direction and _plain(y) and y.grain >= Grain.day)
        or (day_x and y.form == "tod" and y.grain == Grain.hour and not y.direction)
        or (day_x and y.direction is not None)
        or (x.direction is not None and day_y)
    ):
        return intersect(x, y)
    return None


def _range(ctx: Context, a: Time, b: Time) -> Time | None:
    """ "с 14.10. по 15.10.2018": a start without a year takes the end's year."""
    end = resolve(b, ctx.ref)
    if a.form == "date" and end is not None and b.form in ("date", "fixed"):
        in_year = fix_inter(ctx, Time(S.year(end.start.year), Grain.year), a)
        start = None if in_year is None else resolve(in_year, ctx.ref)
        if in_year is not None and start is not None and start.start <= end.start:
            a = in_year
    return closed(ctx, a, b)


_PARTS = {"утр": (0, 12), "дн": (12, 19), "веч": (18, 24), "ноч": (22, 28)}


def _this_part(ctx: Context, word: str) -> Time | None:
    start, end = next(v for k, v in _PARTS.items() if word.lower().startswith(k))
    return nth(daypart(start, end), ctx, 0)


def _this(ctx: Context, word: str, n: int) -> Time:
    g = _grain(word, CYCLE_WORDS)
    return cycle_nth(ctx, g, n)


def _ampm(t: Time, word: str, ctx: Context | None = None) -> Time | None:
    """ "3 часа дня" → 15:00; "3:18 утра" → 03:18 of this morning, even if it has passed."""
    if t.hour is None:
        return None
    if t.hour > 12:
        return t if word not in ("утра", "ночи") else None
    out = ampm(t, word not in ("утра", "ночи"))
    if out is not None and ctx is not None and word == "утра":
        return fix_inter(ctx, nth(daypart(0, 12), ctx, 0) or out, out)
    return out


def _weekend() -> Time:
    pred = S.weekly(S.timedelta(days=4, hours=18), S.timedelta(days=7))
    return Time(pred, Grain.hour, form="cycleword", interval=True)


def _dd_range(ctx: Context, m: re.Match[str], _sep: re.Match[str], b: Token) -> Time | None:
    return _dd_range_n(ctx, int(m.group(2)), b)


def _dd_range_n(ctx: Context, d: int, b: Token) -> Time | None:
    s = resolve(b.value, ctx.ref)
    if s is None:
        return None
    first = date(s.start.year, s.start.month, d)
    if first is None:
        return None
    return closed(ctx, first, fixed_time(s))


def _until_end(ctx: Context, _m: re.Match[str], g: re.Match[str]) -> Time | None:
    """ "до конца дня": before the end of today (Duckling gives it the hour grain)."""
    grain = _grain(g.group(0), CYCLE_WORDS)
    start = S.add(S.round_down(ctx.ref, grain), grain, 1)
    shown = Grain.hour if grain == Grain.day else grain
    return open_interval(Time(S.Fixed(S.unit(start, shown)), shown), "before")


def _season(ctx: Context, m: re.Match[str]) -> Time | None:
    """Meteorological seasons: summer is June to August."""
    word = m.group(2).lower()
    first = (
        6
        if word.startswith("лет")
        else 12
        if word.startswith("зим")
        else 3
        if word.startswith("весн")
        else 9
    )

    def members(y: int) -> list[S.Span]:
        start = datetime(y, first, 1)
        return [S.Span(start, S.add(start, Grain.month, 3), Grain.day, True)]

    return nth(Time(S.yearly(members), Grain.day, form="season", interval=True), ctx, 0)


def duration_rules() -> list[Rule]:
    r: list[Rule] = []
    add = r.append
    add(
        rule(
            "n unit",
            "duration",
            [Dim("number", lambda n: n.value > 0), rf"({_GRAIN_RE})"],
            lambda c, n, g: Duration(n.value.value, _grain(g.group(0), GRAINS)),
        )
    )
    add(
        rule(
            "unit",
            "duration",
            [r"(одну |один |одна )?", r"(секунду|минуту|час|день|неделю|месяц|год|квартал)"],
            lambda c, _, g: Duration(1, _grain(g.group(0), GRAINS)),
        )
    )
    add(
        rule(
            "полчаса", "duration", [r"пол ?часа|получаса"], lambda c, _: Duration(30, Grain.minute)
        )
    )
    add(
        rule(
            "полтора часа",
            "duration",
            [r"полтор[аы]", rf"({_GRAIN_RE})"],
            lambda c, _, g: Duration(1.5, _grain(g.group(0), GRAINS)).exact(),
        )
    )
    add(
        rule(
            "четверть часа", "duration", [r"четверть часа"], lambda c, _: Duration(15, Grain.minute)
        )
    )
    add(
        rule(
            "n с половиной",
            "duration",
            [DURATION, r"с половиной"],
            lambda c, d, _: Duration(d.value.value + 0.5, d.value.grain).exact(),
        )
    )
    return r
