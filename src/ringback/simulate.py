"""``ringback simulate``: a scenario run in virtual time → attempts.jsonl + a summary (SPEC §7).

The run creates the scenario's campaign in a store (a private temporary SQLite file unless a
URL is given), runs the real dialer on a :class:`~ringback.engine.clock.VirtualClock` against
:class:`~ringback.telephony.simulated.SimulatedTelephony`, and reads the results back from the
store, so a simulation exercises exactly the code a worker runs.

Report fields (``--report``), where SPEC leaves the shape open:

- ``attempts``: total and ``byOutcome``; ``numbers``: total and ``byJobStatus`` (the status of
  each number's latest call job); ``redials``: call jobs created by ``$dialer.redial``;
- ``lineOccupancy``: busy line-seconds / (lines × span), span = first attempt start → last
  attempt end (0 without attempts);
- ``violations``: attempts that started outside their job's windows, re-checked after the run
  with :func:`ringback.domain.windows.is_open` (must be 0).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ringback.api.records import attempt_row
from ringback.domain import windows
from ringback.engine.clock import VirtualClock
from ringback.engine.dialer import Dialer
from ringback.engine.scheduling import JobViews, campaign_fields
from ringback.scenario import Scenario, load_into
from ringback.store.base import CallJobRecord, Store
from ringback.telephony.simulated import SimulatedTelephony

log = logging.getLogger(__name__)


def iso_utc(t: datetime) -> str:
    text = t.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


@contextmanager
def open_run_store(url: str | None) -> Iterator[Store]:
    """The store of a run: ``url``, or a private SQLite file deleted afterwards."""
    from ringback.store import open_store

    if url is not None:
        store: Store = open_store(url)
        try:
            store.migrate()
            yield store
        finally:
            store.close()
        return
    with tempfile.TemporaryDirectory(prefix="ringback-sim-") as folder:
        store = open_store(f"sqlite:///{os.path.join(folder, 'simulation.sqlite3')}")
        try:
            store.migrate()
            yield store
        finally:
            store.close()


@dataclass(frozen=True, slots=True)
class RunResult:
    campaign_id: int
    summary: dict[str, Any]


def run(
    scenario: Scenario,
    store: Store,
    *,
    out: TextIO | None = None,
    on_tick: Callable[[datetime], None] | None = None,
) -> RunResult:
    """Load the scenario into ``store``, run it in virtual time, write ``out``, summarise."""
    campaign_id = load_into(store, scenario)
    clock = VirtualClock(scenario.start)
    telephony = SimulatedTelephony(scenario.callees, seed=scenario.seed)
    dialer = Dialer(store, telephony, clock, worker="simulator", campaign_ids=[campaign_id])
    dialer.run(until=scenario.until, on_tick=on_tick)
    summary = summarise(store, campaign_id, scenario, out=out)
    summary["clock"] = {"start": iso_utc(scenario.start), "end": iso_utc(clock.now())}
    return RunResult(campaign_id, summary)


def _jobs(store: Store, campaign_id: int, phones: list[str]) -> list[CallJobRecord]:
    jobs: list[CallJobRecord] = []
    for offset in range(0, len(phones), 500):
        jobs += store.get_jobs(campaign_id, phones=phones[offset : offset + 500])
    return jobs


def summarise(
    store: Store, campaign_id: int, scenario: Scenario, *, out: TextIO | None = None
) -> dict[str, Any]:
    """Totals of a finished run, re-checking every attempt against its job's windows."""
    campaign = store.get_campaign(campaign_id)
    assert campaign is not None
    phones = [n.phone for n in scenario.numbers]
    jobs = _jobs(store, campaign_id, phones)
    by_id = {job.id: job for job in jobs}
    latest: dict[str, CallJobRecord] = {}
    for job in jobs:
        seen = latest.get(job.phone)
        if seen is None or (job.redial_number or 0) > (seen.redial_number or 0):
            latest[job.phone] = job
    views = JobViews(campaign_fields(campaign.settings))
    outcomes: Counter[str] = Counter()
    violations = 0
    busy_seconds = 0.0
    first: datetime | None = None
    last: datetime | None = None
    count = 0
    for attempt in store.iter_attempts(campaign_id):
        count += 1
        job = by_id.get(attempt.call_job_id)
        if out is not None:
            out.write(json.dumps(attempt_row(attempt), ensure_ascii=False) + "\n")
        outcomes[attempt.outcome or "inFlight"] += 1
        if job is not None:
            view = views.of(job)
            if not windows.is_open(attempt.started_at, view.policy, view.check):
                violations += 1
        end = attempt.finished_at or attempt.started_at
        busy_seconds += (end - attempt.started_at).total_seconds()
        first = attempt.started_at if first is None else min(first, attempt.started_at)
        last = end if last is None else max(last, end)
    span = (last - first).total_seconds() if first is not None and last is not None else 0.0
    lines = campaign.lines
    return {
        "campaign": {"id": campaign_id, "name": campaign.name, "status": campaign.status},
        "lines": lines,
        "attempts": {"total": count, "byOutcome": dict(sorted(outcomes.items()))},
        "numbers": {
            "total": len(latest),
            "byJobStatus": dict(sorted(Counter(j.status for j in latest.values()).items())),
        },
        "redials": sum(1 for job in jobs if job.redial_number is not None),
        "lineOccupancy": round(busy_seconds / (lines * span), 4) if span > 0 else 0.0,
        "violations": violations,
    }


def write_report(summary: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
