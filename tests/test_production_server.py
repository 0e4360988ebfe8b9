"""The README's production command: gunicorn with the repo's config serves the app."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .admin_helpers import FIRST_SLUG

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read().decode()
    finally:
        connection.close()


def test_gunicorn_serves_the_app_with_the_repo_config(event, database_url, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "SURVEY_ENV": "production",
        "SURVEY_SECRET_KEY": "a-production-secret-key-for-this-test",
        "SURVEY_DATABASE_URL": database_url,
        "SURVEY_TRUSTED_PROXIES": "1",
        "SURVEY_EXPORT_DIR": str(tmp_path / "exports"),
        "SURVEY_RATELIMIT_STORAGE_URI": "memory://",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    }
    env.pop("GUNICORN_ACCESS_LOG", None)
    log = tmp_path / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "survey_app:create_app()",
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _headers, body = _get(port, "/healthz", {})
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["database"] == "ok"

        behind_proxy = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        status, headers, body = _get(
            port, f"/e/{FIRST_SLUG}/sessions/p1-health/feedback", behind_proxy
        )
        assert status == 200 and 'name="csrf_token"' in body
        assert "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        server.terminate()
        server.wait(30)
    logged = log.read_text()
    assert "Booting worker" in logged
    # No access log unless GUNICORN_ACCESS_LOG asks for one: the proxy logs requests.
    assert "GET /healthz" not in logged and "/feedback HTTP" not in logged
