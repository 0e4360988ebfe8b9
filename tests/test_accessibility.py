"""Every attendee and console page through axe-core in Chromium, in both languages, on a phone
(360 px) and a laptop (1280 px), with form pages also after a post with errors.

Fails on any violation of impact serious or critical, on skipped heading levels and on
scrollable regions a keyboard cannot reach; and, beyond what axe checks, on outlines that do
not reach 3:1 against their background (form fields, rating boxes, the focus ring). A new GET
route of the app fails the test until it is checked here or named in ``NOT_PAGES``.

axe-core comes from npm, pinned by tests/axe/package-lock.json:
``npm ci --prefix tests/axe`` (node_modules stays out of git).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from pipeline import Addition
from survey_app.admin.codebook_views import PREVIEWS
from survey_app.admin.overlay import preview_file
from survey_app.attendee.operations import edit_token
from survey_app.background import Job, noting_failure
from survey_app.db import get_session
from survey_db.models import AgendaSession, Event, Response
from survey_db.models.overlay import overlay_revision

from .admin_helpers import PASSWORD, make_organiser, sign_in_browser
from .browser_helpers import pages_look_every_second
from .conftest import FIRST_SLUG
from .form_helpers import fresh_form

#: The preview whose background job failed (the page offers *Try again*).
FAILED_PREVIEW = "term=furlough+pay&source=typed"

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

#: GET routes that are not pages a person reads: files, JSON for the pages' scripts, the
#: health check.
NOT_PAGES = {
    "static",
    "health.healthz",
    "admin.download_summary",
    "admin.download_nightly",
    "admin.download_raw",
    "admin.download_filtered",
    "admin.download_prepared",
    "admin.downloads_status",
    "admin.live_session_json",
    "admin.live_theme_json",
    "admin.overview_live",
    "admin.run_status",
}
#: Rules that fail the test whatever axe calls their impact (WCAG 2.1 AA asks for them).
ALWAYS = {"heading-order", "scrollable-region-focusable", "page-has-heading-one"}
WIDTHS = (1280, 360)


def page_plan(values: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Each page by endpoint: (address, state) pairs; "posted" submits the form empty first,
    "withdraw asked" presses "Withdraw my answer" (its confirmation page), "worked out" waits
    for the result the page works out in the background (the first visit shows it working),
    "failed" shows a background job that ended without its result (:func:`answers`)."""
    event = f"/e/{FIRST_SLUG}"
    console = f"/admin/e/{FIRST_SLUG}"
    return {
        "attendee.index": [("/", "")],
        "attendee.agenda": [(f"{event}/", "")],
        "attendee.session_feedback": [
            (f"{event}/sessions/p1-health/feedback", ""),
            (f"{event}/sessions/p1-health/feedback", "posted"),
        ],
        "attendee.feedback_grid": [(f"{event}/feedback", ""), (f"{event}/feedback", "posted")],
        "attendee.policy_inputs": [(f"{event}/inputs", ""), (f"{event}/inputs", "posted")],
        "attendee.thanks": [(f"{event}/r/{values['token']}/thanks", "")],
        "attendee.amend": [
            (f"{event}/r/{values['token']}", ""),
            (f"{event}/r/{values['token']}", "withdraw asked"),
            (f"{event}/r/{values['withdrawn']}", ""),
        ],
        "attendee.short_address": [(f"/s/{values['short']}", "")],
        "admin.login": [("/admin/login", "signed out")],
        "admin.home": [("/admin/", "")],
        "admin.runs": [("/admin/runs", "")],
        "admin.audit_log": [("/admin/audit", "")],
        "admin.event_overview": [(f"{console}/", "")],
        "admin.event_settings": [(f"{console}/settings", "")],
        "admin.levels": [(f"{console}/levels", "")],
        "admin.tagging_quality": [(f"{console}/quality", "")],
        "admin.disagreements": [(f"{console}/quality/economic_crisis/missed", "")],
        "admin.responses": [(f"{console}/responses", "")],
        "admin.response_detail": [(f"{console}/responses/{values['response_id']}", "")],
        "admin.review_queue": [(f"{console}/review", "")],
        "admin.paper_feedback": [(f"{console}/paper/feedback", "")],
        "admin.paper_input": [(f"{console}/paper/input", "")],
        "admin.print_material": [(f"{console}/print", "")],
        "admin.briefing_page": [(f"{console}/briefing", "")],
        "admin.downloads": [
            (f"{console}/downloads", ""),
            (f"{console}/downloads?list=filtered&stakeholder=government&q=cover", ""),
        ],
        "admin.review_import": [(f"{console}/review/import", "")],
        "admin.codebook": [("/admin/codebook", ""), ("/admin/codebook", "worked out")],
        "admin.codebook_preview": [
            ("/admin/codebook/preview?term=sick+pay&level=virus&language=en&source=typed", ""),
            (f"/admin/codebook/preview?{FAILED_PREVIEW}&level=virus&language=en", "failed"),
        ],
        "admin.live_first": [(f"{console}/screens", "")],
        "admin.live_session": [(f"{console}/live/p1-health", "")],
        "admin.live_theme": [(f"{console}/live/theme/risks", "")],
    }


def answers(app: Flask) -> dict[str, Any]:
    """An answer on a session, one withdrawn, a policy input; their private links' tokens."""
    client = app.test_client()
    tokens = []
    for url, data in (
        (f"/e/{FIRST_SLUG}/sessions/p1-health/feedback", {"overall": "4", "quote_ok": "y"}),
        (f"/e/{FIRST_SLUG}/sessions/opening/feedback", {"overall": "2"}),
        (f"/e/{FIRST_SLUG}/inputs", {"theme": "risks", "text": "Cover gig workers now."}),
    ):
        posted = client.post(url, data={**fresh_form(client, url), **data})
        assert posted.status_code == 302
        tokens.append(posted.location.split("/r/")[1].split("/")[0])
    with app.app_context():
        db = get_session()
        rows = list(db.scalars(select(Response).order_by(Response.id)))
        assert [edit_token(app.config["SECRET_KEY"], row.submission_key) for row in rows] == tokens
        rows[1].withdraw()
        db.commit()
        short = db.scalar(select(AgendaSession.id).where(AgendaSession.code == "p1-health"))
        # a preview whose background job ended with an error, without its result
        failed = preview_file(
            Path(app.config["EXPORT_DIR"], PREVIEWS),
            Addition("virus", "en", "furlough pay"),
            None,
            overlay_revision(db),
        )
        failed.parent.mkdir(parents=True, exist_ok=True)
        Job(failed, (b"codebook",)).pid_file.write_text("0", "ascii")
        with pytest.raises(RuntimeError), noting_failure(failed):
            raise RuntimeError("the tagger's word list could not be read")
        return {
            "token": tokens[0],
            "withdrawn": tokens[1],
            "response_id": rows[0].id,
            "short": short,
        }


_AXE_RUN = """async () => {
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
}"""

#: Outlines under 3:1 against what is behind them: fields' and rating boxes' borders.
_WEAK_OUTLINES = """() => {
    const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map((c) => {
        c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const behind = (el) => {
        for (let node = el; node; node = node.parentElement) {
            const color = rgb(getComputedStyle(node).backgroundColor);
            if (color.length === 3 || (color.length === 4 && color[3] > 0)) return color;
        }
        return [255, 255, 255];
    };
    window.__contrast = { ratio, behind, rgb };
    const boxes = document.querySelectorAll(
        "input[type=text], input[type=email], input[type=password], input[type=search], " +
        "textarea, select, .point label"
    );
    return [...boxes].filter((box) => box.offsetParent !== null).map((box) => {
        const border = rgb(getComputedStyle(box).borderTopColor);
        const found = ratio(border, behind(box.parentElement));
        const name = box.id || box.htmlFor || box.name;
        return found < 3 ? `border ${found.toFixed(2)}:1: ${name}` : null;
    }).filter(Boolean);
}"""

#: The focus ring of the element the keyboard is on (a rating box's ring is on its label).
_FOCUS_RING = """() => {
    const { ratio, behind, rgb } = window.__contrast;
    let el = document.activeElement;
    if (!el || el === document.body) return null;
    if (getComputedStyle(el).opacity === "0" && el.labels && el.labels[0]) el = el.labels[0];
    const style = getComputedStyle(el);
    const name = el.id || el.getAttribute("href") || el.textContent.trim().slice(0, 20);
    if (style.outlineStyle === "none" || parseFloat(style.outlineWidth) < 2) {
        return `no focus ring: ${name}`;
    }
    const found = ratio(rgb(style.outlineColor), behind(el.parentElement));
    return found < 3 ? `focus ring ${found.toFixed(2)}:1: ${name}` : null;
}"""


def with_language(url: str, lang: str) -> str:
    return url + ("&" if "?" in url else "?") + f"lang={lang}"


def check(page: Any, label: str, problems: dict[str, list[str]], keyboard: bool) -> None:
    """axe at both widths, then (at the first) the outlines and a few steps of the keyboard.

    ``problems`` gathers, per page and kind of problem, the elements that have it.
    """
    for width in WIDTHS:
        where = f"{label} @{width}px"
        page.set_viewport_size({"width": width, "height": 900})
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        for found in page.evaluate(_AXE_RUN):
            if found["impact"] in ("serious", "critical") or found["id"] in ALWAYS:
                kind = f"{found['id']} ({found['impact']}): {found['help']}"
                problems.setdefault(f"{where}: {kind}", []).extend(found["nodes"])
        for item in page.evaluate(_WEAK_OUTLINES):
            kind, name = item.rsplit(": ", 1)
            problems.setdefault(f"{where}: {kind}", []).append(name)
        if keyboard and width == WIDTHS[0]:
            for _step in range(12):
                page.keyboard.press("Tab")
                if ring := page.evaluate(_FOCUS_RING):
                    kind, name = ring.rsplit(": ", 1)
                    problems.setdefault(f"{where}: {kind}", []).append(name)


def report(problems: dict[str, list[str]]) -> str:
    """One line per page and kind of problem, with the first few elements that have it."""
    return "\n".join(
        f"{kind} [{', '.join(dict.fromkeys(names[:4]))}{' ...' if len(names) > 4 else ''}]"
        for kind, names in problems.items()
    )


@pytest.mark.parametrize("lang", ["en", "zh"])  # two tests, so two test processes share them
def test_every_page_passes_axe_in_both_languages_and_widths(
    app: Flask,
    event: Event,
    live_server: str,
    browser: Any,
    monkeypatch: pytest.MonkeyPatch,
    lang: str,
):
    if not AXE.exists():
        message = "axe-core is not installed: run `npm ci --prefix tests/axe`"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    make_organiser(app, "axe@example.org", PASSWORD, events=[event], admin=True)
    plan = page_plan(answers(app))
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    unchecked = sorted(routes - NOT_PAGES - set(plan))
    assert not unchecked, (
        f"check these new pages in page_plan(), or name them in NOT_PAGES: {unchecked}"
    )
    gone = sorted(set(plan) - routes)
    assert not gone, f"pages in page_plan() that the app no longer has: {gone}"

    pages_look_every_second(monkeypatch)  # for the results worked out in the background
    context = browser.new_context(bypass_csp=True)  # to add axe's script to the page
    page = context.new_page()
    checked: list[str] = []
    problems: dict[str, list[str]] = {}
    for endpoint, visits in plan.items():
        for url, state in visits:
            if state == "signed out":
                context.clear_cookies()
            answer = page.goto(live_server + with_language(url, lang))
            if "/admin/login" in page.url and state != "signed out":
                sign_in_browser(page, live_server, "axe@example.org", lang)
                answer = page.goto(live_server + with_language(url, lang))
            label = f"{lang} {endpoint} {url}{' (' + state + ')' if state else ''}"
            assert answer is not None and answer.ok, label
            if state == "posted":
                page.locator("main form button[type=submit]").first.click()
                page.wait_for_load_state()
                assert page.locator(".errors, .alert").count() > 0, label
            elif state == "worked out":
                page.locator("[id$=-worked-out]").wait_for(timeout=180_000)
            elif state == "failed":
                assert page.locator("#preview-failed").count() == 1, label
            elif state == "withdraw asked":
                page.locator("form.withdraw button").click()
                page.wait_for_load_state()
                assert page.locator("input[name=confirm]").count() == 1, label
            check(page, label, problems, keyboard=lang == "en")
            checked.append(label)
            if state == "signed out":
                sign_in_browser(page, live_server, "axe@example.org", lang)
    context.close()
    print("\n".join(["Pages checked with axe-core:", *checked]))
    assert len(checked) == sum(len(visits) for visits in plan.values())
    assert not problems, report(problems)
