"""The store contract suite runs every test over each implementation: SQLite in a real file and
PostgreSQL on the real server (a fresh database per test)."""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ringback.store import open_store
from ringback.store.base import NewNumber, Store

T0 = datetime(2025, 3, 7, 12, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
        pytest.param("memory", id="memory"),
    ]
)
def store_url(request: pytest.FixtureRequest) -> str:
    """SQLite in a file, PostgreSQL, and SQLite in memory (``sqlite://``: one process only)."""
    if request.param == "memory":
        return "sqlite://"
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    opened.migrate()
    try:
        yield opened
    finally:
        opened.close()


def number(
    phone: str,
    *,
    due: datetime | None = T0,
    closes: datetime | None = T0 + timedelta(hours=8),
    priority: int = 3,
    custom: bool = False,
    status: str = "planned",
    payload: dict[str, Any] | None = None,
    **extra: Any,
) -> NewNumber:
    """A number ready to dial from ``due`` to ``closes`` (UTC zone, campaign policy)."""
    return NewNumber(
        phone=phone,
        payload=payload if payload is not None else {"name": f"n{phone}"},
        fields=extra.pop("fields", {}),
        gmt_zone=extra.pop("gmt_zone", None),
        zone=extra.pop("zone", "UTC"),
        zone_source=extra.pop("zone_source", "campaign"),
        status=status,
        due_at=due,
        closes_at=closes,
        priority=priority,
        custom=custom,
        **extra,
    )


def phones(count: int, start: int = 0) -> list[str]:
    return [str(79_160_000_000 + start + i) for i in range(count)]


def race(target: Callable[..., None], args: list[tuple[Any, ...]]) -> dict[Any, Any]:
    """Run ``target(*args[i], start, out)`` in one ``spawn`` process per ``args`` entry (each
    imports everything afresh and opens its own store, as a worker on another host would),
    released together by the barrier ``start``; each puts one ``(key, value)`` pair on
    ``out``. Returns the pairs as a dict, once every process exited cleanly; a process that
    dies fails the test at once, and none outlives it."""
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(len(args)), ctx.Queue()
    processes = [ctx.Process(target=target, args=(*a, start, out)) for a in args]
    for p in processes:
        p.start()
    try:
        results: dict[Any, Any] = {}
        deadline = time.monotonic() + 120
        while len(results) < len(processes):
            try:
                key, value = out.get(timeout=1)
            except queue.Empty:
                died = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
                assert not died, f"a racing process died (exit code {died[0]})"
                assert time.monotonic() < deadline, "the racing processes did not finish"
                continue
            results[key] = value
        for p in processes:
            p.join(timeout=30)
            assert p.exitcode == 0
        return results
    finally:
        for p in processes:
            if p.is_alive():
                p.kill()
