"""Which due number is dialled first (SPEC 1.4): the one definition of the order.

The stores implement the same order in SQL (``ORDER BY dialer_priority, custom DESC, closes_at,
due_at, seq``); their contract tests sort by :func:`due_order_key` and compare.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def epoch_us(at: datetime) -> int:
    """Microseconds since the Unix epoch of an aware instant, exact (no float rounding)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"instant {at!r} has no time zone; ordering needs aware instants")
    return (at - _EPOCH) // _MICROSECOND


def due_order_key(
    *, dialer_priority: int, custom_schedule: bool, closes_at: datetime, due_at: datetime, seq: int
) -> tuple[int, int, int, int, int]:
    """The sort key of a due number; smaller is dialled first.

    1. ``dialerPriority`` ascending (1 first);
    2. a custom schedule (number-level fields or a redial series) before a plain one;
    3. the current window (or ``finishDateTime``, whichever is first) closing first;
    4. the earliest due time (waited longest), then insertion order ``seq``.

    Example: priority 2 plain, closing at 18:00, beats priority 3 custom closing at 09:05 —
    priority comes before everything else.
    """
    return (
        dialer_priority,
        0 if custom_schedule else 1,
        epoch_us(closes_at),
        epoch_us(due_at),
        seq,
    )
