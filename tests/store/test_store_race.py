"""Worker processes race for one campaign's jobs; the attempts table must show no overbooking.

Four processes (``spawn``, each with its own store opened from the URL) claim and finish 400
jobs on 5 lines; a third of the jobs come back for a second attempt, so claims keep meeting
finishes. Afterwards: every attempt is accounted for exactly once, no job was ever in two
calls, and never more than 5 attempts were in flight (see ``race_worker`` for why the interval
sweep cannot raise a false alarm).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from ringback.store.base import AttemptResult, Schedule, Store
from tests.store import race_worker
from tests.store.conftest import T0, number, phones, race

WORKERS = 4
JOBS = 400
LINES = 5


def _max_overlap(intervals: list[tuple[int, int]]) -> int:
    # Ends sort before starts at the same instant: touching intervals do not overlap.
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def test_worker_processes_never_overbook_lines_or_jobs(store: Store, store_url: str) -> None:
    if store_url == "sqlite://":
        pytest.skip("an in-memory database lives in one process")
    cid = store.create_campaign("race", {"maxSimultaneousCalls": LINES}, T0).id
    job_ids = store.add_numbers(
        cid, [number(p, due=T0, closes=race_worker.FAR) for p in phones(JOBS)], T0
    )
    logs = race(race_worker.run, [(store_url, cid, f"w{i}", JOBS) for i in range(WORKERS)])

    # Every claim was finished by its claimer, and each attempt was claimed once.
    entries = [entry for log in logs.values() for entry in log]
    assert all(finished for *_, finished in entries)
    logged = sorted(entry[0] for entry in entries)
    assert len(logged) == len(set(logged))

    # The attempts table agrees with the workers: nothing lost, nothing extra.
    rows = list(store.iter_attempts(cid))
    assert sorted(a.id for a in rows) == logged
    assert all(a.finished_at is not None and a.outcome == "noAnswer" for a in rows)
    assert {a.line for a in rows} <= set(range(1, LINES + 1))

    # Each job had exactly the attempts it should, one after another.
    per_job = defaultdict(list)
    for a in rows:
        per_job[a.call_job_id].append(a)
    assert set(per_job) == set(job_ids)
    for job_id, attempts in per_job.items():
        expected = 2 if race_worker.retries(job_id) else 1
        assert [a.attempt_number for a in attempts] == list(range(1, expected + 1))
        for before, after in itertools.pairwise(attempts):
            assert before.finished_at is not None and after.started_at >= before.finished_at
    assert {j.status for j in store.get_jobs(cid, ids=job_ids)} == {"noAnswer"}
    assert store.counts(cid).in_process == 0

    # Never more calls at once than lines, and never one line twice at once.
    assert _max_overlap([(claimed, ending) for _, _, _, _, claimed, ending, _ in entries]) <= LINES
    by_line = defaultdict(list)
    for _, _, _, line, claimed, ending, _ in entries:
        by_line[line].append((claimed, ending))
    assert all(_max_overlap(spans) == 1 for spans in by_line.values())


def test_threads_share_one_store(store: Store) -> None:
    """One store, several threads (the API and the dialer in one process): each method is its
    own transaction, so threads interleave safely, in-memory SQLite included."""
    cid = store.create_campaign("threads", {"maxSimultaneousCalls": 3}, T0).id
    job_ids = store.add_numbers(cid, [number(p) for p in phones(60)], T0)
    at = T0 + timedelta(minutes=1)

    def work(worker: str) -> list[int]:
        done = []
        while claims := store.claim_due(cid, worker, at, 1, timedelta(minutes=5)):
            for c in claims:
                nxt = Schedule(c.job.id, "noAnswer", finished_at=at)
                assert store.finish_attempt(AttemptResult(c.attempt.id, worker, at, "busy", nxt))
                done.append(c.job.id)
        return done

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, [f"t{i}" for i in range(4)]))
    claimed = [job for result in results for job in result]
    assert sorted(claimed) == job_ids
    assert {a.line for a in store.iter_attempts(cid)} <= {1, 2, 3}
