"""Claims per second through the store vs the same SQL sent raw, with 1, 4 and 8 processes.

    .venv/bin/python -m bench.claims [--jobs 4000] [--only sqlite|postgres] [--workers 1,4,8]
                                     [--repeat 3]

Each case gets a fresh campaign of ``--jobs`` due jobs on 64 lines (the default keeps a run of
both databases under two minutes here). Worker processes (``spawn``)
loop: claim up to 8 jobs, finish each attempt (series over), until nothing is due. That is the
steady state of a dialer: every claim needs a line that a finish freed, so a claim is measured
together with the finish of its attempt, and "claims/s" = attempts claimed and finished / s.
Before the clock starts, each worker claims and finishes once on a warm-up campaign: the
connection is open, and the statements compiled (the store compiles each on first use, the
raw side in its constructor), a one-time cost per process that is not the steady state.

The baseline ("raw") runs the very same transactions on the bare driver connection
(``sqlite3`` / ``psycopg``): the claim statement is the store's own, compiled once; the other
statements are written out as the store sends them. Its rate is the physical limit of this
machine and database for that SQL; the ratio says what the Python store layer (SQLAlchemy
Core, records, retries) costs on top. Goal: ratio >= 0.70. Both run in the same invocation
because the machine is shared and noisy: each case runs raw and store alternately
``--repeat`` times, each on a fresh campaign, and keeps each side's best rate (noise only ever
slows a run down, so the best is the closest to what the code itself costs). It also times
one ``add_numbers`` of ``--add`` numbers per database (goal: >= 20 000 numbers/s on SQLite).

PostgreSQL runs in a temporary database on 127.0.0.1:5432 (dropped after) with
``synchronous_commit = off``: otherwise both sides measure the disk's fsync latency, not the
claim path. SQLite runs on a temporary file in WAL mode with ``synchronous=NORMAL`` (the
store's settings), where a commit does not wait for the disk either.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

LINES = 64
BATCH = 8
LEASE = timedelta(minutes=10)
T0 = datetime(2025, 3, 7, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=1)
PG_ADMIN = os.environ.get("RINGBACK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


# -- the two kinds of worker -----------------------------------------------------------------


def _timed(
    claim_and_finish: Callable[[int], int], campaigns: tuple[int, int], start: Any, out: Any
) -> None:
    """Warm up on the first campaign, wait for the others, then drain the second, timed."""
    warm_up, campaign_id = campaigns
    claim_and_finish(warm_up)
    start.wait()
    began = time.perf_counter()
    done = 0
    while claimed := claim_and_finish(campaign_id):
        done += claimed
    out.put((began, time.perf_counter(), done))


def store_worker(url: str, campaigns: tuple[int, int], worker: str, start: Any, out: Any) -> None:
    from ringback.store import open_store
    from ringback.store.base import AttemptResult, Schedule

    store = open_store(url)

    def claim_and_finish(campaign_id: int) -> int:
        claims = store.claim_due(campaign_id, worker, NOW, BATCH, LEASE)
        for claim in claims:
            nxt = Schedule(claim.job.id, "noAnswer", finished_at=NOW)
            store.finish_attempt(AttemptResult(claim.attempt.id, worker, NOW, "noAnswer", nxt))
        return len(claims)

    _timed(claim_and_finish, campaigns, start, out)
    store.close()


def raw_worker(url: str, campaigns: tuple[int, int], worker: str, start: Any, out: Any) -> None:
    raw = RawClaimer(url, worker)

    def claim_and_finish(campaign_id: int) -> int:
        jobs = raw.claim(campaign_id)
        for job_id, attempt_id in jobs:
            raw.finish(job_id, attempt_id)
        return len(jobs)

    _timed(claim_and_finish, campaigns, start, out)
    raw.close()


class RawClaimer:
    """The store's claim and finish transactions, statement for statement, on the bare driver."""

    def __init__(self, url: str, worker: str) -> None:
        from sqlalchemy.dialects import postgresql, sqlite

        from ringback.store import sqlstore
        from ringback.store.dialects import parse_url
        from ringback.store.sqlstore import to_ms

        self.worker = worker
        self.now, self.lease = to_ms(NOW), to_ms(NOW + LEASE)
        parsed = parse_url(url)
        self.sqlite = parsed.get_backend_name() == "sqlite"
        dialect: Any
        if self.sqlite:
            dialect = sqlite.dialect(paramstyle="named")
            self.conn: Any = sqlite3.connect(parsed.database, isolation_level=None, timeout=30)
            self.conn.execute("PRAGMA busy_timeout=30000")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.mark, self.begin, self.lock = ":", "BEGIN IMMEDIATE", ""
        else:
            import psycopg

            dialect = postgresql.dialect(paramstyle="pyformat")
            dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
            self.conn = psycopg.connect(dsn, autocommit=True, prepare_threshold=None)
            self.mark, self.begin, self.lock = "%", "BEGIN", " FOR UPDATE"
        claim = sqlstore._CLAIM.compile(dialect=dialect)
        # The compiled SQL and its fixed parameters (SQLite adds an OFFSET 0 to the LIMIT).
        self.claim_sql, self.claim_params = str(claim), dict(claim.params)
        self.busy_sql = str(sqlstore._BUSY_LINES.compile(dialect=dialect))

    def _p(self, name: str) -> str:
        return f":{name}" if self.mark == ":" else f"%({name})s"

    def _tx(self, work: Callable[[Any], Any]) -> Any:
        cur = self.conn.cursor()
        cur.execute(self.begin)
        try:
            result = work(cur)
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        cur.execute("COMMIT")
        return result

    def claim(self, campaign_id: int) -> list[tuple[int, int]]:
        import json

        p = self._p

        def work(cur: Any) -> list[tuple[int, int]]:
            cur.execute(
                f"SELECT status, settings FROM campaigns WHERE id = {p('c')}{self.lock}",
                {"c": campaign_id},
            )
            status, settings = cur.fetchone()
            if isinstance(settings, str):
                settings = json.loads(settings)
            cur.execute(self.busy_sql, {"b_campaign": campaign_id})
            busy = {row[0] for row in cur.fetchall()}
            free = [n for n in range(1, int(settings["maxSimultaneousCalls"]) + 1) if n not in busy]
            free = free[:BATCH]
            cur.execute(
                self.claim_sql,
                self.claim_params
                | {"b_campaign": campaign_id, "b_now": self.now, "b_limit": len(free)},
            )
            jobs = cur.fetchall()  # every column, as the store reads them
            if not jobs:
                return []
            values, params = [], {}
            for i, (job, line) in enumerate(zip(jobs, free, strict=False)):
                values.append(
                    f"({p(f'j{i}')}, {p('c')}, {p(f'ph{i}')}, {p(f'n{i}')}, {p('w')}, "
                    f"{p(f'l{i}')}, {p('now')}, {p('lease')}, 'UTC', 'campaign', 0, '{{}}', '[]')"
                )
                params |= {f"j{i}": job[0], f"ph{i}": job[3], f"n{i}": job[7], f"l{i}": line}
            params |= {"c": campaign_id, "w": self.worker, "now": self.now}
            params["lease"] = self.lease
            cur.execute(
                "INSERT INTO attempts (call_job_id, campaign_id, phone, attempt_number, worker, "
                "line, started_at, lease_until, zone, zone_source, call_duration, report_data, "
                f"transcript) VALUES {', '.join(values)} RETURNING call_job_id, id",
                params,
            )
            ids = cur.fetchall()
            if status != "inProgress":
                cur.execute(
                    f"UPDATE campaigns SET status = 'inProgress' WHERE id = {p('c')}",
                    {"c": campaign_id},
                )
            return [(job_id, attempt_id) for job_id, attempt_id in ids]

        result: list[tuple[int, int]] = self._tx(work)
        return result

    def finish(self, job_id: int, attempt_id: int) -> None:
        p = self._p
        lock = " FOR UPDATE OF attempts" if self.lock else ""

        def work(cur: Any) -> None:
            cur.execute(
                "SELECT attempts.call_job_id, call_jobs.cancel_requested, call_jobs.report_data, "
                "campaigns.status FROM attempts JOIN call_jobs ON call_jobs.id = "
                "attempts.call_job_id JOIN campaigns ON campaigns.id = attempts.campaign_id "
                f"WHERE attempts.id = {p('a')} AND attempts.worker = {p('w')} "
                f"AND attempts.finished_at IS NULL{lock}",
                {"a": attempt_id, "w": self.worker},
            )
            cur.fetchone()
            # The store's statements for a result without report data, call result or tag.
            cur.execute(
                f"UPDATE attempts SET finished_at = {p('now')}, outcome = 'noAnswer', "
                f"job_status = 'noAnswer', call_duration = 0, transcript = '[]' "
                f"WHERE id = {p('a')}",
                {"now": self.now, "a": attempt_id},
            )
            cur.execute(
                f"UPDATE call_jobs SET status = 'noAnswer', due_at = NULL, closes_at = NULL, "
                f"finished_at = {p('now')}, last_attempt_end = {p('now')}, "
                f"call_duration = call_duration + 0 WHERE id = {p('j')}",
                {"now": self.now, "j": job_id},
            )

        self._tx(work)

    def close(self) -> None:
        self.conn.close()


# -- running a case --------------------------------------------------------------------------


def prepare(url: str, jobs: int, workers: int) -> tuple[int, int]:
    """Fresh campaigns: one with a claim's worth of due jobs per worker (the warm-up) and one
    with ``jobs`` due jobs; returns their ids."""
    from ringback.store import open_store

    store = open_store(url)
    store.migrate()
    ids = []
    for name, count in (("warm-up", BATCH * workers), ("bench", jobs)):
        campaign = store.create_campaign(name, {"maxSimultaneousCalls": LINES}, T0)
        store.add_numbers(campaign.id, new_numbers(count), T0)
        ids.append(campaign.id)
    store.close()
    return ids[0], ids[1]


def add_rate(url: str, count: int) -> float:
    """Numbers per second through ``add_numbers`` (one call, all or nothing)."""
    from ringback.store import open_store

    store = open_store(url)
    store.migrate()
    campaign = store.create_campaign("bench", {}, T0)
    numbers = new_numbers(count)
    began = time.perf_counter()
    store.add_numbers(campaign.id, numbers, T0)
    rate = count / (time.perf_counter() - began)
    store.close()
    return rate


def new_numbers(count: int) -> list[Any]:
    from ringback.store.base import NewNumber

    return [
        NewNumber(
            phone=str(79_000_000_000 + i),
            payload={"i": i},
            fields={},
            gmt_zone=None,
            zone="UTC",
            zone_source="campaign",
            status="planned",
            due_at=T0,
            closes_at=T0 + timedelta(hours=8),
            priority=1 + i % 3,
            custom=i % 2 == 0,
        )
        for i in range(count)
    ]


def run_case(url: str, jobs: int, workers: int, target: Callable[..., None]) -> float:
    campaigns = prepare(url, jobs, workers)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Barrier(workers), ctx.Queue()
    processes = [
        ctx.Process(target=target, args=(url, campaigns, f"w{i}", start, out))
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    results = [out.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    claimed = sum(done for _, _, done in results)
    if claimed != jobs:
        raise SystemExit(f"lost claims: {claimed} of {jobs}")
    span = max(end for _, end, _ in results) - min(began for began, _, _ in results)
    return claimed / span


class Databases:
    """Temporary databases for one run: SQLite files in a temp dir, PostgreSQL databases."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="ringback-bench-")
        self.pg: list[str] = []

    def sqlite(self) -> str:
        return f"sqlite:///{self.folder.name}/{uuid.uuid4().hex[:8]}.sqlite3"

    def postgres(self) -> str:
        import psycopg

        name = f"ringback_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        self.pg.append(name)
        return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in self.pg:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.folder.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=4_000, help="due jobs per case")
    parser.add_argument("--workers", default="1,4,8", help="process counts, comma-separated")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument("--add", type=int, default=100_000, help="numbers in the add_numbers run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case and side (best kept)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    backends = [args.only] if args.only else ["sqlite", "postgres"]

    dbs = Databases()
    rows = []
    adds = []
    try:
        for backend in backends:
            new_url = dbs.sqlite if backend == "sqlite" else dbs.postgres
            adds.append((backend, add_rate(new_url(), args.add)))
            print(f"{backend:9} add_numbers {adds[-1][1]:8.0f} numbers/s", flush=True)
            for workers in counts:
                raw = store = 0.0
                for _ in range(args.repeat):
                    raw = max(raw, run_case(new_url(), args.jobs, workers, raw_worker))
                    store = max(store, run_case(new_url(), args.jobs, workers, store_worker))
                rows.append((backend, workers, raw, store))
                print(
                    f"{backend:9} {workers} proc  raw {raw:8.0f}/s  store {store:8.0f}/s  "
                    f"ratio {store / raw:5.2f}",
                    flush=True,
                )
    finally:
        dbs.drop()

    print(
        f"\nclaims/s ({args.jobs} jobs per case, {LINES} lines, claim {BATCH} + finish each, "
        f"best of {args.repeat})"
    )
    print(f"{'database':9} {'procs':>5} {'raw SQL':>10} {'store':>10} {'ratio':>6}")
    for backend, workers, raw, store in rows:
        print(f"{backend:9} {workers:>5} {raw:>10.0f} {store:>10.0f} {store / raw:>6.2f}")
    worst = min(store / raw for _, _, raw, store in rows)
    print(f"worst ratio {worst:.2f} (goal >= 0.70)")
    for backend, rate in adds:
        print(
            f"add_numbers {backend}: {rate:.0f} numbers/s for {args.add} (goal >= 20000 on SQLite)"
        )


if __name__ == "__main__":
    main()
