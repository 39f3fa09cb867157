"""``ringback serve`` as a real process: SIGTERM lets the calls in progress finish and be
recorded (exit 0); a dialer that stops on a bug takes the process down (exit 1), so that a
supervisor restarts it, instead of an API answering with nothing dialled."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from ringback.store import open_store
from ringback.store.base import NewNumber

# The dialer's run raises as a bug would (database outages it waits out itself); the rest of
# `ringback serve` is the real one.
BROKEN_DIALER = """
import sys
from ringback.engine.dialer import Dialer

def run(self, **options):
    raise RuntimeError("a bug in the dialer")

Dialer.run = run
from ringback.cli import main
sys.argv = ["ringback", "serve", "--db", sys.argv[1], "--port", sys.argv[2]]
main()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_dialer_that_stops_on_a_bug_takes_serve_down(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-c", BROKEN_DIALER, url, str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env={"RINGBACK_API_KEY": API_KEY, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1, done.stderr
    assert "the dialer stopped: shutting down" in done.stderr
    assert "RuntimeError: a bug in the dialer" in done.stderr
    assert "error: the dialer stopped on an error" in done.stderr


class Serving:
    """``ringback serve`` on a free port over a SQLite file, in its own process."""

    def __init__(self, tmp_path: Path, *extra: str) -> None:
        self.port = free_port()
        self.db = tmp_path / "serve.sqlite3"
        command = [sys.executable, "-m", "ringback", "serve", "--db", f"sqlite:///{self.db}"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={"RINGBACK_API_KEY": API_KEY, "PATH": "/usr/bin:/bin"},
        )
        self.api = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}",
            headers={"Authorization": f"Bearer {API_KEY}"},
            timeout=10,
        )
        for _ in range(300):  # it starts in about a second
            try:
                answer = self.api.get("/healthz")
                break
            except httpx.TransportError:
                assert self.process.poll() is None, self.process.communicate()
                time.sleep(0.1)
        assert answer.status_code == 200

    def attempts(self) -> list[tuple[str | None, str | None]]:
        """(finished_at, outcome) of every attempt, read from the database file."""
        with sqlite3.connect(self.db) as conn:
            return conn.execute("SELECT finished_at, outcome FROM attempts").fetchall()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def close(self) -> None:
        self.api.close()
        self.process.kill()
        self.process.communicate()


API_KEY = "k" * 32
CALLEES = """
clock: {start: "2025-03-07T12:00:00Z"}
campaign: {name: callees only}
callees:
  default: {answer: 1.0, talkSeconds: 4, say: ["yes"]}
"""


def test_serve_answers_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    serving = Serving(tmp_path)
    try:
        assert serving.stop() == 0
    finally:
        serving.close()


def test_on_sigterm_the_calls_in_progress_finish_and_are_recorded(tmp_path: Path) -> None:
    scenario = tmp_path / "callees.yaml"
    scenario.write_text(CALLEES, encoding="utf-8")
    serving = Serving(tmp_path, "--scenario", str(scenario))
    try:
        created = serving.api.post(
            "/api/v1/campaigns", json={"name": "c", "maxSimultaneousCalls": 2}
        )
        token = created.json()["token"]
        phones = [{"phone": "79161234567"}, {"phone": "79161234568"}]
        added = serving.api.post(f"/api/calls/campaign/{token}/addPhones", json=phones)
        assert added.status_code == 200, added.text
        for _ in range(300):  # the dialer sees the numbers within a second or two
            if len(serving.attempts()) == 2:
                break
            time.sleep(0.1)
        # Both calls are in progress (each rings 5 s, then talks 4 s) when the signal comes.
        assert serving.attempts() == [(None, None), (None, None)]
        assert serving.stop() == 0
        assert [outcome for _, outcome in serving.attempts()] == ["answer", "answer"]
    finally:
        serving.close()


def test_serve_on_a_port_already_taken_exits_before_dialling(tmp_path: Path) -> None:
    db = tmp_path / "serve.sqlite3"
    store = open_store(f"sqlite:///{db}")
    store.migrate()
    now = datetime.now(UTC)
    campaign = store.create_campaign("c", {"maxSimultaneousCalls": 2}, now)
    numbers = [number(phone, now) for phone in ("79161234567", "79161234568")]
    store.add_numbers(campaign.id, numbers, now)
    store.close()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "ringback", "serve", "--db", f"sqlite:///{db}"]
        done = subprocess.run(
            [*command, "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            env={"RINGBACK_API_KEY": API_KEY, "PATH": "/usr/bin:/bin"},
        )
    assert done.returncode != 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM attempts").fetchone() == (0,)


def number(phone: str, now: datetime) -> NewNumber:
    return NewNumber(
        phone=phone, payload={}, fields={}, gmt_zone=None, zone="UTC", zone_source="campaign",
        status="planned", due_at=now, closes_at=now + timedelta(hours=1), priority=1,
        custom=False,
    )  # fmt: skip
