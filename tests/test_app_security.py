"""Configuration, security headers, rate limits and the health check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from survey_app import create_app
from survey_app.db import get_session
from survey_db.models import Base, PipelineRun, utcnow


def test_secret_key_required_outside_development(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.delenv("SURVEY_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SURVEY_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_ENV", "production")
    monkeypatch.setenv("SURVEY_SECRET_KEY", "k" * 40)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["MAX_CONTENT_LENGTH"] <= 2 * 1024 * 1024


def test_database_url_from_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'env.sqlite3'}"
    monkeypatch.setenv("SURVEY_DATABASE_URL", url)
    assert create_app({"SECRET_KEY": "x"}).config["DATABASE_URL"] == url


def test_security_headers_on_every_page(client, event):
    for url in ("/", "/e/2020-11-10-social-protection/", "/healthz", "/nope"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert headers["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script_or_outside_asset(client, event):
    for url in (
        "/e/2020-11-10-social-protection/",
        "/e/2020-11-10-social-protection/feedback",
        "/e/2020-11-10-social-protection/inputs",
    ):
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html
        assert "http://" not in html.replace("http://localhost", "")
        assert "https://" not in html


def test_submissions_are_rate_limited_per_address(tmp_path, event, app):
    limited = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "RATELIMIT_SUBMIT": "3 per minute",
        }
    )
    client = limited.test_client()
    url = "/e/2020-11-10-social-protection/inputs"
    answers = [client.post(url, data={}) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]
    assert "X-RateLimit-Remaining" not in answers[0].headers
    # The refused attendee is told when the minute's window lets them send again.
    assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
    assert "Too many" in answers[3].get_data(as_text=True)
    other = client.post(url, data={}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 400
    assert client.get(url).status_code == 200


def test_healthz_reports_database_and_last_run(app, client):
    body = client.get("/healthz").get_json()
    assert body == {"status": "ok", "database": "ok", "last_pipeline_success_age_seconds": None}
    with app.app_context():
        db = get_session()
        finished = utcnow() - timedelta(hours=3)
        db.execute(
            insert(PipelineRun).values(
                started_at=finished - timedelta(minutes=1),
                finished_at=finished,
                status="succeeded",
                tagger_version="t",
            )
        )
        db.commit()
    age = client.get("/healthz").get_json()["last_pipeline_success_age_seconds"]
    assert 3 * 3600 - 5 <= age <= 3 * 3600 + 60
    assert Base.metadata.tables["pipeline_runs"] is not None


def test_limiter_counts_are_shared_through_redis(app, event):
    """Two workers (two app instances) share one count, kept in Redis."""
    import uuid

    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError:
        pytest.skip("no Redis server on 127.0.0.1:6379 (CI starts one)")
    config = {
        "TESTING": True,
        "SECRET_KEY": "x",
        "DATABASE_URL": app.config["DATABASE_URL"],
        "RATELIMIT_SUBMIT": "4 per minute",
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    workers = [create_app(config).test_client() for _ in range(2)]
    target = "/e/2020-11-10-social-protection/inputs"
    codes = [workers[n % 2].post(target, data={}).status_code for n in range(6)]
    assert codes == [400, 400, 400, 400, 429, 429]
    stored = redis.Redis.from_url(url).keys(f"*{config['RATELIMIT_KEY_PREFIX']}*")
    assert stored, "the counts are not in Redis"
