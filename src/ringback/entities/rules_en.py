"""The English time and duration grammar (after Duckling's ``Time/EN/Rules.hs``)."""

# ruff: noqa: E501  -- grammar rules read best one per line

from __future__ import annotations

import re
from dataclasses import replace
from itertools import islice
from typing import Any

from ringback.entities import series as S
from ringback.entities.engine import Context, Dim, Rule, Token, compiled, rule
from ringback.entities.grain import Grain, finer
from ringback.entities.holidays import en_holiday_rules
from ringback.entities.timehelpers import (
    DURATION,
    TOD_ANY,
    ampm,
    between,
    by,
    closed,
    cycle_part,
    date,
    day_part,
    daypart,
    dow,
    duration_from,
    fix_inter,
    fixed_time,
    for_duration,
    form,
    in_dur,
    integer,
    inter,
    last_next_n,
    month_t,
    nonlatent,
    now,
    ordinal,
    part_of,
    span_of,
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
    at,
    cycle_nth,
    intersect,
    nth,
    open_interval,
    resolve,
    shift,
)

DOWS = [
    r"mondays?|mon\.?", r"tuesdays?|tues?\.?", r"wed?nesdays?|wed\.?", r"thursdays?|thu(rs?)?\.?",
    r"fridays?|fri\.?", r"saturdays?|sat\.?", r"sundays?|sun\.?",
]  # fmt: skip
MONTHS = [
    r"january|jan\.?", r"february|feb\.?", r"march|mar\.?", r"april|apr\.?", r"may",
    r"june|jun\.?", r"july|jul\.?", r"august|aug\.?", r"september|sept?\.?", r"october|oct\.?",
    r"november|nov\.?", r"december|dec\.?",
]  # fmt: skip
GRAINS = {
    r"sec(ond)?s?|\"": Grain.second, r"min(ute)?s?|'": Grain.minute, r"h(ou)?rs?|h": Grain.hour,
    r"days?": Grain.day, r"weeks?|wks?": Grain.week, r"months?": Grain.month,
    r"quarters?|qtrs?": Grain.quarter, r"y(ea)?rs?": Grain.year,
}  # fmt: skip
CYCLES = {k: v for k, v in GRAINS.items() if v >= Grain.day}
_GRAIN_RE = "|".join(f"(?:{k})" for k in GRAINS)
_CYCLE_RE = "|".join(f"(?:{k})" for k in CYCLES)


def _grain(word: str, table: dict[str, Grain] = GRAINS) -> Grain:
    for pattern, g in table.items():
        if compiled(pattern).fullmatch(word.strip().lower()):
            return g
    raise KeyError(word)


def _pick(patterns: list[str], word: str) -> int:
    for i, p in enumerate(patterns):
        if compiled(p).fullmatch(word.lower()):
            return i
    raise KeyError(word)


def _m(x: Any) -> re.Match[str]:
    return x  # type: ignore[no-any-return]


def _v(t: Token) -> Any:
    return t.value


def _n(t: Token) -> int:
    return int(t.value.value)


def _keep(_: Context, _m: Any, t: Token) -> Time:
    return replace(t.value, latent=False)


def _keep_after(_: Context, t: Token, _m: Any) -> Time:
    return replace(t.value, latent=False)


def time_rules() -> list[Rule]:
    dows = "|".join(DOWS)
    months = "|".join(MONTHS)
    r: list[Rule] = []
    add = r.append

    # --- instants and days
    add(rule("now", "time", [r"(right |just )?now|at the moment|atm|at this moment"],
             lambda c, _: now(c)))  # fmt: skip
    add(rule("today", "time", [r"today|at this time"], lambda c, _: cycle_nth(c, Grain.day, 0)))
    add(rule("tomorrow", "time", [r"tmrw?|tomm?or?rows?"], lambda c, _: cycle_nth(c, Grain.day, 1)))
    add(rule("yesterday", "time", [r"yesterday"], lambda c, _: cycle_nth(c, Grain.day, -1)))
    add(rule("after tomorrow", "time", [r"(the )?day after tomorrow"],
             lambda c, _: cycle_nth(c, Grain.day, 2)))  # fmt: skip
    add(rule("before yesterday", "time", [r"(the )?day before yesterday"],
             lambda c, _: cycle_nth(c, Grain.day, -2)))  # fmt: skip
    add(rule("dow", "time", [rf"({dows})"], lambda _, m: dow(_pick(DOWS, m.group(0)))))
    add(rule("month", "time", [rf"({months})"],
             lambda _, m: month_t(_pick(MONTHS, m.group(0)) + 1, latent=m.group(0).lower() == "may")))  # fmt: skip

    # --- this / next / last <time>
    add(rule("this time", "time", [r"this|current|coming", form("dow", "month", "holiday", "daypart", "season", "intersect", "cycleword")],
             lambda c, _, t: nth(t.value, c, 0)))  # fmt: skip
    add(rule("next dow", "time", [r"next", form("dow")],
             lambda c, _, t: _in_week(c, t.value, 1)))  # fmt: skip
    add(rule("next time", "time", [r"next", form("month", "holiday", "season", "cycleword")],
             lambda c, _, t: nth(t.value, c, 0, True)))  # fmt: skip
    add(rule("last time", "time", [r"last|past|previous|this past", form("dow", "month", "holiday", "season", "daypart", "cycleword")],
             lambda c, _, t: nth(t.value, c, -1)))  # fmt: skip
    add(rule("time after next", "time", [form("dow", "month", "holiday"), r"after next"],
             lambda c, t, _: nth(t.value, c, 1, True)))  # fmt: skip
    add(
        rule(
            "dow of week",
            "time",
            [form("dow"), r"(of |from )?", form("cycle")],
            lambda c, a, _m, b: _dow_of(a, b),
        )
    )
    add(
        rule(
            "week's dow",
            "time",
            [form("cycle"), r"'s", form("dow")],
            lambda c, a, _m, b: _dow_of(b, a),
        )
    )

    # --- cycles
    add(
        rule(
            "this cycle",
            "time",
            [rf"(this|current) ({_CYCLE_RE})"],
            lambda c, m: _cycle(c, m.group(2), 0),
        )
    )
    add(rule("the cycle", "time", [r"(the) (month|year|quarter)"], lambda c, m: _cycle(c, m.group(2), 0)))  # fmt: skip
    add(rule("next cycle", "time", [rf"(the )?(next|following|upcoming|coming) ({_CYCLE_RE})"],
             lambda c, m: _cycle(c, m.group(3), 1)))  # fmt: skip
    add(rule("last cycle", "time", [rf"(the )?(last|past|previous) ({_CYCLE_RE})"],
             lambda c, m: _cycle(c, m.group(3), -1)))  # fmt: skip
    add(rule("last/next n cycles", "time", [r"(last|past|next|the next|the last)", integer(1, 999), rf"({_CYCLE_RE}|{_GRAIN_RE})"],
             lambda c, m, n, g: last_next_n(c, _grain(g.group(0)), _n(n), -1 if "last" in m.group(0) or "past" in m.group(0) else 1)))  # fmt: skip
    add(rule("upcoming n cycles", "time", [r"upcoming", integer(1, 999), rf"({_CYCLE_RE})"],
             lambda c, _, n, g: cycle_nth(c, _grain(g.group(0)), _n(n))))  # fmt: skip
    add(rule("n upcoming cycles", "time", [integer(1, 999), r"upcoming", rf"({_CYCLE_RE})"],
             lambda c, n, _, g: cycle_nth(c, _grain(g.group(0)), _n(n))))  # fmt: skip
    add(rule("ordinal quarter", "time", [ordinal(1, 4), r"(quarter|qtr)"],
             lambda c, o, _: Time(S.quarter(_n(o)), Grain.quarter, form="quarter")))  # fmt: skip
    add(rule("the ordinal quarter", "time", [r"the", form("quarter")], lambda c, _, t: t.value))
    add(rule("quarter of year", "time", [form("quarter"), r"(of )?", form("year", "ym")],
             lambda c, q, _, y: fix_inter(c, q.value, y.value)))  # fmt: skip
    add(rule("quarter year", "time", [form("quarter"), form("year", "ym")],
             lambda c, q, y: fix_inter(c, q.value, y.value)))  # fmt: skip

    # --- years
    add(rule("year latent", "time", [integer(1000, 2100, digits=True)],
             lambda c, n: Time(S.year(_n(n)), Grain.year, latent=True, form="year")))  # fmt: skip
    add(rule("in year", "time", [r"(in|of)?", form("year")],
             lambda c, m, t: replace(t.value, latent=False) if m.group(0) else None))  # fmt: skip
    add(rule("year AD", "time", [integer(1, 9999), r"(a\.?d\.?)"],
             lambda c, n, _: Time(S.year(_n(n)), Grain.year, form="year")))  # fmt: skip
    add(rule("year words", "time", [Dim("number", lambda n: n.words and 1900 <= n.value <= 2100)],
             lambda c, n: Time(S.year(_n(n)), Grain.year, latent=True, form="year")))  # fmt: skip

    # --- dates
    add(rule("m/d", "time", [r"(1[0-2]|0?[1-9])\s*[/-]\s*(3[01]|[12]\d|0?[1-9])(?![\d/.-])"],
             lambda c, m: date(None, int(m.group(1)), int(m.group(2)))))  # fmt: skip
    add(rule("m/d/y", "time", [r"(1[0-2]|0?[1-9])[/.-](3[01]|[12]\d|0?[1-9])[/.-](\d{4}|\d{2})(?!\d)"],
             lambda c, m: date(year_of(int(m.group(3))), int(m.group(1)), int(m.group(2)))))  # fmt: skip
    add(rule("y-m-d", "time", [r"(\d{4})[-/](1[0-2]|0?[1-9])[-/](3[01]|[12]\d|0?[1-9])"],
             lambda c, m: date(int(m.group(1)), int(m.group(2)), int(m.group(3)))))  # fmt: skip
    add(rule("m/y", "time", [r"(1[0-2]|0?[1-9])/(\d{4})"],
             lambda c, m: date(int(m.group(2)), int(m.group(1)), None)))  # fmt: skip
    dom = Dim("number", lambda n: not n.words and 1 <= n.value <= 31 and n.value == int(n.value))
    add(rule("month dom", "time", [form("month"), r"(the )?", dom], lambda c, m, _, d: _md(m, d)))
    add(
        rule(
            "month ordinal",
            "time",
            [form("month"), r"(the )?", ordinal()],
            lambda c, m, _, d: _md(m, d),
        )
    )
    add(
        rule(
            "dom month",
            "time",
            [ordinal(), r"(of |day of )?", form("month")],
            lambda c, d, _, m: _md(m, d),
        )
    )
    add(rule("dom of month", "time", [dom, r"(of )?", form("month")], lambda c, d, _, m: _md(m, d)))
    add(
        rule(
            "the dom of month",
            "time",
            [r"the", form("date", "dom")],
            lambda c, _, t: replace(t.value, latent=False),
        )
    )
    add(rule("date year", "time", [form("date"), r",?", form("year")],
             lambda c, d, _, y: fix_inter(c, y.value, d.value)))  # fmt: skip
    add(rule("date yy", "time", [form("date"), r"(\d{2})(?!\d)"],
             lambda c, d, y: fix_inter(c, Time(S.year(year_of(int(y.group(1)))), Grain.year), d.value)))  # fmt: skip
    add(rule("month year", "time", [form("month"), r",?", form("year")],
             lambda c, m, _, y: fix_inter(c, y.value, m.value)))  # fmt: skip
    add(rule("ordinal dom latent", "time", [r"(the |on )?", ordinal()],
             lambda c, m, o: Time(S.day_of_month(_n(o)), Grain.day, latent="the" not in m.group(0).lower() or "on" in m.group(0).lower(), form="dom")))  # fmt: skip
    add(rule("the dom", "time", [r"the", dom],
             lambda c, _, d: Time(S.day_of_month(_n(d)), Grain.day, latent=True, form="dom")))  # fmt: skip
    add(rule("dom of cycle", "time", [Dim("time", lambda t: t.form == "dom"), r"(day )?of", form("fixed", "cycle")],
             lambda c, d, _, m: fix_inter(c, m.value, replace(d.value, latent=False))))  # fmt: skip
    add(rule("num of cycle", "time", [dom, r"(day )?of", form("fixed", "cycle")],
             lambda c, d, _, m: fix_inter(c, m.value, Time(S.day_of_month(_n(d)), Grain.day))))  # fmt: skip
    add(rule("ides", "time", [r"(the )?ides of", form("month")],
             lambda c, _, m: _md(m, None, 13 if _month_no(m.value) not in (3, 5, 7, 10) else 15)))  # fmt: skip
    add(rule("ordinal dow of time", "time", [r"(the )?", ordinal(1, 5), form("dow"), r"(of|in)", time(_of_ok)],
             lambda c, _, o, d, _m, t: _nth_in(c, t.value, d.value, _n(o) - 1)))  # fmt: skip
    add(rule("last dow of time", "time", [r"(the )?last", Dim("time", lambda t: t.form in ("dow", "cycleword")), r"(of|in)", time(_of_ok)],
             lambda c, _, d, _m, t: _nth_in(c, t.value, d.value, -1)))  # fmt: skip
    add(rule("closest", "time", [r"(the )?closest", time(_of_ok), r"to", time(nonlatent)],
             lambda c, _, a, _t, b: _closest(c, a.value, b.value, 1)))  # fmt: skip
    add(rule("nth closest", "time", [r"(the )?", ordinal(1, 9), r"closest", time(_of_ok), r"to", time(nonlatent)],
             lambda c, _, o, _c, a, _t, b: _closest(c, a.value, b.value, _n(o))))  # fmt: skip
    add(rule("week word", "time", [r"week-?ends?|wkends?|weeks?"], lambda c, m: _week_word(m)))
    add(
        rule(
            "day word",
            "time",
            [r"days?"],
            lambda c, m: Time(S.cycle(Grain.day), Grain.day, latent=True, form="cycleword"),
        )
    )
    add(
        rule(
            "nth last of time",
            "time",
            [
                r"(the )?",
                ordinal(1, 9),
                r"last",
                form("dow", "cycleword"),
                r"(of|in)",
                time(_of_ok),
            ],
            lambda c, _, o, _l, d, _m, t: _nth_in(c, t.value, d.value, -_n(o)),
        )
    )
    add(
        rule(
            "nth dow after time",
            "time",
            [r"(the )?", ordinal(1, 9), form("dow"), r"after", time(nonlatent)],
            lambda c, _, o, d, _a, t: _nth_after(c, t.value, d.value, _n(o)),
        )
    )
    add(
        rule(
            "the week of",
            "time",
            [r"the week of", time(nonlatent)],
            lambda c, _, t: _week_of(c, t.value),
        )
    )
    add(rule("n dows from now", "time", [integer(1, 9), form("dow"), r"from now|hence"],
             lambda c, n, d, _: nth(d.value, c, _n(n) - 1, True)))  # fmt: skip
    add(rule("n dows ago", "time", [integer(1, 9), form("dow"), r"ago|back"],
             lambda c, n, d, _: nth(d.value, c, -_n(n))))  # fmt: skip

    # --- time of day
    add(rule("hour latent", "time", [Dim("number", lambda n: not n.fuzzy and 0 <= n.value <= 23 and n.value == int(n.value))],
             lambda c, n: tod(_n(n), is12h=_n(n) <= 12, latent=True)))  # fmt: skip
    add(
        rule(
            "at tod",
            "time",
            [r"(at|@|for|around|about|at about|at around|approximately|ca\.?)", TOD_ANY],
            _keep,
        )
    )
    add(rule("tod oclock", "time", [TOD_ANY, r"o.?clock"], _keep_after))
    add(rule("tod ish", "time", [TOD_ANY, r"-?ish|approximately|sharp|exactly"], _keep_after))
    add(rule("hh:mm", "time", [r"((?:[01]?\d)|(?:2[0-3])):([0-5]\d)(?![\d:])"],
             lambda c, m: tod(int(m.group(1)), int(m.group(2)), is12h=int(m.group(1)) < 12 and not m.group(1).startswith("0"))))  # fmt: skip
    add(rule("hh:mm:ss", "time", [r"((?:[01]?\d)|(?:2[0-3])):([0-5]\d):([0-5]\d)"],
             lambda c, m: tod(int(m.group(1)), int(m.group(2)), int(m.group(3)), is12h=int(m.group(1)) < 12)))  # fmt: skip
    add(rule("hhHmm", "time", [r"((?:[01]?\d)|(?:2[0-3]))h(([0-5]\d)|(?![a-z\d]))"],
             lambda c, m: tod(int(m.group(1)), int(m.group(3) or 0), is12h=False)))  # fmt: skip
    add(rule("hhmm latent", "time", [r"((?:[01]?\d)|(?:2[0-3]))([0-5]\d)(?![.\-/]?\d)"],
             lambda c, m: tod(int(m.group(1)), int(m.group(2)), is12h=int(m.group(1)) <= 12, latent=True)))  # fmt: skip
    add(rule("tod ampm", "time", [Dim("time", lambda t: t.form == "tod" and (t.hour or 0) <= 12), r"(in the )?([ap])(\s*\.?\s*m\.?|\.)?(?=\W|$)"],
             lambda c, t, m: _ampm(t.value, m)))  # fmt: skip
    add(rule("tod am pm words", "time", [Dim("time", lambda t: t.form == "tod" and (t.hour or 0) <= 12), r"in the (morning|afternoon|evening)|at night|tonight"],
             lambda c, t, m: ampm(t.value, "morning" not in m.group(0).lower())))  # fmt: skip
    add(rule("noon", "time", [r"noon|mid-?day|mid day"], lambda c, _: tod(12, is12h=False)))
    add(
        rule(
            "midnight",
            "time",
            [r"midnight|EOD|end of (the )?day"],
            lambda c, _: tod(0, is12h=False),
        )
    )
    add(
        rule(
            "half past",
            "time",
            [r"half (past|after)", TOD_ANY],
            lambda c, _, t: with_minutes(t.value, 30),
        )
    )
    add(
        rule(
            "quarter past",
            "time",
            [r"(a )?quarter (past|after)", TOD_ANY],
            lambda c, _, t: with_minutes(t.value, 15),
        )
    )
    add(
        rule(
            "quarter to",
            "time",
            [r"(a )?quarter (to|till|before|of)", TOD_ANY],
            lambda c, _, t: with_minutes(t.value, -15),
        )
    )
    add(rule("n past", "time", [integer(1, 59), r"(min(ute)?s? )?(past|after)", TOD_ANY],
             lambda c, n, _, t: with_minutes(t.value, _n(n))))  # fmt: skip
    add(rule("n to", "time", [integer(1, 59), r"(min(ute)?s? )?(to|till|before|of)", TOD_ANY],
             lambda c, n, _, t: with_minutes(t.value, -_n(n))))  # fmt: skip
    add(rule("half hour", "time", [r"half", TOD_ANY], lambda c, _, t: with_minutes(t.value, 30)))
    add(rule("hour minutes", "time", [Dim("time", lambda t: t.form == "tod" and t.grain == Grain.hour and t.latent and not t.direction), integer(10, 59)],
             lambda c, t, n: tod(t.value.hour, _n(n), is12h=t.value.is12h, latent=True)))  # fmt: skip
    add(rule("hour oh minutes", "time", [Dim("time", lambda t: t.form == "tod" and t.grain == Grain.hour and t.latent), r"(oh|ou|zero)", integer(1, 9)],
             lambda c, t, _, n: tod(t.value.hour, _n(n), is12h=t.value.is12h, latent=True)))  # fmt: skip
    add(rule("hour-oh-minutes", "time", [r"([a-z]+)-(?:oh|ou|zero)-([a-z]+)"], _hyphen_oh))
    add(rule("hour-minutes", "time", [r"([a-z]+)-([a-z]+)"], _hyphen_min))
    add(rule("tod zone", "time", [time(nonlatent), r"\(?(gmt|utc|cet|cest|bst|pst|pdt|est|edt|cst|cdt|mst|mdt|ist|msk)\)?"],
             lambda c, t, m: with_zone(c, t.value, m.group(1))))  # fmt: skip

    # --- parts of the day
    add(
        rule(
            "season word",
            "time",
            [r"seasons?"],
            lambda c, _: Time(S.seasons(), Grain.day, latent=True, form="season", interval=True),
        )
    )
    add(rule("all week", "time", [r"(all|the whole) week"], lambda c, _: week_rest(c, False)))
    add(rule("the week", "time", [r"the week"], lambda c, _: week_rest(c, True)))
    add(rule("morning", "time", [r"mornings?"], lambda c, _: daypart(0, 12)))
    add(rule("afternoon", "time", [r"after ?noons?(ish)?"], lambda c, _: daypart(12, 19)))
    add(rule("evening", "time", [r"evenings?|nights?"], lambda c, _: daypart(18, 24)))
    add(rule("lunch", "time", [r"lunch(time)?"], lambda c, _: daypart(12, 14)))
    # SPEC 6: "after lunch" is a part of the day (13:00-17:00) and combines with a day.
    add(
        rule(
            "after lunch",
            "time",
            [r"after (the )?lunch"],
            lambda c, _: daypart(13, 17, latent=False),
        )
    )
    add(rule("after school", "time", [r"after school"], lambda c, _: daypart(15, 21, latent=False)))
    add(rule("early morning", "time", [r"early (in the )?morning|(in )?the early hours of the morning"],
             lambda c, _: daypart(0, 9)))  # fmt: skip
    add(rule("tonight", "time", [r"tonight|tonite"], lambda c, _: _today_part(c, 18, 24)))
    add(
        rule(
            "late tonight", "time", [r"late (tonight|tonite)"], lambda c, _: _today_part(c, 21, 24)
        )
    )
    add(
        rule(
            "in the daypart",
            "time",
            [r"(in|during)( the)?", form("daypart")],
            lambda c, _, t: _today(c, t.value),
        )
    )
    add(
        rule("this daypart", "time", [r"this", form("daypart")], lambda c, _, t: _today(c, t.value))
    )
    add(rule("last night", "time", [r"last night"], lambda c, _: day_part(c, -1, 18, 24)))
    add(rule("tod tonight", "time", [TOD_ANY, r"tonight|tonite|this evening"],
             lambda c, t, _: fix_inter(c, _today_part(c, 18, 24), replace(t.value, latent=False))))  # fmt: skip
    add(
        rule(
            "daypart of time",
            "time",
            [form("daypart"), r"of", time(nonlatent)],
            lambda c, p, _, t: inter(c, t, p),
        )
    )

    # --- intersections: one rule over every adjacent pair, so each pair is tried once
    ok = Dim("time", lambda t: not t.latent and not t.direction and t.form != "zoned")
    add(rule("intersect", "time", [time(), time()], lambda c, a, b: _intersect(c, a, None, b)))
    add(rule("intersect on", "time", [time(), r",|on|at|@|of|for|in", time()], _intersect))
    add(rule("on time", "time", [r"on|around( next)?|at|in|during", ok], lambda c, _, t: t.value))

    # --- durations in time
    add(
        rule(
            "in duration",
            "time",
            [r"in|within the next", DURATION],
            lambda c, _, d: in_dur(c, d.value),
        )
    )
    add(
        rule(
            "in about duration",
            "time",
            [r"in (about|around|approximately)", DURATION],
            lambda c, _, d: in_dur(c, d.value),
        )
    )
    add(
        rule(
            "duration from now",
            "time",
            [DURATION, r"from now|hence|later"],
            lambda c, d, _: in_dur(c, d.value),
        )
    )
    add(
        rule(
            "in duration at",
            "time",
            [r"in", DURATION, r"(at|@)?", TOD_ANY],
            lambda c, _, d, _m, t: _in_days_at(c, d.value, t.value),
        )
    )
    add(rule("duration from right now", "time", [DURATION, r"from right now"],
             lambda c, d, _: at(shift(c, c.ref, d.value), Grain.second)))  # fmt: skip
    add(
        rule(
            "duration ago",
            "time",
            [DURATION, r"ago|back|before( now)?"],
            lambda c, d, _: in_dur(c, d.value, -1),
        )
    )
    add(rule("duration after time", "time", [DURATION, r"(after|from)", time(nonlatent)],
             lambda c, d, _, t: duration_from(c, t.value, d.value, 1)))  # fmt: skip
    add(rule("duration before time", "time", [DURATION, r"before", time(nonlatent)],
             lambda c, d, _, t: duration_from(c, t.value, d.value, -1)))  # fmt: skip
    add(rule("time in duration", "time", [form("holiday", "fixed", "dow"), r"in", DURATION],
             lambda c, t, _, d: _near(c, t.value, in_dur(c, d.value))))  # fmt: skip
    add(rule("holiday year", "time", [form("holiday"), r"(of |in )?", form("year", "fixed")],
             lambda c, h, _, y: fix_inter(c, y.value, h.value)))  # fmt: skip
    add(rule("time duration ago", "time", [form("holiday", "fixed", "dow"), Dim("time", lambda t: t.form == "shifted")],
             lambda c, t, s: _near(c, t.value, s.value)))  # fmt: skip
    add(rule("within duration", "time", [r"within", DURATION],
             lambda c, _, d: by(c, in_dur(c, d.value))))  # fmt: skip
    add(
        rule(
            "after duration",
            "time",
            [r"after", DURATION],
            lambda c, _, d: open_interval(in_dur(c, d.value), "after"),
        )
    )

    # --- intervals
    t_ok = Dim("time", lambda t: not t.direction)
    # "after 6", "until 4": a bare hour reads as a clock time after these words
    when = Dim("time", lambda t: not t.direction and (not t.latent or _bare(t)))
    add(rule("interval dash", "time", [t_ok, r"-|to|thru|through|till|until|untill|/", t_ok],
             lambda c, a, _, b: closed(c, a.value, b.value)))  # fmt: skip
    add(rule("from interval", "time", [r"(from|(in )?between|later than)( the)?", t_ok, r"-|to( the)?|thru|through|till|until|untill|and|but before", t_ok],
             lambda c, _, a, _m, b: closed(c, a.value, b.value)))  # fmt: skip
    add(rule("interval day month", "time", [r"(from )?(the )?", Dim("ordinal") , r"(-|to|thru|through|till|until)( the)?", form("date")],
             lambda c, _, d, _m, b: _dd_month(c, d, b)))  # fmt: skip
    add(rule("interval num day month", "time", [r"(from )?(the )?", integer(1, 31, digits=True), r"(-|to|thru|through|till|until)( the)?", form("date")],
             lambda c, _, d, _m, b: _dd_month(c, d, b)))  # fmt: skip
    add(rule("month dom-dom", "time", [form("date"), r"-|to|thru|through|till|until", Dim("number", lambda n: 1 <= n.value <= 31)],
             lambda c, a, _, d: _md_range(c, a, d)))  # fmt: skip
    add(rule("month dom-dom ord", "time", [form("date"), r"-|to|thru|through|till|until", ordinal()],
             lambda c, a, _, d: _md_range(c, a, d)))  # fmt: skip
    when_point = Dim(
        "time",
        lambda t: not t.direction and not t.interval and (not t.latent or _bare(t)),
    )
    add(rule("from interval", "time", [r"from", form("interval")], lambda c, _, t: t.value))
    add(rule("after time", "time", [r"after|since|from|anytime after|later than", when_point],
             lambda c, _, t: open_interval(t.value, "after")))  # fmt: skip
    add(rule("before time", "time", [r"before|until|untill|till|through|prior to|no later than", when],
             lambda c, _, t: open_interval(t.value, "before")))  # fmt: skip
    add(
        rule(
            "by time",
            "time",
            [r"by", time(lambda t: not t.latent and t.form != "cyclepart")],
            lambda c, _, t: by(c, t.value),
        )
    )
    add(
        rule(
            "by end of",
            "time",
            [r"by", form("cyclepart")],
            lambda c, _, t: by(c, t.value, use_end=True),
        )
    )
    add(
        rule(
            "asap",
            "time",
            [r"asap|as soon as possible"],
            lambda c, _: open_interval(now(c), "after"),
        )
    )
    add(rule("for duration from", "time", [r"for", DURATION, r"from|starting", time(nonlatent)],
             lambda c, _, d, _m, t: for_duration(c, t.value, d.value)))  # fmt: skip
    add(rule("from for duration", "time", [r"(from )?", time(nonlatent), r"for", DURATION],
             lambda c, _, t, _m, d: for_duration(c, t.value, d.value)))  # fmt: skip

    # --- parts of cycles, seasons
    add(rule("part of cycle", "time", [r"(at )?(the )?(beginning|start|end|middle) of (the )?(this |current )?", rf"({_CYCLE_RE})"],
             lambda c, m, g: _cycle_part_m(c, m, _grain(g.group(0)), 0)))  # fmt: skip
    add(rule("part of next cycle", "time", [r"(at )?(the )?(beginning|start|end) of (the )?(around )?(next|following|coming)", rf"({_CYCLE_RE})"],
             lambda c, m, g: _cycle_part_m(c, m, _grain(g.group(0)), 1)))  # fmt: skip
    add(rule("part of last cycle", "time", [r"(at )?(the )?(beginning|start|end) of (the )?(last|past|previous)", rf"({_CYCLE_RE})"],
             lambda c, m, g: _cycle_part_m(c, m, _grain(g.group(0)), -1)))  # fmt: skip
    add(rule("eom", "time", [r"(at )?(the )?(eo|bo)(m|y|w)"], _eo_x))
    add(rule("part of time", "time", [r"(at )?(the )?(beginning|start|end|early|mid|middle|late)( of)?", form("month", "year", "ym", "fixed")],
             lambda c, m, t: _part_of_time(c, m.group(3), t.value)))  # fmt: skip
    add(rule("season", "time", [r"(this |current )?(summer|winter|spring|fall|autumn)"],
             lambda c, m: _season(c, m.group(2))))  # fmt: skip
    r.extend(en_holiday_rules())
    return r


_DAYS = ("cycle", "fixed", "dow", "date", "intersect", "holiday")


def _plain(t: Time) -> bool:
    return not t.latent and not t.direction and t.form != "zoned"


def _tod(t: Time) -> bool:
    return t.form == "tod" and not t.direction


def _intersect(ctx: Context, a: Token, sep: re.Match[str] | None, b: Token) -> Time | None:
    """Two adjacent times read together ("tomorrow at 3 pm", "Monday, Feb 18", "9 tomorrow").

    Both plain (not latent, not open, not in another zone) with or without "," / "on" / "at" …
    between them; without one, also: a time and a part of the day ("Monday morning"), a clock
    reading (latent too) and a day ("9 tomorrow"; after a date only an hour or a full reading,
    so "thanksgiving 2013" is no 20:13), "tonight 815", a weekday and a bare ordinal
    ("Tuesday 19th"), a day and an open interval ("today after 6pm"), and a part of the day
    "at" a clock reading ("morning at 9").
    """
    x, y = a.value, b.value
    word = "" if sep is None else sep.group(0).lower()
    if _plain(x) and _plain(y):
        return intersect(x, y)
    if word in ("at", "@") and x.form == "daypart" and _tod(y):
        return intersect(x, y)
    if word:
        return None
    daylike_x, daylike_y = x.form in _DAYS and not x.direction, y.form in _DAYS and not y.direction
    if (
        (_plain(x) and y.form == "daypart" and not y.direction)
        or (x.form == "daypart" and _tod(y))
        or (_tod(x) and daylike_y)
        or (daylike_x and _tod(y) and (y.grain == Grain.hour or not y.latent))
        or (x.form == "intersect" and _tod(y))
        or (x.form == "dow" and y.form == "dom")
        or (daylike_x and y.direction is not None)
        or (x.direction is not None and daylike_y)
    ):
        return intersect(x, y)
    return None


def _bare(t: Time) -> bool:
    """A latent reading "after"/"until" may take: a year (through 2014) or an hour (until 4)."""
    return t.form == "year" or (t.form == "tod" and t.grain == Grain.hour)


def _of_ok(t: Time) -> bool:
    """What "the first Monday of …" may take: any non-latent time, or a month ("of May")."""
    return not t.latent or t.form == "month"


def _cycle(ctx: Context, word: str, n: int) -> Time:
    return cycle_nth(ctx, _grain(word, CYCLES), n)


def _week_word(m: re.Match[str]) -> Time:
    w = m.group(0).lower()
    if "end" in w:
        return Time(S.weekly(S.timedelta(days=4, hours=18), S.timedelta(days=7)), Grain.hour,
                    latent=True, form="cycleword", interval=True)  # fmt: skip
    return Time(S.cycle(Grain.week), Grain.week, latent=True, form="cycleword")


def _in_week(ctx: Context, d: Time, n: int) -> Time | None:
    return fix_inter(ctx, cycle_nth(ctx, Grain.week, n), d)


def _dow_of(d: Token, week: Token) -> Time | None:
    """ "wednesday of next week", "last week's sunday"."""
    if week.value.grain != Grain.week:
        return None
    t = intersect(week.value, d.value)
    return None if t is None else replace(t, form="fixed")


def _month_no(t: Time) -> int:
    s = next(t.pred.forward(S.datetime(2000, 1, 1)))
    return s.start.month


def _md(m: Token, d: Token | None, day: int | None = None) -> Time | None:
    n = day if d is None else int(d.value.value)
    return date(None, _month_no(m.value), n)


def _nth_in(ctx: Context, outer: Time, inner: Time, n: int) -> Time | None:
    if outer.grain <= inner.grain:
        return None
    return Time(
        S.Nth(outer.pred, inner.pred, n),
        inner.grain,
        form="fixed" if outer.form == "fixed" else "date",
    )


def _closest(ctx: Context, t: Time, target: Time, n: int) -> Time | None:
    """ "the second closest Mon to October fifth": the n-th nearest to the target's start."""
    s = resolve(target, ctx.ref)
    if s is None:
        return None
    near = [*islice(t.pred.forward(s.start), n), *islice(t.pred.backward(s.start), n)]
    near.sort(key=lambda x: abs((x.start - s.start).total_seconds()))
    return fixed_time(near[n - 1]) if len(near) >= n else None


def _nth_after(ctx: Context, t: Time, d: Time, n: int) -> Time | None:
    """ "third tuesday after christmas 2014": counted from the end of that day."""
    s = resolve(t, ctx.ref)
    if s is None:
        return None
    hit = next(islice(d.pred.forward(s.end), n - 1, None), None)
    return None if hit is None else fixed_time(hit)


def _week_of(ctx: Context, t: Time) -> Time | None:
    s = resolve(t, ctx.ref)
    if s is None:
        return None
    return at(s.start, Grain.week, form="fixed")


def _today(ctx: Context, part: Time) -> Time | None:
    return fix_inter(ctx, cycle_nth(ctx, Grain.day, 0), part)


def _today_part(ctx: Context, a: float, b: float) -> Time | None:
    return day_part(ctx, 0, a, b)


def _in_days_at(ctx: Context, d: Duration, t: Time) -> Time | None:
    """ "in 7 days at 5pm": that day (or month, for years) at that time."""
    g = max(finer(d.exact().grain), Grain.day)
    return fix_inter(ctx, at(shift(ctx, ctx.ref, d), g), t)


def _ampm(t: Time, m: re.Match[str]) -> Time | None:
    # A bare "a"/"p" only after an unambiguous reading: "3:18a", "at 3p", but not "4a".
    if t.latent and not (m.group(3) or "").strip(" ."):
        return None
    return ampm(t, m.group(2).lower() == "p")


def _near(ctx: Context, t: Time, target: Time) -> Time | None:
    """ "thanksgiving in 3 years", "easter 3 months ago": the one in the year aimed at."""
    s = span_of(target, ctx)
    if s is None:
        return None
    year = S.year(s.start.year)
    return fix_inter(ctx, Time(year, Grain.year), t)


def _dd_month(ctx: Context, d: Token, b: Token) -> Time | None:
    """ "from 13th to 15th July": the first day is in the month of the last."""
    m = resolve(b.value, ctx.ref)
    if m is None:
        return None
    first = date(m.start.year, m.start.month, _n(d))
    if first is None:
        return None
    return between(ctx, Token("time", 0, 0, first, 1, "", ()), b)


def _md_range(ctx: Context, a: Token, d: Token) -> Time | None:
    s = resolve(a.value, ctx.ref)
    if s is None:
        return None
    end = date(s.start.year, s.start.month, _n(d))
    if end is None:
        return None
    return between(
        ctx, Token("time", 0, 0, fixed_time(s), 1, "", ()), Token("time", 0, 0, end, 1, "", ())
    )


def _cycle_part_m(ctx: Context, m: re.Match[str], g: Grain, n: int) -> Time | None:
    part = m.group(3).lower()
    part = (
        "begin" if part in ("beginning", "start") else "mid" if part in ("middle", "mid") else "end"
    )
    t = cycle_part(ctx, g, n, part)
    return None if t is None else replace(t, form="cyclepart")


def _eo_x(ctx: Context, m: re.Match[str]) -> Time | None:
    g = {"m": Grain.month, "y": Grain.year, "w": Grain.week}[m.group(4).lower()]
    t = cycle_part(ctx, g, 0, "end" if m.group(3).lower() == "eo" else "begin")
    return None if t is None else replace(t, form="cyclepart")


def _part_of_time(ctx: Context, word: str, t: Time) -> Time | None:
    s = resolve(t, ctx.ref)
    if s is None:
        return None
    w = word.lower()
    part = (
        "begin"
        if w in ("beginning", "start", "early")
        else "mid"
        if w in ("mid", "middle")
        else "end"
    )
    return part_of(s, part)


def _season(ctx: Context, name: str) -> Time | None:
    n = name.lower()
    bounds = {"spring": ((3, 20), (6, 21)), "summer": ((6, 21), (9, 24)),
              "fall": ((9, 23), (12, 21)), "autumn": ((9, 23), (12, 21)),
              "winter": ((12, 21), (3, 21))}[n]  # fmt: skip
    (m1, d1), (m2, d2) = bounds

    def members(y: int) -> list[S.Span]:
        start = S.datetime(y, m1, d1)
        end = S.datetime(y + (1 if m2 < m1 else 0), m2, d2)
        return [S.Span(start, end, Grain.day, True)]

    t = Time(S.yearly(members), Grain.day, form="season", interval=True)
    return nth(t, ctx, 0)


def _hyphen_oh(ctx: Context, m: re.Match[str]) -> Time | None:
    from ringback.entities.numbers import EN_UNITS

    h, mi = EN_UNITS.get(m.group(1).lower()), EN_UNITS.get(m.group(2).lower())
    if h is None or mi is None or not 0 < h <= 12 or not 0 < mi < 10:
        return None
    return tod(h, mi, is12h=True, latent=True)


def _hyphen_min(ctx: Context, m: re.Match[str]) -> Time | None:
    from ringback.entities.numbers import EN_TENS, EN_UNITS

    h, mi = EN_UNITS.get(m.group(1).lower()), EN_TENS.get(m.group(2).lower())
    if h is None or mi is None or not 0 < h <= 12:
        return None
    return tod(h, mi, is12h=True, latent=True)


def duration_rules() -> list[Rule]:
    r: list[Rule] = []
    add = r.append
    add(rule("n unit", "duration", [Dim("number", lambda n: n.value > 0), r"(more )?", rf"({_GRAIN_RE})"],
             lambda c, n, _, g: Duration(n.value.value, _grain(g.group(0)))))  # fmt: skip
    add(rule("a unit", "duration", [r"(an?|one) ", rf"({_GRAIN_RE})"],
             lambda c, _, g: Duration(1, _grain(g.group(0)))))  # fmt: skip
    add(rule("a sec", "duration", [r"an? sec"], lambda c, _: Duration(1, Grain.second)))
    add(rule("fortnight", "duration", [r"(a )?fortnight"], lambda c, _: Duration(14, Grain.day)))
    add(
        rule(
            "half an hour",
            "duration",
            [r"(a )?half (an? )?hour|1/2 ?h(our)?"],
            lambda c, _: Duration(30, Grain.minute),
        )
    )
    add(
        rule(
            "quarter hour",
            "duration",
            [r"(a )?quarter (of )?(an? )?hour|1/4 ?h(our)?"],
            lambda c, _: Duration(15, Grain.minute),
        )
    )
    add(
        rule(
            "3/4 hour",
            "duration",
            [r"three-quarters of an hour|3/4 ?h(our)?"],
            lambda c, _: Duration(45, Grain.minute),
        )
    )
    add(rule("duration and a half", "duration", [DURATION, r"and a half"],
             lambda c, d, _: Duration(d.value.value + 0.5, d.value.grain).exact()))  # fmt: skip
    add(rule("n and a half", "duration", [Dim("number"), rf"({_GRAIN_RE}) and (a )?half"],
             lambda c, n, m: Duration(n.value.value + 0.5, _grain(m.group(1))).exact()))  # fmt: skip
    add(rule("composite", "duration", [DURATION, r",? (and )?", DURATION],
             lambda c, a, _, b: _compose(a.value, b.value)))  # fmt: skip
    return r


def _compose(a: Duration, b: Duration) -> Duration | None:
    if a.grain <= b.grain:
        return None
    from ringback.entities.grain import SECONDS

    total = a.normalized() + b.normalized()
    return Duration(total / SECONDS[b.grain], b.grain).exact()
