from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ringback.engine.clock import SystemClock, VirtualClock

T0 = datetime(2025, 3, 9, 6, 0, tzinfo=UTC)


def test_virtual_clock_moves_only_when_told() -> None:
    clock = VirtualClock(T0)
    assert clock.now() == T0
    assert clock.now() == T0
    clock.advance_to(T0 + timedelta(hours=5))
    assert clock.now() == T0 + timedelta(hours=5)
    assert clock.virtual


def test_virtual_clock_refuses_to_go_back() -> None:
    clock = VirtualClock(T0)
    clock.advance_to(T0 + timedelta(seconds=1))
    with pytest.raises(ValueError, match="cannot go back"):
        clock.advance_to(T0)
    assert clock.now() == T0 + timedelta(seconds=1)


def test_virtual_sleep_jumps_and_ignores_the_past() -> None:
    clock = VirtualClock(T0)
    clock.sleep_until(T0 + timedelta(days=3))
    assert clock.now() == T0 + timedelta(days=3)
    clock.sleep_until(T0)  # already passed: returns at once, time stays
    assert clock.now() == T0 + timedelta(days=3)


def test_virtual_clock_keeps_utc() -> None:
    moscow = timezone(timedelta(hours=3))
    clock = VirtualClock(datetime(2025, 3, 9, 9, 0, tzinfo=moscow))
    assert clock.now() == T0 and clock.now().tzinfo == UTC
    with pytest.raises(ValueError):
        VirtualClock(datetime(2025, 3, 9))


def test_system_clock_is_aware_and_sleeps_at_least_until() -> None:
    clock = SystemClock()
    now = clock.now()
    assert now.tzinfo is not None and not clock.virtual
    target = now + timedelta(milliseconds=20)
    clock.sleep_until(target)
    assert clock.now() >= target
    clock.sleep_until(now - timedelta(days=1))  # the past: no sleep
