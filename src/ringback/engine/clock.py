"""Clocks: the dialer loop is the only reader of time, and it reads it through a :class:`Clock`.

``SystemClock`` is the wall clock (workers, ``ringback serve``); ``VirtualClock`` is the clock of a
simulation: it never moves by itself, the dialer jumps it straight to the next event, and it
refuses to go backwards (like trio's ``MockClock``), so a run is reproducible and instant.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware UTC."""

    def sleep_until(self, t: datetime) -> None:
        """Return at ``t`` or later (at once when ``t`` has passed)."""

    @property
    def virtual(self) -> bool:
        """True when time only moves when the dialer moves it (simulation)."""


class SystemClock:
    """The wall clock. ``sleep_until`` really sleeps."""

    virtual = False

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep_until(self, t: datetime) -> None:
        delay = (t - self.now()).total_seconds()
        if delay > 0:
            time.sleep(delay)


class VirtualClock:
    """Simulated time that moves only when told to, never backwards."""

    virtual = True

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("VirtualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance_to(self, t: datetime) -> None:
        """Jump to ``t``; ``t`` earlier than now is a bug in the caller and raises ValueError."""
        if t < self._now:
            raise ValueError(f"virtual clock cannot go back from {self._now} to {t}")
        self._now = t.astimezone(UTC)

    def sleep_until(self, t: datetime) -> None:
        # Sleeping in virtual time is jumping; a target in the past is simply "now".
        if t > self._now:
            self.advance_to(t)
