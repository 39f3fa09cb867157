"""The initial schema: campaigns, numbers, call jobs, attempts, redial requests, $client,
idempotence keys, API keys (see ringback.store.schema for why the indexes look as they do).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("key_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", name=op.f("pk_api_keys")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=True),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("token", name=op.f("uq_campaigns_token")),
    )
    op.create_table(
        "idempotence_keys",
        sa.Column("scope", sa.String(length=128), nullable=False),
        sa.Column("key", sa.String(length=256), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("request_hash", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_idempotence_keys")),
    )
    op.create_table(
        "clients",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_clients_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "phone", name=op.f("pk_clients")),
    )
    op.create_table(
        "numbers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("gmt_zone", sa.String(length=64), nullable=True),
        sa.Column("external_check", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_numbers_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_numbers")),
        sa.UniqueConstraint("campaign_id", "phone", name=op.f("uq_numbers_campaign_id_phone")),
    )
    op.create_table(
        "call_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("number_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("redial_number", sa.Integer(), nullable=True),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("attempts_count", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=True),
        sa.Column("closes_at", sa.BigInteger(), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("custom", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.Column("last_attempt_end", sa.BigInteger(), nullable=True),
        sa.Column("call_duration", sa.Integer(), nullable=False),
        sa.Column("call_result", sa.Text(), nullable=True),
        sa.Column("call_result_payload", sa.JSON(), nullable=True),
        sa.Column("report_data", sa.JSON(), nullable=False),
        sa.Column("tag_name", sa.Text(), nullable=True),
        sa.Column("tag_payload", sa.JSON(), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("zone_source", sa.String(length=16), nullable=False),
        sa.Column("gmt_zone", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_call_jobs_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["number_id"], ["numbers.id"], name=op.f("fk_call_jobs_number_id_numbers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_jobs")),
    )
    op.create_index(
        "ix_call_jobs_created", "call_jobs", ["campaign_id", "created_at"], unique=False
    )
    op.create_index(
        "ix_call_jobs_due",
        "call_jobs",
        ["campaign_id", "priority", sa.literal_column("custom DESC"), "closes_at", "due_at", "id"],
        unique=False,
        sqlite_where=sa.text("status IN ('planned', 'onRetry')"),
        postgresql_where=sa.text("status IN ('planned', 'onRetry')"),
    )
    op.create_index(
        "ix_call_jobs_next_due",
        "call_jobs",
        ["campaign_id", "due_at"],
        unique=False,
        sqlite_where=sa.text("status IN ('planned', 'onRetry')"),
        postgresql_where=sa.text("status IN ('planned', 'onRetry')"),
    )
    op.create_index("ix_call_jobs_number", "call_jobs", ["number_id"], unique=False)
    op.create_index("ix_call_jobs_phone", "call_jobs", ["campaign_id", "phone"], unique=False)
    op.create_index(
        "ix_call_jobs_schedule",
        "call_jobs",
        ["campaign_id", "closes_at", "id"],
        unique=False,
        sqlite_where=sa.text("status IN ('planned', 'onRetry')"),
        postgresql_where=sa.text("status IN ('planned', 'onRetry')"),
    )
    op.create_index(
        "ix_call_jobs_unfinished",
        "call_jobs",
        ["campaign_id", "id"],
        unique=False,
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    )

    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("call_job_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("redial_number", sa.Integer(), nullable=True),
        sa.Column("attempt_number", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("lease_until", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("zone_source", sa.String(length=16), nullable=False),
        sa.Column("job_status", sa.String(length=32), nullable=True),
        sa.Column("call_result", sa.Text(), nullable=True),
        sa.Column("call_duration", sa.Integer(), nullable=False),
        sa.Column("report_data", sa.JSON(), nullable=False),
        sa.Column("tag_name", sa.Text(), nullable=True),
        sa.Column("tag_payload", sa.JSON(), nullable=True),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_job_id"], ["call_jobs.id"], name=op.f("fk_attempts_call_job_id_call_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_attempts_campaign_id_campaigns")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attempts")),
    )
    op.create_index("ix_attempts_call_job_id", "attempts", ["call_job_id"], unique=False)
    op.create_index(
        "ix_attempts_lease",
        "attempts",
        ["lease_until"],
        unique=False,
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    )
    op.create_index("ix_attempts_started", "attempts", ["campaign_id", "started_at"], unique=False)
    op.create_index(
        "ux_attempts_job_in_flight",
        "attempts",
        ["call_job_id"],
        unique=True,
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    )
    op.create_index(
        "ux_attempts_line_in_flight",
        "attempts",
        ["campaign_id", "line"],
        unique=True,
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    )

    op.create_table(
        "redial_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("policy", sa.JSON(), nullable=True),
        sa.Column("created_job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_redial_requests_attempt_id_attempts")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_redial_requests_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["created_job_id"],
            ["call_jobs.id"],
            name=op.f("fk_redial_requests_created_job_id_call_jobs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redial_requests")),
    )
    op.create_index(
        "ix_redial_requests_phone", "redial_requests", ["campaign_id", "phone"], unique=False
    )


def downgrade() -> None:
    op.drop_table("redial_requests")
    op.drop_table("attempts")
    op.drop_table("call_jobs")
    op.drop_table("numbers")
    op.drop_table("clients")
    op.drop_table("idempotence_keys")
    op.drop_table("campaigns")
    op.drop_table("api_keys")
