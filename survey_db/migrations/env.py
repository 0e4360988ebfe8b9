"""Alembic environment: batch mode and the naming convention, so SQLite migrates too."""

from __future__ import annotations

from alembic import context

from survey_db.engine import make_engine
from survey_db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run migrations on the URL the ``db`` command put in the config."""
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
