"""console indexes: paging by id within an event, and counts read from an index alone

The console's response list and review queue page by id within an event; its overview counts
answers by status, kind, channel, session and theme and draws the 1-5 distribution of every
rating. With 100,000 answers a scan of the wide rows (texts inline) took most of a page's time;
these two indexes let SQLite and PostgreSQL answer from the index. The kind leads the counts
index: led by the event, SQLite used it to fetch the rows of a whole event in random order
(three times the CPU of a walk in id order).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COUNTS = [
    "kind",
    "event_id",
    "session_id",
    "theme_id",
    "status",
    "channel",
    "overall",
    "relevance",
    "speakers",
    "discussion_time",
    "technical",
]


def upgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_event_id", ["event_id", "id", "status", "channel"], unique=False
        )
        batch_op.create_index("ix_responses_console_counts", _COUNTS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_console_counts")
        batch_op.drop_index("ix_responses_event_id")
