"""DST and zone tables for ``next_window``: every expected instant is worked out by hand.

Transitions used (2020, from the tz database):
- America/New_York: 03-08 02:00 EST(-5) → 03:00 EDT(-4) at 07:00Z; 11-01 02:00 EDT → 01:00 EST
  at 06:00Z (walls 01:00-01:59 happen twice: 05:00-05:59Z and 06:00-06:59Z).
- Europe/London: 03-29 01:00 GMT → 02:00 BST at 01:00Z; 10-25 02:00 BST → 01:00 GMT at 01:00Z.
- Australia/Sydney: 04-05 03:00 AEDT(+11) → 02:00 AEST(+10) at 04-04 16:00Z; 10-04 02:00 AEST →
  03:00 AEDT at 10-03 16:00Z.
- America/Santiago (at midnight): 04-05 00:00 -03 → 04-04 23:00 -04 at 03:00Z; 09-06 00:00 -04
  → 01:00 -03 at 04:00Z.
- America/St_Johns: 03-08 02:00 -03:30 → 03:00 -02:30 at 05:30Z; 11-01 02:00 -02:30 → 01:00
  -03:30 at 04:30Z.
- Australia/Lord_Howe (30-minute DST): 04-05 02:00 +11 → 01:30 +10:30 at 04-04 15:00Z; 10-04
  02:00 +10:30 → 02:30 +11 at 10-03 15:30Z.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ringback.domain.policy import CallingPolicy, PolicyFields, effective_policy
from ringback.domain.windows import Window, is_open, next_open, next_window

from .reference_windows import ref_is_open

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
SANTIAGO = ZoneInfo("America/Santiago")
ST_JOHNS = ZoneInfo("America/St_Johns")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
TOKYO = ZoneInfo("Asia/Tokyo")


def fixed(hours: int, minutes: int = 0) -> timezone:
    sign = -1 if hours < 0 else 1
    return timezone(sign * timedelta(hours=abs(hours), minutes=minutes))


def z(text: str) -> datetime:
    """``"2020-03-08 07:00"`` (UTC) → aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def w(start: str, end: str) -> dict[str, str]:
    return {"localTimeFrom": start, "localTimeTo": end}


def policy(**wire: Any) -> CallingPolicy:
    return effective_policy(PolicyFields.from_json(wire))


def daily(start: str, end: str, **wire: Any) -> CallingPolicy:
    return policy(allowedTime={"default": [w(start, end)]}, **wire)


@dataclass(frozen=True)
class Case:
    id: str
    after: str
    policy: CallingPolicy
    zones: tzinfo | tuple[tzinfo, ...]
    expected: tuple[str, str] | None  # (open, close) in UTC, None: never opens


# fmt: off
CASES = [
    # --- America/New_York ----------------------------------------------------------------
    # 02:30 is in the gap: the window starts at the transition 07:00Z (03:00 EDT), ends at
    # 04:00 EDT = 08:00Z.
    Case("new_york_spring_gap", "2020-03-08 00:00", daily("02:30", "04:00"), NY,
         ("2020-03-08 07:00", "2020-03-08 08:00")),
    # 02:00-02:30 is wholly skipped that night: next day 02:00 EDT = 06:00Z.
    Case("new_york_spring_gap_whole_window", "2020-03-08 00:00", daily("02:00", "02:30"), NY,
         ("2020-03-09 06:00", "2020-03-09 06:30")),
    # The end bound 02:30 is in the gap: the window ends at the transition.
    Case("new_york_spring_end_in_gap", "2020-03-08 00:00", daily("01:00", "02:30"), NY,
         ("2020-03-08 06:00", "2020-03-08 07:00")),
    # Short window in the repeated hour: first pass only (01:00-01:30 EDT = 05:00-05:30Z).
    Case("new_york_autumn_fold", "2020-11-01 00:00", daily("01:00", "01:30"), NY,
         ("2020-11-01 05:00", "2020-11-01 05:30")),
    # ...and after it, the second pass (06:00-06:30Z) is not opened: next night 01:00 EST.
    Case("new_york_autumn_fold_not_twice", "2020-11-01 05:30", daily("01:00", "01:30"), NY,
         ("2020-11-02 06:00", "2020-11-02 06:30")),
    # 01:30-03:00 over the fold: 01:30-02:00 EDT (05:30-06:00Z), then the second pass
    # 01:00-01:29 EST (06:00-06:30Z) is before the window's start (rule 3), then 01:30-03:00
    # EST (06:30-08:00Z).
    Case("new_york_autumn_fold_first_run", "2020-11-01 00:00", daily("01:30", "03:00"), NY,
         ("2020-11-01 05:30", "2020-11-01 06:00")),
    Case("new_york_autumn_fold_second_run", "2020-11-01 06:00", daily("01:30", "03:00"), NY,
         ("2020-11-01 06:30", "2020-11-01 08:00")),
    # Cross-midnight Saturday 23:00 EST (04:00Z) to Sunday 04:00 EDT (08:00Z): 4 real hours
    # for 5 wall hours.
    Case("new_york_cross_midnight_spring", "2020-03-07 12:00",
         policy(allowedTime={"sat": [w("23:00", "04:00")]}), NY,
         ("2020-03-08 04:00", "2020-03-08 08:00")),
    # --- Europe/London --------------------------------------------------------------------
    # 01:15 is in the gap (01:00-02:00 GMT skipped): start at 01:00Z, end 03:00 BST = 02:00Z.
    Case("london_spring_gap", "2020-03-29 00:00", daily("01:15", "03:00"), LONDON,
         ("2020-03-29 01:00", "2020-03-29 02:00")),
    # 01:30-03:00: first pass 01:30 BST = 00:30Z to the transition 01:00Z...
    Case("london_autumn_fold", "2020-10-24 23:00", daily("01:30", "03:00"), LONDON,
         ("2020-10-25 00:30", "2020-10-25 01:00")),
    # ...then 01:00-01:29 GMT is closed, 01:30 GMT (01:30Z) to 03:00 GMT (03:00Z) open.
    Case("london_autumn_fold_second_pass", "2020-10-25 01:00", daily("01:30", "03:00"), LONDON,
         ("2020-10-25 01:30", "2020-10-25 03:00")),
    # A window that ends at the fold's end (02:00 first read at 02:00 GMT) covers both passes
    # of 01:00-01:59: by the wall clock every instant of them is inside 01:00-02:00.
    Case("london_autumn_fold_whole_repeated_hour", "2020-10-24 23:00", daily("01:00", "02:00"),
         LONDON, ("2020-10-25 00:00", "2020-10-25 02:00")),
    # Saturday 23:00 BST (22:00Z) to Sunday 02:00 GMT (02:00Z): 4 real hours, one run.
    Case("london_cross_midnight_autumn", "2020-10-24 12:00",
         policy(allowedTime={"sat": [w("23:00", "02:00")]}), LONDON,
         ("2020-10-24 22:00", "2020-10-25 02:00")),
    # --- Australia/Sydney -----------------------------------------------------------------
    # 02:00 AEST is the transition itself (10-03 16:00Z); 04:00 AEDT = 17:00Z.
    Case("sydney_spring_gap", "2020-10-03 12:00", daily("02:00", "04:00"), SYDNEY,
         ("2020-10-03 16:00", "2020-10-03 17:00")),
    # Repeated hour 02:00-02:59: 02:00-02:30 AEDT = 15:00-15:30Z on 04-04, first pass only.
    Case("sydney_autumn_fold", "2020-04-04 12:00", daily("02:00", "02:30"), SYDNEY,
         ("2020-04-04 15:00", "2020-04-04 15:30")),
    Case("sydney_autumn_fold_not_twice", "2020-04-04 15:30", daily("02:00", "02:30"), SYDNEY,
         ("2020-04-05 16:00", "2020-04-05 16:30")),
    # --- America/Santiago: transitions at midnight ----------------------------------------
    # Sunday 09-06 00:00 does not exist: the window starts at the transition 04:00Z (01:00
    # -03) and ends 02:00 -03 = 05:00Z.
    Case("santiago_spring_gap", "2020-09-05 12:00",
         policy(allowedTime={"sun": [w("00:00", "02:00")]}), SANTIAGO,
         ("2020-09-06 04:00", "2020-09-06 05:00")),
    # Saturday 22:00 -04 (02:00Z) to Sunday 00:30 (in the gap → 04:00Z).
    Case("santiago_spring_cross_midnight_into_gap", "2020-09-05 12:00",
         policy(allowedTime={"sat": [w("22:00", "00:30")]}), SANTIAGO,
         ("2020-09-06 02:00", "2020-09-06 04:00")),
    # Sunday 04-05 00:00 is first read at 03:00Z, but the clock then reads Saturday 23:00
    # again; Sunday 00:00 by the wall clock is 00:00 -04 = 04:00Z (rule 3), to 05:00Z.
    Case("santiago_autumn_fold", "2020-04-04 12:00",
         policy(allowedTime={"sun": [w("00:00", "01:00")]}), SANTIAGO,
         ("2020-04-05 04:00", "2020-04-05 05:00")),
    # Saturday 23:00-23:59: first pass only (02:00-02:59Z), not 03:00-03:59Z.
    Case("santiago_autumn_fold_saturday", "2020-04-04 12:00",
         policy(allowedTime={"sat": [w("23:00", "23:59")]}), SANTIAGO,
         ("2020-04-05 02:00", "2020-04-05 02:59")),
    # Saturday 22:00 -03 (01:00Z) to Sunday 01:00 -04 (05:00Z): the repeated 23:00-23:59 is
    # after the window's start, so it is one 4-hour run.
    Case("santiago_autumn_cross_midnight", "2020-04-04 12:00",
         policy(allowedTime={"sat": [w("22:00", "01:00")]}), SANTIAGO,
         ("2020-04-05 01:00", "2020-04-05 05:00")),
    # --- America/St_Johns (-03:30 / -02:30) -------------------------------------------------
    # 09:00 NDT = 11:30Z, 17:00 NDT = 19:30Z on the day DST began.
    Case("st_johns_day_after_gap", "2020-03-08 06:00", daily("09:00", "17:00"), ST_JOHNS,
         ("2020-03-08 11:30", "2020-03-08 19:30")),
    # 02:15 in the gap: transition 05:30Z; 03:15 NDT = 05:45Z.
    Case("st_johns_spring_gap", "2020-03-08 00:00", daily("02:15", "03:15"), ST_JOHNS,
         ("2020-03-08 05:30", "2020-03-08 05:45")),
    # 01:00-01:30 NDT first pass = 03:30-04:00Z.
    Case("st_johns_autumn_fold", "2020-11-01 00:00", daily("01:00", "01:30"), ST_JOHNS,
         ("2020-11-01 03:30", "2020-11-01 04:00")),
    # --- Australia/Lord_Howe (30-minute DST) -------------------------------------------------
    # 02:00-02:30 is skipped (02:00 +10:30 → 02:30 +11); next night 02:00 +11 = 10-04 15:00Z.
    Case("lord_howe_spring_gap_whole_window", "2020-10-03 12:00", daily("02:00", "02:30"),
         LORD_HOWE, ("2020-10-04 15:00", "2020-10-04 15:30")),
    # 02:15 in the gap → transition 15:30Z; 03:00 +11 = 16:00Z.
    Case("lord_howe_spring_gap", "2020-10-03 12:00", daily("02:15", "03:00"), LORD_HOWE,
         ("2020-10-03 15:30", "2020-10-03 16:00")),
    # Repeated half hour 01:30-01:59. 01:00-01:45: 01:00 +11 = 14:00Z to first 01:45 = 14:45Z.
    Case("lord_howe_autumn_fold", "2020-04-04 12:00", daily("01:00", "01:45"), LORD_HOWE,
         ("2020-04-04 14:00", "2020-04-04 14:45")),
    # 01:30-02:30 spans the fold's end: 14:30Z to 02:30 +10:30 = 16:00Z, both passes of
    # 01:30-01:59 inside by the wall clock: one 90-minute run.
    Case("lord_howe_autumn_fold_spanning", "2020-04-04 12:00", daily("01:30", "02:30"),
         LORD_HOWE, ("2020-04-04 14:30", "2020-04-04 16:00")),
    # --- fixed offsets ----------------------------------------------------------------------
    # +05:45: 09:00 local = 03:15Z, 18:00 = 12:15Z.
    Case("fixed_kathmandu", "2020-01-01 00:00", daily("09:00", "18:00"), fixed(5, 45),
         ("2020-01-01 03:15", "2020-01-01 12:15")),
    # -03:30: 00:00Z is Dec 31 20:30 local → Jan 1 09:00 local = 12:30Z, to 21:30Z.
    Case("fixed_minus_0330", "2020-01-01 00:00", daily("09:00", "18:00"), fixed(-3, 30),
         ("2020-01-01 12:30", "2020-01-01 21:30")),
    # +14:00: 00:00Z is 14:00 local, inside: open now, close 18:00 local = 04:00Z.
    Case("fixed_plus_14", "2020-01-01 00:00", daily("09:00", "18:00"), fixed(14),
         ("2020-01-01 00:00", "2020-01-01 04:00")),
    # --- several zones: the intersection ---------------------------------------------------
    # Winter: London 09-18 = 09-18Z, New York 09-18 EST = 14-23Z → 14:00-18:00Z.
    Case("intersection_new_york_london_winter", "2020-01-06 00:00", daily("09:00", "18:00"),
         (NY, LONDON), ("2020-01-06 14:00", "2020-01-06 18:00")),
    # US on DST, UK not yet (03-09..03-28): New York 09-18 EDT = 13-22Z → 13:00-18:00Z.
    Case("intersection_new_york_london_march", "2020-03-10 00:00", daily("09:00", "18:00"),
         (NY, LONDON), ("2020-03-10 13:00", "2020-03-10 18:00")),
    # 09:00-10:00 in New York and Tokyo never coincide.
    Case("intersection_never", "2020-01-06 00:00", daily("09:00", "10:00"), (NY, TOKYO), None),
    # Fixed offsets: +03:00 09-18 = 06-15Z, +05:45 09-18 = 03:15-12:15Z → 06:00-12:15Z.
    Case("intersection_fixed", "2020-01-01 00:00", daily("09:00", "18:00"),
         (fixed(3), fixed(5, 45)), ("2020-01-01 06:00", "2020-01-01 12:15")),
    # --- keys, days, several windows, clipping -----------------------------------------------
    # Saturday has its own key (10-14); after 15:00Z Saturday → Sunday uses default 09-18.
    Case("day_key_then_default", "2020-01-04 15:00",
         policy(allowedTime={"default": [w("09:00", "18:00")], "sat": [w("10:00", "14:00")]}),
         LONDON, ("2020-01-05 09:00", "2020-01-05 18:00")),
    Case("day_key_wins", "2020-01-04 00:00",
         policy(allowedTime={"default": [w("09:00", "18:00")], "sat": [w("10:00", "14:00")]}),
         LONDON, ("2020-01-04 10:00", "2020-01-04 14:00")),
    # allowedDays [mon]: the sat key is ignored; Saturday 01-04 → Monday 01-06.
    Case("allowed_days_ignore_keyed_day", "2020-01-04 00:00",
         policy(allowedDays=["mon"],
                allowedTime={"default": [w("09:00", "18:00")], "sat": [w("10:00", "14:00")]}),
         LONDON, ("2020-01-06 09:00", "2020-01-06 18:00")),
    # A day with neither key nor default has no window.
    Case("no_default_no_key", "2020-01-06 19:00",
         policy(allowedTime={"mon": [w("09:00", "18:00")]}), LONDON,
         ("2020-01-13 09:00", "2020-01-13 18:00")),
    Case("several_windows_between", "2020-01-06 12:30",
         policy(allowedTime={"default": [w("09:00", "12:00"), w("13:00", "18:00")]}),
         LONDON, ("2020-01-06 13:00", "2020-01-06 18:00")),
    Case("several_windows_inside_first", "2020-01-06 11:00:00.5",
         policy(allowedTime={"default": [w("09:00", "12:00"), w("13:00", "18:00")]}),
         LONDON, ("2020-01-06 11:00:00.5", "2020-01-06 12:00")),
    # Touching windows are one run: 22:00 to 06:00 the next day.
    Case("touching_windows_merge", "2020-01-06 12:00",
         policy(allowedTime={"default": [w("22:00", "02:00"), w("02:00", "06:00")]}),
         LONDON, ("2020-01-06 22:00", "2020-01-07 06:00")),
    # Monday's cross-midnight window runs into Tuesday although only mon is allowed.
    Case("cross_midnight_tail_on_next_day", "2020-01-07 01:00",
         policy(allowedDays=["mon"], allowedTime={"default": [w("22:00", "02:00")]}), LONDON,
         ("2020-01-07 01:00", "2020-01-07 02:00")),
    Case("cross_midnight_next_week", "2020-01-07 03:00",
         policy(allowedDays=["mon"], allowedTime={"default": [w("22:00", "02:00")]}), LONDON,
         ("2020-01-13 22:00", "2020-01-14 02:00")),
    # Weekend only, all day (no allowedTime): Sat 00:00 to Mon 00:00 in one run.
    Case("allowed_days_full_day", "2020-01-03 12:00", policy(allowedDays=["sat", "sun"]), LONDON,
         ("2020-01-04 00:00", "2020-01-06 00:00")),
    # All day over the spring gap in New York: Sunday 00:00 EST (05:00Z) to Monday 00:00 EDT
    # (04:00Z) — a 23-hour day.
    Case("full_day_spring", "2020-03-07 12:00", policy(allowedDays=["sun"]), NY,
         ("2020-03-08 05:00", "2020-03-09 04:00")),
    Case("start_clips_open", "2020-01-06 00:00",
         daily("09:00", "18:00", startDateTime="2020-01-06T10:30:15.5Z"), LONDON,
         ("2020-01-06 10:30:15.5", "2020-01-06 18:00")),
    Case("start_in_closed_time", "2020-01-06 00:00",
         daily("09:00", "18:00", startDateTime="2020-01-06T19:00:00Z"), LONDON,
         ("2020-01-07 09:00", "2020-01-07 18:00")),
    Case("finish_clips_close", "2020-01-06 00:00",
         daily("09:00", "18:00", finishDateTime="2020-01-06T12:00:00Z"), LONDON,
         ("2020-01-06 09:00", "2020-01-06 12:00")),
    Case("finish_passed", "2020-01-06 12:00",
         daily("09:00", "18:00", finishDateTime="2020-01-06T12:00:00Z"), LONDON, None),
    Case("finish_before_window", "2020-01-06 00:00",
         daily("09:00", "18:00", finishDateTime="2020-01-06T08:00:00Z"), LONDON, None),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_next_window(case: Case) -> None:
    after = z(case.after)
    got = next_window(after, case.policy, case.zones)
    if case.expected is None:
        assert got is None
        assert next_open(after, case.policy, case.zones) is None
        return
    expected = Window(z(case.expected[0]), z(case.expected[1]))
    assert got == expected
    assert next_open(after, case.policy, case.zones) == expected.open
    zones = case.zones if isinstance(case.zones, tuple) else (case.zones,)
    # Cross-check with the naive reference at the edges of the window.
    for instant, state in [
        (expected.open, True),
        (expected.close - timedelta(microseconds=1), True),
        (expected.close, False),
    ]:
        assert is_open(instant, case.policy, case.zones) is state, instant
        assert ref_is_open(instant, case.policy, zones) is state, instant
    if expected.open > after:
        before = expected.open - timedelta(microseconds=1)
        assert not is_open(before, case.policy, case.zones)
        assert not ref_is_open(before, case.policy, zones)
