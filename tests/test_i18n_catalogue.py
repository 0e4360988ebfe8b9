"""The Simplified Chinese catalogue: complete, placeholders intact, and used by every page."""

from __future__ import annotations

import re
from gettext import GNUTranslations
from pathlib import Path

import flask_babel
import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select

from survey_app import texts
from survey_app.config import TEXT_MAX
from survey_app.db import get_session
from survey_db.models import Event

from .form_helpers import fresh_form

TRANSLATIONS = Path(__file__).resolve().parent.parent / "survey_app" / "translations"
PO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.mo"
POT = TRANSLATIONS / "messages.pot"

SLUG = "2020-11-10-social-protection"
AGENDA = f"/e/{SLUG}/"
FEEDBACK = f"/e/{SLUG}/sessions/p1-health/feedback"
GRID = f"/e/{SLUG}/feedback"
INPUTS = f"/e/{SLUG}/inputs"

#: ``%(name)s``, ``%(value).2f``, ``%d`` and the literal ``%%``.
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-+ #0]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")

#: On every attendee page, in Chinese, instead of the English.
CHROME = {"对话反馈": "Dialogue Feedback", "联合国社会保护政策对话": "UN Policy Dialogues"}
NOTICE = ("国际劳工组织、联合国儿童基金会", "Your answers are read by the organisers")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle, locale="zh")


def _messages():
    return [message for message in _catalogue() if message.id]


def test_catalogue_is_complete_and_not_fuzzy():
    messages = _messages()
    assert len(messages) > 300
    for message in messages:
        assert not message.fuzzy, message.id
        strings = message.string if message.pluralizable else (message.string,)
        assert strings and all(s and s.strip() for s in strings), message.id


def test_placeholders_match():
    for message in _messages():
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        for translated in strings:
            for original in ids:
                assert _placeholders(original) == _placeholders(translated), (
                    message.id,
                    translated,
                )


def test_plural_entries_have_the_one_chinese_form():
    catalogue = _catalogue()
    assert catalogue.num_plurals == 1
    plurals = [message for message in _messages() if message.pluralizable]
    assert plurals
    for message in plurals:
        assert len(message.string) == 1 and message.string[0], message.id


def test_template_and_compiled_catalogue_agree_with_the_po_file():
    """No message was added to the sources without ``make translations`` (and a compile)."""
    with POT.open("rb") as handle:
        template_ids = {message.id for message in read_po(handle) if message.id}
    po_ids = {message.id for message in _messages()}
    assert template_ids == po_ids
    with MO.open("rb") as handle:
        compiled = GNUTranslations(handle)
    for message in _messages():
        if message.pluralizable:
            for count in (1, 2):
                got = compiled.ngettext(message.id[0], message.id[1], count)
                assert got == message.string[0], message.id
        else:
            assert compiled.gettext(message.id) == message.string, message.id


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _assert_chinese(html: str, present: tuple[str, ...], absent: tuple[str, ...]) -> None:
    assert 'lang="zh-Hans"' in html
    for chinese, english in CHROME.items():
        assert chinese in html and english not in html
    for text in present:
        assert text in html, text
    for text in absent:
        assert text not in html, text


def test_agenda_in_chinese(client, event):
    html = _page(client, AGENDA + "?lang=zh")
    _assert_chinese(
        html,
        (
            "为您参加的所有环节评分",
            "提交政策建议",
            "北京时间",
            "议程",
            "就本环节提出反馈",
            "主持人",
        ),
        ("Rate all the sessions", "Send a policy input", "Beijing time", "Give feedback"),
    )


def test_session_feedback_form_in_chinese(client, event):
    html = _page(client, FEEDBACK + "?lang=zh")
    _assert_chinese(
        html,
        (
            "您对本环节的反馈",
            NOTICE[0],
            "回答将保存365天",
            "总体而言，本环节对您有多大帮助？",
            "1 = 很差",
            "关于您（均为选填）",
            "不愿透露",
            "线上参会（Zoom）",
            ">提交反馈</button>",
        ),
        (NOTICE[1], "no IP address", "Send feedback", "Overall, how useful", "Prefer not to say"),
    )


def test_grid_and_inputs_in_chinese(client, event):
    grid = _page(client, GRID + "?lang=zh")
    _assert_chinese(
        grid,
        ("为您参加的环节评分", NOTICE[0], "添加意见", "总体评分", ">提交评分</button>"),
        (NOTICE[1], "Send ratings", "Add a comment", "Overall rating"),
    )
    inputs = _page(client, INPUTS)  # the choice is remembered in the session
    _assert_chinese(
        inputs,
        (
            "您的政策建议",
            NOTICE[0],
            "涉及哪些群体？",
            "非正规经济从业者",
            "涉及哪些社会保护领域？",
            "社会救助",
            ">提交政策建议</button>",
        ),
        (NOTICE[1], "Send policy input", "Which groups", "Social assistance"),
    )


def test_thank_you_page_in_chinese(client, event):
    form = fresh_form(client, FEEDBACK + "?lang=zh")
    posted = client.post(FEEDBACK, data={**form, "overall": "4"})
    assert posted.status_code == 302 and "/thanks" in posted.location
    html = _page(client, posted.location)
    _assert_chinese(
        html,
        ("谢谢！您的回答已保存。", "私人链接", "返回议程", "浏览器不会记住"),
        ("Thank you!", "private link", "Back to the agenda"),
    )
    amend = _page(client, posted.location.removesuffix("/thanks"))
    _assert_chinese(amend, ("保存修改", "撤回我的回答"), ("Save changes", "Withdraw my answer"))


def test_closed_page_in_chinese(app, client, event):
    with app.app_context():
        db = get_session()
        db.scalar(select(Event).where(Event.slug == SLUG)).set_status("closed")
        db.commit()
    html = _page(client, FEEDBACK + "?lang=zh", status=403)
    _assert_chinese(
        html,
        ("问卷收集已结束", "本次活动已不再接受反馈或政策建议", "查看议程"),
        ("Collection is closed", "no longer accepts", "See the agenda"),
    )
    agenda = _page(client, AGENDA)
    _assert_chinese(agenda, ("本次活动已停止收集回答。",), ("no longer collects",))


def test_console_login_in_chinese(client):
    html = _page(client, "/admin/login?lang=zh")
    _assert_chinese(
        html,
        ("登录组织方管理后台", "电子邮箱", "密码", ">登录</button>"),
        ("Sign in to the organisers", "Email", "Password"),
    )
    redirected = client.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "请登录后查看此页面。" in redirected
    assert "Please sign in" not in redirected


def test_missing_required_rating_is_refused_in_chinese(client, event):
    form = fresh_form(client, FEEDBACK + "?lang=zh")
    response = client.post(FEEDBACK, data={**form, "relevance": "5", "most_useful": "很好"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请检查下方标出的回答。" in html  # our message above the form
    assert "请在1至5分之间选择一个评分。" in html  # our validator's message on the rating
    assert "Please choose a rating" not in html and "Please check the answers" not in html
    assert "很好" in html  # nothing the attendee wrote is lost


def test_too_long_text_is_refused_in_chinese_with_the_limit(client, event):
    form = fresh_form(client, FEEDBACK + "?lang=zh")
    response = client.post(
        FEEDBACK, data={**form, "overall": "4", "improve": "长" * (TEXT_MAX + 1)}
    )
    assert response.status_code == 400
    assert f"请控制在{TEXT_MAX}个字符以内。" in response.get_data(as_text=True)


def test_wtforms_own_messages_come_from_its_chinese_catalogue(client, event):
    """A value no form offers gets WTForms' own message, in WTForms' bundled zh catalogue."""
    form = fresh_form(client, FEEDBACK + "?lang=zh")
    response = client.post(FEEDBACK, data={**form, "overall": "4", "attendance": "on_the_moon"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "不是有效的选择" in html and "Not a valid choice" not in html


def test_english_stays_the_default(client, event):
    html = _page(client, FEEDBACK)
    assert 'lang="en"' in html and "Send feedback" in html and "提交反馈" not in html


@pytest.mark.parametrize("url", [AGENDA, FEEDBACK, GRID, INPUTS])
def test_no_english_interface_text_left_on_attendee_pages(client, event, url):
    """Every visible sentence of the interface is Chinese; names, codes and titles aside."""
    html = _page(client, url + "?lang=zh")
    for english in (
        "Skip to content",
        "Please",
        "Your ",
        "optional",
        "1 = poor",
        "5 = excellent",
        "About you",
        "Government",
        "In the room",
    ):
        assert english not in html, (url, english)


def test_kept_catalogue_follows_each_request_and_formats_like_flask_babel(app):
    """``texts`` keeps the catalogue per request: the next request in another language gets
    its own, and the texts are Flask-Babel's, placeholders filled."""
    message = "Please keep this under %(max)d characters."
    for language, expected in (("zh", "请控制在12个字符以内。"), ("en", message % {"max": 12})):
        with app.test_request_context(f"/?lang={language}"):
            assert texts.gettext(message, max=12) == expected
            assert str(texts.lazy_gettext(message, max=12)) == expected
            assert texts.gettext(message, max=12) == flask_babel.gettext(message, max=12)
