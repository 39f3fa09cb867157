"""Alembic migrations of the store, run programmatically (no ``alembic.ini`` needed).

The scripts are found relative to this package, so they work from a source tree and from an
installed wheel alike. :func:`upgrade` brings any database to the latest revision; it is what
``Store.migrate()`` and ``ringback migrate`` run.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

SCRIPT_LOCATION = Path(__file__).resolve().parent


def config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    # env.py uses this engine instead of reading a URL from an ini file.
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(config(engine), revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
