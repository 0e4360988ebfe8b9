"""security: sign-in attempts counted per key (account and address, address, account)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import survey_db.models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_counts",
        sa.Column("key", sa.String(length=320), nullable=False),
        sa.Column(
            "window_started", survey_db.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_counts")),
    )


def downgrade() -> None:
    op.drop_table("sign_in_counts")
