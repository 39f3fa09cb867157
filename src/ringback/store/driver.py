"""The hot path: Core statements compiled once, run on the driver's own cursor.

A claim and a finish are a handful of short statements each, so their cost is mostly Python:
SQLAlchemy's per-execution work (cache lookup, execution context, parameter and result
processing) is larger than what SQLite does for them, and on SQLite it is spent while the
write lock is held, stalling every other process. The statements stay SQLAlchemy Core objects
(one schema, one place, both dialects); :class:`Driver` compiles each once and runs the
transaction on a raw connection from the engine's pool, as a hand-written DB-API program
would (``bench/claims.py`` measures the difference).

The price is doing two of SQLAlchemy's chores here: JSON parameters are passed encoded
(:func:`ringback.store.dialects.json_serializer`), and JSON results are decoded on SQLite
(psycopg decodes ``json`` itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Engine
from sqlalchemy.sql import ClauseElement

from ringback.store.schema import metadata

JSON_COLUMNS = frozenset(
    column.name
    for table in metadata.tables.values()
    for column in table.columns
    if isinstance(column.type, JSON)
)


def _loads(text: str) -> Any:
    # Most JSON values of a row are empty (report data, payloads, tags): skip the parser.
    if text == "{}":
        return {}
    if text == "null":
        return None
    return json.loads(text)


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: ClauseElement  # kept so that its id() is not reused while cached
    sql: str
    fixed: dict[str, Any]  # values of the literals SQLAlchemy turned into parameters
    order: tuple[str, ...] | None  # parameter names in order, for a positional paramstyle


class Driver:
    """Runs transactions on a raw pooled connection of the engine.

    Compiles with the engine's own dialect (initialised by the first connection, so it knows
    the server's features, e.g. SQLite's RETURNING) and paramstyle: ``qmark`` for pysqlite,
    ``pyformat`` for psycopg.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self._compiled: dict[int, _Compiled] = {}

    @contextmanager
    def transaction(self, read: bool = False) -> Iterator[Transaction]:
        """One transaction: ``BEGIN IMMEDIATE`` on SQLite (the driver is in autocommit mode,
        see :mod:`.dialects`), a plain ``BEGIN`` for a ``read`` (it runs beside the writer),
        psycopg's implicit one on PostgreSQL; committed when the block ends, rolled back when
        it raises."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.sqlite:
                cursor.execute("BEGIN" if read else "BEGIN IMMEDIATE")
            try:
                yield Transaction(self, cursor)
            except BaseException:
                raw.rollback()
                raise
            raw.commit()
        finally:
            raw.close()

    def decode(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """JSON columns of driver rows as Python values (SQLite returns them as text)."""
        if self.sqlite and rows:
            names = [name for name in rows[0] if name in JSON_COLUMNS]
            for row in rows:
                for name in names:
                    if row[name] is not None:
                        row[name] = _loads(row[name])
        return rows

    def loads(self, value: Any) -> Any:
        """One JSON column value of a row read with ``decode=False``, as a Python value."""
        return _loads(value) if self.sqlite and isinstance(value, str) else value

    def compiled(self, statement: ClauseElement) -> _Compiled:
        entry = self._compiled.get(id(statement))
        if entry is None or entry.statement is not statement:
            compiled = statement.compile(dialect=self.engine.dialect)
            order = compiled.positiontup
            entry = _Compiled(statement, str(compiled), dict(compiled.params), order)
            self._compiled[id(statement)] = entry
        return entry


class Transaction:
    def __init__(self, driver: Driver, cursor: Any) -> None:
        self._driver = driver
        self._cursor = cursor

    def rows(
        self, statement: ClauseElement, params: dict[str, Any], *, decode: bool = True
    ) -> list[dict[str, Any]]:
        """Execute and return the result rows as dicts; [] without a result. ``decode=False``
        leaves JSON columns encoded on SQLite, for :meth:`Driver.decode` after the commit."""
        entry = self._driver.compiled(statement)
        values = {**entry.fixed, **params}
        cursor = self._cursor
        if entry.order is not None:
            cursor.execute(entry.sql, [values[name] for name in entry.order])
        else:
            cursor.execute(entry.sql, values)
        if cursor.description is None:
            return []
        names = [d[0] for d in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return self._driver.decode(found) if decode else found

    def run(self, statement: ClauseElement, params: dict[str, Any]) -> None:
        self.rows(statement, params)

    def run_many(self, statement: ClauseElement, rows: list[dict[str, Any]]) -> None:
        """Execute once per parameter set, in one driver call (``executemany``: SQLite steps
        one prepared statement, psycopg pipelines the round trips)."""
        if not rows:
            return
        entry = self._driver.compiled(statement)
        fixed, order = entry.fixed, entry.order
        merged = [{**fixed, **row} for row in rows] if fixed else rows
        args: list[Any] = merged
        if order is not None:
            args = [[values[name] for name in order] for values in merged]
        self._cursor.executemany(entry.sql, args)
