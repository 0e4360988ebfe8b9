"""Fixtures shared by the suite: ``app``, ``client``, ``runner`` and a seeded event.

Tests run on a fresh SQLite file each; with ``SURVEY_TEST_DATABASE_URL`` set they run on
PostgreSQL instead, in a database of their own created for the session (so two runs on one
server never meet) and emptied between tests.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2 import MemcachedBytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from survey_app import create_app
from survey_app.db import get_session
from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml
from survey_db import migrate
from survey_db.models import Base, Event

from .admin_helpers import FIRST_SLUG, signed_in, stranger


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is slow too, so ``make test-fast`` leaves out new ones as well.

    (Dealing the slow tests first was tried: both processes then waited on browsers at once,
    and the whole run took 5 min 48 s instead of 4 min 47 s.)
    """
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A throw-away PostgreSQL database migrated to head, or None to use SQLite."""
    base = os.environ.get("SURVEY_TEST_DATABASE_URL")
    if not base:
        yield None
        return
    name = f"survey_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the current schema, copied for each test.

    Creating the tables costs about 25 ms a test; copying the file costs well under one.
    """
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path: Path, postgres_url: str | None, sqlite_template: Path) -> str:
    """The URL of an empty database at the current schema."""
    if postgres_url is None:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    engine = create_engine(postgres_url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return postgres_url


class _Templates(dict):
    """Compiled templates kept for the whole test process (a memcached client's two calls)."""

    def set(self, key: str, value: bytes, timeout: int | None = None) -> None:
        self[key] = value


#: Each test's app would compile every template it renders again (about 25 ms a page, and a
#: console test renders several); Jinja's bytecode cache, keyed by each template's source,
#: lets the apps of one test process share the compiled code.
TEMPLATES = MemcachedBytecodeCache(_Templates())  # type: ignore[arg-type]


@pytest.fixture
def app(tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """An app on an empty database, configured for tests."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database_url,
            "EXPORT_DIR": str(tmp_path / "exports"),
            "RATELIMIT_ENABLED": False,
            # In-process CLI runs must not lower the priority of the test process itself.
            "PIPELINE_NICE": 0,
        }
    )
    app.jinja_env.bytecode_cache = TEMPLATES
    yield app
    app.extensions["survey_db"]["engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner of ``app``."""
    return app.test_cli_runner()


@pytest.fixture
def event(app: Flask) -> Event:
    """The first event of the series, loaded from the bundled file and open."""
    with app.app_context():
        session = get_session()
        apply_event(session, parse_event_yaml(FIRST_EVENT_FILE.read_text("utf-8")), status="open")
        session.commit()
        loaded = session.query(Event).filter_by(slug=FIRST_SLUG).one()
        session.expunge_all()
        return loaded


@pytest.fixture
def organiser_client(app: Flask, client: FlaskClient, event: Event) -> FlaskClient:
    """A client signed in as an organiser of the first event."""
    return signed_in(app, client, event)


@pytest.fixture
def stranger_client(app: Flask, event: Event) -> FlaskClient:
    """A client signed in as an organiser of another event."""
    return stranger(app)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """``app`` served by a real HTTP server in a thread; yields its base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def require_installed(found: bool, name: str, package: str) -> None:
    """Skip a test that needs a Debian package missing here; in CI, fail it instead."""
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI: apt-get install {package}")
        pytest.skip(f"{name} is not installed: run `apt-get install {package}` to run this test")


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright, started once per test process (a
    start takes about 2 s); skipped (not in CI) when missing."""
    require_installed(CHROMIUM.exists(), "Chromium", "chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The test process's Chromium; every context a test opens (its cookies, storage and
    pages) is closed after it, so nothing passes from one test to the next."""
    yield chromium
    for context in chromium.contexts:
        context.close()
