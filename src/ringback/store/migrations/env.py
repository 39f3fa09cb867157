"""Alembic environment: migrates the engine handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from ringback.store.schema import metadata

engine = context.config.attributes.get("engine")
if engine is None:  # pragma: no cover - only through ringback.store.migrations.upgrade
    raise RuntimeError("run migrations through ringback.store.migrations.upgrade(engine)")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
