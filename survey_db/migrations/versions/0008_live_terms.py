"""live terms: each answer's words for the live screen, cut once for every web worker

The live screen's poll counted a session's words by cutting every quotable comment with jieba
in each gunicorn worker (its cache was the worker's own), about half a second of CPU for 1,500
comments per worker and session, and again after every restart. The poll now keeps each answer
version's words here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "live_terms",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("names_key", sa.String(length=16), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("capitals", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_live_terms_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_live_terms")),
    )


def downgrade() -> None:
    op.drop_table("live_terms")
