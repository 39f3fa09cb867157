"""The durable store: one implementation over SQLAlchemy Core for SQLite and PostgreSQL.

Every public method is one transaction (:meth:`SqlStore._run`). Writes on SQLite start with
``BEGIN IMMEDIATE`` (see :mod:`ringback.store.dialects`), so a write transaction holds the
database's write lock from its first statement; on PostgreSQL the claim locks the campaign row.

How the line limit stays airtight (``claim_due``): the claim transaction

1. locks the campaign row (``SELECT … FOR UPDATE``; on SQLite the write lock is already held),
   so claims of one campaign run one after another across all processes;
2. reads the lines of the campaign's unfinished attempts: free lines = 1..lines minus those;
   an attempt that finishes meanwhile only frees a line this claim does not use, and a claim
   that waited for the lock sees every claim committed before it (READ COMMITTED takes a new
   snapshot per statement);
3. takes up to that many due jobs in SPEC 1.4 order (a ``MATERIALIZED`` CTE ``… ORDER BY … LIMIT
   n FOR UPDATE SKIP LOCKED``, so rows another transaction is changing are passed over, never
   waited for) and sets them ``inProcess`` with ``UPDATE … RETURNING``;
4. inserts one attempt per job on the lowest free lines.

The unique partial indexes on unfinished attempts (one per line, one per job) make the database
refuse anything else, should a future change break the protocol.

The calls a dialer makes per attempt or per instant (claim, finish, ``next_due_at``, the
reaper's check) run on the driver connection with statements compiled once
(:mod:`ringback.store.driver`); everything else goes through SQLAlchemy Core as usual. Errors
from those are the driver's own (``sqlite3`` / ``psycopg``), not SQLAlchemy's wrappers.
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql as postgresql_dml
from sqlalchemy.dialects import sqlite as sqlite_dml
from sqlalchemy.engine import Row

from ringback.domain.errors import ValidationError
from ringback.store import dialects
from ringback.store.base import (
    DIALLING_CAMPAIGN_STATUSES,
    SCHEDULABLE_STATUSES,
    AttemptRecord,
    AttemptResult,
    CallJobRecord,
    CampaignCounts,
    CampaignRecord,
    Claim,
    IdempotenceState,
    InProgress,
    NewNumber,
    Page,
    Reservation,
    Schedule,
    StoredResponse,
    TimeFilter,
)
from ringback.store.dialects import json_serializer as encode
from ringback.store.driver import Driver, Transaction
from ringback.store.schema import (
    IN_FLIGHT_SQL,
    SCHEDULABLE_SQL,
    api_keys,
    attempts,
    call_jobs,
    campaigns,
    clients,
    idempotence_keys,
    numbers,
    redial_requests,
)

T = TypeVar("T")
P = ParamSpec("P")

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
IDEMPOTENCE_TTL = timedelta(hours=24)
#: Rows per statement for IN lists and bulk inserts (well under SQLite's and psycopg's limits).
CHUNK = 1000
#: Statuses of a job whose series goes on (not final).
OPEN_STATUSES = (*SCHEDULABLE_STATUSES, "inProcess")
STOPPED_CAMPAIGN_STATUSES = ("finished", "deleted")
DEADLOCK_RETRIES = 5


def to_ms(instant: datetime) -> int:
    """Exact integer Unix milliseconds (no float rounding); ``instant`` must be aware."""
    return (instant - EPOCH) // _MS


def opt_ms(instant: datetime | None) -> int | None:
    return None if instant is None else to_ms(instant)


def from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else _at(ms)


@functools.lru_cache(maxsize=4096)
def _at(ms: int) -> datetime:
    # Cached: the jobs of one claim or report share a few instants (creation, windows).
    return EPOCH + timedelta(milliseconds=ms)


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The SPEC 1.4 order, as SQL and as a Python key for rows returned by UPDATE … RETURNING
# (which come back in no particular order).
DUE_ORDER = (
    call_jobs.c.priority,
    call_jobs.c.custom.desc(),
    call_jobs.c.closes_at,
    call_jobs.c.due_at,
    call_jobs.c.id,
)


#: The call_jobs columns in the order of CallJobRecord's fields: the claim returns them so, as
#: driver tuples, and :func:`_claimed_job` unpacks them by position.
_JOB_FIELDS = tuple(f.name for f in dataclass_fields(CallJobRecord))
_AT = {name: i for i, name in enumerate(_JOB_FIELDS)}
_PRIORITY, _CUSTOM, _CLOSES, _DUE_AT, _ID = (
    _AT[name] for name in ("priority", "custom", "closes_at", "due_at", "id")
)
#: What an attempt copies from its job, in the order of _ATTEMPT_ROW_PARAMS (before the line).
_ATTEMPT_FROM_JOB = itemgetter(
    *(
        _AT[name]
        for name in ("id", "phone", "redial_number", "attempts_count", "zone", "zone_source")
    )
)


def _due_key(job: Sequence[Any]) -> tuple[int, bool, int, int, int]:
    """:data:`DUE_ORDER` for a claimed job's tuple (``not custom``: custom schedules first)."""
    return (job[_PRIORITY], not job[_CUSTOM], job[_CLOSES], job[_DUE_AT], job[_ID])


def _attempts_of(query: Any, conn: Connection) -> list[AttemptRecord]:
    return [_attempt(row) for row in conn.execute(query)]


def _campaign(row: Row[Any]) -> CampaignRecord:
    return CampaignRecord(
        id=row.id,
        token=row.token,
        name=row.name,
        status=row.status,
        settings=dict(row.settings),
        created_at=_at(row.created_at),
        updated_at=_at(row.updated_at),
        started_at=from_ms(row.started_at),
        finished_at=from_ms(row.finished_at),
    )


def _job(row: Row[Any]) -> CallJobRecord:
    """A job from a SQLAlchemy row (the claim builds its own from driver tuples:
    :func:`_claimed_job`)."""
    m = row._mapping
    return CallJobRecord(
        id=m["id"],
        campaign_id=m["campaign_id"],
        number_id=m["number_id"],
        phone=m["phone"],
        redial_number=m["redial_number"],
        policy=m["policy"],
        status=m["status"],
        attempts_count=m["attempts_count"],
        due_at=from_ms(m["due_at"]),
        closes_at=from_ms(m["closes_at"]),
        priority=m["priority"],
        custom=bool(m["custom"]),
        created_at=_at(m["created_at"]),
        finished_at=from_ms(m["finished_at"]),
        last_attempt_end=from_ms(m["last_attempt_end"]),
        call_duration=m["call_duration"],
        call_result=m["call_result"],
        call_result_payload=m["call_result_payload"],
        report_data=m["report_data"],
        tag_name=m["tag_name"],
        tag_payload=m["tag_payload"],
        zone=m["zone"],
        zone_source=m["zone_source"],
        gmt_zone=m["gmt_zone"],
        payload=m["payload"],
        cancel_requested=bool(m["cancel_requested"]),
    )


def _claimed_job(row: Sequence[Any], loads: Callable[[Any], Any]) -> CallJobRecord:
    """A job from a claim's driver tuple (:data:`_JOB_FIELDS`), JSON columns decoded by
    ``loads`` (:attr:`Driver.loads`)."""
    (
        id_,
        campaign_id,
        number_id,
        phone,
        redial_number,
        policy,
        status,
        attempts_count,
        due_at,
        closes_at,
        priority,
        custom,
        created_at,
        finished_at,
        last_attempt_end,
        call_duration,
        call_result,
        call_result_payload,
        report_data,
        tag_name,
        tag_payload,
        zone,
        zone_source,
        gmt_zone,
        payload,
        cancel_requested,
    ) = row
    at = _at  # the nullable instants inline from_ms: a call per field shows in the claim's cost
    return CallJobRecord(
        id_,
        campaign_id,
        number_id,
        phone,
        redial_number,
        loads(policy),
        status,
        attempts_count,
        None if due_at is None else at(due_at),
        None if closes_at is None else at(closes_at),
        priority,
        bool(custom),
        at(created_at),
        None if finished_at is None else at(finished_at),
        None if last_attempt_end is None else at(last_attempt_end),
        call_duration,
        call_result,
        loads(call_result_payload),
        loads(report_data),
        tag_name,
        loads(tag_payload),
        zone,
        zone_source,
        gmt_zone,
        loads(payload),
        bool(cancel_requested),
    )


def _attempt(row: Row[Any]) -> AttemptRecord:
    return AttemptRecord(
        id=row.id,
        call_job_id=row.call_job_id,
        campaign_id=row.campaign_id,
        phone=row.phone,
        redial_number=row.redial_number,
        attempt_number=row.attempt_number,
        worker=row.worker,
        line=row.line,
        started_at=_at(row.started_at),
        lease_until=_at(row.lease_until),
        finished_at=from_ms(row.finished_at),
        outcome=row.outcome,
        zone=row.zone,
        zone_source=row.zone_source,
        job_status=row.job_status,
        call_result=row.call_result,
        call_duration=row.call_duration,
        report_data=dict(row.report_data),
        tag_name=row.tag_name,
        tag_payload=row.tag_payload,
        transcript=list(row.transcript),
    )


def _settle(status: str, cancel_requested: bool, campaign_status: str) -> str:
    """The status a job really takes when its call ends with the decision ``status``.

    A series that would go on ends instead when the job was cancelled during the call
    (``cancelledByUser``) or the campaign was stopped meanwhile (``notDone``); a final decision
    (e.g. the callee answered) stands.
    """
    if status not in SCHEDULABLE_STATUSES:
        return status
    if cancel_requested:
        return "cancelledByUser"
    if campaign_status in STOPPED_CAMPAIGN_STATUSES:
        return "notDone"
    return status


def _retrying(transaction: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``transaction(*args)`` (one whole transaction), rerun when PostgreSQL broke a deadlock
    (each transaction is short and idempotent until it commits)."""
    for attempt in range(DEADLOCK_RETRIES):
        try:
            return transaction(*args, **kwargs)
        except Exception as error:
            if attempt + 1 == DEADLOCK_RETRIES or not dialects.is_deadlock(error):
                raise
    raise AssertionError("unreachable")


def _between(column: Any, low: datetime | None, high: datetime | None) -> list[Any]:
    conditions = []
    if low is not None:
        conditions.append(column >= to_ms(low))
    if high is not None:
        conditions.append(column <= to_ms(high))
    return conditions


@dataclass(slots=True)
class _Finishing:
    """One result's UPDATE parameters, built before its transaction (on SQLite, time in a
    transaction holds the write lock for every process). The parameters that depend on the
    rows read in the transaction (the settled status, the job, merged report data) are set
    there, by :meth:`settle`.

    A bare result (no report data, call result or tag: most calls of a dialer) takes the short
    statements, which leave those columns as they are."""

    result: AttemptResult
    bare: bool
    extra: bool  # a redial (or its refusal) or $client to record
    attempt: dict[str, Any]
    job: dict[str, Any]
    due: int | None
    closes: int | None
    finished: int | None

    @classmethod
    def of(cls, result: AttemptResult) -> _Finishing:
        ended = to_ms(result.finished_at)
        attempt: dict[str, Any] = {
            "b_attempt": result.attempt_id,
            "b_ended": ended,
            "b_outcome": result.outcome,
            "b_duration": result.call_duration,
            "b_transcript": encode(result.transcript),
        }
        job: dict[str, Any] = {"b_ended": ended, "b_duration": result.call_duration}
        bare = (
            not result.report_data
            and result.call_result is None
            and result.tag_name is None
            and result.tag_payload is None
        )
        if not bare:
            tag_payload = encode(result.tag_payload)
            attempt |= {
                "b_report": encode(result.report_data),
                "b_call_result": result.call_result,
                "b_tag": result.tag_name,
                "b_tag_payload": tag_payload,
            }
            job |= {
                "b_has_report": int(bool(result.report_data)),
                "b_report": "{}",
                "b_has_result": int(result.call_result is not None),
                "b_call_result": result.call_result,
                "b_call_result_payload": encode(result.call_result_payload),
                "b_has_tag": int(result.tag_name is not None),
                "b_tag": result.tag_name,
                "b_tag_payload": tag_payload,
            }
        nxt = result.next
        extra = (
            result.redial is not None
            or result.redial_ignored is not None
            or result.client_data is not None
        )
        return cls(
            result,
            bare,
            extra,
            attempt,
            job,
            opt_ms(nxt.due_at),
            opt_ms(nxt.closes_at),
            opt_ms(nxt.finished_at),
        )

    def settle(self, current: Sequence[Any], loads: Callable[[Any], Any]) -> None:
        """Set the parameters that depend on the attempt's ``current`` row (a driver tuple of
        :data:`_CURRENT`, see :func:`_settle`); rerunning it (a retried transaction) sets the
        same."""
        result = self.result
        _, _, job_id, _, _, cancel_requested, report_data, _, campaign_status = current
        wanted = result.next.status
        status = wanted
        if cancel_requested or campaign_status in STOPPED_CAMPAIGN_STATUSES:
            status = _settle(wanted, cancel_requested, campaign_status)
        ended = self.attempt["b_ended"]
        going_on = status in SCHEDULABLE_STATUSES
        if going_on:
            finished_at = None
        elif status != wanted:
            finished_at = ended  # settled here: the series ends with this call
        else:
            finished_at = self.finished or ended
        self.attempt["b_job_status"] = status
        job = self.job
        job["b_job"] = job_id
        job["b_status"] = status
        job["b_due"] = self.due if going_on else None
        job["b_closes"] = self.closes if going_on else None
        job["b_finished"] = finished_at
        if result.report_data:
            # New keys are merged into the job's report data; none given keeps it.
            job["b_report"] = encode(loads(report_data) | result.report_data)


class SqlStore:
    """:class:`ringback.store.base.Store` over one SQLAlchemy engine (one per store)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = dialects.make_engine(url)
        in_memory = dialects.is_in_memory(self.engine)
        # An in-memory SQLite database is one shared connection: one transaction at a time,
        # and nothing to gain from keeping it checked out.
        self._driver = Driver(self.engine, keep=not in_memory)
        self._lock: AbstractContextManager[Any] = threading.RLock() if in_memory else nullcontext()
        self._in_memory = in_memory

    # -- plumbing --------------------------------------------------------------------------
    def _run(self, work: Callable[[Connection], T], *, read: bool = False) -> T:
        """Run ``work`` in one transaction through SQLAlchemy."""

        def transaction() -> T:
            with self._lock, self.engine.connect() as conn:
                if read:
                    conn.execution_options(**{dialects.READ: True})
                with conn.begin():
                    return work(conn)

        return _retrying(transaction)

    def _run_hot(self, work: Callable[[Transaction], T], *, read: bool = False) -> T:
        """Run ``work`` in one transaction on the driver (:mod:`.driver`): the calls a dialer
        makes per attempt or per instant."""

        if not self._in_memory:  # no lock to take: spare the per-call context manager
            return _retrying(self._driver.run, work, read)

        def transaction() -> T:
            with self._lock:
                return self._driver.run(work, read)

        return _retrying(transaction)

    # -- lifecycle -------------------------------------------------------------------------
    def migrate(self) -> None:
        from ringback.store.migrations import upgrade

        with self._lock:
            upgrade(self.engine)

    def close(self) -> None:
        self._driver.close()
        self.engine.dispose()

    # -- campaigns -------------------------------------------------------------------------
    def create_campaign(self, name: str, settings: dict[str, Any], now: datetime) -> CampaignRecord:
        def work(conn: Connection) -> CampaignRecord:
            row = conn.execute(
                insert(campaigns)
                .values(
                    token=secrets.token_urlsafe(24),
                    name=name,
                    status="new",
                    settings=settings,
                    created_at=to_ms(now),
                    updated_at=to_ms(now),
                )
                .returning(*campaigns.c)
            ).one()
            return _campaign(row)

        return self._run(work)

    def get_campaign(self, campaign_id: int) -> CampaignRecord | None:
        return self._run(
            lambda conn: self._campaign_where(conn, campaigns.c.id == campaign_id), read=True
        )

    def get_campaign_by_token(self, token: str) -> CampaignRecord | None:
        return self._run(
            lambda conn: self._campaign_where(conn, campaigns.c.token == token), read=True
        )

    @staticmethod
    def _campaign_where(conn: Connection, condition: Any) -> CampaignRecord | None:
        row = conn.execute(select(campaigns).where(condition)).first()
        return None if row is None else _campaign(row)

    def list_campaigns(self) -> list[CampaignRecord]:
        query = select(campaigns).where(campaigns.c.status != "deleted").order_by(campaigns.c.id)
        return self._run(lambda conn: [_campaign(r) for r in conn.execute(query)], read=True)

    def active_campaigns(self) -> list[CampaignRecord]:
        query = (
            select(campaigns)
            .where(campaigns.c.status.in_((*DIALLING_CAMPAIGN_STATUSES, "paused")))
            .order_by(campaigns.c.id)
        )
        return self._run(lambda conn: [_campaign(r) for r in conn.execute(query)], read=True)

    def update_campaign(
        self,
        campaign_id: int,
        now: datetime,
        *,
        name: str | None = None,
        settings: dict[str, Any] | None = None,
    ) -> CampaignRecord:
        values: dict[str, Any] = {"updated_at": to_ms(now)}
        if name is not None:
            values["name"] = name
        if settings is not None:
            values["settings"] = settings
        return self._run(lambda conn: self._update_campaign(conn, campaign_id, values))

    @staticmethod
    def _update_campaign(
        conn: Connection, campaign_id: int, values: dict[str, Any]
    ) -> CampaignRecord:
        row = conn.execute(
            update(campaigns)
            .where(campaigns.c.id == campaign_id)
            .values(**values)
            .returning(*campaigns.c)
        ).first()
        if row is None:
            raise KeyError(campaign_id)
        return _campaign(row)

    def set_campaign_status(self, campaign_id: int, status: str, now: datetime) -> CampaignRecord:
        now_ms = to_ms(now)

        def work(conn: Connection) -> CampaignRecord:
            values: dict[str, Any] = {"status": status, "updated_at": now_ms}
            if status == "inProgress":
                values["started_at"] = func.coalesce(campaigns.c.started_at, now_ms)
            if status in STOPPED_CAMPAIGN_STATUSES:
                values["finished_at"] = func.coalesce(campaigns.c.finished_at, now_ms)
            record = self._update_campaign(conn, campaign_id, values)
            if status in STOPPED_CAMPAIGN_STATUSES:
                # Jobs in a call end with it (finish_attempt settles them as notDone).
                conn.execute(
                    update(call_jobs)
                    .where(call_jobs.c.campaign_id == campaign_id, text(SCHEDULABLE_SQL))
                    .values(status="notDone", finished_at=now_ms, due_at=None, closes_at=None)
                )
            return record

        return self._run(work)

    # -- numbers and scheduling ------------------------------------------------------------
    def add_numbers(
        self, campaign_id: int, numbers_: Sequence[NewNumber], now: datetime
    ) -> list[int]:
        now_ms = to_ms(now)
        phones = [n.phone for n in numbers_]
        twice = {phone for phone, seen in Counter(phones).items() if seen > 1}

        def work(conn: Connection) -> list[int]:
            if (
                conn.execute(select(campaigns.c.id).where(campaigns.c.id == campaign_id)).first()
                is None
            ):
                raise KeyError(campaign_id)
            present: set[str] = set()
            for chunk in _chunks(sorted(set(phones))):
                present.update(
                    conn.execute(
                        select(numbers.c.phone).where(
                            numbers.c.campaign_id == campaign_id, numbers.c.phone.in_(chunk)
                        )
                    ).scalars()
                )
            duplicates = list(dict.fromkeys(p for p in phones if p in twice or p in present))
            if duplicates:
                raise ValidationError(
                    "phone.duplicated",
                    f"phone {duplicates[0]} is already in the campaign or given twice",
                    phone=duplicates[0],
                    phonesDuplicates=duplicates,
                )
            number_ids = dialects.reserve_ids(conn, numbers, len(numbers_))
            job_ids = dialects.reserve_ids(conn, call_jobs, len(numbers_))
            number_rows = []
            job_rows = []
            for n, number_id, job_id in zip(numbers_, number_ids, job_ids, strict=True):
                payload, fields = encode(n.payload), encode(n.fields)
                number_rows.append(
                    (
                        number_id,
                        campaign_id,
                        n.phone,
                        payload,
                        fields,
                        n.gmt_zone,
                        encode(n.external_check),
                        now_ms,
                    )
                )
                job_rows.append(
                    (
                        job_id,
                        campaign_id,
                        number_id,
                        n.phone,
                        fields,
                        n.status,
                        opt_ms(n.due_at),
                        opt_ms(n.closes_at),
                        n.priority,
                        n.custom,
                        now_ms,
                        opt_ms(n.finished_at),
                        n.zone,
                        n.zone_source,
                        n.gmt_zone,
                        payload,
                        0,
                        0,
                        "{}",
                        False,
                    )
                )
            for number_chunk in _chunks(number_rows):
                dialects.bulk_insert(conn, numbers, _NUMBER_COLUMNS, number_chunk)
            for job_chunk in _chunks(job_rows):
                dialects.bulk_insert(conn, call_jobs, _NEW_JOB_COLUMNS, job_chunk)
            return job_ids

        return self._run(work)

    def jobs_to_schedule(self, campaign_id: int, now: datetime, limit: int) -> list[CallJobRecord]:
        """Unscheduled jobs first (by id), then those whose window closed (by ``closes_at``,
        id), so that both halves walk ``ix_call_jobs_schedule`` in order."""
        base = select(call_jobs).where(
            call_jobs.c.campaign_id == campaign_id, text(SCHEDULABLE_SQL)
        )

        def work(conn: Connection) -> list[CallJobRecord]:
            rows = list(
                conn.execute(
                    base.where(call_jobs.c.closes_at.is_(None))
                    .order_by(call_jobs.c.id)
                    .limit(limit)
                )
            )
            if len(rows) < limit:
                rows += conn.execute(
                    base.where(call_jobs.c.closes_at <= to_ms(now))
                    .order_by(call_jobs.c.closes_at, call_jobs.c.id)
                    .limit(limit - len(rows))
                )
            return [_job(r) for r in rows]

        return self._run(work, read=True)

    def apply_schedules(self, schedules: Sequence[Schedule]) -> None:
        if not schedules:
            return
        statement = (
            update(call_jobs)
            .where(call_jobs.c.id == bindparam("b_id"), text(SCHEDULABLE_SQL))
            .values(
                status=bindparam("b_status"),
                due_at=bindparam("b_due"),
                closes_at=bindparam("b_closes"),
                finished_at=bindparam("b_finished"),
            )
        )
        # By id, so that concurrent writers lock rows in one order (no deadlock).
        rows = [
            {
                "b_id": s.job_id,
                "b_status": s.status,
                "b_due": opt_ms(s.due_at),
                "b_closes": opt_ms(s.closes_at),
                "b_finished": opt_ms(s.finished_at),
            }
            for s in sorted(schedules, key=lambda s: s.job_id)
        ]

        def work(conn: Connection) -> None:
            for chunk in _chunks(rows):
                conn.execute(statement, list(chunk))

        self._run(work)

    def claim_due(
        self, campaign_id: int, worker: str, now: datetime, limit: int, lease: timedelta
    ) -> list[Claim]:
        return self.finish_and_claim((), campaign_id, worker, now, limit, lease)[1]

    def finish_and_claim(
        self,
        results: Sequence[AttemptResult],
        campaign_id: int,
        worker: str,
        now: datetime,
        limit: int,
        lease: timedelta,
    ) -> tuple[list[bool], list[Claim]]:
        now_ms = to_ms(now)
        lease_ms = to_ms(now + lease)

        finishing = [_Finishing.of(result) for result in results]
        reads = _finish_reads(self._driver, finishing) if finishing else []

        def work(tx: Transaction) -> tuple[list[bool], list[tuple[Any, int, int]]]:
            done = self._finish_in(tx, finishing, reads) if finishing else []
            return done, self._claim_in(tx, campaign_id, worker, now_ms, limit, lease_ms)

        # JSON is decoded and records built after the commit: on SQLite, time in the
        # transaction is time every other process waits for the write lock.
        done, claimed = self._run_hot(work)
        loads = self._driver.loads
        lease_until = _at(lease_ms)
        claims = []
        for row, attempt_id, line in claimed:
            job = _claimed_job(row, loads)
            attempt = AttemptRecord(
                attempt_id,
                job.id,
                campaign_id,
                job.phone,
                job.redial_number,
                job.attempts_count,
                worker,
                line,
                now,
                lease_until,
                None,
                None,
                job.zone,
                job.zone_source,
            )
            claims.append(Claim(attempt, job))
        return done, claims

    @staticmethod
    def _claim_in(
        tx: Transaction, campaign_id: int, worker: str, now_ms: int, limit: int, lease_ms: int
    ) -> list[tuple[Any, int, int]]:
        """The claim (see the module docstring): (job tuple, attempt id, line) per claimed job,
        the job as the driver returned it (:data:`_JOB_FIELDS`, for :func:`_claimed_job` after
        the commit)."""
        rows = tx.tuples
        found = rows(_LOCK_CAMPAIGN, {"b_campaign": campaign_id})
        if not found or found[0][0] not in DIALLING_CAMPAIGN_STATUSES:
            return []
        [(status, settings)] = found
        busy = {line for (line,) in rows(_BUSY_LINES, {"b_campaign": campaign_id})}
        lines = int(tx.loads(settings).get("maxSimultaneousCalls", 1))
        free = _free_lines(lines, busy, limit)
        if not free:
            return []
        claimed: list[tuple[Any, int, int]] = []
        # In chunks: a statement takes a bounded number of parameters (SQLite, psycopg).
        for start in range(0, len(free), CHUNK):
            lines_ = free[start : start + CHUNK]
            claim = {"b_campaign": campaign_id, "b_now": now_ms, "b_limit": len(lines_)}
            jobs = sorted(rows(_CLAIM, claim), key=_due_key)
            if not jobs:
                break
            values: dict[str, Any] = {"c": campaign_id, "w": worker, "s": now_ms, "l": lease_ms}
            for names, job, line in zip(_ATTEMPT_ROW_PARAMS, jobs, lines_, strict=False):
                values.update(zip(names, (*_ATTEMPT_FROM_JOB(job), line), strict=True))
            # RETURNING rows (call_job_id, id) may come back in any order, hence the job ids.
            ids = dict(rows(_insert_attempts(len(jobs)), values))
            claimed += [(job, ids[job[_ID]], line) for job, line in zip(jobs, lines_, strict=False)]
            if len(jobs) < len(lines_):
                break
        if claimed and status != "inProgress":
            rows(_START_CAMPAIGN, {"b_campaign": campaign_id, "b_now": now_ms})
        return claimed

    def extend_leases(self, worker: str, attempt_ids: Sequence[int], until: datetime) -> set[int]:
        def work(conn: Connection) -> set[int]:
            extended: set[int] = set()
            for chunk in _chunks(list(attempt_ids)):
                extended.update(
                    conn.execute(
                        update(attempts)
                        .where(
                            attempts.c.worker == worker,
                            attempts.c.id.in_(chunk),
                            text(IN_FLIGHT_SQL),
                        )
                        .values(lease_until=to_ms(until))
                        .returning(attempts.c.id)
                    ).scalars()
                )
            return extended

        return self._run(work)

    def finish_attempt(self, result: AttemptResult) -> bool:
        return self.finish_attempts([result])[0]

    def finish_attempts(self, results: Sequence[AttemptResult]) -> list[bool]:
        """Several :meth:`finish_attempt` in one transaction (the calls a dialer saw end at
        one instant): one read of the attempts, one ``executemany`` per table, one commit."""
        if not results:
            return []
        finishing = [_Finishing.of(result) for result in results]
        reads = _finish_reads(self._driver, finishing)
        return self._run_hot(lambda tx: self._finish_in(tx, finishing, reads))

    def _finish_in(
        self,
        tx: Transaction,
        finishing: Sequence[_Finishing],
        reads: list[tuple[str, Any]],
    ) -> list[bool]:
        """Finish the attempts in the transaction ``tx``: one bool per result. ``reads``:
        :func:`_finish_reads` of them, built before the transaction like ``finishing``."""
        # Locks the attempts (PostgreSQL, in id order), so the reaper cannot take one
        # half-way.
        current: dict[int, Any] = {}
        for sql, args in reads:
            for row in tx.execute(sql, args):
                current[row[0]] = row
        done: list[bool] = []
        # The UPDATE parameters of both tables, for bare results and for the others.
        bare: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
        full: tuple[list[dict[str, Any]], list[dict[str, Any]]] = ([], [])
        extras: list[tuple[AttemptResult, dict[str, Any]]] = []
        loads = tx.loads
        for f in finishing:
            result = f.result
            row = current.get(result.attempt_id)
            if row is None or row[1] != result.worker:
                done.append(False)  # another worker's result leaves it to a later one
                continue
            del current[result.attempt_id]  # an attempt named twice is finished once
            done.append(True)
            f.settle(row, loads)
            attempt_rows, job_rows = bare if f.bare else full
            attempt_rows.append(f.attempt)
            job_rows.append(f.job)
            if f.extra:
                extras.append((result, dict(zip(_CURRENT, row, strict=True))))
        tx.run_many(_FINISH_BARE_ATTEMPT, bare[0])
        tx.run_many(_FINISH_BARE_JOB, bare[1])
        tx.run_many(_FINISH_ATTEMPT, full[0])
        tx.run_many(_FINISH_JOB, full[1])
        for result, row in extras:
            self._record_redial(tx, result, row)
            if result.client_data is not None:
                tx.run(
                    dialects.upsert_statement(self.engine.dialect.name, clients),
                    {
                        "b_campaign_id": row["campaign_id"],
                        "b_phone": row["phone"],
                        "b_data": encode(result.client_data),
                        "b_updated_at": to_ms(result.finished_at),
                    },
                )
        return done

    @staticmethod
    def _record_redial(tx: Transaction, result: AttemptResult, current: dict[str, Any]) -> None:
        redial = result.redial
        if redial is None and result.redial_ignored is None:
            return
        ended = to_ms(result.finished_at)
        job_id = None
        if redial is not None:
            [source] = tx.rows(_REDIAL_SOURCE, {"b_job": current["call_job_id"]})
            [last] = tx.rows(_LAST_REDIAL, {"b_number": current["number_id"]})
            [created] = tx.rows(
                _INSERT_REDIAL_JOB,
                {
                    "b_campaign": current["campaign_id"],
                    "b_number": current["number_id"],
                    "b_phone": current["phone"],
                    "b_redial": (last["last"] or 0) + 1,
                    "b_policy": encode(redial.policy),
                    "b_status": redial.status,
                    "b_due": opt_ms(redial.due_at),
                    "b_closes": opt_ms(redial.closes_at),
                    "b_priority": redial.priority,
                    "b_created": ended,
                    "b_finished": opt_ms(redial.finished_at),
                    "b_zone": redial.zone,
                    "b_zone_source": redial.zone_source,
                    "b_gmt_zone": source["gmt_zone"],
                    "b_payload": encode(source["payload"]),
                },
            )
            job_id = created["id"]
        tx.run(
            _INSERT_REDIAL_REQUEST,
            {
                "b_campaign": current["campaign_id"],
                "b_phone": current["phone"],
                "b_attempt": result.attempt_id,
                "b_accepted": redial is not None,
                "b_reason": result.redial_ignored,
                "b_policy": None if redial is None else encode(redial.policy),
                "b_job": job_id,
                "b_created": ended,
            },
        )

    def reap_expired(self, now: datetime) -> list[AttemptRecord]:
        # A dialer calls this every lease and there is almost never anything to reap: a cheap
        # read first, the write transaction only when an attempt did expire.
        if not self._run_hot(lambda tx: tx.rows(_EXPIRED, {"b_now": to_ms(now)}), read=True):
            return []

        def work(conn: Connection) -> list[AttemptRecord]:
            reaped = conn.execute(
                update(attempts)
                .where(text(IN_FLIGHT_SQL), attempts.c.lease_until < to_ms(now))
                .values(finished_at=attempts.c.lease_until, outcome="failed")
                .returning(*attempts.c)
            ).all()
            if not reaped:
                return []
            states = {
                row.id: row
                for row in conn.execute(
                    select(
                        call_jobs.c.id,
                        call_jobs.c.cancel_requested,
                        campaigns.c.status.label("campaign_status"),
                    )
                    .join(campaigns, campaigns.c.id == call_jobs.c.campaign_id)
                    .where(call_jobs.c.id.in_([a.call_job_id for a in reaped]))
                )
            }
            records = []
            for row in sorted(reaped, key=lambda a: a.call_job_id):
                state = states[row.call_job_id]
                status = _settle("onRetry", state.cancel_requested, state.campaign_status)
                conn.execute(
                    update(call_jobs)
                    .where(call_jobs.c.id == row.call_job_id)
                    .values(
                        status=status,
                        due_at=None,
                        closes_at=None,
                        finished_at=None if status == "onRetry" else row.finished_at,
                        last_attempt_end=row.finished_at,
                    )
                )
                conn.execute(
                    update(attempts).where(attempts.c.id == row.id).values(job_status=status)
                )
                records.append(replace(_attempt(row), job_status=status))
            return sorted(records, key=lambda a: a.id)

        return self._run(work)

    def next_due_at(self, campaign_id: int) -> datetime | None:
        [row] = self._run_hot(lambda tx: tx.rows(_NEXT_DUE, {"b_campaign": campaign_id}), read=True)
        return from_ms(row["due"])

    def cancel_jobs(
        self, campaign_id: int, phones: Sequence[str], ids: Sequence[int], now: datetime
    ) -> list[int]:
        """Returns the named jobs that are cancelled now or will be when their call ends
        (already final jobs other than ``cancelledByUser`` are left out), by id."""

        def work(conn: Connection) -> list[int]:
            named = self._named_jobs(conn, campaign_id, phones, ids)
            for chunk in _chunks(named):
                conn.execute(
                    update(call_jobs)
                    .where(call_jobs.c.id.in_(chunk), text(SCHEDULABLE_SQL))
                    .values(
                        status="cancelledByUser",
                        finished_at=to_ms(now),
                        due_at=None,
                        closes_at=None,
                    )
                )
                conn.execute(
                    update(call_jobs)
                    .where(call_jobs.c.id.in_(chunk), call_jobs.c.status == "inProcess")
                    .values(cancel_requested=True)
                )
            cancelled: list[int] = []
            for chunk in _chunks(named):
                cancelled += conn.execute(
                    select(call_jobs.c.id).where(
                        call_jobs.c.id.in_(chunk),
                        or_(
                            call_jobs.c.status == "cancelledByUser",
                            call_jobs.c.cancel_requested.is_(True),
                        ),
                    )
                ).scalars()
            return sorted(cancelled)

        return self._run(work)

    @staticmethod
    def _named_jobs(
        conn: Connection, campaign_id: int, phones: Sequence[str], ids: Sequence[int]
    ) -> list[int]:
        """Ids of the union of the jobs named, by id; raises ``id.not.found`` /
        ``phone.not.found`` naming the first unknown one."""
        found: set[int] = set()
        wanted_ids = list(dict.fromkeys(ids))
        for chunk in _chunks(wanted_ids):
            found.update(
                conn.execute(
                    select(call_jobs.c.id).where(
                        call_jobs.c.campaign_id == campaign_id, call_jobs.c.id.in_(chunk)
                    )
                ).scalars()
            )
        missing_ids = [i for i in wanted_ids if i not in found]
        if missing_ids:
            raise ValidationError(
                "id.not.found", f"call job {missing_ids[0]} not found in this campaign"
            )
        wanted_phones = list(dict.fromkeys(phones))
        seen: set[str] = set()
        for phone_chunk in _chunks(wanted_phones):
            for job_id, phone in conn.execute(
                select(call_jobs.c.id, call_jobs.c.phone).where(
                    call_jobs.c.campaign_id == campaign_id, call_jobs.c.phone.in_(phone_chunk)
                )
            ):
                found.add(job_id)
                seen.add(phone)
        missing_phones = [p for p in wanted_phones if p not in seen]
        if missing_phones:
            raise ValidationError(
                "phone.not.found", f"phone {missing_phones[0]} not found in this campaign"
            )
        return sorted(found)

    def redial_attempts_used(self, campaign_id: int, phone: str) -> int:
        query = select(func.coalesce(func.sum(call_jobs.c.attempts_count), 0)).where(
            call_jobs.c.campaign_id == campaign_id,
            call_jobs.c.phone == phone,
            call_jobs.c.redial_number.is_not(None),
        )
        return self._run(lambda conn: int(conn.execute(query).scalar_one()), read=True)

    # -- reports ---------------------------------------------------------------------------
    def get_jobs(
        self, campaign_id: int, *, phones: Sequence[str] = (), ids: Sequence[int] = ()
    ) -> list[CallJobRecord]:
        def work(conn: Connection) -> list[CallJobRecord]:
            named = self._named_jobs(conn, campaign_id, phones, ids)
            return self._by_ids(conn, call_jobs, call_jobs.c.id, named, _job)

        return self._run(work, read=True)

    def get_attempts(
        self, campaign_id: int, *, phones: Sequence[str] = (), ids: Sequence[int] = ()
    ) -> list[AttemptRecord]:
        def work(conn: Connection) -> list[AttemptRecord]:
            named = self._named_jobs(conn, campaign_id, phones, ids)
            return self._by_ids(conn, attempts, attempts.c.call_job_id, named, _attempt)

        return self._run(work, read=True)

    @staticmethod
    def _by_ids(
        conn: Connection,
        table: Any,
        column: Any,
        ids: Sequence[int],
        convert: Callable[[Row[Any]], T],
    ) -> list[T]:
        rows: list[Row[Any]] = []
        for chunk in _chunks(ids):
            rows += conn.execute(select(table).where(column.in_(chunk)))
        return [convert(r) for r in sorted(rows, key=lambda r: r.id)]

    def jobs_by_date(self, campaign_id: int, flt: TimeFilter, page: Page) -> list[CallJobRecord]:
        query = select(call_jobs).where(
            call_jobs.c.campaign_id == campaign_id,
            *_between(call_jobs.c.created_at, flt.first_from, flt.first_to),
            *_between(call_jobs.c.finished_at, flt.finished_from, flt.finished_to),
        )
        return self._page(query.order_by(call_jobs.c.id), page, _job)

    def unfinished_jobs(self, campaign_id: int, page: Page) -> list[CallJobRecord]:
        query = select(call_jobs).where(
            call_jobs.c.campaign_id == campaign_id, call_jobs.c.finished_at.is_(None)
        )
        return self._page(query.order_by(call_jobs.c.id), page, _job)

    def attempts_by_date(
        self, campaign_id: int, flt: TimeFilter, page: Page
    ) -> list[AttemptRecord]:
        query = select(attempts).where(
            attempts.c.campaign_id == campaign_id,
            *_between(attempts.c.started_at, flt.first_from, flt.first_to),
            *_between(attempts.c.finished_at, flt.finished_from, flt.finished_to),
        )
        return self._page(query.order_by(attempts.c.id), page, _attempt)

    def _page(self, query: Any, page: Page, convert: Callable[[Row[Any]], T]) -> list[T]:
        paged = query.limit(page.page_size).offset(page.page * page.page_size)
        return self._run(lambda conn: [convert(r) for r in conn.execute(paged)], read=True)

    def iter_attempts(self, campaign_id: int) -> Iterator[AttemptRecord]:
        """Reads in chunks by id (each its own short transaction), so that a long export never
        holds a transaction open. Attempt ids grow in claim order, i.e. start order."""
        after = 0
        while True:
            query = (
                select(attempts)
                .where(attempts.c.campaign_id == campaign_id, attempts.c.id > after)
                .order_by(attempts.c.id)
                .limit(CHUNK)
            )
            chunk = self._run(functools.partial(_attempts_of, query), read=True)
            yield from chunk
            if len(chunk) < CHUNK:
                return
            after = chunk[-1].id

    def counts(self, campaign_id: int) -> CampaignCounts:
        open_job = call_jobs.c.status.in_(OPEN_STATUSES)

        def work(conn: Connection) -> CampaignCounts:
            total = conn.execute(
                select(func.count()).where(numbers.c.campaign_id == campaign_id)
            ).scalar_one()
            jobs = conn.execute(
                select(
                    func.count(func.distinct(_when(open_job, call_jobs.c.number_id))),
                    func.count(_when(call_jobs.c.status == "onRetry", call_jobs.c.id)),
                    func.coalesce(func.sum(call_jobs.c.call_duration), 0),
                ).where(call_jobs.c.campaign_id == campaign_id)
            ).one()
            in_flight = conn.execute(
                select(func.count())
                .select_from(attempts)
                .where(attempts.c.campaign_id == campaign_id, text(IN_FLIGHT_SQL))
            ).scalar_one()
            return CampaignCounts(
                total_numbers=int(total),
                processed_numbers=int(total) - int(jobs[0]),
                in_process=int(in_flight),
                on_retry=int(jobs[1]),
                talk_seconds=int(jobs[2]),
            )

        return self._run(work, read=True)

    # -- $client, idempotence, API keys ----------------------------------------------------
    def get_client(self, campaign_id: int, phone: str) -> dict[str, Any]:
        query = select(clients.c.data).where(
            clients.c.campaign_id == campaign_id, clients.c.phone == phone
        )
        data = self._run(lambda conn: conn.execute(query).scalar(), read=True)
        return dict(data) if data else {}

    def reserve_idempotent(
        self, scope: str, key: str, request_hash: str, now: datetime, lease: timedelta
    ) -> IdempotenceState:
        token = secrets.token_hex(16)
        mine = {
            "scope": scope,
            "key": key,
            "request_hash": request_hash,
            "created_at": to_ms(now),
            "owner": token,
            "lease_until": to_ms(now + lease),
        }
        c = idempotence_keys.c
        current = select(c.status_code, c.body, c.request_hash, c.lease_until).where(
            c.scope == scope, c.key == key
        )

        def work(conn: Connection) -> IdempotenceState:
            conn.execute(
                idempotence_keys.delete().where(c.scope == scope, c.key == key, _expired(now))
            )
            while not _insert_if_free(conn, mine):
                row = conn.execute(current).first()
                if row is not None:
                    if row.status_code is None:
                        return InProgress(row.request_hash, _at(row.lease_until))
                    return StoredResponse(row.status_code, row.body, row.request_hash)
                # PostgreSQL only (on SQLite this transaction holds the write lock): the holder
                # released the key between the two statements, so it is free again.
            return Reservation(token)

        return self._run(work)

    def complete_idempotent(
        self, scope: str, key: str, token: str, response: StoredResponse, now: datetime
    ) -> bool:
        stored = {
            "status_code": response.status_code,
            "body": response.body,
            "request_hash": response.request_hash,
            "created_at": to_ms(now),
            "owner": None,
            "lease_until": None,
        }
        row = {"scope": scope, "key": key, **stored}
        c = idempotence_keys.c

        def work(conn: Connection) -> bool:
            held = conn.execute(
                update(idempotence_keys)
                .where(c.scope == scope, c.key == key, c.owner == token)
                .values(stored)
            )
            conn.execute(idempotence_keys.delete().where(_expired(now)))
            # The reservation is gone when its lease passed (purged, or taken by another
            # request): the response is still stored if nobody holds the key now.
            return held.rowcount == 1 or _insert_if_free(conn, row)

        return self._run(work)

    def release_idempotent(self, scope: str, key: str, token: str) -> None:
        c = idempotence_keys.c
        release = idempotence_keys.delete().where(c.scope == scope, c.key == key, c.owner == token)
        self._run(lambda conn: conn.execute(release))

    def add_api_key(self, key_hash: str, now: datetime) -> None:
        values = {"key_hash": key_hash, "created_at": to_ms(now)}
        self._run(lambda conn: dialects.upsert(conn, api_keys, values))

    def has_api_key(self, key_hash: str) -> bool:
        query = select(api_keys.c.key_hash).where(api_keys.c.key_hash == key_hash)
        return self._run(lambda conn: conn.execute(query).first() is not None, read=True)

    def any_api_key(self) -> bool:
        query = select(api_keys.c.key_hash).limit(1)
        return self._run(lambda conn: conn.execute(query).first() is not None, read=True)


def _expired(now: datetime) -> Any:
    """Idempotence entries that no longer hold their key: reservations whose lease has passed,
    responses stored 24 h ago or more."""
    c = idempotence_keys.c
    return or_(
        c.lease_until <= to_ms(now),
        and_(c.lease_until.is_(None), c.created_at <= to_ms(now - IDEMPOTENCE_TTL)),
    )


def _insert_if_free(conn: Connection, values: dict[str, Any]) -> bool:
    """Insert an idempotence entry unless its key has one: ``INSERT … ON CONFLICT DO NOTHING``,
    True when the row went in. On PostgreSQL it waits for a concurrent transaction inserting
    the same key, then conflicts (that one committed) or goes in (it rolled back).

    ``RETURNING`` tells what happened: SQLAlchemy reports no ``rowcount`` for this statement
    on psycopg (-1)."""
    dml = sqlite_dml if conn.dialect.name == "sqlite" else postgresql_dml
    statement = dml.insert(idempotence_keys).values(values).on_conflict_do_nothing()
    return conn.execute(statement.returning(idempotence_keys.c.scope)).first() is not None


def _when(condition: Any, value: Any) -> Any:
    return case((condition, value))


def _free_lines(lines: int, busy: set[int], limit: int) -> list[int]:
    """The lowest free line numbers, as many as the limit and the lines left allow.

    Lines are counted, not just looked up: after ``maxSimultaneousCalls`` went down from 3 to
    1 with calls on lines 2 and 3, line 1 is free by number but no line is left.
    """
    wanted = min(limit, lines - len(busy))
    free: list[int] = []
    line = 1
    while len(free) < wanted:
        if line not in busy:
            free.append(line)
        line += 1
    return free


_NUMBER_COLUMNS = (
    "id",
    "campaign_id",
    "phone",
    "payload",
    "fields",
    "gmt_zone",
    "external_check",
    "created_at",
)
# The columns add_numbers sets (the others are NULL: a fresh job has no attempt yet).
_NEW_JOB_COLUMNS = (
    "id",
    "campaign_id",
    "number_id",
    "phone",
    "policy",
    "status",
    "due_at",
    "closes_at",
    "priority",
    "custom",
    "created_at",
    "finished_at",
    "zone",
    "zone_source",
    "gmt_zone",
    "payload",
    "attempts_count",
    "call_duration",
    "report_data",
    "cancel_requested",
)


# The hot statements (claim, finish), built once: SQLAlchemy then reuses their cache keys and
# compiled forms, where a statement built per call costs more Python than the database's work.
def _given(flag: str, value: Any, column: Any) -> Any:
    return case((bindparam(flag, type_=Integer) == 1, value), else_=column)


_LOCK_CAMPAIGN = (
    select(campaigns.c.status, campaigns.c.settings)
    .where(campaigns.c.id == bindparam("b_campaign"))
    .with_for_update()
)
_START_CAMPAIGN = (
    update(campaigns)
    .where(campaigns.c.id == bindparam("b_campaign"))
    .values(
        status="inProgress",
        started_at=func.coalesce(campaigns.c.started_at, bindparam("b_now")),
        updated_at=bindparam("b_now"),
    )
)
_LAST_REDIAL = select(func.max(call_jobs.c.redial_number).label("last")).where(
    call_jobs.c.number_id == bindparam("b_number")
)
_INSERT_REDIAL_JOB = (
    insert(call_jobs)
    .values(
        campaign_id=bindparam("b_campaign"),
        number_id=bindparam("b_number"),
        phone=bindparam("b_phone"),
        redial_number=bindparam("b_redial"),
        policy=bindparam("b_policy"),
        status=bindparam("b_status"),
        attempts_count=0,
        due_at=bindparam("b_due"),
        closes_at=bindparam("b_closes"),
        priority=bindparam("b_priority"),
        custom=True,  # a redial series is a custom schedule (SPEC 1.4)
        created_at=bindparam("b_created"),
        finished_at=bindparam("b_finished"),
        call_duration=0,
        report_data=text("'{}'"),
        zone=bindparam("b_zone"),
        zone_source=bindparam("b_zone_source"),
        gmt_zone=bindparam("b_gmt_zone"),
        payload=bindparam("b_payload"),
        cancel_requested=False,
    )
    .returning(call_jobs.c.id)
)
_INSERT_REDIAL_REQUEST = insert(redial_requests).values(
    campaign_id=bindparam("b_campaign"),
    phone=bindparam("b_phone"),
    attempt_id=bindparam("b_attempt"),
    accepted=bindparam("b_accepted"),
    reason=bindparam("b_reason"),
    policy=bindparam("b_policy"),
    created_job_id=bindparam("b_job"),
    created_at=bindparam("b_created"),
)


#: The per-row parameter names of :func:`_insert_attempts`, row by row.
_ATTEMPT_ROW_PARAMS = [
    tuple(f"{name}{i}" for name in ("j", "p", "r", "n", "z", "zs", "ln")) for i in range(CHUNK)
]


@functools.cache
def _insert_attempts(count: int) -> Any:
    """One multi-row INSERT of ``count`` attempts (one statement object per count, so the
    driver compiles each once); parameters ``j0 p0 r0 n0 ln0 z0 zs0``, ``j1 …`` per row and
    ``c w s l`` (campaign, worker, started, lease) shared."""
    shared = {
        "campaign_id": bindparam("c"),
        "worker": bindparam("w"),
        "started_at": bindparam("s"),
        "lease_until": bindparam("l"),
        "call_duration": 0,
        "report_data": text("'{}'"),
        "transcript": text("'[]'"),
    }
    rows = [
        {
            "call_job_id": bindparam(f"j{i}"),
            "phone": bindparam(f"p{i}"),
            "redial_number": bindparam(f"r{i}"),
            "attempt_number": bindparam(f"n{i}"),
            "line": bindparam(f"ln{i}"),
            "zone": bindparam(f"z{i}"),
            "zone_source": bindparam(f"zs{i}"),
            **shared,
        }
        for i in range(count)
    ]
    return insert(attempts).values(rows).returning(attempts.c.call_job_id, attempts.c.id)


#: The columns :func:`_select_current` reads, in order (:meth:`_Finishing.settle` and
#: :meth:`SqlStore._finish_in` read its driver tuples by position).
_CURRENT = (
    "id",
    "worker",
    "call_job_id",
    "campaign_id",
    "phone",
    "cancel_requested",
    "report_data",
    "number_id",
    "campaign_status",
)


@functools.cache
def _select_current(count: int) -> Any:
    """What finishing needs (:data:`_CURRENT`) of ``count`` unfinished attempts ``a0 a1 …``
    and their jobs."""
    ids: list[Any] = [bindparam(f"a{i}") for i in range(count)]
    return (
        select(
            attempts.c.id,
            attempts.c.worker,
            attempts.c.call_job_id,
            attempts.c.campaign_id,
            attempts.c.phone,
            call_jobs.c.cancel_requested,
            call_jobs.c.report_data,
            call_jobs.c.number_id,
            campaigns.c.status.label(_CURRENT[-1]),
        )
        .select_from(
            attempts.join(call_jobs, call_jobs.c.id == attempts.c.call_job_id).join(
                campaigns, campaigns.c.id == attempts.c.campaign_id
            )
        )
        .where(attempts.c.id.in_(ids), attempts.c.finished_at.is_(None))
        # In id order, the order PostgreSQL locks them in (one row: SQLite would sort anyway).
        .order_by(*([attempts.c.id] if count > 1 else []))
        .with_for_update(of=attempts)
    )


def _finish_reads(driver: Driver, finishing: Sequence[_Finishing]) -> list[tuple[str, Any]]:
    """The statements reading the attempts to finish, as driver SQL and arguments."""
    if len(finishing) == 1:  # finish_attempt: nothing to sort, split or pad
        return [driver.prepared(_select_current(1), {"a0": finishing[0].result.attempt_id})]
    ids = sorted({f.result.attempt_id for f in finishing})
    return [driver.prepared(*_finish_current(chunk)) for chunk in _chunks(ids)]


def _finish_current(ids: Sequence[int]) -> tuple[Any, dict[str, int]]:
    """The statement reading ``ids`` and its parameters. The list is padded (repeating its last
    id) to a power of two, so that a handful of statements serve every batch size."""
    size = 1 << (len(ids) - 1).bit_length()
    padded = [*ids, *[ids[-1]] * (size - len(ids))]
    return _select_current(size), {f"a{i}": attempt_id for i, attempt_id in enumerate(padded)}


# What every finish sets; the claim wrote the attempt's other columns empty, and a bare result
# (no report data, call result or tag) leaves them so: _FINISH_BARE_* are the short UPDATEs.
_ATTEMPT_ENDED: dict[str, Any] = {
    "finished_at": bindparam("b_ended"),
    "outcome": bindparam("b_outcome"),
    "job_status": bindparam("b_job_status"),
    "call_duration": bindparam("b_duration"),
    "transcript": bindparam("b_transcript", type_=JSON),
}
_FINISH_BARE_ATTEMPT = (
    update(attempts).where(attempts.c.id == bindparam("b_attempt")).values(**_ATTEMPT_ENDED)
)
_FINISH_ATTEMPT = _FINISH_BARE_ATTEMPT.values(
    call_result=bindparam("b_call_result"),
    report_data=bindparam("b_report", type_=JSON),
    tag_name=bindparam("b_tag"),
    tag_payload=bindparam("b_tag_payload", type_=JSON),
)
_FINISH_BARE_JOB = (
    update(call_jobs)
    .where(call_jobs.c.id == bindparam("b_job"))
    .values(
        status=bindparam("b_status"),
        due_at=bindparam("b_due"),
        closes_at=bindparam("b_closes"),
        finished_at=bindparam("b_finished"),
        last_attempt_end=bindparam("b_ended"),
        call_duration=call_jobs.c.call_duration + bindparam("b_duration"),
    )
)
# Report data, a call result or a tag given now replace the job's; none given keeps it.
_FINISH_JOB = _FINISH_BARE_JOB.values(
    report_data=_given("b_has_report", bindparam("b_report", type_=JSON), call_jobs.c.report_data),
    call_result=_given("b_has_result", bindparam("b_call_result"), call_jobs.c.call_result),
    call_result_payload=_given(
        "b_has_result",
        bindparam("b_call_result_payload", type_=JSON),
        call_jobs.c.call_result_payload,
    ),
    tag_name=_given("b_has_tag", bindparam("b_tag"), call_jobs.c.tag_name),
    tag_payload=_given(
        "b_has_tag", bindparam("b_tag_payload", type_=JSON), call_jobs.c.tag_payload
    ),
)
_REDIAL_SOURCE = select(call_jobs.c.payload, call_jobs.c.gmt_zone).where(
    call_jobs.c.id == bindparam("b_job")
)
_EXPIRED = (
    select(attempts.c.id)
    .where(text(IN_FLIGHT_SQL), attempts.c.lease_until < bindparam("b_now"))
    .limit(1)
)
_NEXT_DUE = select(func.min(call_jobs.c.due_at).label("due")).where(
    call_jobs.c.campaign_id == bindparam("b_campaign"), text(SCHEDULABLE_SQL)
)
_BUSY_LINES = select(attempts.c.line).where(
    attempts.c.campaign_id == bindparam("b_campaign"), text(IN_FLIGHT_SQL)
)
_UNINDEXED_DUE_AT = literal_column("+call_jobs.due_at", BigInteger())
_UNINDEXED_CLOSES_AT = literal_column("+call_jobs.closes_at", BigInteger())
_DUE = (
    select(call_jobs.c.id)
    .where(
        call_jobs.c.campaign_id == bindparam("b_campaign"),
        text(SCHEDULABLE_SQL),
        # The unary plus keeps SQLite's planner off the due_at/closes_at range indexes: with
        # them it sorted every open job of the campaign (a temp B-tree, O(queue) per claim);
        # walking ix_call_jobs_due in order stops after `limit` due rows.
        _UNINDEXED_DUE_AT <= bindparam("b_now"),
        _UNINDEXED_CLOSES_AT > bindparam("b_now"),
    )
    .order_by(*DUE_ORDER)
    .limit(bindparam("b_limit"))
    .with_for_update(skip_locked=True)
    .cte("due")
    .prefix_with("MATERIALIZED")
)
_CLAIM = (
    update(call_jobs)
    .where(call_jobs.c.id.in_(select(_DUE.c.id)), text(SCHEDULABLE_SQL))
    .values(status="inProcess", attempts_count=call_jobs.c.attempts_count + 1)
    .returning(*(call_jobs.c[name] for name in _JOB_FIELDS))
)
