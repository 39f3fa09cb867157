"""The hot path: Core statements compiled once, run on the driver's own cursor.

A claim and a finish are a handful of short statements each, so their cost is mostly Python:
SQLAlchemy's per-execution work (cache lookup, execution context, parameter and result
processing) is larger than what SQLite does for them, and on SQLite it is spent while the
write lock is held, stalling every other process. The statements stay SQLAlchemy Core objects
(one schema, one place, both dialects); :class:`Driver` compiles each once and runs the
transaction on a raw connection of the engine's pool, as a hand-written DB-API program would
(``bench/claims.py`` measures the difference).

The price is doing two of SQLAlchemy's chores here: JSON parameters are passed encoded
(:func:`ringback.store.dialects.json_serializer`), and JSON results are decoded on SQLite
(psycopg decodes ``json`` itself).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, Engine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from ringback.store.schema import metadata

T = TypeVar("T")

JSON_COLUMNS = frozenset(
    column.name
    for table in metadata.tables.values()
    for column in table.columns
    if isinstance(column.type, JSON)
)


# The C scanner json.loads ends in; JSONDecoder.__init__ sets it, typeshed does not know it.
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(value: Any) -> Any:
    """A JSON column value as SQLite returns it (text, or None for SQL NULL), decoded."""
    if value.__class__ is not str:
        return value
    # Most JSON values of a row are empty (report data, payloads, tags): skip the parser.
    if value == "{}":
        return {}
    if value == "null":
        return None
    # The store writes compact JSON: the C scanner alone reads it, without json.loads' Python
    # layers (whitespace handling); anything else takes the long way.
    try:
        decoded, end = _scan(value, 0)
    except StopIteration:
        return json.loads(value)  # raises the parser's own error
    return decoded if end == len(value) else json.loads(value)


def _same(value: Any) -> Any:
    return value  # psycopg decodes json columns itself


def _positional(order: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The parameter values in ``order``, as a tuple (one C call per execution)."""
    if len(order) == 1:
        [name] = order
        return lambda values: (values[name],)
    getter: Callable[[dict[str, Any]], tuple[Any, ...]] = itemgetter(*order)
    return getter


@dataclass(frozen=True, slots=True)
class _Compiled:
    statement: ClauseElement  # kept so that its id() is not reused while cached
    sql: str
    fixed: dict[str, Any]  # values of the literals SQLAlchemy turned into parameters
    # The parameter values in order, for a positional paramstyle; None: pass the dict.
    positional: Callable[[dict[str, Any]], tuple[Any, ...]] | None

    def args(self, params: dict[str, Any]) -> Any:
        values = self.fixed | params if self.fixed else params
        return values if self.positional is None else self.positional(values)


class Driver:
    """Runs transactions on a raw pooled connection of the engine.

    Compiles with the engine's own dialect (initialised by the first connection, so it knows
    the server's features, e.g. SQLite's RETURNING) and paramstyle: ``qmark`` for pysqlite,
    ``pyformat`` for psycopg.

    With ``keep``, one connection stays checked out between transactions: the pool's checkout
    and checkin cost more Python than a short transaction's own work. A thread that finds it
    taken (another thread is in a transaction) checks one out of the pool as usual.
    """

    def __init__(self, engine: Engine, *, keep: bool = True) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self._compiled: dict[int, _Compiled] = {}
        self._keep = keep
        # (connection, its driver cursor); list.pop and append are atomic: no lock needed.
        self._kept: list[tuple[Any, Any]] = []
        #: One JSON column value of a driver tuple (:meth:`Transaction.tuples`), as a Python
        #: value.
        self.loads: Callable[[Any], Any] = _loads if self.sqlite else _same

    def run(self, work: Callable[[Transaction], T], read: bool = False) -> T:
        """``work`` in one transaction: ``BEGIN IMMEDIATE`` on SQLite (the driver is in
        autocommit mode, see :mod:`.dialects`), a plain ``BEGIN`` for a ``read`` (it runs
        beside the writer), psycopg's implicit one on PostgreSQL; committed when ``work``
        returns, rolled back when it raises."""
        kept = self._kept
        try:
            raw, cursor = kept.pop()
        except IndexError:  # none kept, or another thread took it since (no check-then-pop)
            raw = self.engine.raw_connection()
            cursor = raw.cursor()
        sound = False
        try:
            tx = Transaction(self, cursor)
            if self.sqlite:
                cursor.execute("BEGIN" if read else "BEGIN IMMEDIATE")
            result = work(tx)
            if self.sqlite:
                cursor.execute("COMMIT")  # a cached statement; commit() prepares one anew
            else:
                raw.commit()
            sound = True
            return result
        finally:
            if not sound:
                sound = _rolled_back(raw)
            if sound and self._keep and not kept:
                kept.append((raw, cursor))
            else:
                raw.close()

    def close(self) -> None:
        """Give the kept connection back to the pool (before the engine is disposed)."""
        while self._kept:
            self._kept.pop()[0].close()

    def decode(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """JSON columns of driver rows as Python values (SQLite returns them as text)."""
        if self.sqlite and rows:
            names = [name for name in rows[0] if name in JSON_COLUMNS]
            for row in rows:
                for name in names:
                    row[name] = _loads(row[name])
        return rows

    def prepared(self, statement: ClauseElement, params: dict[str, Any]) -> tuple[str, Any]:
        """The driver SQL and arguments of ``statement`` with ``params``, for
        :meth:`Transaction.execute` (built before a transaction, they cost it nothing)."""
        entry = self.compiled(statement)
        return entry.sql, entry.args(params)

    def compiled(self, statement: ClauseElement) -> _Compiled:
        entry = self._compiled.get(id(statement))
        if entry is None or entry.statement is not statement:
            compiled = cast(SQLCompiler, statement.compile(dialect=self.engine.dialect))
            order = compiled.positiontup
            positional = None if order is None else _positional(order)
            entry = _Compiled(statement, str(compiled), dict(compiled.params), positional)
            self._compiled[id(statement)] = entry
        return entry


def _rolled_back(raw: Any) -> bool:
    """Roll back after an error; False (and the connection invalidated, so that the pool
    replaces it) when even that fails: the connection is broken."""
    try:
        raw.rollback()
    except Exception:
        raw.invalidate()
        return False
    return True


class Transaction:
    def __init__(self, driver: Driver, cursor: Any) -> None:
        self._driver = driver
        self._cursor = cursor
        self.loads = driver.loads  # :attr:`Driver.loads`

    def rows(self, statement: ClauseElement, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Execute and return the result rows as dicts, JSON columns decoded; [] without a
        result. (:meth:`tuples` is the cheaper read.)"""
        entry = self._driver.compiled(statement)
        cursor = self._cursor
        cursor.execute(entry.sql, entry.args(params))
        description = cursor.description
        if description is None:
            return []
        names = [d[0] for d in description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return self._driver.decode(found)

    def tuples(self, statement: ClauseElement, params: dict[str, Any]) -> list[Any]:
        """Execute and return the driver's own result rows (tuples, in the statement's column
        order, JSON columns still encoded on SQLite: :attr:`Driver.loads`); [] without a
        result. The cheapest read: on SQLite, the rows are turned into records after the
        commit, where the time does not hold the write lock."""
        entry = self._driver.compiled(statement)
        cursor = self._cursor
        cursor.execute(entry.sql, entry.args(params))
        return [] if cursor.description is None else cursor.fetchall()

    def execute(self, sql: str, args: Any) -> list[Any]:
        """Execute :meth:`Driver.prepared` SQL; its driver rows, as :meth:`tuples`."""
        cursor = self._cursor
        cursor.execute(sql, args)
        return [] if cursor.description is None else cursor.fetchall()

    def run(self, statement: ClauseElement, params: dict[str, Any]) -> None:
        self.rows(statement, params)

    def run_many(self, statement: ClauseElement, rows: list[dict[str, Any]]) -> None:
        """Execute once per parameter set, in one driver call (``executemany``: SQLite steps
        one prepared statement, psycopg pipelines the round trips)."""
        if not rows:
            return
        entry = self._driver.compiled(statement)
        if len(rows) == 1:
            self._cursor.execute(entry.sql, entry.args(rows[0]))
        else:
            self._cursor.executemany(entry.sql, [entry.args(row) for row in rows])
