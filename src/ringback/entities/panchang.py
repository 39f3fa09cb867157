"""Hindu lunisolar dates from low-precision astronomy (Meeus), for the holidays that follow them.

A lunar day (tithi) is each 12° of the Moon's elongation from the Sun; a lunar month runs from
new moon to new moon (amanta) and is named after the sidereal sign (Lahiri ayanamsa) the Sun is
in when it starts (Sun in Pisces → Chaitra); a month in which the Sun changes no sign is a leap
(adhika) month and holds no festival. A festival falls on the civil day (India, IST) whose
observation moment (sunrise at New Delhi, noon, evening or midnight) lies in its tithi. The
positions are good to a few arc-minutes, so a tithi ending within minutes of that moment can
give the neighbouring day; Duckling reads published tables instead.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise

J2000 = 2451545.0
IST = timedelta(hours=5, minutes=30)
DELHI = (28.61, 77.21)


def _jd(t: datetime) -> float:
    """Julian day of a naive UTC datetime."""
    return t.toordinal() + 1721424.5 + (t.hour + t.minute / 60 + t.second / 3600) / 24


def _sin(x: float) -> float:
    return math.sin(math.radians(x))


def sun_longitude(jd: float) -> float:
    t = (jd - J2000) / 36525
    l0 = 280.46646 + 36000.76983 * t
    m = 357.52911 + 35999.05029 * t
    c = (1.914602 - 0.004817 * t) * _sin(m) + 0.019993 * _sin(2 * m) + 0.000289 * _sin(3 * m)
    return (l0 + c) % 360


# Main periodic terms of the Moon's longitude (Meeus, ch. 47): (D, M, M', F, 1e-6 degrees).
_MOON = (
    (0, 0, 1, 0, 6288774), (2, 0, -1, 0, 1274027), (2, 0, 0, 0, 658314), (0, 0, 2, 0, 213618),
    (0, 1, 0, 0, -185116), (0, 0, 0, 2, -114332), (2, 0, -2, 0, 58793), (2, -1, -1, 0, 57066),
    (2, 0, 1, 0, 53322), (2, -1, 0, 0, 45758), (0, 1, -1, 0, -40923), (1, 0, 0, 0, -34720),
    (0, 1, 1, 0, -30383), (2, 0, 0, -2, 15327), (0, 0, 1, 2, -12528), (0, 0, 1, -2, 10980),
    (4, 0, -1, 0, 10675), (0, 0, 3, 0, 10034), (4, 0, -2, 0, 8548), (2, 1, -1, 0, -7888),
    (2, 1, 0, 0, -6766), (1, 0, -1, 0, -5163), (1, 1, 0, 0, 4987), (2, -1, 1, 0, 4036),
    (2, 0, 2, 0, 3994), (4, 0, 0, 0, 3861), (2, 0, -3, 0, 3665), (0, 1, -2, 0, -2689),
    (2, 0, -1, 2, -2602), (2, -1, -2, 0, 2390), (1, 0, 1, 0, -2348), (2, -2, 0, 0, 2236),
    (0, 1, 2, 0, -2120), (0, 2, 0, 0, -2069), (2, -2, -1, 0, 2048), (2, 0, 1, -2, -1773),
    (2, 0, 0, 2, -1595), (4, -1, -1, 0, 1215), (0, 0, 2, 2, -1110), (3, 0, -1, 0, -892),
    (2, 1, 1, 0, -810), (4, -1, -2, 0, 759), (0, 2, -1, 0, -713), (2, 2, -1, 0, -700),
    (2, 1, -2, 0, 691), (2, -1, 0, -2, 596), (4, 0, 1, 0, 549), (0, 0, 4, 0, 537),
    (4, -1, 0, 0, 520), (1, 0, -2, 0, -487), (2, 1, 0, -2, -399), (0, 0, 2, -2, -381),
    (1, 1, 1, 0, 351), (3, 0, -2, 0, -340), (4, 0, -3, 0, 330), (2, -1, 2, 0, 327),
    (0, 2, 1, 0, -323), (1, 1, -1, 0, 299), (2, 0, 3, 0, 294),
)  # fmt: skip


def moon_longitude(jd: float) -> float:
    t = (jd - J2000) / 36525
    lp = 218.3164477 + 481267.88123421 * t
    d = 297.8501921 + 445267.1114034 * t
    m = 357.5291092 + 35999.0502909 * t
    mp = 134.9633964 + 477198.8675055 * t
    f = 93.2720950 + 483202.0175233 * t
    e = 1 - 0.002516 * t
    total = 0.0
    for cd, cm, cmp, cf, amp in _MOON:
        total += amp * e ** abs(cm) * _sin(cd * d + cm * m + cmp * mp + cf * f)
    return (lp + total / 1e6) % 360


def elongation(jd: float) -> float:
    return (moon_longitude(jd) - sun_longitude(jd)) % 360


def tithi(jd: float) -> int:
    """1-15: waxing (shukla) 1..15 (full moon); 16-30: waning (krishna) 1..15 (new moon)."""
    return int(elongation(jd) // 12) + 1


def ayanamsa(jd: float) -> float:
    return 23.853 + 0.013969 * (jd - J2000) / 365.25


def sidereal_sign(jd: float) -> int:
    return int(((sun_longitude(jd) - ayanamsa(jd)) % 360) // 30)  # 0 = Mesha (Aries)


def new_moon_after(jd: float) -> float:
    """The first new moon after ``jd`` (elongation crossing 360° → 0°)."""
    step = 1.0
    t = jd
    while not (elongation(t) > 300 and elongation(t + step) < 60):
        t += step
    lo, hi = t, t + step
    for _ in range(20):  # a day halved 20 times: under a tenth of a second
        mid = (lo + hi) / 2
        if elongation(mid) > 180:
            lo = mid
        else:
            hi = mid
    return hi


@cache
def lunar_months(year: int) -> list[tuple[int, float, float]]:
    """(month 1-12, start JD, end JD) of the regular lunar months overlapping a year."""
    jd = _jd(datetime(year - 1, 11, 15))
    moons = [new_moon_after(jd)]
    while moons[-1] < _jd(datetime(year + 1, 3, 1)):
        moons.append(new_moon_after(moons[-1] + 27))  # lunations last 29.3-29.8 days
    out = []
    for a, b in pairwise(moons):
        sign = sidereal_sign(a)
        if sign == sidereal_sign(b):
            continue  # adhika (leap) month
        out.append(((sign + 1) % 12 + 1, a, b))
    return out


def _moment(day: date, hour: float) -> float:
    """JD of a local Indian time on a civil day (hour may pass 24: midnight after the day)."""
    return _jd(datetime(day.year, day.month, day.day) - IST) + hour / 24


def sunrise_hour(day: date) -> float:
    """Approximate local (IST) sunrise at New Delhi."""
    n = day.timetuple().tm_yday
    decl = -23.44 * math.cos(math.radians(360 / 365 * (n + 10)))
    b = math.radians(360 / 365 * (n - 81))
    eot = 9.87 * math.sin(2 * b) - 7.53 * math.cos(b) - 1.5 * math.sin(b)  # minutes
    lat, lon = DELHI
    cos_h = (_sin(-0.833) - _sin(lat) * _sin(decl)) / (
        math.cos(math.radians(lat)) * math.cos(math.radians(decl))
    )
    h = math.degrees(math.acos(max(-1.0, min(1.0, cos_h))))
    noon = 12 + (82.5 - lon) / 15 - eot / 60  # IST is UT+5:30 = 82.5° E
    return noon - h / 15


@cache
def festival(year: int, month: int, target: int, at: str = "sunrise") -> list[date]:
    """Days in a Gregorian year on which lunar month ``month``'s tithi ``target`` is observed."""
    out = []
    for m, start, end in lunar_months(year):
        if m != month:
            continue
        first = datetime(2000, 1, 1) + timedelta(days=start - _jd(datetime(2000, 1, 1)))
        day = (first + IST).date() - timedelta(days=1)
        chosen = None
        for _ in range(32):
            hour = {"sunrise": sunrise_hour(day), "noon": 12.0, "evening": 20.0, "midnight": 24.0}[
                at
            ]
            jd = _moment(day, hour)
            if start <= jd < end and tithi(jd) >= target:
                chosen = day
                break
            day += timedelta(days=1)
        if chosen is not None and chosen.year == year:
            out.append(chosen)
    return out


def _to_ist_date(jd: float) -> tuple[date, float]:
    """The IST civil date of a JD, and the local hour."""
    t = datetime(2000, 1, 1, 12) + timedelta(days=jd - J2000) + IST
    return t.date(), t.hour + t.minute / 60


def sankranti(year: int, sign: int) -> tuple[date, float]:
    """When the Sun enters a sidereal sign in a year: IST date and hour."""
    lo = _jd(datetime(year, 1, 1))
    while sidereal_sign(lo) == sign or sidereal_sign(lo + 1) != sign:
        lo += 1
    hi = lo + 1
    for _ in range(30):
        mid = (lo + hi) / 2
        if sidereal_sign(mid) == sign:
            hi = mid
        else:
            lo = mid
    return _to_ist_date(hi)


def sankranti_day(year: int, sign: int) -> date:
    """The day a solar month begins: the day of the ingress, or the next one after sunset."""
    day, hour = sankranti(year, sign)
    return day if hour < sunrise_hour(day) + 12 else day + timedelta(days=1)


def nakshatra_day(year: int, sign: int, star: int) -> list[date]:
    """Days of a solar month whose sunrise falls in a lunar mansion (Onam: Shravana in Simha)."""
    out = []
    day = sankranti_day(year, sign)
    for _ in range(32):
        jd = _moment(day, sunrise_hour(day))
        moon = (moon_longitude(jd) - ayanamsa(jd)) % 360
        if sidereal_sign(jd) == sign and int(moon // (360 / 27)) == star:
            out.append(day)
            break
        day += timedelta(days=1)
    return out


def chinese_new_year(year: int) -> date:
    """The new moon (China time) on or after January 21."""
    jd = new_moon_after(_jd(datetime(year, 1, 20, 16)))  # Jan 21 00:00 at UTC+8
    t = datetime(2000, 1, 1, 12) + timedelta(days=jd - J2000, hours=8)
    return t.date()
