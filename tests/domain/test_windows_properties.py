"""Property tests: ``windows`` agrees with the naive minute-stepping reference.

Random policies (days, 1-3 windows per key, cross-midnight ones, optional start/finish), tricky
zones (DST at midnight, 30-minute DST, negative DST, Ramadan DST, fixed offsets, 2-zone
intersections) and instants in 2020-2030 biased towards DST transition dates.

Exactness: every zone here changes offset on whole minutes and windows are whole wall minutes,
so an open stretch starts at a whole UTC minute or at ``max(after, start)``; start and finish
are generated on whole minutes, so the reference, which checks ``after`` then each whole minute,
must find exactly the instant the implementation returns.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import example, given, reject, settings
from hypothesis import strategies as st

from ringback.domain.errors import ValidationError
from ringback.domain.policy import WEEKDAYS, CallingPolicy, PolicyFields, effective_policy
from ringback.domain.windows import MAX_WINDOW, is_open, next_open, next_window

from .reference_windows import ref_is_open, ref_next_closed, ref_next_open

ZONE_NAMES = [
    "America/New_York",
    "Europe/London",
    "Europe/Dublin",  # negative DST in the tz source
    "Australia/Sydney",
    "America/Santiago",  # transitions at midnight
    "America/Havana",  # transitions at midnight
    "America/Asuncion",
    "America/St_Johns",  # -03:30 / -02:30
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Africa/Casablanca",  # Ramadan: DST suspended for a month
    "Asia/Gaza",
    "Asia/Tehran",  # DST until 2022, at midnight
    "America/Nuuk",
    "Pacific/Apia",  # DST until 2021, across the date line
    "Asia/Kathmandu",  # +05:45
    "Pacific/Kiritimati",  # +14:00
]
ZONES: list[tzinfo] = [ZoneInfo(name) for name in ZONE_NAMES] + [
    timezone(timedelta(hours=5, minutes=45)),
    timezone(-timedelta(hours=3, minutes=30)),
    timezone(timedelta(hours=14)),
    timezone(-timedelta(hours=12)),
    UTC,
]
NY, LONDON = ZoneInfo("America/New_York"), ZoneInfo("Europe/London")
SANTIAGO, LORD_HOWE = ZoneInfo("America/Santiago"), ZoneInfo("Australia/Lord_Howe")

BEGIN = datetime(2020, 1, 1, tzinfo=UTC)
END = datetime(2030, 12, 31, tzinfo=UTC)
HORIZON = timedelta(days=8)  # how far the reference looks for an open instant
RUN_HORIZON = timedelta(days=2)  # how far it follows a run to its close


@cache
def transitions(zone: tzinfo) -> tuple[datetime, ...]:
    """The instants at which the zone's offset changes, 2020-2030 (to the minute)."""
    found = []
    day = BEGIN
    previous = day.astimezone(zone).utcoffset()
    while day < END:
        offset = (day + timedelta(days=1)).astimezone(zone).utcoffset()
        if offset != previous:
            lo, hi = 0, 1440  # minutes into the day: offset(lo) == previous != offset(hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if (day + timedelta(minutes=mid)).astimezone(zone).utcoffset() == previous:
                    lo = mid
                else:
                    hi = mid
            found.append(day + timedelta(minutes=hi))
            previous = offset
        day += timedelta(days=1)
    return tuple(found)


# --- strategies ---------------------------------------------------------------------------

# Biased towards the small hours, where clocks change (and towards :00 and :30).
minute_of_day = st.one_of(
    st.sampled_from(range(0, 240, 15)),
    st.sampled_from(range(0, 1440, 30)),
    st.integers(0, 1439),
)


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def key_windows(draw: st.DrawFn) -> list[dict[str, str]]:
    """1-3 non-overlapping windows of one key; maybe the last one crosses midnight."""
    count = draw(st.integers(1, 3))
    points = sorted(draw(st.sets(minute_of_day, min_size=2 * count, max_size=2 * count)))
    if draw(st.booleans()):  # shift by one: (p1,p2), (p3,p4) ... (p_last, p0) crossing
        pairs = [*zip(points[1::2], points[2::2], strict=False), (points[-1], points[0])]
    else:
        pairs = list(zip(points[0::2], points[1::2], strict=True))
    return [{"localTimeFrom": hhmm(a), "localTimeTo": hhmm(b)} for a, b in pairs]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[datetime, CallingPolicy, tuple[tzinfo, ...]]:
    """(after, policy, zones); two times in three ``after`` is near a transition of a zone and
    one window is placed around the wall time of that transition."""
    zones = tuple(draw(st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True)))
    near = [(zone, t) for zone in zones for t in transitions(zone)]
    wire: dict[str, Any] = {}
    allowed: dict[str, list[dict[str, str]]] = {}
    if near and draw(st.integers(0, 2)):
        zone, change = draw(st.sampled_from(near))
        after = change - timedelta(minutes=draw(st.integers(-1440, 2 * 1440)))
        # A window starting within 90 minutes of either wall reading of the change.
        wall = draw(st.sampled_from([change - timedelta(microseconds=1), change]))
        wall = wall.astimezone(zone).replace(tzinfo=None)
        start = wall.replace(second=0, microsecond=0) + timedelta(
            minutes=draw(st.integers(-90, 90))
        )
        end = start + timedelta(minutes=draw(st.integers(1, 300)))
        key = draw(st.sampled_from(["default", WEEKDAYS[start.weekday()]]))
        allowed[key] = [{"localTimeFrom": f"{start:%H:%M}", "localTimeTo": f"{end:%H:%M}"}]
    else:
        after = BEGIN + timedelta(minutes=draw(st.integers(0, 11 * 365 * 1440)))
    if draw(st.booleans()):
        after += timedelta(microseconds=draw(st.integers(1, 59_999_999)))
    if allowed or draw(st.integers(0, 2)):
        keys = draw(st.sets(st.sampled_from(["default", *WEEKDAYS]), max_size=3))
        allowed.update({key: draw(key_windows()) for key in keys if key not in allowed})
        if allowed:
            wire["allowedTime"] = allowed
    if draw(st.booleans()):
        wire["allowedDays"] = sorted(draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1)))
    if draw(st.integers(0, 3)) == 0:
        start = after + timedelta(minutes=draw(st.integers(-2 * 1440, 3 * 1440)))
        wire["startDateTime"] = start.replace(second=0, microsecond=0)
    if draw(st.integers(0, 3)) == 0:
        finish = after + timedelta(minutes=draw(st.integers(-1440, 6 * 1440)))
        wire["finishDateTime"] = finish.replace(second=0, microsecond=0)
    try:
        fields = PolicyFields.from_json(wire)
    except ValidationError:  # e.g. a cross-midnight window overlapping the next day's
        reject()
    return after, effective_policy(fields), zones


def daily(start: str, end: str) -> CallingPolicy:
    return effective_policy(
        PolicyFields.from_json(
            {"allowedTime": {"default": [{"localTimeFrom": start, "localTimeTo": end}]}}
        )
    )


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Known edge cases, pinned.
PINNED = [
    (z("2020-10-24 23:00"), daily("01:30", "03:00"), (LONDON,)),  # fold, second pass
    (z("2020-10-25 01:00"), daily("01:00", "01:30"), (LONDON,)),  # repeated short window
    (z("2020-03-08 06:30"), daily("02:30", "04:00"), (NY,)),  # bound in the gap
    (z("2020-04-04 23:00"), daily("00:00", "01:00"), (SANTIAGO,)),  # midnight fold
    (z("2020-09-05 23:00"), daily("23:30", "00:30"), (SANTIAGO,)),  # cross into midnight gap
    (z("2020-10-03 15:00"), daily("02:00", "02:30"), (LORD_HOWE,)),  # 30-min gap
    (z("2020-03-09 12:00"), daily("09:00", "18:00"), (NY, LONDON)),  # DST drift, 2 zones
]


def with_pins(test: Any) -> Any:
    for pin in PINNED:
        test = example(pin)(test)
    return test


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=150)
@with_pins
@given(scenarios())
def test_next_open_is_the_first_open_instant(
    scenario: tuple[datetime, CallingPolicy, tuple[tzinfo, ...]],
) -> None:
    """(a) never a closed instant, (b) never skips an open one (within the horizon)."""
    after, policy, zones = scenario
    got = next_open(after, policy, zones)
    expected = ref_next_open(after, policy, zones, HORIZON)
    if expected is not None:
        assert got == expected
    else:
        start = max(after, policy.start_datetime or after)
        assert got is None or got >= start + HORIZON
    if got is not None:
        assert ref_is_open(got, policy, zones)
        assert is_open(got, policy, zones)
        # (c) idempotent
        assert next_open(got, policy, zones) == got


@settings(max_examples=150)
@with_pins
@given(scenarios())
def test_close_is_the_first_closed_instant(
    scenario: tuple[datetime, CallingPolicy, tuple[tzinfo, ...]],
) -> None:
    """(d) every instant of [open, close) is open, close is not (minute resolution)."""
    after, policy, zones = scenario
    window = next_window(after, policy, zones)
    if window is None:
        return
    assert window.open < window.close <= window.open + MAX_WINDOW
    assert window.open == next_open(after, policy, zones)
    closed = ref_next_closed(window.open, policy, zones, RUN_HORIZON)
    if closed is None:
        assert window.close >= window.open + RUN_HORIZON
    else:
        assert window.close == closed
        assert not is_open(window.close, policy, zones)
    assert is_open(window.close - timedelta(microseconds=1), policy, zones)


@settings(max_examples=300)
@with_pins
@given(scenarios())
def test_is_open_agrees_with_the_reference(
    scenario: tuple[datetime, CallingPolicy, tuple[tzinfo, ...]],
) -> None:
    after, policy, zones = scenario
    for t in (after, after.replace(second=0, microsecond=0) + timedelta(minutes=1)):
        assert is_open(t, policy, zones) is ref_is_open(t, policy, zones), t
