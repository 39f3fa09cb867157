"""Calling-window speed: median µs per ``next_open`` over a mix of realistic policies and zones.

Three figures from the same run:

- *cold*: every call on a fresh instant spread over 2024-2026 with the offset/day caches
  cleared first, the worst case (a dialer asks about today and tomorrow, over and over);
- *warm*: the same calls again, caches filled (what a dialer sees);
- *reference*: the naive minute-stepping reference of the tests
  (``tests/domain/reference_windows.py``) on a sample of the same calls,

and the ratios. Goal: warm median <= 20 µs and >= 100x faster than the reference.

    .venv/bin/python -m bench.windows
"""

from __future__ import annotations

import importlib.util
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

from ringback.domain import windows
from ringback.domain.policy import CallingPolicy, PolicyFields, effective_policy
from ringback.domain.windows import next_open

Call = tuple[datetime, CallingPolicy, tzinfo | tuple[tzinfo, ...]]


def _reference() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "tests" / "domain" / "reference_windows.py"
    spec = importlib.util.spec_from_file_location("reference_windows", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _policy(**wire: object) -> CallingPolicy:
    return effective_policy(PolicyFields.from_json(wire))


def _w(start: str, end: str) -> dict[str, str]:
    return {"localTimeFrom": start, "localTimeTo": end}


POLICIES = [
    _policy(localTimeFrom="09:00", localTimeTo="21:00"),
    _policy(
        allowedDays=["mon", "tue", "wed", "thu", "fri", "sat"],
        allowedTime={"default": [_w("10:00", "19:00")], "sat": [_w("11:00", "16:00")]},
    ),
    _policy(allowedTime={"default": [_w("09:00", "13:00"), _w("14:00", "20:00")]}),
    _policy(allowedTime={"default": [_w("22:00", "02:00")]}),  # night shift
    _policy(allowedDays=["sat", "sun"]),  # all day on weekends
    _policy(
        localTimeFrom="08:30",
        localTimeTo="18:30",
        startDateTime="2024-01-01T00:00:00Z",
        finishDateTime="2027-01-01T00:00:00Z",
    ),
]
ZONES: list[tzinfo | tuple[tzinfo, ...]] = [
    ZoneInfo("Europe/Moscow"),
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Sydney"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("America/Santiago"),
    timezone(timedelta(hours=5, minutes=45)),
    (ZoneInfo("Australia/Perth"), ZoneInfo("Australia/Sydney")),  # intersection
]


def _calls(rng: random.Random, count: int) -> list[Call]:
    begin = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        (
            begin
            + timedelta(seconds=rng.randrange(3 * 365 * 86400), microseconds=rng.randrange(10**6)),
            rng.choice(POLICIES),
            rng.choice(ZONES),
        )
        for _ in range(count)
    ]


def _clear_caches() -> None:
    windows._WEEKS.clear()
    for name in ("_utc_day_changes", "_segments", "_zone_day"):
        getattr(windows, name).cache_clear()


def _time_each(calls: list[Call], fn: object, *, cold: bool = False) -> list[float]:
    """µs per call; each call's best of 3 (cold: caches cleared before every run)."""
    assert callable(fn)
    out = []
    for after, policy, zones in calls:
        best = float("inf")
        for _ in range(3):
            if cold:
                _clear_caches()
            t0 = time.perf_counter()
            fn(after, policy, zones)
            best = min(best, time.perf_counter() - t0)
        out.append(best * 1e6)
    return out


def main() -> None:
    rng = random.Random(20240601)
    calls = _calls(rng, 3000)
    reference = _reference()

    def ref_next_open(after: datetime, policy: CallingPolicy, zones: object) -> object:
        zone_tuple = zones if isinstance(zones, tuple) else (zones,)
        return reference.ref_next_open(after, policy, zone_tuple, timedelta(days=15))

    # Same answers first (the bench is no test, but a fast wrong answer is worth nothing).
    sample = calls[:150]
    for after, policy, zones in sample:
        assert next_open(after, policy, zones) == ref_next_open(after, policy, zones), after

    cold = statistics.median(_time_each(calls, next_open, cold=True))
    _time_each(calls, next_open)  # fill the caches
    warm_times = _time_each(calls, next_open)
    warm = statistics.median(warm_times)
    ref = statistics.median(_time_each(sample, ref_next_open))
    p90 = statistics.quantiles(warm_times, n=10)[-1]
    print(f"next_open, {len(calls)} calls over {len(POLICIES)} policies x {len(ZONES)} zones")
    print(f"  warm caches     median {warm:8.1f} µs   p90 {p90:8.1f} µs   (goal <= 20 µs)")
    print(f"  cold caches     median {cold:8.1f} µs")
    print(f"  reference       median {ref:8.1f} µs   ({len(sample)} calls, minute stepping)")
    print(f"  reference/warm  {ref / warm:8.0f}x   (goal >= 100x)")
    print(f"  reference/cold  {ref / cold:8.0f}x")


if __name__ == "__main__":
    main()
