"""Simulation throughput: python -m bench.simulate [--quick] [--full].

1. A generated campaign (100 000 numbers, 3 virtual days, 50 lines; --quick: 10 000): wall time.
2. Per-attempt cost with N numbers queued: a fixed number of attempts (20 000; --quick 2 000)
   with 10k and 100k numbers queued (--full adds 1M), in µs per attempt and the ratio to the
   smallest queue, measured in the same run (the machine is shared and noisy).
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import Any

from ringback import simulate
from ringback.scenario import parse

START = "2025-03-10T06:00:00Z"


def scenario(count: int, until: str, lines: int) -> dict[str, Any]:
    return {
        "clock": {"start": START, "until": until},
        "campaign": {
            "name": f"bench {count}",
            "timezone": "Europe/London",
            "maxSimultaneousCalls": lines,
            "maxAttempts": 3,
            "retryIntervalInMinutes": 60,
            "allowedTime": {"default": [{"localTimeFrom": "00:00", "localTimeTo": "23:59"}]},
        },
        "generate": {"count": count, "countries": ["GB"], "seed": 1},
        "callees": {"default": {"answer": 0.5, "busy": 0.3, "noAnswer": 0.2, "talkSeconds": 30}},
    }


def run(data: dict[str, Any], stop_after: int | None = None) -> tuple[float, float, int]:
    """(setup seconds, run seconds, attempts)."""
    t0 = time.perf_counter()
    sc = parse(data)
    with simulate.open_run_store(None) as store:
        campaign_id = simulate.load_into(store, sc)
        t1 = time.perf_counter()
        from ringback.engine.clock import VirtualClock
        from ringback.engine.dialer import Dialer
        from ringback.telephony.simulated import SimulatedTelephony

        dialer = Dialer(
            store,
            SimulatedTelephony(sc.callees, seed=1),
            VirtualClock(sc.start),
            worker="bench",
            campaign_ids=[campaign_id],
        )
        stop = (lambda: dialer.attempts_finished >= stop_after) if stop_after else None
        dialer.run(until=sc.until, stop=stop)
        return t1 - t0, time.perf_counter() - t1, dialer.attempts_finished


def main() -> None:
    quick = "--quick" in sys.argv
    full = "--full" in sys.argv
    count = 10_000 if quick else 100_000
    setup, wall, attempts = run(scenario(count, "2025-03-13T06:00:00Z", 50))
    print(f"campaign: {count} numbers, 3 days, 50 lines: setup {setup:.1f} s, run {wall:.1f} s,")
    print(
        f"  {attempts} attempts, {wall / max(attempts, 1) * 1e6:.0f} µs/attempt (goal: run ≤ 60 s)"
    )
    fixed = 2_000 if quick else 20_000
    queues = [10_000, 100_000] + ([1_000_000] if full else [])
    base = None
    for queued in queues:
        _, wall, made = run(scenario(queued, "2025-04-10T06:00:00Z", 50), stop_after=fixed)
        cost = wall / max(made, 1) * 1e6
        base = base or cost
        print(
            f"  {queued:>9} queued: {cost:7.0f} µs/attempt over {made} attempts, "
            f"×{cost / base:.2f} (goal ≤ 1.5×)"
        )
    print(f"measured {datetime.now(UTC):%Y-%m-%d %H:%M}Z")


if __name__ == "__main__":
    main()
