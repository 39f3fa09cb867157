"""Durable state of ringback: the :class:`Store` contract and its SQL implementation.

>>> store = open_store("sqlite:///ringback.sqlite3")  # or "postgresql://user@host/db"
>>> store.migrate()                                    # create or upgrade the schema
"""

from __future__ import annotations

from ringback.store.base import Store

#: Where ``ringback serve`` keeps its state when no ``--db`` is given.
DEFAULT_DB_URL = "sqlite:///ringback.sqlite3"


def open_store(url: str = DEFAULT_DB_URL) -> Store:
    """A store over the database at ``url`` (``sqlite:///FILE``, ``sqlite://`` for a private
    in-memory database, ``postgresql://…``). Does not touch the schema: call ``migrate()``.

    Raises ``ValidationError("invalid.db", …)`` for a URL that names no supported database.
    """
    from ringback.store.sqlstore import SqlStore

    return SqlStore(url)


__all__ = ["DEFAULT_DB_URL", "Store", "open_store"]
