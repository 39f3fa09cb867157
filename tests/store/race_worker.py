"""One worker process of the race test: claims and finishes until the campaign is done.

Runs in a process started with ``spawn`` (so it imports everything afresh and opens its own
store from the URL, as a real worker on another host would). It logs, per attempt, the
instants it *knows* the attempt was in flight: from right after ``claim_due`` returned to
right before ``finish_attempt`` was called. Those intervals lie inside the attempt's real
occupancy of its line (claim commit to finish commit), so if more of them overlap at one
instant than there are lines, the store really overbooked; no false alarms from clock skew
between processes (``time.monotonic_ns`` is one system-wide clock on Linux).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from multiprocessing.synchronize import Barrier
from typing import Any

from ringback.store import open_store
from ringback.store.base import AttemptResult, Schedule

LEASE = timedelta(minutes=10)
FAR = datetime(2100, 1, 1, tzinfo=UTC)
DEADLINE_S = 60.0


def wall() -> datetime:
    return datetime.fromtimestamp(time.time_ns() / 1e9, tz=UTC)


def retries(job_id: int) -> bool:
    """Every third job gets a second attempt, so jobs come back while others claim."""
    return job_id % 3 == 0


def run(url: str, campaign_id: int, worker: str, total: int, start: Barrier, out: Any) -> None:
    store = open_store(url)
    log: list[tuple[int, int, int, int, int, int, bool]] = []
    start.wait()
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        claims = store.claim_due(campaign_id, worker, wall(), 2, LEASE)
        claimed = time.monotonic_ns()
        if not claims:
            if store.counts(campaign_id).processed_numbers == total:
                break
            continue
        for claim in claims:
            ending = time.monotonic_ns()
            ended = wall()
            job = claim.job
            if claim.attempt.attempt_number == 1 and retries(job.id):
                nxt = Schedule(job.id, "onRetry", due_at=ended, closes_at=FAR)
            else:
                nxt = Schedule(job.id, "noAnswer", finished_at=ended)
            result = AttemptResult(claim.attempt.id, worker, ended, "noAnswer", nxt)
            finished = store.finish_attempt(result)
            a = claim.attempt
            log.append((a.id, a.call_job_id, a.attempt_number, a.line, claimed, ending, finished))
    store.close()
    out.put((worker, log))
