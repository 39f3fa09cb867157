"""An ``Idempotence-Key`` repeated while its first request still runs, over real HTTP on SQLite
and PostgreSQL: the repeat waits for the first answer instead of running again.

The app is built here rather than by the ``server`` fixture, for two hooks of its own: its
``wake`` (which ``addPhones`` calls once the numbers are added, before the answer is stored)
holds the first request at that point until the test lets it go, and the waiting requests
sleep on a virtual clock, so a 10 s wait takes no time.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI

from ringback.api.app import create_app
from ringback.api.calls import IdempotenceWait
from ringback.engine.clock import VirtualClock
from ringback.store.base import Store
from tests.api.conftest import Server, serving

#: Real seconds a test waits for a thread before it fails (never reached when all is well).
PATIENCE_S = 30
BOUND_S = 10.0


class Gate:
    """The app's ``wake``: holds every ``addPhones`` that added its numbers until opened."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def __call__(self) -> None:
        self.reached.set()
        if not self.opened.wait(PATIENCE_S):
            raise RuntimeError("the test never opened the gate")


class VirtualWait:
    """The waiting requests' clock: virtual seconds that a sleep adds to. While ``held`` is
    clear, sleepers stay asleep (so that they wait for the first request's answer)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0
        self.changed = threading.Condition()
        self.held = threading.Event()
        self.held.set()

    def monotonic(self) -> float:
        with self.changed:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.changed:
            self.now += seconds
            self.sleeps += 1
            self.changed.notify_all()
        if not self.held.wait(PATIENCE_S):
            raise RuntimeError("the test never let the sleepers go")

    def wait_for_sleepers(self, count: int) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.sleeps >= count, PATIENCE_S)


@dataclass
class Gated:
    server: Server
    gate: Gate
    wait: VirtualWait

    def add(self, token: str, body: Any, key: str) -> httpx.Response:
        url = self.server.calls(token, "/addPhones")
        return httpx.post(url, json=body, headers={"Idempotence-Key": key}, timeout=PATIENCE_S)

    def phones(self, token: str) -> list[str]:
        url = self.server.calls(token, "/callJob/getUnfinished")
        response = httpx.post(url, json={"pageSize": 200})
        assert response.status_code == 200, response.text
        return sorted(job["phone"] for job in response.json()["items"])


@pytest.fixture
def gated(db_url: str) -> Iterator[Gated]:
    gate, wait = Gate(), VirtualWait()

    def make_app(store: Store, clock: VirtualClock) -> FastAPI:
        app = create_app(store, clock=clock, wake=gate)
        app.state.idempotence_wait = IdempotenceWait(
            bound=BOUND_S, interval=1.0, sleep=wait.sleep, monotonic=wait.monotonic
        )
        return app

    try:
        with serving(db_url, make_app) as server:
            yield Gated(server, gate, wait)
    finally:
        gate.opened.set()  # a failed test must not leave requests held
        wait.held.set()


def _token(gated: Gated) -> str:
    return str(gated.server.create_campaign()["token"])


BODY = [{"phone": "79161234567"}, {"phone": "79161234568"}]


def test_repeats_arriving_while_the_first_runs_answer_what_it_answered(gated: Gated) -> None:
    token = _token(gated)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(gated.add, token, BODY, "k-1")
        assert gated.gate.reached.wait(PATIENCE_S)  # the numbers are in, the answer is not
        gated.wait.held.clear()
        repeats = [pool.submit(gated.add, token, BODY, "k-1") for _ in range(3)]
        gated.wait.wait_for_sleepers(3)  # each found the key in progress and waits
        gated.gate.opened.set()
        answer = first.result(PATIENCE_S)
        gated.wait.held.set()
        again = [repeat.result(PATIENCE_S) for repeat in repeats]
    assert answer.status_code == 200, answer.text
    assert len(answer.json()) == 2
    for repeat in again:
        assert repeat.status_code == 200, repeat.text
        assert repeat.json() == answer.json()
    assert gated.phones(token) == ["79161234567", "79161234568"]


def test_a_first_request_still_running_at_the_bound_answers_in_progress(gated: Gated) -> None:
    token = _token(gated)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(gated.add, token, BODY, "k-1")
        assert gated.gate.reached.wait(PATIENCE_S)
        # Another body under the key is refused at once, without waiting.
        reused = gated.add(token, [{"phone": "79161234599"}], "k-1")
        assert reused.status_code == 409, reused.text
        assert reused.json()["type"] == "idempotence.key.reused"
        assert gated.wait.sleeps == 0
        # The same body waits up to the bound, polling once a (virtual) second.
        busy = gated.add(token, BODY, "k-1")
        assert busy.status_code == 409, busy.text
        error = busy.json()
        assert error["type"] == "idempotence.key.inProgress"
        assert error["key"] == "k-1" and "retry later" in error["message"]
        assert gated.wait.now == BOUND_S and gated.wait.sleeps == 10
        gated.gate.opened.set()
        answer = first.result(PATIENCE_S)
    assert answer.status_code == 200, answer.text
    retry = gated.add(token, BODY, "k-1")
    assert retry.status_code == 200 and retry.json() == answer.json()
    assert gated.phones(token) == ["79161234567", "79161234568"]


def test_a_failed_request_leaves_its_key_usable(gated: Gated) -> None:
    gated.gate.opened.set()
    token = _token(gated)
    bad = [{"phone": "79161234567"}, {"phone": "12"}]
    for _ in range(2):  # not stored, not left in progress: the repeat runs and fails again
        failed = gated.add(token, bad, "k-1")
        assert failed.status_code == 400, failed.text
        assert failed.json()["type"] == "phone.bad.format"
    fixed = gated.add(token, BODY, "k-1")
    assert fixed.status_code == 200, fixed.text
    assert gated.add(token, BODY, "k-1").json() == fixed.json()
    assert gated.wait.sleeps == 0
    assert gated.phones(token) == ["79161234567", "79161234568"]


def test_the_in_progress_error_is_documented(gated: Gated) -> None:
    schema = httpx.get(f"{gated.server.url}/openapi.json").json()
    for path in ("/addPhones", "/callJob/cancel"):
        conflict = schema["paths"]["/api/calls/campaign/{token}" + path]["post"]["responses"]["409"]
        assert "`idempotence.key.inProgress`" in conflict["description"]
        assert "`idempotence.key.reused`" in conflict["description"]
        body = conflict["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/ErrorBody"}


class _AnswerNotStored:
    """The real store, except that storing an Idempotence-Key's answer fails (the database
    went away right after the request's own work committed)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def complete_idempotent(self, *args: Any) -> bool:
        raise sqlite3.OperationalError("database is locked")


def test_a_request_whose_answer_cannot_be_stored_still_answers(db_url: str) -> None:
    def make_app(store: Store, clock: VirtualClock) -> FastAPI:
        return create_app(cast(Store, _AnswerNotStored(store)), clock=clock)

    with serving(db_url, make_app) as server:
        token = str(server.create_campaign()["token"])
        url = server.calls(token, "/addPhones")
        added = httpx.post(url, json=BODY, headers={"Idempotence-Key": "k-1"})
        # The numbers were added: the client must not be told otherwise and retry.
        assert added.status_code == 200, added.text
        assert len(added.json()) == 2
        jobs = httpx.post(server.calls(token, "/callJob/getUnfinished"), json={"pageSize": 200})
        assert sorted(job["phone"] for job in jobs.json()["items"]) == [p["phone"] for p in BODY]
