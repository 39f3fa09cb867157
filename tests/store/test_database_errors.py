"""Which errors the dialer waits out (:func:`ringback.store.dialects.is_database_error`): a
database that is unavailable, not a bug that raises a database error. Real errors, from real
connections."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from ringback.store.dialects import is_database_error, make_engine
from tests.conftest import PG_ADMIN_URL


def _raised(action: object) -> BaseException:
    try:
        action()  # type: ignore[operator]
    except BaseException as error:
        return error
    raise AssertionError("nothing raised")


def test_a_locked_sqlite_database_is_waited_out(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        error = _raised(lambda: other.execute("BEGIN IMMEDIATE"))
        assert isinstance(error, sqlite3.OperationalError) and "locked" in str(error)
        assert is_database_error(error)
        wrapped = _raised(
            lambda: (
                create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
                .connect()
                .execute(text("INSERT INTO t VALUES (1)"))
            )
        )
        assert isinstance(wrapped, SQLAlchemyError) and is_database_error(wrapped)
    finally:
        other.close()
        holder.close()


def test_an_unreachable_postgresql_is_waited_out() -> None:
    # Port 9 (discard) has no PostgreSQL: connection refused, as while a server restarts.
    url = "postgresql://postgres@127.0.0.1:9/postgres"
    error = _raised(lambda: psycopg.connect(url, connect_timeout=2))
    assert isinstance(error, psycopg.OperationalError) and is_database_error(error)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    wrapped = _raised(engine.connect)
    assert isinstance(wrapped, SQLAlchemyError) and is_database_error(wrapped)


@pytest.mark.parametrize("sql", ["INSERT INTO t VALUES (1)", "SELECT nonsense FROM t", "SELEC 1"])
def test_a_constraint_or_sql_error_is_a_bug(tmp_path: Path, sql: str) -> None:
    conn = sqlite3.connect(tmp_path / "t.sqlite3", isolation_level=None)
    conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (1)")
    try:
        error = _raised(lambda: conn.execute(sql))
        assert isinstance(error, sqlite3.Error) and not is_database_error(error)
        engine = create_engine(f"sqlite:///{tmp_path / 't.sqlite3'}")
        with engine.connect() as sa:
            wrapped = _raised(lambda: sa.execute(text(sql)))
        assert isinstance(wrapped, SQLAlchemyError) and not is_database_error(wrapped)
    finally:
        conn.close()


def test_other_exceptions_are_bugs() -> None:
    assert not is_database_error(RuntimeError("database is locked"))
    assert not is_database_error(KeyError("campaign"))


PG = PG_ADMIN_URL


@pytest.mark.postgres
def test_a_postgresql_connection_killed_by_the_server_is_waited_out() -> None:
    with psycopg.connect(PG, autocommit=True) as victim, psycopg.connect(PG) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [victim.info.backend_pid])
        killed = _raised(lambda: victim.execute("SELECT 1"))
        assert isinstance(killed, psycopg.errors.AdminShutdown) and is_database_error(killed)
        closed = _raised(lambda: victim.execute("SELECT 1"))  # psycopg's own: no SQLSTATE
        assert "closed" in str(closed) and is_database_error(closed)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statements",
    [
        # A statement timeout: psycopg calls it an OperationalError, but it fails every time.
        ["SET statement_timeout = 10", "SELECT pg_sleep(1)"],
        # A value too large for a B-tree index (ProgramLimitExceeded, an OperationalError too).
        [
            "CREATE TEMP TABLE t (x text)",
            "CREATE INDEX ON t (x)",
            "INSERT INTO t SELECT string_agg(md5(i::text), '') FROM generate_series(1, 300) i",
        ],
        ["SELECT nonsense"],
    ],
)
def test_a_postgresql_error_that_fails_every_time_is_a_bug(statements: list[str]) -> None:
    with psycopg.connect(PG, autocommit=True) as conn:
        *setup, failing = statements
        for statement in setup:
            conn.execute(statement)  # type: ignore[arg-type]
        error = _raised(lambda: conn.execute(failing))  # type: ignore[arg-type]
        assert isinstance(error, psycopg.Error) and error.sqlstate is not None
        assert not is_database_error(error)


@pytest.mark.postgres
def test_postgresql_connections_give_up_on_a_server_that_went_away(pg_url: str) -> None:
    # A dialer must notice within a fraction of a lease (ringback.engine.dialer), not after
    # the kernel's TCP timeouts of a quarter of an hour.
    engine = make_engine(pg_url)
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert isinstance(raw, psycopg.Connection)
            options = {o.keyword.decode(): o.val for o in raw.pgconn.info}
    finally:
        engine.dispose()
    assert options["connect_timeout"] == b"5" and options["tcp_user_timeout"] == b"10000"
    assert options["keepalives_idle"] == b"5" and options["keepalives_count"] == b"3"
