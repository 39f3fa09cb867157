"""The idempotence-key contract (``reserve_idempotent`` / ``complete_idempotent`` /
``release_idempotent``) on every store, including processes racing for one key, and the
migration that added reservations keeping the responses stored before it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from ringback.store import migrations, open_store
from ringback.store.base import IdempotenceState, InProgress, Reservation, Store, StoredResponse
from ringback.store.schema import idempotence_keys
from ringback.store.sqlstore import SqlStore, to_ms
from tests.store.conftest import T0, race

SCOPE = "addPhones:1"
LEASE = timedelta(seconds=60)
DAY = timedelta(hours=24)
SECOND = timedelta(seconds=1)
RACERS = 6
ROUNDS = 5


def reserve(
    store: Store, key: str = "k1", digest: str = "hash-a", at: datetime = T0
) -> IdempotenceState:
    return store.reserve_idempotent(SCOPE, key, digest, at, LEASE)


def reserved(store: Store, key: str = "k1", digest: str = "hash-a", at: datetime = T0) -> str:
    state = reserve(store, key, digest, at)
    assert isinstance(state, Reservation), state
    return state.token


def rows(store: Store) -> int:
    assert isinstance(store, SqlStore)
    with store.engine.connect() as conn:
        count: int = conn.execute(select(func.count()).select_from(idempotence_keys)).scalar_one()
    return count


def test_a_reserved_key_is_in_progress_for_everyone_else(store: Store) -> None:
    token = reserved(store)
    assert reserve(store) == InProgress("hash-a", T0 + LEASE)
    # Another body sees the holder's hash, so the API can tell a reused key at once.
    assert reserve(store, digest="hash-b", at=T0 + SECOND) == InProgress("hash-a", T0 + LEASE)
    # Keys are per scope and per key.
    assert isinstance(store.reserve_idempotent("cancel:1", "k1", "hash-a", T0, LEASE), Reservation)
    other = reserved(store, key="k2")
    assert other != token


def test_a_completed_key_answers_its_response_for_24_hours(store: Store) -> None:
    token = reserved(store)
    response = StoredResponse(200, ["1", "2"], "hash-a")
    done = T0 + 5 * SECOND
    assert store.complete_idempotent(SCOPE, "k1", token, response, done)
    assert reserve(store, at=done) == response
    # The 24 h count from the response, and another body still sees the response's hash.
    assert reserve(store, digest="hash-b", at=done + DAY - SECOND) == response
    assert isinstance(reserve(store, at=done + DAY), Reservation)


def test_a_released_key_is_free_again(store: Store) -> None:
    token = reserved(store)
    store.release_idempotent(SCOPE, "k1", "not-the-token")
    assert isinstance(reserve(store), InProgress)
    store.release_idempotent(SCOPE, "k1", token)
    again = reserved(store, at=T0 + SECOND)
    # The first holder's token no longer frees or completes the key.
    store.release_idempotent(SCOPE, "k1", token)
    assert not store.complete_idempotent(
        SCOPE, "k1", token, StoredResponse(200, [], "hash-a"), T0 + SECOND
    )
    assert reserve(store, at=T0 + SECOND) == InProgress("hash-a", T0 + SECOND + LEASE)
    assert store.complete_idempotent(
        SCOPE, "k1", again, StoredResponse(200, ["7"], "hash-a"), T0 + 2 * SECOND
    )
    assert reserve(store, at=T0 + 2 * SECOND) == StoredResponse(200, ["7"], "hash-a")


def test_a_reservation_expires_with_its_lease(store: Store) -> None:
    """A process that died mid-request never completes nor releases: the key is free once the
    lease has passed, and the dead request's token then holds nothing."""
    dead = reserved(store)
    assert isinstance(reserve(store, at=T0 + LEASE - SECOND), InProgress)
    retry = reserved(store, at=T0 + LEASE)
    assert retry != dead
    late = StoredResponse(200, ["1"], "hash-a")
    assert not store.complete_idempotent(SCOPE, "k1", dead, late, T0 + LEASE)
    store.release_idempotent(SCOPE, "k1", dead)
    assert reserve(store, at=T0 + LEASE) == InProgress("hash-a", T0 + 2 * LEASE)


def test_a_request_outliving_its_lease_still_stores_when_nobody_took_the_key(
    store: Store,
) -> None:
    token = reserved(store)
    response = StoredResponse(200, ["1"], "hash-a")
    assert store.complete_idempotent(SCOPE, "k1", token, response, T0 + 2 * LEASE)
    assert reserve(store, at=T0 + 2 * LEASE) == response


def test_completing_purges_expired_entries_of_other_keys(store: Store) -> None:
    old = reserved(store, key="old")
    assert store.complete_idempotent(SCOPE, "old", old, StoredResponse(200, [], "h"), T0)
    reserved(store, key="dead")  # its process died: the lease passes
    later = T0 + DAY
    token = reserved(store, key="new", at=later)
    assert rows(store) == 3
    assert store.complete_idempotent(SCOPE, "new", token, StoredResponse(200, [], "h"), later)
    assert rows(store) == 1


def _race(url: str, key_prefix: str, racer: int, start: Barrier, out: Any) -> None:
    """One racing process: for each round, reserve the round's key at the same moment as the
    others (each with its own body hash, so the winner's hash names the winner)."""
    store = open_store(url)
    # Connect before the race so that every process reserves at the same moment.
    assert isinstance(store.reserve_idempotent("warm-up", f"r{racer}", "h", T0, LEASE), Reservation)
    results: list[str] = []
    for round_ in range(ROUNDS):
        start.wait()
        state = store.reserve_idempotent(SCOPE, f"{key_prefix}{round_}", f"h{racer}", T0, LEASE)
        results.append("won" if isinstance(state, Reservation) else state.request_hash)
    store.close()
    out.put((racer, results))


def test_processes_racing_for_a_key_exactly_one_reserves_it(store: Store, store_url: str) -> None:
    if store_url == "sqlite://":
        pytest.skip("an in-memory database lives in one process")
    results = race(_race, [(store_url, "race", i) for i in range(RACERS)])
    for round_ in range(ROUNDS):
        seen = {racer: results[racer][round_] for racer in range(RACERS)}
        [winner] = [racer for racer, result in seen.items() if result == "won"]
        # Every other process saw the winner's reservation, none a key already free again.
        assert Counter(seen.values()) == {"won": 1, f"h{winner}": RACERS - 1}


def test_the_migration_keeps_stored_responses(store_url: str) -> None:
    store = open_store(store_url)
    assert isinstance(store, SqlStore)
    try:
        migrations.upgrade(store.engine, "0001")
        with store.engine.begin() as conn:  # a response stored before reservations existed
            conn.execute(
                insert(idempotence_keys).values(
                    scope=SCOPE,
                    key="k1",
                    status_code=200,
                    body=["1"],
                    request_hash="hash-a",
                    created_at=to_ms(T0),
                )
            )
        store.migrate()
        assert migrations.current(store.engine) == "0002"
        assert reserve(store, at=T0 + SECOND) == StoredResponse(200, ["1"], "hash-a")
        assert isinstance(reserve(store, at=T0 + DAY), Reservation)
    finally:
        store.close()
