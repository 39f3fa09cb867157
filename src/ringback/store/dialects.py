"""What differs between SQLite and PostgreSQL, kept out of the store's queries.

- URLs: ``sqlite:///FILE`` (``sqlite://`` alone is a private in-memory database, one connection),
  ``postgresql://`` / ``postgres://`` / ``postgresql+psycopg://`` (psycopg 3).
- SQLite connections: WAL (readers never block the writer), ``busy_timeout`` (a writer waits for
  the lock instead of failing), foreign keys on, ``synchronous=NORMAL`` (safe with WAL: a crash
  of the process loses nothing committed; a power cut may lose the last commits). pysqlite's own
  transaction handling is switched off and every write transaction starts with
  ``BEGIN IMMEDIATE``, so that it takes the write lock before its first read: a claim then reads
  the free lines and the due jobs under the lock, and two deferred transactions can never
  deadlock upgrading to write. Read-only methods open a plain ``BEGIN`` (``READ`` option below)
  and run beside the writer.
- PostgreSQL: READ COMMITTED; the claim serialises per campaign with ``SELECT … FOR UPDATE`` on
  the campaign row (see :mod:`ringback.store.sqlstore`).
"""

from __future__ import annotations

import functools
import json
import sqlite3
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql as postgresql_dml
from sqlalchemy.dialects import sqlite as sqlite_dml
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    DisconnectionError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import StaticPool

from ringback.domain.errors import ValidationError

#: Execution option of a connection whose transaction only reads.
READ = "ringback_read_only"

SQLITE_BUSY_TIMEOUT_MS = 30_000

_EXPECTED = "a database URL: sqlite:///FILE or postgresql://USER@HOST:PORT/DB"


def parse_url(url: str) -> URL:
    """The SQLAlchemy URL for a ringback ``--db`` value; ValidationError ``invalid.db``."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValidationError("invalid.db", f"{url!r} is not {_EXPECTED}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and parsed.get_driver_name() in ("pysqlite", "sqlite"):
        return parsed.set(drivername="sqlite+pysqlite")
    raise ValidationError("invalid.db", f"{url!r} is not {_EXPECTED}")


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_serializer(value: Any) -> str:
    """Compact JSON, with a shortcut for the empty values most rows carry (bulk adds spend a
    good part of their time encoding JSON, a finished attempt has mostly empty ones)."""
    if value is None:
        return "null"
    if not value and isinstance(value, dict | list):
        return "{}" if isinstance(value, dict) else "[]"
    return _encode(value)


#: libpq settings that bound how long a call can hang on a server that went away (a dialer
#: must notice within a fraction of a lease, see ringback.engine.dialer): connecting gives up
#: after 5 s, and a connection whose server stopped answering is dropped after about 10 s
#: (TCP keepalives, and unacknowledged data), rather than after the kernel's 15 minutes.
PG_TIMEOUTS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}


def make_engine(url: str) -> Engine:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    # prepare_threshold=None: no server-side prepared statements. The hot queries are few and
    # short, and a generic plan could not use the partial indexes. No pool_pre_ping and no
    # reset on return: each costs a round trip per transaction (every transaction already ends
    # in commit or rollback; a connection the server dropped fails once and is replaced).
    return create_engine(
        parsed,
        pool_size=5,
        max_overflow=10,
        pool_reset_on_return=None,
        json_serializer=json_serializer,
        connect_args={"prepare_threshold": None, **PG_TIMEOUTS},
    )


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {}
    if in_memory:
        # One shared connection, or each checkout would see its own empty database.
        kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    else:
        kwargs = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    # No reset on return: every transaction ends in commit or rollback before the checkin.
    engine = create_engine(
        url, json_serializer=json_serializer, pool_reset_on_return=None, **kwargs
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit mode at the driver: SQLAlchemy's "begin" event below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ, False)
        # Straight on the driver: SQLAlchemy's execution machinery costs more than BEGIN.
        connection.connection.dbapi_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def is_in_memory(engine: Engine) -> bool:
    return is_sqlite(engine) and engine.url.database in (None, "", ":memory:")


def is_deadlock(error: BaseException) -> bool:
    """PostgreSQL broke a deadlock (or a serialisation conflict): the transaction may be rerun.
    Takes SQLAlchemy's wrapped errors and the driver's own (the hot path, :mod:`.driver`)."""
    orig = error.orig if isinstance(error, DBAPIError) else error
    return getattr(orig, "sqlstate", None) in ("40P01", "40001")


#: SQLite's primary result codes of a database that is unavailable for now: BUSY and LOCKED
#: (another process holds the lock past the busy timeout), IOERR, FULL, CANTOPEN, PROTOCOL.
_SQLITE_UNAVAILABLE = frozenset({5, 6, 10, 13, 14, 15})


#: PostgreSQL's SQLSTATEs of a server unavailable for now: connection exceptions, insufficient
#: resources, system errors (classes 08, 53, 58), the server shutting down or starting (57P01
#: admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now), an idle connection closed
#: by the server or a pooler (57P05 idle_session_timeout) and a lock wait timed out (55P03).
#: Not, say, a statement timeout or a value too large for an index: those fail again each time.
_PG_UNAVAILABLE_CLASSES = frozenset({"08", "53", "58"})
_PG_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "57P05", "55P03"})


def is_database_error(error: BaseException) -> bool:
    """The database is unavailable (server restarted or unreachable, connection dropped, SQLite
    locked past the busy timeout, the pool exhausted): one of the SQLSTATEs or SQLite result
    codes above, or psycopg's own connection errors, wrapped by SQLAlchemy or raw from the hot
    path (:mod:`.driver`). The dialer waits these out. Any other error, a constraint or
    SQL error included, is a bug, and retrying it would only hide it."""
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        driver_error: BaseException | None = error.orig
    elif isinstance(error, SQLAlchemyError):
        return isinstance(error, PoolTimeout | DisconnectionError)
    else:
        driver_error = error
    if isinstance(driver_error, sqlite3.Error):
        # sqlite3 raises OperationalError for a syntax error too: the result code tells.
        code = getattr(driver_error, "sqlite_errorcode", 0) & 0xFF
        return code in _SQLITE_UNAVAILABLE
    # Importing psycopg costs some 160 ms, which a SQLite process need not pay: an error of
    # psycopg's can only exist once psycopg is loaded.
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(driver_error, psycopg.Error):
        return False
    state = driver_error.sqlstate
    if state is None:  # raised by psycopg itself: it could not connect, or the connection broke
        return isinstance(driver_error, psycopg.OperationalError | psycopg.InterfaceError)
    return state[:2] in _PG_UNAVAILABLE_CLASSES or state in _PG_UNAVAILABLE_STATES


@functools.cache
def upsert_statement(dialect: str, table: Table) -> Any:
    """``INSERT … ON CONFLICT (primary key) DO UPDATE`` of every other column, with parameters
    ``b_<column>``. Both dialects speak it, but SQLAlchemy builds it per dialect."""
    module = sqlite_dml if dialect == "sqlite" else postgresql_dml
    statement = module.insert(table).values(
        {c.name: bindparam(f"b_{c.name}", type_=c.type) for c in table.columns}
    )
    keys = [c.name for c in table.primary_key.columns]
    changed = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changed)


def upsert(conn: Connection, table: Table, values: dict[str, Any]) -> None:
    """Insert a row of ``table``, or overwrite the one with the same primary key."""
    statement = upsert_statement(conn.dialect.name, table)
    conn.execute(statement, {f"b_{name}": value for name, value in values.items()})


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, increasing, so that a bulk insert can give
    rows their ids itself and skip ``RETURNING`` (which pysqlite runs row by row).

    SQLite: the write transaction (``BEGIN IMMEDIATE``) holds the database lock, so ``max(id)``
    + 1… is free until it commits. PostgreSQL: the serial sequence hands out distinct values
    to concurrent transactions.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "sqlite":
        last = conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        return list(range(last + 1, last + 1 + count))
    rows = conn.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": count},
    ).scalars()
    return sorted(rows)


def bulk_insert(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows straight through the driver: rows are tuples in ``columns`` order, JSON
    values already encoded with :func:`json_serializer`, instants as integers. This skips
    SQLAlchemy's per-row parameter processing, about half the cost of a 100 000-row add.

    SQLite: one ``executemany`` (a prepared statement stepped per row, cheap in-process).
    PostgreSQL: ``COPY … FROM STDIN`` in the transaction, some 15 times faster than
    ``executemany`` or multi-row ``VALUES`` (measured here: 20 000 rows in 0.13 s vs 0.8 s).
    """
    if not rows:
        return
    names = ", ".join(columns)
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", list(rows))
        return
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
