"""Two real-time workers on PostgreSQL; the first is killed (-9) mid-call, the second finishes.

Real time cannot be avoided here (processes and leases); calls last ~5 s (long enough that the
calls seen in flight are still in flight when the kill lands, even on a loaded machine) and the
lease is 2 s, so the whole test waits about 20 s.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ringback.store import open_store

RINGBACK = [sys.executable, "-m", "ringback"]
NUMBERS = 12


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


@pytest.mark.postgres
def test_killed_worker_loses_nothing(tmp_path: Path, pg_url: str) -> None:
    scenario = {
        "clock": {"start": datetime.now(UTC).isoformat()},
        "campaign": {
            "name": "crash",
            "timezone": "UTC",
            "maxSimultaneousCalls": 4,
            "maxAttempts": 1,
            "ringTimeoutSeconds": 2,  # answered after 1 s
        },
        "phones": [{"phone": f"7916{i:07d}"} for i in range(NUMBERS)],
        "callees": {"default": {"answer": 1.0, "talkSeconds": 4, "say": ["yes"]}},
    }
    path = tmp_path / "crash.json"
    path.write_text(json.dumps(scenario))
    setup = subprocess.run(
        [*RINGBACK, "simulate", str(path), "--db", pg_url, "--setup-only"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert setup.returncode == 0, setup.stderr
    campaign_id = json.loads(setup.stdout)["campaignId"]
    store = open_store(pg_url)

    def worker(name: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [
                *RINGBACK,
                "worker",
                "--db",
                pg_url,
                "--name",
                name,
                "--scenario",
                str(path),
                "--lease",
                "2",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def attempts() -> list:
        return list(store.iter_attempts(campaign_id))

    first = worker("A")
    second = None
    try:
        # kill A while it has calls in flight, after it finished some
        wait_for(
            lambda: (
                any(a.finished_at for a in attempts())
                and any(a.finished_at is None for a in attempts())
            ),
            timeout=15,
        )
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=5)
        in_flight = {a.id for a in attempts() if a.finished_at is None}
        assert in_flight
        second = worker("B")
        wait_for(lambda: store.get_campaign(campaign_id).status == "finished", timeout=60)
        second.send_signal(signal.SIGTERM)
        out, _ = second.communicate(timeout=10)
        assert second.returncode == 0
        assert "telephony: simulated — no real calls are placed" in out
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    rows = attempts()
    by_id = {a.id: a for a in rows}
    for attempt_id in in_flight:  # reaped: recorded as failed at the end of the lease
        reaped = by_id[attempt_id]
        assert reaped.outcome == "failed" and reaped.worker == "A"
        assert reaped.finished_at == reaped.lease_until
    jobs = store.get_jobs(campaign_id, phones=[p["phone"] for p in scenario["phones"]])
    assert len(jobs) == NUMBERS
    assert all(job.status in ("longCallWithNoResult", "noAnswer") for job in jobs)
    assert {a.worker for a in rows} == {"A", "B"}
    per_job: dict[int, list] = defaultdict(list)
    for a in rows:
        assert a.finished_at is not None and a.outcome is not None
        per_job[a.call_job_id].append(a)
    assert set(per_job) == {job.id for job in jobs}  # no lost job: every number was dialled
    for series in per_job.values():
        series.sort(key=lambda a: a.started_at)
        assert [a.attempt_number for a in series] == list(range(1, len(series) + 1))
        for prev, nxt in itertools.pairwise(series):
            assert prev.finished_at <= nxt.started_at  # never two calls to one number at once
    store.close()
