"""console covering indexes: the levels matrix and the review queue read indexes, not rows

With 100,000 answers the levels page took about 500 ms and the review queue about 300 ms of
CPU on SQLite, most of it reading wide rows: the answers' texts (only to tell whether an
answer has text) and the tag rows with their scores and evidence (only for their state and
levels). A partial index holds the active answers' keys where there is text, under the very
condition the queries write; a tag index holds each row's state, certainty and levels (on
PostgreSQL the level lists become ``jsonb`` for it: ``json`` has no B-tree operators); a third
walks the unreviewed tags least certain first, for the queue's pages.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

#: As written by survey_db.counting.HAS_TEXT (the database matches the two as text).
_HAS_TEXT = (
    "coalesce(most_useful, '') != '' OR coalesce(improve, '') != '' "
    "OR coalesce(next_topics, '') != '' OR coalesce(text, '') != ''"
)


def _levels_type(kind: sa.types.TypeEngine, name: str) -> None:
    """On PostgreSQL, store the level lists as ``name`` (``json`` cannot be in a B-tree index)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in ("machine_levels", "reviewed_levels"):
        op.alter_column("response_tags", column, type_=kind, postgresql_using=f"{column}::{name}")


def upgrade() -> None:
    _levels_type(postgresql.JSONB(), "jsonb")
    op.create_index(
        "ix_responses_with_text",
        "responses",
        ["event_id", "status", "kind", "session_id", "theme_id", "channel"],
        sqlite_where=sa.text(_HAS_TEXT),
        postgresql_where=sa.text(_HAS_TEXT),
    )
    op.create_index(
        "ix_response_tags_console",
        "response_tags",
        ["response_id", "review_state", "certainty", "machine_levels", "reviewed_levels"],
    )
    op.create_index(
        "ix_response_tags_queue", "response_tags", ["review_state", "certainty", "response_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_response_tags_queue", table_name="response_tags")
    op.drop_index("ix_response_tags_console", table_name="response_tags")
    op.drop_index("ix_responses_with_text", table_name="responses")
    _levels_type(sa.JSON(), "json")
