"""Any text a respondent or organiser can send reaches every workbook as safe string cells."""

from __future__ import annotations

import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from exports import build_summary
from exports.cells import ILLEGAL_CHARACTERS_RE, MAX_CELL_CHARS, needs_quote_prefix
from survey_app.db import get_session
from survey_db.models import Event, Response

from .test_hostile_input import PAYLOADS

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=200,
) | st.sampled_from(
    [*PAYLOADS, "#N/A", "#DIV/0!", "TRUE", "1e5", " -3 ", "\n=cmd", "non\ufffecharacters\uffff"]
)


def expected(text: str) -> str:
    """What a cell must read back as: line breaks as LF, XML-illegal characters pictured."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = ILLEGAL_CHARACTERS_RE.sub(lambda match: chr(0x2400 + ord(match.group())), text)
    return text.replace("\ufffe", "\ufffd").replace("\uffff", "\ufffd")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(TEXT, min_size=4, max_size=4))
def test_hostile_text_stays_text_in_the_summary(app, event, tmp_path: Path, texts: list[str]):
    improve, topics, policy, name = texts
    with app.app_context():
        db = get_session()
        loaded = db.get(Event, event.id)
        feedback = Response(
            event_id=event.id,
            kind="feedback",
            session_id=loaded.feedback_sessions()[0].id,
            overall=3,
            improve=improve,
            next_topics=topics,
            name=name,
            organisation=name,
            show_name=True,
            quote_ok=True,  # a name is shown only beside words that may be quoted
        )
        policy_input = Response(
            event_id=event.id,
            kind="input",
            theme_id=loaded.themes[0].id,
            text=policy,
            name=name,
            show_name=True,
            quote_ok=True,
        )
        db.add_all([feedback, policy_input])
        db.commit()
        path = build_summary(db, loaded, tmp_path / "summary.xlsx")
        db.delete(feedback)
        db.delete(policy_input)
        db.commit()

    workbook = load_workbook(path)
    strings: dict[str, list] = {}
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    strings.setdefault(cell.value, []).append(cell)
    for text in (improve, topics, policy, name):
        wanted = expected(text)
        if len(wanted) > MAX_CELL_CHARS or not wanted.strip():
            continue
        assert wanted in strings, f"{text!r} is not a string cell of its own"
        for cell in strings[wanted]:
            assert cell.data_type == "s"
            assert bool(cell.quotePrefix) == needs_quote_prefix(wanted), repr(wanted)
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.startswith("xl/worksheets/sheet"):
                assert b"<f>" not in archive.read(member), member
