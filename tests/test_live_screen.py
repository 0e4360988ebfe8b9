"""The live screen of a session or theme: figures, words without names, short addresses."""

from __future__ import annotations

import re

import pytest

from survey_app.admin.live_terms import answer_terms, top_terms

from .form_helpers import fresh_form
from .process_helpers import APP_BUILT, words_printed

SLUG = "2020-11-10-social-protection"
LIVE = f"/admin/e/{SLUG}/live"
FEEDBACK = f"/e/{SLUG}/sessions/p1-health/feedback"
INPUTS = f"/e/{SLUG}/inputs"


def send(client, url: str, **answers: str) -> str:
    """Post one attendee form; gives the thank-you page's address."""
    posted = client.post(url, data={**fresh_form(client, url), **answers})
    assert posted.status_code == 302, posted.get_data(as_text=True)[:500]
    return posted.location


def test_json_counts_answers_ratings_and_quotable_words(app, organiser_client, event):
    attendee = app.test_client()
    send(attendee, FEEDBACK, overall="5", most_useful="Portable medical insurance", quote_ok="y")
    send(attendee, FEEDBACK, overall="5", improve="Insurance for gig workers", quote_ok="y")
    send(attendee, FEEDBACK, overall="2", most_useful="secretword secretword")  # not quotable
    send(attendee, FEEDBACK, overall="4", most_useful="医保异地结算很方便", quote_ok="y")
    withdrawn = send(attendee, FEEDBACK, overall="1", quote_ok="y", improve="withdrawnword")
    amend = withdrawn.removesuffix("/thanks")
    page = attendee.get(amend).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    withdrawal = {"csrf_token": token, "confirm": "yes"}
    assert attendee.post(amend + "/withdraw", data=withdrawal).status_code == 302

    figures = organiser_client.get(f"{LIVE}/p1-health.json").get_json()
    assert set(figures) == {"answers", "ratings", "terms"}
    assert figures["answers"] == 4
    assert figures["ratings"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 2}
    terms = dict(figures["terms"])
    assert terms["insurance"] == 2  # "Insurance" opens a sentence; "insurance" is a word
    assert terms["医保"] == 1 and terms["异地"] == 1
    assert "secretword" not in terms and "withdrawnword" not in terms
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in figures["terms"])
    # Another session's figures are its own.
    other = organiser_client.get(f"{LIVE}/opening.json").get_json()
    assert other == {"answers": 0, "ratings": {str(n): 0 for n in range(1, 6)}, "terms": []}


def test_no_names_reach_the_screen(app, organiser_client, event):
    attendee = app.test_client()
    send(
        attendee,
        FEEDBACK,
        overall="4",
        quote_ok="y",
        name="Zhang Wei",
        most_useful="Zhang explained pooling. Dr Okafor showed coverage data. 张伟讲得很清楚。",
    )
    send(attendee, FEEDBACK, overall="3", quote_ok="y", most_useful="coverage matters")
    terms = dict(organiser_client.get(f"{LIVE}/p1-health.json").get_json()["terms"])
    assert "coverage" in terms and "pooling" in terms
    assert not {"zhang", "okafor", "dr", "张伟", "wei"} & set(terms)


def test_theme_screen_counts_inputs_and_leads_to_the_form(app, organiser_client, event):
    attendee = app.test_client()
    send(attendee, INPUTS, theme="risks", text="Informal workers need sick pay.", quote_ok="y")
    send(attendee, INPUTS, theme="lessons", text="Fund reserves early.", quote_ok="y")
    figures = organiser_client.get(f"{LIVE}/theme/risks.json").get_json()
    assert figures["answers"] == 1
    # "Informal" is written only where a sentence starts: it could be a name, so it waits
    # until some answer writes it in lower case.
    assert dict(figures["terms"]) == {"workers": 1, "sick": 1, "pay": 1}
    html = organiser_client.get(f"{LIVE}/theme/risks").get_data(as_text=True)
    short = re.search(r"<strong>localhost(/s/t\d+)</strong>", html).group(1)
    assert attendee.get(short).location == f"/e/{SLUG}/inputs?theme=risks"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_screen_shows_title_qr_short_address_and_neighbours(organiser_client, event, lang):
    response = organiser_client.get(f"{LIVE}/p1-health?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    title = "Social health protection" if lang == "en" else "社会健康保护：医疗保险"
    assert f"<h1>{title}" in html
    assert ("Answers so far" if lang == "en" else "目前收到的回答") in html
    assert re.search(r'<svg [^>]*class="qr-code"', html)
    assert f'href="{LIVE}/p1-assistance" rel="prev"' in html
    assert f'href="{LIVE}/p1-income" rel="next"' in html
    assert f'data-live-source="{LIVE}/p1-health.json"' in html
    assert re.search(r'<script src="/static/live\.js', html)
    assert "<script>" not in html and "style=" not in html
    # The menu lists every session that takes feedback and every theme.
    assert html.count(f'href="{LIVE}/') >= 8 + 3


def test_short_address_leads_to_the_session_form(app, organiser_client, event):
    client = app.test_client()
    html = organiser_client.get(f"{LIVE}/p1-health").get_data(as_text=True)
    short = re.search(r"<strong>localhost(/s/\d+)</strong>", html).group(1)
    assert client.get(short).location == FEEDBACK
    assert client.get(short.upper() + " ").status_code in (302, 404)
    for wrong in ("/s/999999", "/s/t999999", "/s/abc", "/s/" + "9" * 30, "/s/-1"):
        assert client.get(wrong).status_code == 404, wrong


def test_short_address_of_a_draft_event_or_break_is_not_found(app, event):
    client = app.test_client()
    from sqlalchemy import select

    from survey_app.db import get_session
    from survey_db.models import AgendaSession, Event

    with app.app_context():
        db = get_session()
        break_id = db.scalar(select(AgendaSession.id).where(AgendaSession.code == "break-1"))
        health = db.scalar(select(AgendaSession.id).where(AgendaSession.code == "p1-health"))
        assert client.get(f"/s/{break_id}").status_code == 404
        db.scalar(select(Event)).status = "draft"
        db.commit()
    assert client.get(f"/s/{health}").status_code == 404


def test_only_the_events_organisers_see_the_screen(app, stranger_client, organiser_client):
    client = app.test_client()
    for url in (f"{LIVE}/p1-health", f"{LIVE}/p1-health.json", f"{LIVE}/theme/risks"):
        assert organiser_client.get(url).status_code == 200, url
        assert stranger_client.get(url).status_code == 404, url
        assert client.get(url).status_code in (302, 401), url
    assert organiser_client.get(f"/admin/e/{SLUG}/screens").location == f"{LIVE}/opening"
    assert stranger_client.get(f"/admin/e/{SLUG}/screens").status_code == 404
    assert organiser_client.get(f"{LIVE}/break-1").status_code == 404
    assert organiser_client.get(f"{LIVE}/theme/nothing.json").status_code == 404


def test_words_count_once_per_answer_and_skip_names():
    answers = [
        answer_terms("Pensions, pensions, pensions! Mr Li said so."),
        answer_terms("pensions for migrant workers"),
        answer_terms("李明说养老金很重要", ["李明"]),
        answer_terms("Li said policy matters", ["Li Ming"]),
    ]
    ranked = top_terms(answers, ["Li Ming", "李明"])
    assert ranked[0] == ("pensions", 2)
    words = {word for word, _count in ranked}
    assert "养老金" in words and "policy" in words
    assert not {"李明", "明说", "li", "mr", "ming"} & words


def _terms(client) -> dict[str, int]:
    return dict(client.get(f"{LIVE}/p1-health.json").get_json()["terms"])


def _amend(attendee, thanks: str, **answers: str) -> None:
    link = thanks.removesuffix("/thanks")
    page = attendee.post(link, data={**fresh_form(attendee, link), **answers})
    assert 'class="success"' in page.get_data(as_text=True)


def _status(attendee, thanks: str, action: str) -> None:
    link = thanks.removesuffix("/thanks")
    token = fresh_form(attendee, link)["csrf_token"]
    answer = attendee.post(f"{link}/{action}", data={"csrf_token": token, "confirm": "yes"})
    assert answer.status_code == 302


def test_words_are_cut_once_and_follow_edits_withdrawals_and_permissions(
    app, organiser_client, event, monkeypatch
):
    from sqlalchemy import delete, select

    from survey_app.admin import live
    from survey_app.db import get_session
    from survey_db.models import LiveTerms, Response, utcnow

    attendee = app.test_client()
    first = send(attendee, FEEDBACK, overall="4", most_useful="pooling risks", quote_ok="y")
    second = send(attendee, FEEDBACK, overall="3", most_useful="pooling reserves", quote_ok="y")
    assert _terms(organiser_client) == {"pooling": 2, "risks": 1, "reserves": 1}
    with app.app_context():
        kept = get_session().scalars(select(LiveTerms).order_by(LiveTerms.response_id)).all()
        assert [(row.version, row.words) for row in kept] == [
            (1, ["pooling", "risks"]),
            (1, ["pooling", "reserves"]),
        ]

    def no_cutting(*_args):
        raise AssertionError("an answer was cut again")

    # Another web worker (its memory empty) counts the kept words without cutting any.
    monkeypatch.setattr(live, "answer_terms", no_cutting)
    app.extensions["live_screens"].clear()
    app.extensions["live_terms"].clear()
    assert _terms(organiser_client) == {"pooling": 2, "risks": 1, "reserves": 1}
    # A worker's own memory serves it without reading the kept words again.
    with app.app_context():
        get_session().execute(delete(LiveTerms))
        get_session().commit()
    app.extensions["live_screens"].clear()
    assert _terms(organiser_client) == {"pooling": 2, "risks": 1, "reserves": 1}
    monkeypatch.undo()

    # An edit replaces the answer's words; a revoked permission to quote takes them off.
    _amend(attendee, first, overall="4", most_useful="coverage gaps", quote_ok="y")
    assert _terms(organiser_client) == {"pooling": 1, "reserves": 1, "coverage": 1, "gaps": 1}
    _amend(attendee, second, overall="3", most_useful="pooling reserves")
    assert _terms(organiser_client) == {"coverage": 1, "gaps": 1}
    # A withdrawal takes them off; undoing it puts them back.
    _status(attendee, first, "withdraw")
    assert _terms(organiser_client) == {}
    _status(attendee, first, "restore")
    assert _terms(organiser_client) == {"coverage": 1, "gaps": 1}
    # An organiser's mark as spam takes them off too (the answer's version does not change).
    with app.app_context():
        db = get_session()
        answer = db.scalar(select(Response).where(Response.most_useful == "coverage gaps"))
        answer.status, answer.status_changed_at = "spam", utcnow()
        db.commit()
    assert _terms(organiser_client) == {}
    with app.app_context():
        versions = get_session().scalars(select(LiveTerms.version).order_by(LiveTerms.response_id))
        assert list(versions) == [4]  # the restored version was cut again, and kept


def test_words_are_cut_again_when_a_speaker_joins_the_session(app, organiser_client, event):
    from sqlalchemy import select

    from survey_app.db import get_session
    from survey_db.models import AgendaSession, SessionPerson, utcnow

    attendee = app.test_client()
    send(attendee, FEEDBACK, overall="4", most_useful="李明说养老金很重要", quote_ok="y")
    assert "明说" in _terms(organiser_client)  # jieba cuts 李 / 明说: not known as a name yet
    with app.app_context():  # as a new event file would: 李明 now speaks in the session
        db = get_session()
        session = db.scalar(select(AgendaSession).where(AgendaSession.code == "p1-health"))
        db.add(SessionPerson(session_id=session.id, position=99, role="speaker", name="李明"))
        session.event.updated_at = utcnow()
        db.commit()
    terms = _terms(organiser_client)
    assert "养老金" in terms and not {"明说", "李明"} & set(terms)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_print_page_gives_each_session_its_short_address(app, organiser_client, event, lang):
    html = organiser_client.get(f"/admin/e/{SLUG}/print?lang={lang}").get_data(as_text=True)
    cards = re.findall(r'<li class="card">(.*?)</li>', html, re.S)
    typed = ("or type" if lang == "en" else "或输入网址") + r" <strong>localhost(/s/\d+)</strong>"
    sessions = 0
    client = app.test_client()
    for card in cards:
        form = re.search(r'<p class="short-link"><a href="http://localhost([^"]+)"', card).group(1)
        short = re.search(typed, card)
        if "/sessions/" not in form:  # the grid and the inputs page have no short address
            assert short is None
            continue
        sessions += 1
        assert client.get(short.group(1)).location == form
    with app.app_context():
        from sqlalchemy import func, select

        from survey_app.db import get_session
        from survey_db.models import AgendaSession

        query = select(func.count()).where(AgendaSession.takes_feedback.is_(True))
        assert sessions == get_session().scalar(query) > 0
    assert len(cards) == sessions + 2


def test_the_app_loads_jiebas_name_tagger_only_for_the_live_screen():
    """The nightly job starts through the app: it must not carry jieba.posseg's 50 MB."""
    probe = APP_BUILT + (
        "before = 'jieba.posseg' in sys.modules\n"
        "from survey_app.admin.live_terms import answer_terms\n"
        "answer_terms('王明说复工遥遥无期')\n"
        "print(before, 'jieba.posseg' in sys.modules)\n"
    )
    assert words_printed(probe) == ["False", "True"]
