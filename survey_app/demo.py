"""Synthetic feedback and policy inputs for demos, benchmarks and the workbooks' tests."""

from __future__ import annotations

import random
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from survey_db.models import Event, Response, utcnow
from survey_db.models.vocabulary import AREAS, ATTENDANCE, GROUPS, STAKEHOLDERS

_BATCH = 5_000

#: Sentences by impact level, in the way participants speak of the concept note's themes.
SENTENCES: dict[str, dict[str, list[str]]] = {
    "en": {
        "virus": [
            "Workers exposed to infection at work still face high treatment costs.",
            "Long COVID leaves some workers with chronic illness and reduced working capacity.",
            "Families who lost a breadwinner to the virus need survivors' benefits.",
            "Medical insurance should cover COVID-19 treatment for everyone, migrants included.",
        ],
        "containment": [
            "Lockdowns cut people off from the over-the-counter services they relied on.",
            "School closures doubled the burden of care on women.",
            "Travel restrictions kept migrant workers from returning to their jobs in the cities.",
            "During quarantine many older persons could not reach their local office.",
        ],
        "economic_crisis": [
            "Many gig workers lost their income when orders collapsed.",
            "Small firms cut hours and some could not pay wages for months.",
            "Households that had just left poverty risk falling back into it.",
            "Unemployment rose sharply among young people and informal workers.",
        ],
        "stimulus": [
            "Wage subsidies and contribution waivers helped firms keep their staff.",
            "The temporary increase of Dibao benefits reached only part of those in need.",
            "Deferred social insurance contributions must not weaken the funds in the long run.",
            "Cash transfers and consumption vouchers should reach informal workers too.",
        ],
        "none": [
            "The interpretation was clear and the moderator kept good time.",
            "Thank you for organising such an open discussion.",
            "The Zoom sound dropped a few times during the Q&A.",
            "Please share the slides after the meeting.",
        ],
        "topics": [
            "Financing universal social protection floors",
            "Extending unemployment insurance to flexible workers",
            "Digital delivery of social assistance in rural areas",
            "Gender gaps in pensions",
            "Shock-responsive social assistance",
        ],
    },
    "zh": {
        "virus": [
            "在工作中接触感染风险的劳动者仍然承担较高的治疗费用。",
            "部分感染者出现长期健康问题，劳动能力下降。",
            "医疗保险应当覆盖所有人的新冠治疗费用，包括农民工。",
        ],
        "containment": [
            "封控期间，很多人无法到窗口办理业务。",
            "学校停课让女性承担了更多照料责任。",
            "出行限制使农民工无法按时返岗。",
        ],
        "economic_crisis": [
            "许多灵活就业人员因为订单减少而失去收入。",
            "一些小企业减少工时，甚至拖欠工资。",
            "刚刚脱贫的家庭面临返贫风险。",
        ],
        "stimulus": [
            "减免社保缴费和稳岗补贴帮助企业留住了员工。",
            "临时提高低保标准只覆盖了部分有需要的人。",
            "缓缴社会保险费不能影响基金的长期可持续性。",
        ],
        "none": [
            "同声传译很清楚，主持人控制时间很好。",
            "感谢组织这次开放的讨论。",
            "问答环节的网络声音有几次中断。",
        ],
        "topics": [
            "社会保护底线的可持续筹资",
            "将失业保险扩大到灵活就业人员",
            "农村地区社会救助的数字化经办",
            "养老金中的性别差距",
        ],
    },
}

_LEVELS = ("virus", "containment", "economic_crisis", "stimulus")


def _comment(rng: random.Random, language: str) -> str:
    sentences = SENTENCES[language]
    if rng.random() < 0.15:
        return rng.choice(sentences["none"])
    levels = rng.sample(_LEVELS, k=rng.choice((1, 1, 2, 3)))
    joiner = "" if language == "zh" else " "
    return joiner.join(rng.choice(sentences[level]) for level in levels)


def _maybe(rng: random.Random, share: float, value: Any) -> Any:
    return value if rng.random() < share else None


def _row(rng: random.Random, event: Event, sessions: list[int], themes: list[int]) -> dict:
    language = "zh" if rng.random() < 0.45 else "en"
    created = utcnow() - timedelta(minutes=rng.randint(0, 60 * 24 * 3))
    common = {
        "event_id": event.id,
        "language": language,
        "channel": "demo",
        "status": "active",
        "attendance": rng.choice(ATTENDANCE),
        "stakeholder": _maybe(rng, 0.9, rng.choice(STAKEHOLDERS)),
        "quote_ok": rng.random() < 0.6,
        "show_name": False,
        "version": 1,
        "created_at": created,
        "updated_at": created,
        "groups": [],
        "areas": [],
    }
    if not themes or (sessions and rng.random() < 0.7):
        base = rng.choice((3, 4, 4, 5, 5, 2))

        def rating() -> int:
            return max(1, min(5, base + rng.choice((-1, 0, 0, 1))))

        return {
            **common,
            "kind": "feedback",
            "session_id": rng.choice(sessions),
            "overall": base,
            "relevance": _maybe(rng, 0.9, rating()),
            "speakers": _maybe(rng, 0.85, rating()),
            "discussion_time": _maybe(rng, 0.8, rating()),
            "technical": _maybe(rng, 0.7, rating()),
            "most_useful": _maybe(rng, 0.6, _comment(rng, language)),
            "improve": _maybe(rng, 0.4, _comment(rng, language)),
            "next_topics": _maybe(rng, 0.3, rng.choice(SENTENCES[language]["topics"])),
        }
    return {
        **common,
        "kind": "input",
        "theme_id": rng.choice(themes),
        "text": _comment(rng, language)
        + ("" if language == "zh" else " ")
        + _comment(rng, language),
        "groups": sorted(rng.sample(GROUPS, k=rng.choice((0, 1, 1, 2)))),
        "areas": sorted(rng.sample(AREAS, k=rng.choice((0, 1, 2)))),
    }


def make_demo_responses(db: Session, event: Event, count: int, *, seed: int | None = None) -> int:
    """Insert ``count`` synthetic responses in batches; the caller commits."""
    rng = random.Random(seed if seed is not None else secrets.randbits(32))
    sessions = [item.id for item in event.feedback_sessions()]
    themes = [item.id for item in event.themes]
    # Core executemany with one key set for every row: the ORM's bulk insert splits rows
    # whose blank fields differ into separate statements.
    blank = {column.name: None for column in Response.__table__.columns if column.name != "id"}
    connection = db.connection()
    made = 0
    while made < count:
        size = min(_BATCH, count - made)
        rows = [{**blank, **_row(rng, event, sessions, themes)} for _ in range(size)]
        connection.execute(insert(Response.__table__), rows)
        made += size
    return made


def real_response_count(db: Session, event: Event) -> int:
    """Responses of ``event`` that are not demo data."""
    query = select(func.count()).where(Response.event_id == event.id, Response.channel != "demo")
    return db.scalar(query) or 0


def purge_demo(db: Session, event: Event) -> int:
    """Delete the event's demo responses (their tags and versions go with them)."""
    result = db.execute(
        delete(Response).where(Response.event_id == event.id, Response.channel == "demo")
    )
    return result.rowcount or 0
