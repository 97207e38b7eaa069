"""web_sessions: server-side sessions of the reviewer pages (logout revokes the cookie); a covering
index for the queue's per-status counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.models import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COUNT_COLUMNS = [
    "status",
    "review_status",
    "risk_rank",
    "max_severity_rank",
    "source",
    "unit",
    "officer",
    "recorded_at",
]


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.create_index("ix_web_sessions_user", ["user_id"], unique=False)
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.create_index("ix_recordings_counts", COUNT_COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recordings") as batch_op:
        batch_op.drop_index("ix_recordings_counts")
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.drop_index("ix_web_sessions_user")
    op.drop_table("web_sessions")
