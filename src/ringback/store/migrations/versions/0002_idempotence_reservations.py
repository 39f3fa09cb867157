"""Idempotence keys can be reserved by a request still running: ``owner`` (the reservation's
token) and ``lease_until`` (when a reservation left by a dead process expires), and
``status_code`` is NULL while the key is only reserved. Existing rows are stored responses,
which is what a row with ``owner`` and ``lease_until`` NULL is.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotence_keys") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.BigInteger(), nullable=True))
        batch.alter_column("status_code", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Reservations have no response to keep: their requests run again after the downgrade.
    op.execute("DELETE FROM idempotence_keys WHERE status_code IS NULL")
    with op.batch_alter_table("idempotence_keys") as batch:
        batch.alter_column("status_code", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("lease_until")
        batch.drop_column("owner")
