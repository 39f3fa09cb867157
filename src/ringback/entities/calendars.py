"""The Hebrew and the arithmetic Islamic calendars, for the holidays that follow them.

Both use "fixed" day numbers (R.D., ``date.toordinal()``), after Dershowitz & Reingold,
*Calendrical Calculations*. The Hebrew calendar is exact. The Islamic one is the tabular
(arithmetic) calendar: observed dates (moon sighting, Umm al-Qura) can differ by a day.
"""

from __future__ import annotations

from datetime import date

HEBREW_EPOCH = -1373427  # R.D. of 1 Tishrei AM 1
ISLAMIC_EPOCH = 227015  # R.D. of 1 Muharram AH 1 (16 July 622, Julian)

# Hebrew months are numbered from Nisan (1); the year starts in Tishrei (7).
NISAN, IYYAR, SIVAN, TAMMUZ, AV, ELUL, TISHREI, HESHVAN, KISLEV, TEVET, SHEVAT, ADAR = range(1, 13)
ADAR_II = 13


def hebrew_leap(year: int) -> bool:
    return (7 * year + 1) % 19 < 7


def _elapsed_days(year: int) -> int:
    months = (235 * year - 234) // 19
    parts = 12084 + 13753 * months
    day = 29 * months + parts // 25920
    return day + 1 if (3 * (day + 1)) % 7 < 3 else day


def _delay(year: int) -> int:
    ny0, ny1, ny2 = _elapsed_days(year - 1), _elapsed_days(year), _elapsed_days(year + 1)
    if ny2 - ny1 == 356:
        return 2
    return 1 if ny1 - ny0 == 382 else 0


def hebrew_new_year(year: int) -> int:
    return HEBREW_EPOCH + _elapsed_days(year) + _delay(year)


def _year_days(year: int) -> int:
    return hebrew_new_year(year + 1) - hebrew_new_year(year)


def _month_days(year: int, month: int) -> int:
    if month in (IYYAR, TAMMUZ, ELUL, TEVET, ADAR_II):
        return 29
    if month == ADAR:
        return 30 if hebrew_leap(year) else 29
    if month == HESHVAN:
        return 30 if _year_days(year) % 10 == 5 else 29
    if month == KISLEV:
        return 29 if _year_days(year) % 10 == 3 else 30
    return 30


def hebrew_date(year: int, month: int, day: int) -> date:
    """The Gregorian date of a Hebrew date (the daytime; the holiday begins the evening before)."""
    last = ADAR_II if hebrew_leap(year) else ADAR
    if month < TISHREI:
        months = [*range(TISHREI, last + 1), *range(NISAN, month)]
    else:
        months = list(range(TISHREI, month))
    return date.fromordinal(
        hebrew_new_year(year) + day - 1 + sum(_month_days(year, m) for m in months)
    )


def hebrew_year(gregorian: int, month: int) -> int:
    """The Hebrew year in which ``month`` falls during the given Gregorian year."""
    return gregorian + (3761 if TISHREI <= month <= KISLEV else 3760)


def islamic_date(year: int, month: int, day: int) -> date:
    fixed = (
        ISLAMIC_EPOCH - 1 + (year - 1) * 354 + (3 + 11 * year) // 30 + 29 * (month - 1)
        + month // 2 + day
    )  # fmt: skip
    return date.fromordinal(fixed)


def islamic_in_year(gregorian: int, month: int, day: int) -> list[date]:
    """Every date with that Islamic month and day in a Gregorian year (one or two)."""
    first = int((gregorian - 622) * 33 / 32)  # an Islamic year a little before
    out = []
    for y in range(max(first - 1, 1), first + 3):
        d = islamic_date(y, month, day)
        if d.year == gregorian:
            out.append(d)
    return out
