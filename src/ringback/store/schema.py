"""The one SQLAlchemy Core schema of ringback, for SQLite and PostgreSQL alike.

Instants are ``BigInteger`` Unix milliseconds (UTC): SQLite has no time zone-aware type and
``DateTime(timezone=True)`` silently drops the offset there, so integers are the only
representation that compares the same on both. JSON columns use SQLAlchemy's ``JSON``.

The indexes are shaped after the hot queries, so that a campaign with a million jobs stays fast:

- ``ix_call_jobs_due``: the claim (``claim_due``) walks it in exactly its ``ORDER BY`` (SPEC 1.4)
  and stops after ``limit`` rows; it is partial (only schedulable jobs), so final jobs cost
  nothing.
- ``ix_call_jobs_schedule``: ``jobs_to_schedule`` (no schedule yet, or the window closed).
- ``ix_call_jobs_next_due``: ``next_due_at`` (the earliest ``due_at``).
- ``ux_attempts_line_in_flight`` / ``ux_attempts_job_in_flight``: unique among unfinished
  attempts, so that the database itself refuses a line taken twice or a job in two calls — the
  claim's own locking makes that impossible, these are the belt to its braces.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# Names for constraints, so that Alembic's batch mode on SQLite can find and recreate them.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Kept in one place: the partial-index predicates below and the queries must say the same thing
# for PostgreSQL's planner to use the partial indexes.
SCHEDULABLE_SQL = "status IN ('planned', 'onRetry')"
IN_FLIGHT_SQL = "finished_at IS NULL"


def _partial(predicate: str) -> dict[str, Any]:
    return {"sqlite_where": text(predicate), "postgresql_where": text(predicate)}


campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("started_at", BigInteger),
    Column("finished_at", BigInteger),
)

numbers = Table(
    "numbers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("fields", JSON, nullable=False),
    Column("gmt_zone", String(64)),
    Column("external_check", JSON),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("campaign_id", "phone"),
)

call_jobs = Table(
    "call_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("number_id", Integer, ForeignKey("numbers.id"), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("redial_number", Integer),
    Column("policy", JSON, nullable=False),
    Column("status", String(32), nullable=False),
    Column("attempts_count", Integer, nullable=False, default=0),
    Column("due_at", BigInteger),
    Column("closes_at", BigInteger),
    Column("priority", Integer, nullable=False),
    Column("custom", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    Column("last_attempt_end", BigInteger),
    Column("call_duration", Integer, nullable=False, default=0),
    Column("call_result", Text),
    Column("call_result_payload", JSON),
    Column("report_data", JSON, nullable=False),
    Column("tag_name", Text),
    Column("tag_payload", JSON),
    Column("zone", String(64), nullable=False),
    Column("zone_source", String(16), nullable=False),
    Column("gmt_zone", String(64)),
    # The number's payload, copied so that a claim returns everything in one statement.
    Column("payload", JSON, nullable=False),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Index("ix_call_jobs_schedule", "campaign_id", "closes_at", "id", **_partial(SCHEDULABLE_SQL)),
    Index("ix_call_jobs_next_due", "campaign_id", "due_at", **_partial(SCHEDULABLE_SQL)),
    Index("ix_call_jobs_phone", "campaign_id", "phone"),
    Index("ix_call_jobs_created", "campaign_id", "created_at"),
    Index("ix_call_jobs_unfinished", "campaign_id", "id", **_partial("finished_at IS NULL")),
    Index("ix_call_jobs_number", "number_id"),
)
# Outside the table: an index column in descending order needs the Column object.
Index(
    "ix_call_jobs_due",
    call_jobs.c.campaign_id,
    call_jobs.c.priority,
    call_jobs.c.custom.desc(),
    call_jobs.c.closes_at,
    call_jobs.c.due_at,
    call_jobs.c.id,
    **_partial(SCHEDULABLE_SQL),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("call_job_id", Integer, ForeignKey("call_jobs.id"), nullable=False),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("redial_number", Integer),
    Column("attempt_number", Integer, nullable=False),
    Column("worker", String(128), nullable=False),
    Column("line", Integer, nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("lease_until", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    Column("outcome", String(16)),
    Column("zone", String(64), nullable=False),
    Column("zone_source", String(16), nullable=False),
    Column("job_status", String(32)),
    Column("call_result", Text),
    Column("call_duration", Integer, nullable=False, default=0),
    Column("report_data", JSON, nullable=False),
    Column("tag_name", Text),
    Column("tag_payload", JSON),
    Column("transcript", JSON, nullable=False),
    Index("ix_attempts_call_job_id", "call_job_id"),
    Index("ix_attempts_started", "campaign_id", "started_at"),
    Index(
        "ux_attempts_line_in_flight",
        "campaign_id",
        "line",
        unique=True,
        **_partial(IN_FLIGHT_SQL),
    ),
    Index("ux_attempts_job_in_flight", "call_job_id", unique=True, **_partial(IN_FLIGHT_SQL)),
    Index("ix_attempts_lease", "lease_until", **_partial(IN_FLIGHT_SQL)),
)

redial_requests = Table(
    "redial_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), nullable=False),
    Column("phone", String(32), nullable=False),
    Column("attempt_id", Integer, ForeignKey("attempts.id"), nullable=False),
    Column("accepted", Boolean, nullable=False),
    Column("reason", Text),
    Column("policy", JSON),
    Column("created_job_id", Integer, ForeignKey("call_jobs.id")),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_redial_requests_phone", "campaign_id", "phone"),
)

# A row is a reservation while its request runs (``owner`` and ``lease_until`` set,
# ``status_code`` NULL), then the stored response (``status_code`` and ``body`` set, ``owner``
# and ``lease_until`` NULL, ``created_at`` the instant it was stored). The primary key is what
# makes a reservation exclusive (see Store.reserve_idempotent).
idempotence_keys = Table(
    "idempotence_keys",
    metadata,
    Column("scope", String(128), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("status_code", Integer),
    Column("body", JSON),
    Column("request_hash", String(128), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("owner", String(64)),
    Column("lease_until", BigInteger),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_hash", String(128), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

clients = Table(
    "clients",
    metadata,
    Column("campaign_id", Integer, ForeignKey("campaigns.id"), primary_key=True),
    Column("phone", String(32), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)
