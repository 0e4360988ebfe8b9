"""review overlay: codebook additions admins accept from the reviews (versioned, removable)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import survey_db.models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "codebook_additions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("weak", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("added_in", sa.Integer(), nullable=False),
        sa.Column("removed_in", sa.Integer(), nullable=True),
        sa.Column("added_at", survey_db.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", survey_db.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "level IN ('virus', 'containment', 'economic_crisis', 'stimulus')",
            name=op.f("ck_codebook_additions_level"),
        ),
        sa.CheckConstraint("language IN ('en', 'zh')", name=op.f("ck_codebook_additions_language")),
        sa.CheckConstraint(
            "source IN ('suggestion', 'typed')", name=op.f("ck_codebook_additions_source")
        ),
        sa.CheckConstraint(
            "removed_in IS NULL OR removed_in > added_in",
            name=op.f("ck_codebook_additions_removed_after"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["organisers.id"],
            name=op.f("fk_codebook_additions_added_by_id_organisers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"],
            ["organisers.id"],
            name=op.f("fk_codebook_additions_removed_by_id_organisers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_codebook_additions")),
    )
    with op.batch_alter_table("codebook_additions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_codebook_additions_removed_in"), ["removed_in"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("codebook_additions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_codebook_additions_removed_in"))
    op.drop_table("codebook_additions")
