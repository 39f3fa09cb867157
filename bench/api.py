"""How fast numbers go in through ``addPhones``, against a raw bulk insert of the same rows.

For SQLite (a file) and PostgreSQL (127.0.0.1:5432, a fresh database per measurement), and each
batch size: POST ``/api/calls/campaign/{token}/addPhones`` over real HTTP to a real uvicorn
running the app in a thread of this process (bodies encoded before the clock starts, one
keep-alive connection), then the baseline: the same rows (the numbers and their first call jobs,
validated, planned and encoded beforehand) inserted into the same tables, one transaction per
batch, the fastest plain way each driver offers (SQLite ``executemany`` of a prepared
statement, PostgreSQL ``COPY``), i.e. a floor under what any insert of these rows costs. For
reference, the same rows through SQLAlchemy Core ``insert`` executemany (slower than the
store's own insert, which goes through the driver the same way, so not the baseline).
Goal (issue): ≥ 20 000 numbers/s on SQLite and ≥ 30 % of the raw insert rate.

    .venv/bin/python -m bench.api            # 100 000 numbers, batches of 1 000 and 10 000
    .venv/bin/python -m bench.api --quick    # 10 000 numbers, batches of 1 000
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import JSON, Connection, Table, func, insert, select

from ringback import campaign as campaign_settings
from ringback.api.app import create_app
from ringback.engine.clock import VirtualClock
from ringback.store import open_store
from ringback.store.base import NewNumber, Store
from ringback.store.dialects import json_serializer, make_engine
from ringback.store.schema import call_jobs, numbers

NOW = datetime(2025, 3, 7, 9, 0, tzinfo=UTC)
PG_ADMIN_URL = os.environ.get("RINGBACK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def phones(total: int) -> list[str]:
    """New York numbers (one zone each: a +7 number's zones are intersected, about twice as
    slow to plan)."""
    return [f"1212{200 + i // 10_000:03d}{i % 10_000:04d}" for i in range(total)]


@contextmanager
def sqlite_db() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="ringback-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"


@contextmanager
def postgres_db() -> Iterator[str]:
    import psycopg

    name = f"ringback_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _campaign(store: Store) -> tuple[int, str, dict[str, Any]]:
    settings = campaign_settings.parse_settings({"name": "Bench", "maxAttempts": 3})
    record = store.create_campaign(settings.pop("name"), settings, NOW)
    return record.id, record.token, settings


@contextmanager
def serving(store: Store) -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(store, clock=VirtualClock(NOW))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def via_api(url: str, total: int, batch: int) -> float:
    """numbers/s through addPhones over HTTP."""
    store = open_store(url)
    store.migrate()
    _, token, _ = _campaign(store)
    all_phones = phones(total)
    bodies = [
        json.dumps([{"phone": p} for p in all_phones[i : i + batch]]).encode()
        for i in range(0, total, batch)
    ]
    with serving(store) as base, httpx.Client(base_url=base, timeout=600) as client:
        path = f"/api/calls/campaign/{token}/addPhones"
        headers = {"Content-Type": "application/json"}
        start = time.perf_counter()
        for body in bodies:
            response = client.post(path, content=body, headers=headers)
            if response.status_code != 200:
                raise SystemExit(f"addPhones failed: {response.status_code} {response.text}")
        elapsed = time.perf_counter() - start
    added = store.counts(store.list_campaigns()[0].id).total_numbers
    store.close()
    if added != total:
        raise SystemExit(f"expected {total} numbers in the store, found {added}")
    return total / elapsed


def _rows(
    campaign_id: int, planned: list[NewNumber], first_id: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of ``numbers`` and ``call_jobs`` the store writes for ``planned``."""
    now_ms = int(NOW.timestamp() * 1000)

    def ms(value: datetime | None) -> int | None:
        return None if value is None else int(value.timestamp() * 1000)

    number_rows, job_rows = [], []
    for offset, n in enumerate(planned):
        row_id = first_id + offset
        number_rows.append(
            {
                "id": row_id,
                "campaign_id": campaign_id,
                "phone": n.phone,
                "payload": n.payload,
                "fields": n.fields,
                "gmt_zone": n.gmt_zone,
                "external_check": n.external_check,
                "created_at": now_ms,
            }
        )
        job_rows.append(
            {
                "id": row_id,
                "campaign_id": campaign_id,
                "number_id": row_id,
                "phone": n.phone,
                "policy": n.fields,
                "status": n.status,
                "due_at": ms(n.due_at),
                "closes_at": ms(n.closes_at),
                "priority": n.priority,
                "custom": n.custom,
                "created_at": now_ms,
                "finished_at": ms(n.finished_at),
                "zone": n.zone,
                "zone_source": n.zone_source,
                "gmt_zone": n.gmt_zone,
                "payload": n.payload,
                "attempts_count": 0,
                "call_duration": 0,
                "report_data": {},
                "cancel_requested": False,
            }
        )
    return number_rows, job_rows


def _as_tuples(rows: list[dict[str, Any]], table: Table) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Rows as driver parameters: in column order, JSON columns encoded as the store does."""
    names = list(rows[0])
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    return names, [
        tuple(json_serializer(row[k]) if k in json_columns else row[k] for k in names)
        for row in rows
    ]


def _driver_insert(conn: Connection, table: Table, names: list[str], rows: list[Any]) -> None:
    """The fastest plain insert each driver offers: SQLite ``executemany`` of a prepared
    statement, PostgreSQL ``COPY … FROM STDIN``."""
    columns = ", ".join(names)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in names)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", rows)
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def raw_insert(url: str, total: int, batch: int, *, core: bool = False) -> float:
    """numbers/s for a plain insert of the same rows, one transaction a batch: through the
    driver with the rows ready (the baseline), or with ``core`` SQLAlchemy Core ``insert``
    executemany of dicts (JSON encoded by the column type)."""
    store = open_store(url)
    store.migrate()
    campaign_id, _, settings = _campaign(store)
    planned = campaign_settings.build_numbers([{"phone": p} for p in phones(total)], settings, NOW)
    store.close()
    engine = make_engine(url)
    with engine.connect() as conn:
        first = conn.execute(select(func.coalesce(func.max(numbers.c.id), 0))).scalar_one() + 1
    number_rows, job_rows = _rows(campaign_id, planned, first)
    number_names, number_tuples = _as_tuples(number_rows, numbers)
    job_names, job_tuples = _as_tuples(job_rows, call_jobs)
    start = time.perf_counter()
    for i in range(0, total, batch):
        with engine.begin() as conn:
            if core:
                conn.execute(insert(numbers), number_rows[i : i + batch])
                conn.execute(insert(call_jobs), job_rows[i : i + batch])
            else:
                _driver_insert(conn, numbers, number_names, number_tuples[i : i + batch])
                _driver_insert(conn, call_jobs, job_names, job_tuples[i : i + batch])
    elapsed = time.perf_counter() - start
    engine.dispose()
    return total / elapsed


def core_insert(url: str, total: int, batch: int) -> float:
    return raw_insert(url, total, batch, core=True)


def measure(db: Callable[[], Any], run: Callable[[str, int, int], float], *args: int) -> float:
    with db() as url:
        return run(url, *args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 000 numbers, batches of 1 000")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    options = parser.parse_args()
    total = 10_000 if options.quick else 100_000
    batches = (1_000,) if options.quick else (1_000, 10_000)
    backends: list[tuple[str, Callable[[], Any]]] = [("sqlite", sqlite_db)]
    if not options.no_postgres:
        backends.append(("postgres", postgres_db))
    print(f"{total:,} numbers per run; addPhones over HTTP (uvicorn in-process) vs raw inserts")
    print(
        f"{'backend':<10}{'batch':>8}{'addPhones/s':>14}{'raw insert/s':>15}{'ratio':>8}"
        f"{'Core insert/s':>16}"
    )
    for name, db in backends:
        for batch in batches:
            api = measure(db, via_api, total, batch)
            raw = measure(db, raw_insert, total, batch)
            core = measure(db, core_insert, total, batch)
            print(
                f"{name:<10}{batch:>8,}{api:>14,.0f}{raw:>15,.0f}{api / raw:>8.0%}{core:>16,.0f}",
                flush=True,
            )
    print("goal: ≥ 20 000 numbers/s on SQLite and ≥ 30% of the raw insert rate")


if __name__ == "__main__":
    main()
