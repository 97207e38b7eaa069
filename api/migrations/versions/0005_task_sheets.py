"""task sheets (处置意见任务单) with their event history; recordings.category and task_sheet_id

Revision ID: 0005
Revises: 0004 (0004_hardening)
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_sheets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("recording_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=128), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("deadline_at", UTCDateTime(), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("responsible", sa.String(length=128), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("overdue_since", UTCDateTime(), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=True),
        sa.Column("issued_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("verified_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("reopened_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["recording_id"], ["recordings.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("task_sheets", schema=None) as batch_op:
        batch_op.create_index("ix_task_sheets_recording_id", ["recording_id"], unique=False)
        batch_op.create_index("ix_task_sheets_incident_id", ["incident_id"], unique=False)
        batch_op.create_index("ix_task_sheets_unit_state", ["unit", "state", "created_at"])
        batch_op.create_index("ix_task_sheets_open_deadline", ["overdue", "deadline_at"])
        batch_op.create_index("ix_task_sheets_unit_created", ["unit", "created_at"])
    op.create_table(
        "task_sheet_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("sheet_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["sheet_id"], ["task_sheets.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("task_sheet_events", schema=None) as batch_op:
        batch_op.create_index("ix_task_sheet_events_sheet", ["sheet_id", "at"])
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("task_sheet_id", sa.Uuid(), nullable=True))
        batch_op.create_index("ix_recordings_task_sheet_id", ["task_sheet_id"], unique=False)
        batch_op.create_index("ix_recordings_unit_time", ["unit", "recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index("ix_recordings_unit_time")
        batch_op.drop_index("ix_recordings_task_sheet_id")
        batch_op.drop_column("task_sheet_id")
        batch_op.drop_column("category")
    op.drop_table("task_sheet_events")
    op.drop_table("task_sheets")
