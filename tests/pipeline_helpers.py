"""Helpers shared by the pipeline's tests: demo responses and reading tag rows back."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from survey_app.demo import make_demo_responses
from survey_db.engine import session_factory
from survey_db.models import Event, PipelineRun, Response, ResponseTag


def engine_of(app: Flask) -> Engine:
    """The engine the app (and a run started from it) works on."""
    return app.extensions["survey_db"]["engine"]


def add_responses(app: Flask, event: Event, count: int, seed: int = 7) -> None:
    """Add ``count`` demo responses to ``event`` and commit."""
    with session_factory(engine_of(app), write=True)() as session:
        make_demo_responses(session, session.get(Event, event.id), count, seed=seed)
        session.commit()


def read(app: Flask) -> Session:
    """A session to check what a run left in the database."""
    return session_factory(engine_of(app))()


def tag_count(app: Flask) -> int:
    """Tag rows in the database."""
    with read(app) as session:
        return session.scalar(select(func.count(ResponseTag.id))) or 0


def response_count(app: Flask) -> int:
    """Responses in the database."""
    with read(app) as session:
        return session.scalar(select(func.count(Response.id))) or 0


def tags_by_response(app: Flask) -> dict[int, ResponseTag]:
    """Every tag row, by response id (detached, so they can be read after the session)."""
    with read(app) as session:
        return {tag.response_id: tag for tag in session.scalars(select(ResponseTag))}


def runs(app: Flask) -> list[PipelineRun]:
    """The run log, oldest first."""
    with read(app) as session:
        return list(session.scalars(select(PipelineRun).order_by(PipelineRun.id)))
