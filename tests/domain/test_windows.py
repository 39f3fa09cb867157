"""The ``windows`` API contract: inputs, horizons, the window cap, caching by identity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ringback.domain.policy import CallingPolicy, PolicyFields, effective_policy
from ringback.domain.windows import (
    MAX_WINDOW,
    MULTI_ZONE_HORIZON,
    SINGLE_ZONE_HORIZON,
    Window,
    is_open,
    next_open,
    next_window,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def z(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def policy(**wire: object) -> CallingPolicy:
    return effective_policy(PolicyFields.from_json(wire))


def daily(start: str, end: str, **wire: object) -> CallingPolicy:
    return policy(localTimeFrom=start, localTimeTo=end, **wire)


def test_no_restriction_is_open_now_and_capped() -> None:
    after = z("2020-03-07 12:34:56.789")
    got = next_window(after, policy(), NY)
    assert got == Window(after, after + MAX_WINDOW)
    # Asking again at close continues at once.
    assert next_open(got.close, policy(), NY) == got.close


def test_finish_caps_an_endless_window() -> None:
    got = next_window(z("2020-03-07 12:00"), policy(finishDateTime="2020-03-09T00:00:00Z"), NY)
    assert got == Window(z("2020-03-07 12:00"), z("2020-03-09 00:00"))


def test_next_open_is_exact_to_the_microsecond() -> None:
    after = z("2020-01-06 09:00:00.000001")
    assert next_open(after, daily("09:00", "18:00"), LONDON) == after
    assert next_open(after - timedelta(microseconds=2), daily("09:00", "18:00"), LONDON) == z(
        "2020-01-06 09:00"
    )


def test_zones_as_tzinfo_list_or_tuple() -> None:
    p = daily("09:00", "18:00")
    after = z("2020-01-06 00:00")
    assert (
        next_open(after, p, [NY, LONDON])
        == next_open(after, p, (NY, LONDON))
        == z("2020-01-06 14:00")
    )
    assert next_open(after, p, [LONDON]) == next_open(after, p, LONDON) == z("2020-01-06 09:00")


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_open(datetime(2020, 1, 6), daily("09:00", "18:00"), LONDON)
    with pytest.raises(ValueError, match="at least one zone"):
        next_open(z("2020-01-06 00:00"), daily("09:00", "18:00"), [])


def test_after_in_another_offset_is_the_same_instant() -> None:
    local = datetime(2020, 1, 6, 12, 0, tzinfo=timezone(timedelta(hours=3)))  # 09:00Z
    assert next_open(local, daily("09:00", "18:00"), LONDON) == z("2020-01-06 09:00")


def test_is_open_start_and_finish() -> None:
    p = daily("09:00", "18:00", startDateTime="2020-01-06T12:00:00Z")
    assert not is_open(z("2020-01-06 11:59:59.999999"), p, LONDON)
    assert is_open(z("2020-01-06 12:00"), p, LONDON)
    p = daily("09:00", "18:00", finishDateTime="2020-01-06T12:00:00Z")
    assert is_open(z("2020-01-06 11:59:59.999999"), p, LONDON)
    assert not is_open(z("2020-01-06 12:00"), p, LONDON)


def test_explicit_horizon() -> None:
    p = policy(allowedTime={"mon": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}]})
    after = z("2020-01-07 00:00")  # Tuesday: next Monday's window is 6 days 9 hours away
    assert next_open(after, p, LONDON, horizon=timedelta(days=6)) is None
    assert next_open(after, p, LONDON, horizon=timedelta(days=7)) == z("2020-01-13 09:00")
    # The horizon counts from startDateTime when that is later.
    late = policy(
        startDateTime="2020-01-12T00:00:00Z",
        allowedTime={"mon": [{"localTimeFrom": "09:00", "localTimeTo": "18:00"}]},
    )
    assert next_open(after, late, LONDON, horizon=timedelta(days=2)) == z("2020-01-13 09:00")


def test_intersection_that_opens_only_when_clocks_drift() -> None:
    """09:00-13:30 in New York (14:00-18:30Z in winter) and London (09:00-13:30Z) never meet,
    except while the US is on DST and the UK is not: from Sunday 2020-03-08 New York's 09:00
    EDT is 13:00Z, so 13:00-13:30Z is open in both — 62 days after the start."""
    p = daily("09:00", "13:30")
    after = z("2020-01-06 00:00")
    assert SINGLE_ZONE_HORIZON < timedelta(days=62) < MULTI_ZONE_HORIZON
    assert next_window(after, p, (NY, LONDON)) == Window(
        z("2020-03-08 13:00"), z("2020-03-08 13:30")
    )
    assert next_window(after, p, (NY, LONDON), horizon=timedelta(days=7)) is None
    # Each zone alone opens the same day.
    assert next_open(after, p, NY) == z("2020-01-06 14:00")


def test_fixed_offsets_that_never_meet() -> None:
    p = daily("09:00", "10:00")
    zones = (timezone(timedelta(hours=3)), timezone(timedelta(hours=-3)))
    assert next_window(z("2020-01-06 00:00"), p, zones) is None


def test_equal_policies_and_reused_policies_agree() -> None:
    """Per-policy tables are cached by identity: an equal new object gets the same answers."""
    after = z("2020-01-06 00:00")
    first = daily("10:00", "11:00")
    assert next_open(after, first, LONDON) == z("2020-01-06 10:00")
    for _ in range(3):
        assert next_open(after, daily("10:00", "11:00"), LONDON) == z("2020-01-06 10:00")
        assert next_open(after, daily("12:00", "13:00"), LONDON) == z("2020-01-06 12:00")
    assert next_open(after, first, LONDON) == z("2020-01-06 10:00")
