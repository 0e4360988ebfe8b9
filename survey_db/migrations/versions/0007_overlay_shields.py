"""overlay shields: a codebook addition is an indicator of its level or a shield against it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("codebook_additions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=10), server_default="indicator", nullable=False)
        )
        batch_op.create_check_constraint("kind", "kind IN ('indicator', 'shield')")
        batch_op.create_check_constraint("shield_not_weak", "kind = 'indicator' OR NOT weak")


def downgrade() -> None:
    with op.batch_alter_table("codebook_additions", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_codebook_additions_shield_not_weak"), type_="check")
        batch_op.drop_constraint(op.f("ck_codebook_additions_kind"), type_="check")
        batch_op.drop_column("kind")
