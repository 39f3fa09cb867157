"""Webhooks against a real HTTP receiver on 127.0.0.1, over SQLite and PostgreSQL, in virtual time.

Attempts are claimed and finished through the real store, as the dialer does; the receiver fails
the first tries of each delivery, so retries and their backoff are exercised.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ringback import campaign as campaign_settings
from ringback.api.records import attempt_json, job_json
from ringback.api.webhooks import WebhookDispatcher, finished_since, secret_from_env, verify
from ringback.engine.clock import VirtualClock
from ringback.store import open_store
from ringback.store.base import AttemptResult, CampaignRecord, Claim, Schedule, Store
from tests.api.conftest import START

SECRET = b"webhook-secret"
WORKER = "w1"
LEASE = timedelta(minutes=10)


@dataclass
class Received:
    at: datetime  # the virtual instant of the step that sent it
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """Fails the first ``fail_first`` tries of every delivery with HTTP 503."""

    url: str = ""
    fail_first: int = 0
    now: datetime = START
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Event = field(default_factory=threading.Event)

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            key = headers["X-Ringback-Delivery"]
            tries = sum(1 for r in self.got if r.headers["X-Ringback-Delivery"] == key)
            status = 503 if tries < self.fail_first else 204
            self.got.append(Received(self.now, headers, body, status))
            self.arrived.set()
            return status

    def delivered(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.got if r.status == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.handle(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{http.server_address[1]}/hook"
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield state
    http.shutdown()
    http.server_close()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = open_store(db_url)
    store.migrate()
    yield store
    store.close()


def _campaign(store: Store, url: str, phones: list[str]) -> CampaignRecord:
    settings = campaign_settings.parse_settings(
        {"name": "Hooks", "webhookUrl": url, "maxAttempts": 2, "maxSimultaneousCalls": 10}
    )
    campaign = store.create_campaign(settings.pop("name"), settings, START)
    numbers = campaign_settings.build_numbers([{"phone": p} for p in phones], settings, START)
    store.add_numbers(campaign.id, numbers, START)
    return campaign


def _finish(store: Store, claim: Claim, at: datetime, outcome: str, final: bool) -> None:
    job = claim.job.id
    if final:
        status = "longCallWithNoResult" if outcome == "answer" else "noAnswer"
        nxt = Schedule(job, status, finished_at=at)
    else:
        nxt = Schedule(job, "onRetry", due_at=at + timedelta(minutes=1), closes_at=at + LEASE)
    result = AttemptResult(claim.attempt.id, WORKER, at, outcome, nxt, call_duration=3)
    assert store.finish_attempt(result)


def _drain(dispatcher: WebhookDispatcher, receiver: Receiver, now: datetime) -> datetime:
    """Step in virtual time until nothing is pending; return the last instant stepped at."""
    for _ in range(200):
        receiver.now = now
        wake = dispatcher.step(now)
        if dispatcher.pending == 0:
            return now
        now = wake
    raise AssertionError("deliveries still pending after 200 steps")


def _dispatcher(store: Store, client: httpx.Client, **options: Any) -> WebhookDispatcher:
    return WebhookDispatcher(store, VirtualClock(START), SECRET, client, **options)


def test_each_record_arrives_once_signed_with_backoff(store: Store, receiver: Receiver) -> None:
    receiver.fail_first = 2
    campaign = _campaign(store, receiver.url, ["79161234567", "79161234568", "79161234569"])
    claims = store.claim_due(campaign.id, WORKER, START, 10, LEASE)
    assert len(claims) == 3
    ended = START + timedelta(seconds=40)
    _finish(store, claims[0], ended, "answer", final=True)
    _finish(store, claims[1], ended, "busy", final=False)
    _finish(store, claims[2], ended, "noAnswer", final=False)

    with httpx.Client(timeout=10) as client:
        dispatcher = _dispatcher(store, client)
        now = _drain(dispatcher, receiver, START + timedelta(minutes=1))
        bodies = receiver.delivered()
        keys = Counter(r.headers["X-Ringback-Delivery"] for r in receiver.got if r.status == 204)
        # Three attempts and the one job that ended; the two on retry are not finished.
        assert sorted(keys) == sorted(
            [f"attempt:{c.attempt.id}" for c in claims] + [f"callJob:{claims[0].job.id}"]
        )
        assert set(keys.values()) == {1}
        for got in receiver.got:
            assert verify(SECRET, got.body, got.headers["X-Ringback-Signature"])
            assert got.headers["X-Ringback-Event"] == json.loads(got.body)["event"]
        # Every delivery was tried three times: 1 s, then 2 s apart.
        for key in keys:
            times = [r.at for r in receiver.got if r.headers["X-Ringback-Delivery"] == key]
            assert len(times) == 3
            assert [b - a for a, b in itertools.pairwise(times)] == [
                timedelta(seconds=1),
                timedelta(seconds=2),
            ]
        # The records are the Calls API records.
        attempts = {
            f"attempt:{a.id}": attempt_json(a)
            for a in store.get_attempts(campaign.id, ids=[c.job.id for c in claims])
        }
        job = job_json(store.get_jobs(campaign.id, ids=[claims[0].job.id])[0])
        for body in bodies:
            assert body["campaignId"] == campaign.id
            if body["event"] == "callJob.finished":
                assert body["record"] == job
            else:
                assert body["event"] == "attempt.finished"
                assert body["record"] in attempts.values()

        # The retries: second attempts end the two other series; only the new records arrive.
        receiver.fail_first = 0
        later = START + timedelta(minutes=2)
        retries = store.claim_due(campaign.id, WORKER, later, 10, LEASE)
        assert len(retries) == 2
        for claim in retries:
            _finish(store, claim, later + timedelta(seconds=30), "noAnswer", final=True)
        before = len(receiver.got)
        for offset in range(0, 20, 2):  # steps keep re-reading the lookback window
            receiver.now = now = later + timedelta(minutes=1, seconds=offset)
            dispatcher.step(now)
        new = [json.loads(r.body) for r in receiver.got[before:]]
        assert len(new) == 4
        assert {b["event"] for b in new} == {"attempt.finished", "callJob.finished"}
        assert {b["record"]["callJobId"] for b in new} == {str(c.job.id) for c in retries}
        assert dispatcher.delivered == 8 and dispatcher.dropped == 0


def test_a_late_record_is_not_skipped(store: Store, receiver: Receiver) -> None:
    """The reaper writes finishedAt = the lease's end, after later records were sent."""
    campaign = _campaign(store, receiver.url, ["79161234567", "79161234568"])
    short = store.claim_due(campaign.id, WORKER, START, 1, timedelta(seconds=30))[0]
    long = store.claim_due(campaign.id, WORKER, START, 1, LEASE)
    with httpx.Client(timeout=10) as client:
        dispatcher = _dispatcher(store, client)
        _finish(store, long[0], START + timedelta(seconds=50), "answer", final=True)
        receiver.now = START + timedelta(seconds=55)
        dispatcher.step(receiver.now)
        assert len(receiver.got) == 2  # the answered attempt and its job
        # The lease of the other attempt ended at START + 30 s; the reaper notices at 2 min.
        reaped = store.reap_expired(START + timedelta(minutes=2))
        assert [a.id for a in reaped] == [short.attempt.id]
        assert reaped[0].finished_at == START + timedelta(seconds=30)
        _drain(dispatcher, receiver, START + timedelta(minutes=2, seconds=1))
    keys = [r.headers["X-Ringback-Delivery"] for r in receiver.got]
    assert keys[2:] == [f"attempt:{short.attempt.id}"]
    assert receiver.delivered()[2]["record"]["outcome"] == "failed"


def test_a_dead_receiver_is_given_up_after_max_tries(store: Store, receiver: Receiver) -> None:
    receiver.fail_first = 100
    campaign = _campaign(store, receiver.url, ["79161234567"])
    claim = store.claim_due(campaign.id, WORKER, START, 1, LEASE)[0]
    _finish(store, claim, START + timedelta(seconds=10), "answer", final=True)
    with httpx.Client(timeout=10) as client:
        dispatcher = _dispatcher(store, client, max_tries=4)
        _drain(dispatcher, receiver, START + timedelta(seconds=20))
        assert dispatcher.dropped == 2 and dispatcher.delivered == 0
        # The job's delivery waited behind the attempt's; each made exactly max_tries tries.
        per_key = Counter(r.headers["X-Ringback-Delivery"] for r in receiver.got)
        assert sorted(per_key.values()) == [4, 4]
        assert [dispatcher.backoff(n).total_seconds() for n in (1, 2, 3, 9, 40)] == [
            1,
            2,
            4,
            256,
            300,
        ]


def test_an_unreachable_receiver_is_retried(store: Store) -> None:
    campaign = _campaign(store, "http://127.0.0.1:9/nothing-listens", ["79161234567"])
    claim = store.claim_due(campaign.id, WORKER, START, 1, LEASE)[0]
    _finish(store, claim, START + timedelta(seconds=10), "busy", final=True)
    with httpx.Client(timeout=2) as client:
        dispatcher = _dispatcher(store, client, max_tries=2)
        now = START + timedelta(seconds=20)
        assert dispatcher.step(now) == now + timedelta(seconds=1)
        assert dispatcher.pending == 2
        for _ in range(10):
            if not dispatcher.pending:
                break
            now = dispatcher.step(now + timedelta(seconds=1))
        assert dispatcher.pending == 0 and dispatcher.dropped == 2


def test_run_stops_on_the_event(store: Store, receiver: Receiver) -> None:
    """The real-time loop of ``ringback serve``: sends, then returns when told to stop."""
    campaign = _campaign(store, receiver.url, ["79161234567"])
    claim = store.claim_due(campaign.id, WORKER, START, 1, LEASE)[0]
    _finish(store, claim, START + timedelta(seconds=10), "answer", final=True)
    stop = threading.Event()
    with httpx.Client(timeout=10) as client:
        clock = VirtualClock(START + timedelta(seconds=11))
        dispatcher = WebhookDispatcher(store, clock, SECRET, client)
        thread = threading.Thread(target=dispatcher.run, args=(stop,))
        thread.start()
        while len(receiver.got) < 2:
            assert receiver.arrived.wait(10), "nothing arrived"
            receiver.arrived.clear()
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert dispatcher.delivered == 2


def test_reading_past_the_page_limit_splits_the_span(store: Store, receiver: Receiver) -> None:
    """With pages of 2 and at most 2 pages, 9 finished attempts are still all found."""
    phones = [f"7916123456{i}" for i in range(9)]
    campaign = _campaign(store, receiver.url, phones)
    claims = store.claim_due(campaign.id, WORKER, START, 10, LEASE)
    for i, claim in enumerate(claims):
        _finish(store, claim, START + timedelta(seconds=i, milliseconds=i), "busy", final=True)
    now = START + timedelta(minutes=1)
    found = finished_since(store.attempts_by_date, campaign.id, START, now, page_size=2, pages=2)
    assert sorted(a.id for a in found) == sorted(c.attempt.id for c in claims)
    jobs = finished_since(store.jobs_by_date, campaign.id, START, now, page_size=2, pages=2)
    assert len(jobs) == 9


def test_secret_from_env() -> None:
    assert secret_from_env({"RINGBACK_WEBHOOK_SECRET": "s", "RINGBACK_API_KEY": "k"}) == b"s"
    assert secret_from_env({"RINGBACK_API_KEY": "k"}) == b"k"
    assert secret_from_env({}) is None
