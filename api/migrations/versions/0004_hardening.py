"""hardening: keyed audit rows, stable flag lineage, one recording per raw object, honest review status

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    # rows written before the chain was keyed keep the plain SHA-256 scheme they were hashed with;
    # ADD COLUMN (no table rebuild) keeps the append-only triggers on the table in place
    op.add_column(
        "audit_events",
        sa.Column("scheme", sa.String(length=16), nullable=False, server_default="sha256"),
    )
    op.add_column("flags", sa.Column("stable_key", sa.String(length=64), nullable=True))
    op.add_column("flags", sa.Column("lineage_id", sa.Uuid(), nullable=True))
    op.add_column("flags", sa.Column("quote", sa.Text(), nullable=True))
    op.create_index("ix_flags_lineage", "flags", ["lineage_id"], unique=False)

    dupes = bind.execute(
        sa.text(
            "SELECT media_key, COUNT(*) FROM recordings WHERE media_key IS NOT NULL "
            "GROUP BY media_key HAVING COUNT(*) > 1"
        )
    ).all()
    if dupes:
        keys = ", ".join(repr(k) for k, _ in dupes[:10])
        raise RuntimeError(
            f"{len(dupes)} raw objects are registered as more than one recording ({keys}); "
            "keep one recording per media_key (delete the later duplicates) and migrate again"
        )
    op.create_index("uq_recordings_media_key", "recordings", ["media_key"], unique=True)
    bind.execute(
        sa.text(
            "UPDATE recordings SET review_status = 'pending' WHERE status IN ('queued', 'running')"
        )
    )
    bind.execute(sa.text("UPDATE recordings SET review_status = 'failed' WHERE status = 'failed'"))


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE recordings SET review_status = 'clear' "
            "WHERE review_status IN ('pending', 'failed')"
        )
    )
    op.drop_index("uq_recordings_media_key", table_name="recordings")
    op.drop_index("ix_flags_lineage", table_name="flags")
    # in place, not by a batch rebuild: a rebuilt table would lose the append-only triggers
    # (audit_events) or trip over the foreign keys pointing at it (flags); SQLite 3.35+ can do it
    for table, column in [
        ("flags", "quote"),
        ("flags", "lineage_id"),
        ("flags", "stable_key"),
        ("audit_events", "scheme"),
    ]:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
