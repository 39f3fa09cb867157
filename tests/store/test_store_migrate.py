"""Migrations: they build exactly ``schema.metadata``, run twice harmlessly, ship with the package;
``ringback migrate`` says what it did in one line, and one line of error for a bad URL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from ringback.domain.errors import ValidationError
from ringback.store import migrations, open_store
from ringback.store.schema import metadata
from ringback.store.sqlstore import SqlStore


def test_migrations_build_the_schema_module_exactly(store_url: str) -> None:
    store = open_store(store_url)
    assert isinstance(store, SqlStore)
    try:
        assert migrations.current(store.engine) is None
        store.migrate()
        store.migrate()  # idempotent
        assert migrations.current(store.engine) == "0002"
        with store.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
            indexes = {i["name"] for i in inspect(conn).get_indexes("call_jobs")}
        assert diff == []
        assert {"ix_call_jobs_due", "ix_call_jobs_schedule", "ix_call_jobs_next_due"} <= indexes
    finally:
        store.close()


def test_migration_scripts_are_package_data() -> None:
    scripts = {p.name for p in (migrations.SCRIPT_LOCATION / "versions").glob("*.py")}
    assert "0001_initial_schema.py" in scripts
    assert (migrations.SCRIPT_LOCATION / "script.py.mako").is_file()


@pytest.mark.parametrize("url", ["mysql://x@y/z", "not a url", "sqlite+aiosqlite:///x"])
def test_unsupported_urls_are_rejected(url: str) -> None:
    with pytest.raises(ValidationError) as error:
        open_store(url)
    assert error.value.type == "invalid.db"


def test_postgres_urls_use_psycopg_3() -> None:
    for url in ("postgresql://u@h/db", "postgres://u@h/db", "postgresql+psycopg://u@h/db"):
        store = open_store(url)  # no connection is made before the first transaction
        assert isinstance(store, SqlStore) and store.engine.url.drivername == "postgresql+psycopg"


def _ringback(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ringback", *args], capture_output=True, text=True, check=False
    )


def test_the_migrate_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    first = _ringback("migrate", "--db", db)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("\n") == 1 and "upgraded empty -> 0002" in first.stdout
    again = _ringback("migrate", "--db", db)
    assert again.returncode == 0 and "up to date (revision 0002)" in again.stdout

    for bad in ("mysql://x@y/z", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"):
        failed = _ringback("migrate", "--db", bad)
        assert failed.returncode == 2 and failed.stdout == ""
        assert failed.stderr.startswith("error: --db: expected ") and failed.stderr.count("\n") == 1
