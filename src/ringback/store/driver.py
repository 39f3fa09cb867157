"""The hot path: Core statements compiled once, run on the driver's own cursor.

A claim and a finish are a handful of short statements each, so their cost is mostly Python:
SQLAlchemy's per-execution work (cache lookup, execution context, parameter and result
processing) is larger than what SQLite does for them, and on SQLite it is spent while the
write lock is held, stalling every other process. The statements stay SQLAlchemy Core objects
(one schema, one place, both dialects); :class:`Driver` compiles each once per dialect and
sends it on ``connection.driver_connection`` inside the caller's SQLAlchemy transaction, so
``BEGIN IMMEDIATE``, commit and rollback are unchanged.

The price is doing two of SQLAlchemy's chores here: JSON parameters are passed encoded
(:func:`ringback.store.dialects.json_serializer`), and JSON results are decoded on SQLite
(psycopg decodes ``json`` itself).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection, Engine
from sqlalchemy.sql import ClauseElement

from ringback.store.schema import metadata

JSON_COLUMNS = frozenset(
    column.name
    for table in metadata.tables.values()
    for column in table.columns
    if isinstance(column.type, JSON)
)


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: ClauseElement  # kept so that its id() is not reused while cached
    sql: str
    fixed: dict[str, Any]  # values of the literals SQLAlchemy turned into parameters
    order: tuple[str, ...] | None  # parameter names in order, for a positional paramstyle


class Driver:
    """Compiles with the engine's own dialect (already initialised by a connection, so it
    knows the server's features, e.g. SQLite's RETURNING) and its paramstyle: ``qmark`` for
    pysqlite, ``pyformat`` for psycopg."""

    def __init__(self, engine: Engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self._compiled: dict[int, _Compiled] = {}

    def _compile(self, conn: Connection, statement: ClauseElement) -> _Compiled:
        entry = self._compiled.get(id(statement))
        if entry is None or entry.statement is not statement:
            compiled = statement.compile(dialect=conn.dialect)
            order = compiled.positiontup
            entry = _Compiled(statement, str(compiled), dict(compiled.params), order)
            self._compiled[id(statement)] = entry
        return entry

    def rows(
        self, conn: Connection, statement: ClauseElement, params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Execute and return the result rows as dicts (JSON decoded); [] without a result."""
        entry = self._compile(conn, statement)
        values = {**entry.fixed, **params}
        driver = conn.connection.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        try:
            if entry.order is not None:
                cursor.execute(entry.sql, [values[name] for name in entry.order])
            else:
                cursor.execute(entry.sql, values)
            if cursor.description is None:
                return []
            names = [d[0] for d in cursor.description]
            found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()
        if self.sqlite:
            decode = [name for name in names if name in JSON_COLUMNS]
            for row in found:
                for name in decode:
                    if row[name] is not None:
                        row[name] = json.loads(row[name])
        return found

    def run(self, conn: Connection, statement: ClauseElement, params: dict[str, Any]) -> None:
        self.rows(conn, statement, params)
