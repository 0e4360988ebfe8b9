"""Load test of the attendee forms under gunicorn: full flows, what they cost, nothing lost.

    python bench/load_submit.py [--clients 64] [--seconds 30] [--prefill 20000]
                                [--database-url URL] [--with-pipeline [--full]]
                                [--workers N] [--threads N] [--profile [--profile-flows N]]
                                [--ratelimit-storage URI] [--live-screens N]

1. Makes a fresh database (a SQLite file in a temp dir, or a PostgreSQL database of its own
   with a unique name, dropped at the end), migrates it, loads and opens the first event and
   adds ``--prefill`` demo responses.
2. Serves the app with the repo's ``gunicorn.conf.py`` on 127.0.0.1 (a free port), as in
   production: ``SURVEY_ENV=production``, a generated secret key, ``SURVEY_TRUSTED_PROXIES=1``,
   rate limits counted in Redis (database 15, emptied first; ``--ratelimit-storage
   memory://`` where there is no Redis).
   Every simulated attendee sends its own ``X-Forwarded-For`` address (a few "rooms" share
   one), ``X-Forwarded-Proto: https`` and a same-origin ``Referer``, so the secure session
   cookie, the SSL-strict CSRF check and the per-address rate limit all stay on.
3. Warms up with ``--warmup`` seconds of full flows (below), left out of the figures: each
   worker renders a page once per kind, language and topic, then keeps it, as a server that
   has been up for a while has long done. Their rows are checked with the others.
   Then drives ``/healthz`` with ``--clients`` clients (a new connection per request, as sync
   workers close each) for ``--seconds`` (the baseline), then the same number of attendees
   for the same time, each repeating the full flow: GET a session feedback form (or, 30%,
   the policy inputs form), POST answers (English and Chinese, some long), GET the thank-you
   page, and for ~10% of flows GET the private amend link and POST an amendment.
4. Prints flows/s and requests/s (and their ratio to ``/healthz``), latency percentiles by
   request kind, errors by kind (429s and timeouts apart), then checks the database: every
   submission answered with a redirect to a thank-you page is stored exactly once, and
   every amendment shows in ``version`` and ``response_versions``.
   Exit status 1 when anything was lost or duplicated or any request failed (429s included,
   unless ``--allow-429``).

``--with-pipeline`` runs ``flask --app survey_app pipeline run`` in a loop, as the README's
crontab line starts it (a session of its own, lowered first), against the same
database (``--full`` re-tags everything each time). The flows start once the first run has
stored its first page of tags, so that the job is tagging, not still loading, while they
run; the bench reports the runs, their exit codes (75 = another run held the lock, fine)
and how many responses they tagged during the flows (none fails the bench).
``--live-screens N`` signs N organisers' live screens in (one session each), polls each once
before the flows (the first poll of a session cuts the words of its prefilled answers, once
for all workers), then every 5 s during the flows, and reports the polls' latencies.
``--profile`` then runs ``--profile-flows`` flows in-process (Flask test client, same
production settings and database) under cProfile and prints where the server's time goes.
Targets (2-core machine, load generator included): >= 150 flows/s on SQLite, p99 < 250 ms at
64 clients, zero errors, nothing lost; the same with a pipeline run going on.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import http.client
import os
import pstats
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# Keep this folder off the import path (bench/pipeline.py is named like the package).
_HERE = str(Path(__file__).resolve().parent)
if _HERE in sys.path:
    sys.path.remove(_HERE)

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SLUG = "2020-11-10-social-protection"
HOST = "127.0.0.1"

TARGET_FLOWS = 150.0
TARGET_P99_MS = 250.0
PIPELINE_START_TIMEOUT_S = 120.0
#: Seconds between two polls of a live screen (``survey_app/static/live.js``).
LIVE_POLL_S = 5.0
#: The organiser whose live screens poll during the flows (``--live-screens``).
SCREENS_EMAIL = "screens@example.org"
SCREENS_PASSWORD = "projector screens in the hall"  # noqa: S105 - a throwaway bench account

INPUT_SHARE = 0.30
AMEND_SHARE = 0.10
ZH_SHARE = 0.45
LONG_SHARE = 0.10

_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_NAME = re.compile(r'name="([^"]+)"')
_VALUE = re.compile(r'value="([^"]*)"')
_PRIVATE_LINK = re.compile(r'class="private-link" href="([^"]+)"')
_THANKS_PATH = re.compile(r"^/e/[^/]+/r/([0-9a-f]+)/thanks$")

# --------------------------------------------------------------------------------------------
# What attendees write
# --------------------------------------------------------------------------------------------

TEXTS = {
    "en": [
        "Gig workers lost their income when orders collapsed and had no unemployment insurance.",
        "Wage subsidies and contribution waivers helped small firms keep their staff.",
        "School closures doubled the burden of care on women, especially in rural areas.",
        "Migrant workers could not return to the cities because of travel restrictions.",
        "Medical insurance should cover COVID-19 treatment for everyone, migrants included.",
        "The temporary increase of Dibao benefits reached only part of those in need.",
        "Digital delivery helped, but older persons without smartphones were left behind.",
        "Deferred contributions must not weaken the pension funds in the long run.",
        "The interpretation was clear and the moderator kept good time.",
        "Please share the slides after the meeting.",
    ],
    "zh": [
        "许多灵活就业人员因为订单减少而失去收入，也没有失业保险。",
        "减免社保缴费和稳岗补贴帮助中小企业留住了员工。",
        "学校停课让女性承担了更多照料责任，农村地区尤其如此。",
        "出行限制使农民工无法按时返岗。",
        "医疗保险应当覆盖所有人的新冠治疗费用，包括农民工。",
        "临时提高低保标准只覆盖了部分有需要的人。",
        "数字化经办有帮助，但没有智能手机的老年人被落下了。",
        "缓缴社会保险费不能影响养老基金的长期可持续性。",
        "同声传译很清楚，主持人把握时间很好。",
        "请在会后分享演示文稿。",
    ],
}
TOPICS = {
    "en": ["Financing social protection floors", "Unemployment insurance for flexible workers"],
    "zh": ["社会保护底线的筹资", "灵活就业人员的失业保险"],
}
STAKEHOLDERS = ("government", "social_partner", "civil_society", "un_agency", "academia", "other")
GROUPS = ("women", "informal_workers", "flexible_gig_workers", "migrant_workers", "children")
AREAS = ("health", "unemployment", "social_assistance", "pensions", "digital_delivery")


def _text(rng: random.Random, lang: str, long: bool = False) -> str:
    joiner = "" if lang == "zh" else " "
    count = rng.randint(1, 3)
    text = joiner.join(rng.choice(TEXTS[lang]) for _ in range(count))
    if long:
        # Up to ~4,500 characters: below the 5,000 limit, in both languages.
        limit = rng.randint(1500, 4500)
        while len(text) < limit:
            text += joiner + rng.choice(TEXTS[lang])
        text = text[:limit]
    return text


def _respondent(rng: random.Random, lang: str) -> list[tuple[str, str]]:
    pairs = [("stakeholder", rng.choice(("", *STAKEHOLDERS)))]
    if rng.random() < 0.3:
        pairs.append(("name", "王芳" if lang == "zh" else "Jane Doe"))
        pairs.append(("organisation", "人社部" if lang == "zh" else "Ministry of Labour"))
    if rng.random() < 0.6:
        pairs.append(("quote_ok", "y"))
    if rng.random() < 0.1:
        pairs.append(("show_name", "y"))
    return pairs


def feedback_answers(rng: random.Random, lang: str) -> list[tuple[str, str]]:
    long = rng.random() < LONG_SHARE
    pairs = [("overall", str(rng.randint(1, 5)))]
    for question in ("relevance", "speakers", "discussion_time", "technical"):
        if rng.random() < 0.85:
            pairs.append((question, str(rng.randint(1, 5))))
    pairs.append(("most_useful", _text(rng, lang, long) if rng.random() < 0.7 else ""))
    pairs.append(("improve", _text(rng, lang) if rng.random() < 0.5 else ""))
    pairs.append(("next_topics", rng.choice(TOPICS[lang]) if rng.random() < 0.3 else ""))
    pairs.append(("attendance", rng.choice(("in_person", "online"))))
    return pairs + _respondent(rng, lang)


def input_answers(rng: random.Random, lang: str, themes: list[str]) -> list[tuple[str, str]]:
    pairs = [("theme", rng.choice(themes)), ("text", _text(rng, lang, rng.random() < LONG_SHARE))]
    pairs += [("groups", value) for value in rng.sample(GROUPS, k=rng.choice((0, 1, 2)))]
    pairs += [("areas", value) for value in rng.sample(AREAS, k=rng.choice((0, 1, 2)))]
    return pairs + _respondent(rng, lang)


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, submission key), as tests/form_helpers.py."""
    fields = {}
    for tag in _HIDDEN.findall(html):
        name, value = _NAME.search(tag), _VALUE.search(tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


# --------------------------------------------------------------------------------------------
# The simulated attendee
# --------------------------------------------------------------------------------------------


@dataclass
class Stats:
    """What one client saw; merged at the end."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    #: Every request's latency by the whole second it started in (perf_counter), any kind.
    by_second: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    flows: int = 0
    window_flows: int = 0  # completed before the deadline
    window_requests: int = 0
    accepted: dict[str, str] = field(default_factory=dict)  # submission key -> kind
    amended: Counter = field(default_factory=Counter)  # submission key -> accepted amendments

    def merge(self, other: Stats) -> None:
        for kind, values in other.latencies.items():
            self.latencies[kind].extend(values)
        for second, values in other.by_second.items():
            self.by_second[second].extend(values)
        self.errors.update(other.errors)
        self.error_samples.extend(other.error_samples[: max(0, 10 - len(self.error_samples))])
        self.flows += other.flows
        self.window_flows += other.window_flows
        self.window_requests += other.window_requests
        for key, kind in other.accepted.items():
            if key in self.accepted:
                self.errors["duplicate key handed out"] += 1
            self.accepted[key] = kind
        self.amended.update(other.amended)

    def requests(self) -> int:
        return sum(len(values) for values in self.latencies.values())


class FlowFailed(Exception):
    """A request in a flow did not answer as expected; the flow is abandoned."""


class Client:
    """One browser: its own cookie and forwarded address.

    Each request goes on a new connection that the server closes after answering, as
    gunicorn's sync workers do anyway. The HTTP is written and read here in a few lines: the
    load generator shares the 2 cores with the server, and http.client's header parsing
    made it use 40% more CPU (21% of a core against 15%).
    """

    def __init__(self, port: int, address: str, lang: str, timeout: float, stats: Stats) -> None:
        self.port = port
        self.address = address
        self.lang = lang
        self.timeout = timeout
        self.stats = stats
        self.cookies: dict[str, str] = {}
        self.origin = f"https://{HOST}:{port}"
        self.deadline = float("inf")

    def _exchange(
        self, method: str, path: str, headers: dict[str, str], payload: bytes | None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send one request and read the whole answer; raises OSError on a broken one."""
        lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
        if payload is not None:
            lines.append(f"Content-Length: {len(payload)}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (payload or b"")
        chunks = []
        with socket.create_connection((HOST, self.port), timeout=self.timeout) as sock:
            sock.sendall(request)
            while chunk := sock.recv(262144):
                chunks.append(chunk)
        head, separator, body = b"".join(chunks).partition(b"\r\n\r\n")
        if not separator:
            raise ConnectionError("the answer ended before its headers did")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        fields = []
        for line in header_lines:
            name, _, value = line.partition(":")
            fields.append((name.strip(), value.strip()))
        length = next((v for k, v in fields if k.lower() == "content-length"), None)
        if length is not None and int(length) != len(body):
            raise ConnectionError(f"body of {len(body)} bytes, {length} announced")
        return int(status_line.split(" ", 2)[1]), fields, body

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        body: str | None = None,
        referer: str | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> tuple[int, dict[str, str], str]:
        headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Accept-Language": "zh-CN,zh;q=0.9" if self.lang == "zh" else "en-GB,en;q=0.9",
            "User-Agent": "load_submit/1.0",
            "Connection": "close",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if referer:
            headers["Referer"] = self.origin + referer
        payload = None
        if body is not None:
            payload = body.encode("utf-8")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            status, fields, data = self._exchange(method, path, headers, payload)
        except TimeoutError:
            self.stats.errors[f"{kind}: timeout"] += 1
            raise FlowFailed(kind) from None
        except OSError as error:
            self.stats.errors[f"{kind}: {type(error).__name__}"] += 1
            raise FlowFailed(kind) from None
        elapsed = time.perf_counter() - started
        self.stats.latencies[kind].append(elapsed)
        self.stats.by_second[int(started)].append(elapsed)
        if started + elapsed <= self.deadline:
            self.stats.window_requests += 1
        for name, value in fields:
            if name.lower() == "set-cookie":
                # Store the cookie whatever its Secure flag: we are the TLS proxy's client.
                pair = value.split(";", 1)[0]
                cname, _, cvalue = pair.partition("=")
                self.cookies[cname.strip()] = cvalue.strip()
        text = data.decode("utf-8", "replace")
        if status not in expect:
            label = "429" if status == 429 else f"HTTP {status}"
            self.stats.errors[f"{kind}: {label}"] += 1
            if status != 429 and len(self.stats.error_samples) < 5:
                snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[-300:]
                self.stats.error_samples.append(f"{method} {path} -> {status}: {snippet}")
            raise FlowFailed(kind)
        return status, {name.lower(): value for name, value in fields}, text

    # The full flow ------------------------------------------------------------------------

    def flow(self, rng: random.Random, sessions: list[str], themes: list[str]) -> None:
        if rng.random() < INPUT_SHARE:
            kind = "input"
            theme = rng.choice(themes)
            path = f"/e/{SLUG}/inputs?theme={theme}"
            answers = input_answers(rng, self.lang, themes)
        else:
            kind = "feedback"
            path = f"/e/{SLUG}/sessions/{rng.choice(sessions)}/feedback"
            answers = feedback_answers(rng, self.lang)
        _, _, page = self.request("GET form", "GET", path)
        hidden = hidden_fields(page)
        key = hidden.get("submission_key")
        if not key or "csrf_token" not in hidden:
            self.stats.errors["GET form: no token/key in page"] += 1
            raise FlowFailed("GET form")
        body = urlencode(list(hidden.items()) + answers)
        _, headers, _ = self.request("POST submit", "POST", path, body, referer=path, expect=(302,))
        location = urlsplit(headers.get("location", "")).path
        match = _THANKS_PATH.match(location)
        if not match:
            self.stats.errors["POST submit: 302 not to a thank-you page"] += 1
            raise FlowFailed("POST submit")
        # Accepted: the app said it stored it. From here on it must be in the database.
        self.stats.accepted[key] = kind
        _, _, thanks = self.request("GET thanks", "GET", location)
        link = _PRIVATE_LINK.search(thanks)
        if not link:
            self.stats.errors["GET thanks: no private link"] += 1
            raise FlowFailed("GET thanks")
        if rng.random() < AMEND_SHARE:
            amend_path = urlsplit(link.group(1)).path
            _, _, page = self.request("GET amend", "GET", amend_path)
            hidden = hidden_fields(page)
            if hidden.get("submission_key") != key:
                self.stats.errors["GET amend: wrong or no submission key"] += 1
                raise FlowFailed("GET amend")
            # A marker that differs from the stored text, so the amendment makes a version.
            marker = f" [amended {secrets.token_hex(4)}]"
            if kind == "input":
                changed = [(k, v + marker if k == "text" else v) for k, v in answers]
            else:
                changed = [(k, v) for k, v in answers if k != "improve"]
                changed.append(("improve", _text(rng, self.lang) + marker))
            body = urlencode(list(hidden.items()) + changed)
            _, _, page = self.request("POST amend", "POST", amend_path, body, referer=amend_path)
            if 'class="success"' not in page:
                self.stats.errors["POST amend: 200 without 'saved'"] += 1
                raise FlowFailed("POST amend")
            self.stats.amended[key] += 1
        self.stats.flows += 1
        if time.perf_counter() <= self.deadline:
            self.stats.window_flows += 1


def _addresses(clients: int, room_share: float, rooms: int, rng: random.Random) -> list[str]:
    """One forwarded address per attendee; ``room_share`` of them share ``rooms`` addresses."""
    in_rooms = round(clients * room_share) if rooms else 0
    addresses = [f"127.77.0.{1 + index % rooms}" for index in range(in_rooms)]
    addresses += [f"127.66.{index // 250}.{1 + index % 250}" for index in range(clients - in_rooms)]
    rng.shuffle(addresses)
    return addresses


def run_phase(
    mode: str,
    port: int,
    clients: int,
    seconds: float,
    timeout: float,
    addresses: list[str],
    sessions: list[str],
    themes: list[str],
    seed: int,
) -> tuple[Stats, float, float]:
    """Run ``clients`` threads for ``seconds``; gives merged stats, wall seconds, client CPU."""
    per_thread = [Stats() for _ in range(clients)]
    start_gate = threading.Barrier(clients + 1)
    deadline_box: list[float] = []

    def work(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        lang = "zh" if rng.random() < ZH_SHARE else "en"
        client = Client(port, addresses[index], lang, timeout, per_thread[index])
        start_gate.wait()
        deadline = client.deadline = deadline_box[0]
        while time.perf_counter() < deadline:
            try:
                if mode == "health":
                    client.request("GET /healthz", "GET", "/healthz")
                    per_thread[index].flows += 1
                    per_thread[index].window_flows += 1
                else:
                    client.flow(rng, sessions, themes)
            except FlowFailed:
                time.sleep(0.05)  # a refused attendee does not resend in a tight loop

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    started = time.perf_counter()
    deadline_box.append(started + seconds)
    start_gate.wait()
    for thread in threads:
        thread.join(seconds + timeout * 5 + 10)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    merged = Stats()
    for stats in per_thread:
        merged.merge(stats)
    if any(thread.is_alive() for thread in threads):
        merged.errors["client thread did not finish"] += 1
    return merged, wall, cpu


# --------------------------------------------------------------------------------------------
# Database, server, pipeline
# --------------------------------------------------------------------------------------------


def create_database(base_url: str | None, tmp: Path) -> tuple[str, str | None]:
    """A fresh database URL; for PostgreSQL also the name to drop at the end."""
    if base_url is None:
        return f"sqlite:///{tmp / 'load.sqlite3'}", None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"survey_load_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False), name


def drop_database(base_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str, prefill: int) -> tuple[list[str], list[str]]:
    """Migrate, load and open the first event, add demo data; gives session and theme codes."""
    from sqlalchemy import select

    from survey_app import create_app
    from survey_app.demo import make_demo_responses
    from survey_app.events import FIRST_EVENT_FILE, apply_event, parse_event_yaml
    from survey_app.passwords import hash_password
    from survey_db import migrate
    from survey_db.engine import session_factory
    from survey_db.models import Event, Organiser

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-setup"})
    engine = app.extensions["survey_db"]["engine"]
    with session_factory(engine, write=True)() as session:
        apply_event(session, parse_event_yaml(FIRST_EVENT_FILE.read_text("utf-8")), status="open")
        session.flush()
        event = session.scalar(select(Event).where(Event.slug == SLUG))
        if prefill:
            make_demo_responses(session, event, prefill, seed=20201110)
        sessions = [item.code for item in event.feedback_sessions()]
        themes = [theme.code for theme in event.themes]
        session.add(
            Organiser(
                email=SCREENS_EMAIL, password_hash=hash_password(SCREENS_PASSWORD), events=[event]
            )
        )
        session.commit()
    engine.dispose()
    return sessions, themes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


#: Where the server counts rate limits unless told otherwise: Redis, as in production with
#: several workers. The benchmark empties this database (15) before it starts.
RATELIMIT_STORAGE = "redis://127.0.0.1:6379/15"


def reset_ratelimit_storage(uri: str) -> None:
    """Start from empty counts, so an earlier run's submissions do not count against this one."""
    if not uri.startswith("redis://"):
        return
    import redis

    try:
        redis.Redis.from_url(uri).flushdb()
    except redis.RedisError as error:
        sys.exit(f"Redis at {uri} is not reachable ({error}); use --ratelimit-storage memory://")


def server_env(url: str, tmp: Path, secret: str, port: int | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("SURVEY_RATELIMIT_STORAGE_URI", RATELIMIT_STORAGE)
    env.update(
        {
            "SURVEY_ENV": "production",
            "SURVEY_SECRET_KEY": secret,
            "SURVEY_DATABASE_URL": url,
            "SURVEY_TRUSTED_PROXIES": "1",
            "SURVEY_EXPORT_DIR": str(tmp / "exports"),
        }
    )
    if port is not None:
        env["GUNICORN_BIND"] = f"{HOST}:{port}"
    return env


def start_server(env: dict[str, str], log: Path, port: int) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"),
        "-c",
        str(REPO / "gunicorn.conf.py"),
        "survey_app:create_app()",
    ]
    with open(log, "wb") as out:
        server = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {log}:\n" + _tail(log))
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not answer /healthz within 60 s:\n" + _tail(log))


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # the master: graceful stop of its workers
        try:
            server.wait(40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def speed_probe() -> float:
    """Milliseconds of CPU a fixed pure-Python loop takes here now (idle machine: the best of
    five). A shared host's speed drifts between runs: this says how fast the cores were."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        sum(i * i for i in range(300_000))
        best = min(best, time.process_time() - started)
    return 1000 * best


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) the gunicorn master and all its workers have used so far.

    A worker recycled after ``max_requests`` is counted too: once the master reaps it, its
    time shows in the master's children's time (cutime, cstime).
    """
    ticks = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    master = fields(server.pid)
    total = sum(int(value) for value in master[11:15]) / ticks
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        children = []
    for pid in children:
        try:
            worker = fields(int(pid))
        except OSError:
            continue  # exited since the list was read; its time is in the master's cutime
        total += (int(worker[11]) + int(worker[12])) / ticks
    return total


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return ""


class LiveScreens(threading.Thread):
    """Organisers' live screens on the projector: each signs in, then polls its session's
    figures every :data:`LIVE_POLL_S` seconds, as ``static/live.js`` does."""

    def __init__(self, port: int, screens: int, sessions: list[str], timeout: float) -> None:
        super().__init__(daemon=True)
        self.stats = Stats()
        self.clients = [
            Client(port, f"198.51.100.{10 + n}", "en", timeout, self.stats) for n in range(screens)
        ]
        self.codes = [sessions[n % len(sessions)] for n in range(screens)]
        self.stop = threading.Event()

    def sign_in(self) -> None:
        for client in self.clients:
            _, _, html = client.request("screen sign-in page", "GET", "/admin/login")
            body = urlencode(
                {**hidden_fields(html), "email": SCREENS_EMAIL, "password": SCREENS_PASSWORD}
            )
            client.request(
                "screen sign-in", "POST", "/admin/login", body, "/admin/login", expect=(302,)
            )

    def open_screens(self) -> None:
        """Each screen's first poll, before the flows, as the organiser opens it before the
        session: the first poll of a session cuts the words of its prefilled answers once."""
        for client, code in zip(self.clients, self.codes, strict=True):
            with contextlib.suppress(FlowFailed):
                client.request("live screen first poll", "GET", self._path(code))

    @staticmethod
    def _path(code: str) -> str:
        return f"/admin/e/{SLUG}/live/{code}.json"

    def run(self) -> None:
        while not self.stop.is_set():
            for client, code in zip(self.clients, self.codes, strict=True):
                # A failed poll is counted in the stats; the screen tries again next time.
                with contextlib.suppress(FlowFailed):
                    client.request("live screen poll", "GET", self._path(code))
            self.stop.wait(LIVE_POLL_S)


class PipelineLoop(threading.Thread):
    """``flask --app survey_app pipeline run`` again and again until told to stop."""

    def __init__(self, env: dict[str, str], full: bool, log: Path) -> None:
        super().__init__(daemon=True)
        self.env = env
        self.full = full
        self.log = log
        self.stop = threading.Event()
        self.runs: list[tuple[int, float]] = []
        self.children_cpu = 0.0

    def run(self) -> None:
        flask = f"{VENV_BIN / 'flask'} --app survey_app pipeline run"
        if self.full:
            flask += " --full"
        # As the README's crontab line: the job's session is lowered before the app loads.
        command = ["sh", "-c", f"echo 19 2>/dev/null >/proc/self/autogroup; exec {flask}"]
        with open(self.log, "ab") as out:
            while not self.stop.is_set():
                started = time.perf_counter()
                # A session of its own, as cron and systemd timers start the nightly job.
                code = subprocess.call(
                    command,
                    cwd=REPO,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                self.runs.append((code, time.perf_counter() - started))
                if code == 75:
                    self.stop.wait(0.5)


def pipeline_tagged(url: str) -> int:
    """Responses tagged so far by every pipeline run, counted from their log rows (which
    count along, page by page)."""
    from sqlalchemy import func, select

    from survey_db.engine import make_engine
    from survey_db.models import PipelineRun

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.coalesce(func.sum(PipelineRun.tagged), 0)))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------
# Checking the rows
# --------------------------------------------------------------------------------------------


def check_rows(url: str, stats: Stats) -> tuple[list[str], dict[str, int]]:
    """Problems found comparing what clients were told with what the database holds."""
    from sqlalchemy import func, select

    from survey_db.engine import make_engine
    from survey_db.models import Response, ResponseVersion

    engine = make_engine(url)
    problems: list[str] = []
    with engine.connect() as connection:
        rows = connection.execute(
            select(Response.id, Response.submission_key, Response.kind, Response.version).where(
                Response.channel == "web"
            )
        ).all()
        versions = dict(
            connection.execute(
                select(ResponseVersion.response_id, func.count()).group_by(
                    ResponseVersion.response_id
                )
            ).all()
        )
        total = connection.execute(select(func.count()).select_from(Response)).scalar_one()
    engine.dispose()
    by_key: dict[str, list] = defaultdict(list)
    for row in rows:
        by_key[row.submission_key].append(row)
    lost = [key for key in stats.accepted if key not in by_key]
    duplicated = [key for key, found in by_key.items() if len(found) > 1]
    wrong_kind = [
        key for key, kind in stats.accepted.items() if key in by_key and by_key[key][0].kind != kind
    ]
    unacknowledged = [key for key in by_key if key not in stats.accepted]
    bad_versions = []
    for key in stats.accepted:
        if key not in by_key:
            continue
        row = by_key[key][0]
        amended = stats.amended.get(key, 0)
        if row.version != 1 + amended or versions.get(row.id, 0) != amended:
            bad_versions.append(key)
    if lost:
        problems.append(f"LOST: {len(lost)} accepted submission(s) not in the database")
    if duplicated:
        problems.append(f"DUPLICATED: {len(duplicated)} submission key(s) stored more than once")
    if wrong_kind:
        problems.append(f"WRONG KIND: {len(wrong_kind)} row(s)")
    if bad_versions:
        problems.append(
            f"AMENDMENTS: {len(bad_versions)} row(s) whose version/response_versions do not match"
        )
    counts = {
        "rows_total": total,
        "web_rows": len(rows),
        "accepted": len(stats.accepted),
        "amended": sum(stats.amended.values()),
        "version_rows": sum(versions.get(by_key[k][0].id, 0) for k in stats.amended if k in by_key),
        "unacknowledged": len(unacknowledged),
    }
    return problems, counts


# --------------------------------------------------------------------------------------------
# Profile (in-process, Flask test client, same settings)
# --------------------------------------------------------------------------------------------

_CATEGORIES = [
    ("jinja2", "Jinja2 (templates)"),
    ("wtforms", "WTForms"),
    ("flask_wtf", "Flask-WTF (CSRF)"),
    ("itsdangerous", "itsdangerous (CSRF/session signing)"),
    ("flask_babel", "Babel / i18n"),
    ("babel", "Babel / i18n"),
    ("flask_limiter", "rate limiter"),
    ("limits", "rate limiter"),
    ("sqlalchemy", "SQLAlchemy"),
    ("psycopg", "psycopg (driver)"),
    ("werkzeug", "Werkzeug"),
    ("flask_login", "Flask-Login"),
    ("flask", "Flask"),
    ("markupsafe", "MarkupSafe"),
    ("survey_app", "survey_app (own code)"),
    ("templates", "Jinja2 (templates)"),
]


def _category(filename: str, function: str) -> str:
    if filename == "~":
        if "sqlite3" in function or "Connection" in function or "Cursor" in function:
            return "sqlite3 C calls (execute/commit/fsync)"
        return f"builtins ({function[:40]})"
    parts = Path(filename).parts
    for part in reversed(parts):
        for prefix, label in _CATEGORIES:
            if part == prefix:
                return label
    if filename.endswith(".html"):
        return "Jinja2 (templates)"
    if "site-packages" in filename:
        index = parts.index("site-packages")
        return parts[index + 1] if index + 1 < len(parts) else filename
    if "/python3" in filename:
        return "stdlib"
    return filename


def profile_flows(
    url: str, tmp: Path, secret: str, flows: int, themes: list[str], sessions: list[str]
) -> None:
    """``flows`` flows timed, then ``flows`` more under cProfile; prints where time goes."""
    os.environ.update(server_env(url, tmp, secret))
    from sqlalchemy import event as sa_event

    from survey_app import create_app

    app = create_app()
    engine = app.extensions["survey_db"]["engine"]
    statements: Counter = Counter()
    current = [""]

    @sa_event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        statements[current[0]] += 1

    rng = random.Random(7)
    timings: dict[str, list[float]] = defaultdict(list)
    profiler = cProfile.Profile()
    client = app.test_client()
    base = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.55.0.1"}
    origin = "https://localhost"
    profiling = [False]

    def call(kind: str, method: str, path: str, **kwargs):
        headers = {**base, **kwargs.pop("headers", {})}
        current[0] = kind
        started = time.process_time()
        if profiling[0]:
            profiler.enable()
        response = client.open(path, method=method, headers=headers, base_url=origin, **kwargs)
        if profiling[0]:
            profiler.disable()
        else:
            timings[kind].append(time.process_time() - started)
        return response

    def one_flow() -> bool:
        lang = "zh" if rng.random() < ZH_SHARE else "en"
        accept = {"Accept-Language": "zh-CN" if lang == "zh" else "en"}
        if rng.random() < INPUT_SHARE:
            path, answers = f"/e/{SLUG}/inputs", input_answers(rng, lang, themes)
        else:
            path = f"/e/{SLUG}/sessions/{rng.choice(sessions)}/feedback"
            answers = feedback_answers(rng, lang)
        page = call("GET form", "GET", path, headers=accept)
        hidden = hidden_fields(page.get_data(as_text=True))
        body = urlencode(list(hidden.items()) + answers)
        posted = call(
            "POST submit",
            "POST",
            path,
            data=body,
            content_type="application/x-www-form-urlencoded",
            headers={**accept, "Referer": origin + path},
        )
        if posted.status_code != 302:
            return False
        call("GET thanks", "GET", urlsplit(posted.headers["Location"]).path, headers=accept)
        current[0] = "GET /healthz"
        return True

    # Warm up (first renders compile templates), outside the measures.
    for _ in range(20):
        one_flow()
    call("GET /healthz", "GET", "/healthz")
    timings.clear()
    statements.clear()
    failures = sum(not one_flow() for _ in range(flows))
    for _ in range(flows):
        call("GET /healthz", "GET", "/healthz")
    print(
        f"\n== Profile: {flows} flows in-process (Flask test client, one thread, "
        f"no profiler), {failures} failed; CPU time per request; load avg {os.getloadavg()[0]:.2f}"
    )
    flow_ms = 0.0
    for kind, values in timings.items():
        mean = 1000 * sum(values) / len(values)
        if kind != "GET /healthz":
            flow_ms += mean
        print(
            f"   {kind:12s} {mean:7.2f} ms CPU, {statements[kind] / len(values):4.1f} SQL "
            f"statements per request"
        )
    print(
        f"   one flow (form + submit + thanks): {flow_ms:.1f} ms of one core -> at most "
        f"{2000 / flow_ms:.0f} flows/s on 2 cores, before the load generator and gunicorn"
    )

    profiling[0] = True
    failures = sum(not one_flow() for _ in range(flows))
    engine.dispose()
    stats = pstats.Stats(profiler)
    by_category: Counter = Counter()
    grand = 0.0
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        by_category[_category(filename, function)] += tottime
        grand += tottime
    print(f"\n   under cProfile ({flows} more flows, {failures} failed): own time by package")
    for label, seconds in by_category.most_common(18):
        print(f"   {100 * seconds / grand:5.1f}%  {label}")
    print("\n   top functions by cumulative time:")
    stats.sort_stats("cumulative").print_stats(50)
    print("   top functions by own time:")
    stats.sort_stats("tottime").print_stats(25)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def print_latencies(stats: Stats) -> float:
    """Print p50/p90/p99/max per kind; gives the worst p99 in ms."""
    print(
        f"   {'kind':14s} {'count':>7s} {'p50 ms':>8s} {'p90 ms':>8s} {'p99 ms':>8s} {'max ms':>8s}"
    )
    worst = 0.0
    for kind, values in sorted(stats.latencies.items()):
        p99 = _pct(values, 0.99)
        worst = max(worst, p99)
        print(
            f"   {kind:14s} {len(values):7d} {_pct(values, 0.5):8.1f} {_pct(values, 0.9):8.1f} "
            f"{p99:8.1f} {max(values) * 1000:8.1f}"
        )
    # Second by second, to tell a steady tail from a few stalls (a job starting, say).
    seconds = [stats.by_second[second] for second in sorted(stats.by_second)][1:-1]
    if seconds:
        p99s = [_pct(values, 0.99) for values in seconds]
        over = ", ".join(f"{n}s:{p:.0f}" for n, p in enumerate(p99s, start=1) if p > TARGET_P99_MS)
        print(
            f"   p99 second by second: {min(p99s):.0f}-{max(p99s):.0f} ms; seconds over "
            f"{TARGET_P99_MS:.0f} ms: {over or 'none'}"
        )
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--prefill", type=int, default=20000)
    parser.add_argument("--database-url", help="PostgreSQL server URL (a fresh database is made)")
    parser.add_argument("--with-pipeline", action="store_true")
    parser.add_argument(
        "--live-screens", type=int, default=0, help="organisers' live screens polling meanwhile"
    )
    parser.add_argument("--full", action="store_true", help="pipeline runs re-tag everything")
    parser.add_argument("--workers", type=int, help="GUNICORN_WORKERS (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS (default: gunicorn.conf.py)")
    parser.add_argument("--room-share", type=float, default=0.2, help="attendees sharing addresses")
    parser.add_argument("--rooms", type=int, default=3, help="addresses those attendees share")
    parser.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    parser.add_argument("--allow-429", action="store_true", help="429s do not fail the run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of full flows first")
    parser.add_argument("--skip-health", action="store_true", help="no /healthz baseline")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-flows", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the temp dir and database")
    parser.add_argument(
        "--ratelimit-storage",
        default=RATELIMIT_STORAGE,
        help="SURVEY_RATELIMIT_STORAGE_URI of the server (its Redis database is emptied first)",
    )
    args = parser.parse_args()
    if not (1 <= args.clients <= 512 and 0 < args.seconds <= 600):
        parser.error("--clients must be 1..512 and --seconds 0..600")
    if args.workers is not None:
        os.environ["GUNICORN_WORKERS"] = str(args.workers)
    if args.threads is not None:
        os.environ["GUNICORN_THREADS"] = str(args.threads)
    os.environ["SURVEY_RATELIMIT_STORAGE_URI"] = args.ratelimit_storage
    reset_ratelimit_storage(args.ratelimit_storage)
    # Enough file descriptors for the clients, the server's sockets and SQLite.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4096)), hard))

    tmp = Path(tempfile.mkdtemp(prefix="load_submit_"))
    url, pg_name = create_database(args.database_url, tmp)
    secret = secrets.token_urlsafe(48)
    server = None
    pipeline = None
    failed = False
    try:
        started = time.perf_counter()
        sessions, themes = prepare(url, args.prefill)
        backend = "PostgreSQL" if pg_name else "SQLite"
        print(
            f"== Database: {backend}, {args.prefill} demo rows, ready in "
            f"{time.perf_counter() - started:.1f} s ({len(sessions)} sessions take feedback)"
        )
        port = free_port()
        env = server_env(url, tmp, secret, port)
        server = start_server(env, tmp / "gunicorn.log", port)
        workers = os.environ.get("GUNICORN_WORKERS", f"default ({os.cpu_count()}+1)")
        threads = os.environ.get("GUNICORN_THREADS", "default (1)")
        print(
            f"== gunicorn on {HOST}:{port}: workers={workers} threads={threads}; "
            f"{args.clients} clients x {args.seconds:g} s; load {os.getloadavg()[0]:.2f}; "
            f"rate limits counted in {args.ratelimit_storage}"
        )
        print(f"   CPU speed probe before the load: {speed_probe():.1f} ms (lower is faster)")
        rng = random.Random(11)
        addresses = _addresses(args.clients, args.room_share, args.rooms, rng)
        shared = Counter(addresses)
        print(
            f"   forwarded addresses: {len(shared)} for {args.clients} clients "
            f"(largest room: {max(shared.values())} clients on one address)"
        )

        health_rps = None
        window = args.seconds
        warm = Stats()
        if args.warmup:
            # Each worker renders a page the first time it serves its kind, language and topic
            # (see attendee/kept_pages.py), as a server that has been up a while has long done:
            # full flows first, out of the figures. Their rows are checked with the rest.
            warm, _, _ = run_phase(
                "warmup",
                port,
                args.clients,
                args.warmup,
                args.timeout,
                addresses,
                sessions,
                themes,
                0,
            )
            print(
                f"   warm-up: {warm.flows} full flows in {args.warmup:g} s, not in the figures "
                f"(their rows are checked below); errors {sum(warm.errors.values())}"
            )
            if warm.errors:
                print(f"   warm-up errors: {dict(warm.errors)}")
                failed = True
        if not args.skip_health:
            cpu_before = server_cpu(server)
            health, wall, cpu = run_phase(
                "health",
                port,
                args.clients,
                args.seconds,
                args.timeout,
                addresses,
                sessions,
                themes,
                1,
            )
            health_cpu = server_cpu(server) - cpu_before
            health_rps = health.window_requests / window
            print(
                f"\n== /healthz baseline: {health.window_requests} requests in {window:g} s = "
                f"{health_rps:.0f} req/s; client CPU {100 * cpu / wall:.0f}% of a core, "
                f"server CPU {100 * health_cpu / wall:.0f}% of a core "
                f"({1000 * health_cpu / max(1, health.requests()):.2f} ms per request)"
            )
            print_latencies(health)
            if health.errors:
                print(f"   errors: {dict(health.errors)}")
                failed = True

        tagged_before = 0
        if args.with_pipeline:
            pipeline = PipelineLoop(env, args.full, tmp / "pipeline.log")
            pipeline.start()
            # The flows start once the job is tagging (its first page stored), not while it
            # is still loading: the run must overlap the measured window.
            started = time.perf_counter()
            while (tagged_before := pipeline_tagged(url)) == 0 and pipeline.is_alive():
                if time.perf_counter() - started > PIPELINE_START_TIMEOUT_S:
                    raise SystemExit(f"no pipeline page in {PIPELINE_START_TIMEOUT_S:g} s")
                time.sleep(0.2)
            print(
                f"\n== Pipeline tagging after {time.perf_counter() - started:.1f} s "
                f"({tagged_before} responses tagged so far); flows start now"
            )
        screens = None
        if args.live_screens:
            screens = LiveScreens(port, args.live_screens, sessions, args.timeout)
            try:
                screens.sign_in()
            except FlowFailed:
                raise SystemExit(
                    f"live screens could not sign in: {screens.stats.error_samples}"
                ) from None
            screens.open_screens()
            first = screens.stats.latencies["live screen first poll"]
            screens.start()
            print(
                f"\n== {args.live_screens} live screen(s) polling every {LIVE_POLL_S:g} s; "
                f"first polls (before the flows): {', '.join(f'{1000 * t:.0f}' for t in first)} ms"
            )
        load_before = os.getloadavg()[0]
        cpu_before = server_cpu(server)
        stats, wall, cpu = run_phase(
            "flow", port, args.clients, args.seconds, args.timeout, addresses, sessions, themes, 2
        )
        tagged_during = pipeline_tagged(url) - tagged_before if pipeline is not None else 0
        if screens is not None:
            screens.stop.set()
            screens.join(60)
            polls = screens.stats.latencies["live screen poll"]
            print(
                f"   live screens: {len(polls)} polls, median "
                f"{_pct(polls, 0.5):.0f} ms, worst {1000 * max(polls, default=0):.0f} ms; "
                f"errors {dict(screens.stats.errors) or 0}"
            )
            failed |= bool(screens.stats.errors)
        if pipeline is not None:
            pipeline.stop.set()
            pipeline.join(600)
        flow_cpu = server_cpu(server) - cpu_before
        flows_s = stats.window_flows / window
        rps = stats.window_requests / window
        print(
            f"\n== Full flows: {stats.window_flows} flows, {stats.window_requests} requests "
            f"completed in the {window:g} s window ({stats.flows} flows, {stats.requests()} "
            f"requests by the last client's end at {wall:.1f} s)"
            f"{'; pipeline running' if pipeline else ''}"
        )
        print(
            f"   full flows/s (accepted submissions/s): {flows_s:.1f} "
            f"(target >= {TARGET_FLOWS:.0f}); requests/s: {rps:.0f}"
        )
        if health_rps:
            print(
                f"   ratio to /healthz: flows/s {flows_s / health_rps:.3f}, "
                f"requests/s {rps / health_rps:.3f}"
            )
        per_flow = 1000 * flow_cpu / max(1, stats.flows)
        print(
            f"   client CPU {100 * cpu / wall:.0f}% of a core; server CPU "
            f"{100 * flow_cpu / wall:.0f}% of a core ({per_flow:.1f} ms per flow, amendments "
            f"included); load avg before {load_before:.2f}, after {os.getloadavg()[0]:.2f}"
        )
        worst = print_latencies(stats)
        print(f"   worst p99 {worst:.1f} ms (target < {TARGET_P99_MS:.0f})")
        rate_limited = sum(v for k, v in stats.errors.items() if k.endswith(": 429"))
        other = sum(v for k, v in stats.errors.items() if not k.endswith(": 429"))
        timeouts = sum(v for k, v in stats.errors.items() if k.endswith(": timeout"))
        print(f"   errors: {other} (timeouts {timeouts}); 429s: {rate_limited}")
        for kind, count in sorted(stats.errors.items()):
            print(f"     {count:6d}  {kind}")
        for sample in stats.error_samples:
            print(f"     e.g. {sample}")
        if other or (rate_limited and not args.allow_429):
            failed = True

        if pipeline is not None:
            codes = Counter(code for code, _ in pipeline.runs)
            ok = [seconds for code, seconds in pipeline.runs if code == 0]
            print(
                f"\n== Pipeline: {len(pipeline.runs)} run(s) "
                f"({'--full' if args.full else 'incremental'}); exit codes {dict(codes)}; "
                + (f"succeeded in {min(ok):.1f}-{max(ok):.1f} s" if ok else "none succeeded")
            )
            print(
                f"   tagged {tagged_during} responses while the attendees' flows ran "
                f"({tagged_during / wall:.0f}/s)"
            )
            if not tagged_during:
                print("   the job tagged nothing during the flows: no proof under its load")
                failed = True
            if any(code not in (0, 75) for code in codes):
                print("   pipeline failures:\n" + _tail(tmp / "pipeline.log", 15))
                failed = True

        stop_server(server)
        server = None
        print(f"\n== CPU speed probe after the load: {speed_probe():.1f} ms (lower is faster)")
        everything = Stats()
        for part in (warm, stats):
            everything.merge(part)
        problems, counts = check_rows(url, everything)
        if everything.errors["duplicate key handed out"]:
            problems.append("the app handed out one submission key twice")
        print(
            f"\n== Rows: {counts['rows_total']} in responses ({counts['web_rows']} from the web); "
            f"accepted {counts['accepted']}, amended {counts['amended']}, "
            f"versions kept {counts['version_rows']}; stored but not acknowledged "
            f"(client timed out) {counts['unacknowledged']}"
        )
        for problem in problems:
            print(f"   {problem}")
        if problems:
            failed = True
        else:
            print("   every accepted submission stored exactly once; every amendment versioned")

        if args.profile:
            profile_flows(url, tmp, secret, args.profile_flows, themes, sessions)
    finally:
        if server is not None:
            stop_server(server)
        if pipeline is not None and pipeline.is_alive():
            pipeline.stop.set()
            pipeline.join(600)
        if not args.keep:
            if pg_name:
                drop_database(args.database_url, pg_name)
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp} {url}")
    verdict = "FAILED" if failed else "OK"
    print(f"\n== {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
