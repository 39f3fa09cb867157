"""The driver path of the SQL store (:mod:`ringback.store.driver`): the connection it keeps
between transactions, rollback, and a broken connection replaced."""

from __future__ import annotations

import pytest

from ringback.store.base import Store
from ringback.store.sqlstore import SqlStore, to_ms
from tests.store.conftest import LEASE, T0, number, phones


def _campaign(store: Store) -> int:
    cid = store.create_campaign("c", {"maxSimultaneousCalls": 2}, T0).id
    store.add_numbers(cid, [number(p) for p in phones(3)], T0)
    return cid


def test_a_failed_transaction_changes_nothing_and_the_store_goes_on(store: Store) -> None:
    assert isinstance(store, SqlStore)
    cid = _campaign(store)

    def claim_then_fail(tx: object) -> None:
        claimed = store._claim_in(tx, cid, "w1", to_ms(T0), 2, to_ms(T0 + LEASE))  # type: ignore[arg-type]
        assert len(claimed) == 2
        raise RuntimeError("the dialer died half-way")

    with pytest.raises(RuntimeError):
        store._run_hot(claim_then_fail)
    assert store.counts(cid).in_process == 0
    assert len(store.claim_due(cid, "w1", T0, 5, LEASE)) == 2


def test_a_broken_kept_connection_fails_once_and_is_replaced(sqlite_url: str) -> None:
    store = SqlStore(sqlite_url)
    store.migrate()
    try:
        cid = _campaign(store)
        assert store.next_due_at(cid) == T0  # leaves its connection kept
        [(kept, _)] = store._driver._kept
        kept.driver_connection.close()  # the server went away, say
        with pytest.raises(Exception, match="closed"):
            store.next_due_at(cid)
        assert store.next_due_at(cid) == T0
        assert store._driver._kept and store._driver._kept[0][0] is not kept
    finally:
        store.close()


class _TakenMeanwhile(list[object]):
    """A kept-connection list that another thread empties between the check and the pop."""

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        return 1

    def pop(self, index: int = -1) -> object:
        raise IndexError("pop from empty list")


def test_a_kept_connection_taken_by_another_thread_meanwhile_is_not_an_error(
    sqlite_url: str,
) -> None:
    # The Store is thread-safe (`ringback serve`: the API threads and the dialer at once): a
    # thread that finds the kept connection gone when it pops it checks one out of the pool.
    store = SqlStore(sqlite_url)
    store.migrate()
    try:
        cid = _campaign(store)
        store._driver._kept = _TakenMeanwhile()
        assert store.next_due_at(cid) == T0
    finally:
        store._driver._kept = []
        store.close()
