"""``ringback migrate --db URL``: create or upgrade the store's schema."""

from __future__ import annotations

from typing import Annotated

import typer

from ringback.cli.output import fail
from ringback.domain.errors import ValidationError
from ringback.store import DEFAULT_DB_URL

DB_EXPECTED = "a database URL sqlite:///FILE or postgresql://USER@HOST:PORT/DB"


def migrate(
    db: Annotated[
        str, typer.Option("--db", help="sqlite:///FILE or postgresql://USER@HOST:PORT/DB")
    ] = DEFAULT_DB_URL,
) -> None:
    """Create or upgrade the database schema (safe to run again)."""
    from sqlalchemy.exc import SQLAlchemyError

    from ringback.store import migrations, open_store
    from ringback.store.sqlstore import SqlStore

    try:
        store = open_store(db)
    except ValidationError:
        fail("--db", DB_EXPECTED)
    assert isinstance(store, SqlStore)
    try:
        before = migrations.current(store.engine)
        store.migrate()
        after = migrations.current(store.engine)
    except SQLAlchemyError as error:
        # One line: the driver's first line says what went wrong (refused, unknown database…).
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        fail("--db", f"a reachable database ({reason})")
    finally:
        store.close()
    target = store.engine.url.render_as_string()  # the password masked
    if before == after:
        print(f"schema of {target} is up to date (revision {after})")
    else:
        print(f"schema of {target} upgraded {before or 'empty'} -> {after}")


def register(app: typer.Typer) -> None:
    """Add ``migrate`` to the ``ringback`` app."""
    app.command()(migrate)
