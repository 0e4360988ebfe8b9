"""Header and label texts of the workbooks, in English and Simplified Chinese.

Workbooks are built outside a request (the nightly job, the CLI), so plain dicts keyed by
language serve better here than gettext; a test keeps both languages complete.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "sheet_overview": "Overview",
        "sheet_ratings": "Session ratings",
        "sheet_comments": "Session comments",
        "sheet_inputs": "Policy inputs",
        "sheet_matrix": "Impact matrix",
        "sheet_topics": "Follow-up topics",
        "sheet_series": "Series",
        "sheet_method": "Method",
        "event": "Event",
        "date": "Date",
        "generated_at": "Generated at",
        "tagger_version": "Tagger version",
        "tagger_versions_line": "{found} (current codebook: {current})",
        "none_yet": "none yet",
        "by_session": "Feedback by session",
        "by_theme": "Policy inputs by theme",
        "by_attendance": "Responses by attendance",
        "by_stakeholder": "Responses by stakeholder",
        "by_language": "Responses by language of the text",
        "latest_run": "Latest pipeline run",
        "counting_rule": "How counts are made",
        "counting_text": (
            "Only active responses count (not withdrawn, spam or test). Groups and areas: "
            "where an organiser reviewed the tags, their tags; otherwise what the attendee "
            "chose together with what the tagger found. Language: the language detected in "
            "the text, else the language of the form."
        ),
        "session": "Session",
        "theme": "Theme",
        "attendance": "Attendance",
        "stakeholder": "Stakeholder",
        "language": "Language",
        "responses": "Responses",
        "feedback": "Feedback",
        "inputs": "Policy inputs",
        "not_given": "(not given)",
        "run_started": "Started",
        "run_finished": "Finished",
        "run_status": "Status",
        "run_mode": "Mode",
        "run_selected": "Selected",
        "run_tagged": "Tagged",
        "question": "Question",
        "n": "n",
        "mean": "Mean",
        "median": "Median",
        "share_4_5": "Share 4-5",
        "count_of": "Count {value}",
        "chart_overall": "Overall rating by session (mean, 1-5)",
        "submitted": "Submitted",
        "comment": "Comment",
        "sentiment": "Sentiment",
        "levels": "Impact levels",
        "tag_source": "Tags by",
        "name": "Name",
        "organisation": "Organisation",
        "quote_ok": "May be quoted",
        "yes": "yes",
        "no": "no",
        "text": "Text",
        "groups": "Groups (counted)",
        "groups_attendee": "Groups chosen by attendee",
        "groups_tagger": "Groups found by tagger",
        "areas": "Areas (counted)",
        "areas_attendee": "Areas chosen by attendee",
        "areas_tagger": "Areas found by tagger",
        "evidence": "Evidence",
        "reviewed": "Reviewed by an organiser",
        "level_added": "added by a person",
        "level_removed": "removed by a person",
        "dimension": "Dimension",
        "value": "Value",
        "tagged": "Tagged responses",
        "share_of": "Share {level}",
        "dim_theme": "Theme",
        "dim_group": "Group",
        "dim_area": "Area",
        "session_feedback": "Session feedback (all sessions)",
        "chart_matrix": "Share of tagged responses per impact level, by theme",
        "phrases": "Most frequent phrases",
        "phrase": "Phrase",
        "answers": "Answers",
        "topic_answers": "All follow-up topic answers",
        "topic_note": "Phrases are counted once per answer; common words are left out.",
        "mean_overall": "Mean overall rating",
        "share_overall_4_5": "Share of overall 4-5",
        "share_inputs_level": "Inputs tagged {level}",
        "method_levels": "The four impact levels",
        "level": "Level",
        "definition": "Definition",
        "method_how": "How tags are made",
        "method_how_text": (
            "A rule-based tagger reads each text in English or Chinese and looks for the "
            "indicator words and phrases of the codebook for each level, group and area, "
            "leaving out negated mentions. Each tag keeps its evidence: the words that "
            "triggered it. Organisers can confirm or change the tags; their review always wins "
            "and is never overwritten by a later run."
        ),
        "method_caveats": "What not to conclude",
        "method_caveats_text": (
            "The counts describe what attendees chose to write, not how the population was "
            "affected. Respondents are self-selected; a text may carry several levels or none; "
            "machine tags can be wrong, especially for short texts and untagged or unreviewed "
            "answers. Small counts and shares of small groups are not evidence of a trend."
        ),
        "method_repairs": "Repairs made while writing this workbook",
        "replaced_chars": "Characters that cannot be stored replaced by a visible symbol",
        "cut_cells": "Texts cut to Excel's cell limit (32,767 characters)",
        "untagged": "Responses not yet tagged",
    },
    "zh": {
        "sheet_overview": "概览",
        "sheet_ratings": "分会场评分",
        "sheet_comments": "分会场意见",
        "sheet_inputs": "政策建议",
        "sheet_matrix": "影响矩阵",
        "sheet_topics": "后续议题",
        "sheet_series": "系列活动",
        "sheet_method": "方法说明",
        "event": "活动",
        "date": "日期",
        "generated_at": "生成时间",
        "tagger_version": "标注程序版本",
        "tagger_versions_line": "{found}（当前编码手册：{current}）",
        "none_yet": "暂无",
        "by_session": "按分会场统计的反馈",
        "by_theme": "按主题统计的政策建议",
        "by_attendance": "按参会方式统计的回复",
        "by_stakeholder": "按利益相关方统计的回复",
        "by_language": "按文本语言统计的回复",
        "latest_run": "最近一次处理运行",
        "counting_rule": "统计方法",
        "counting_text": (
            "只统计有效回复（不含撤回、垃圾或测试回复）。人群和领域：组织者审核过的，"
            "采用其审核结果；否则采用参会者所选与自动标注结果的并集。语言：检测到的文本语言，"
            "否则为表单语言。"
        ),
        "session": "分会场",
        "theme": "主题",
        "attendance": "参会方式",
        "stakeholder": "利益相关方",
        "language": "语言",
        "responses": "回复数",
        "feedback": "反馈",
        "inputs": "政策建议",
        "not_given": "（未填写）",
        "run_started": "开始时间",
        "run_finished": "结束时间",
        "run_status": "状态",
        "run_mode": "方式",
        "run_selected": "选中",
        "run_tagged": "已标注",
        "question": "问题",
        "n": "人数",
        "mean": "平均分",
        "median": "中位数",
        "share_4_5": "4-5分占比",
        "count_of": "{value}分人数",
        "chart_overall": "各分会场总体评分（平均分，1-5）",
        "submitted": "提交时间",
        "comment": "意见",
        "sentiment": "情感倾向",
        "levels": "影响层面",
        "tag_source": "标注来源",
        "name": "姓名",
        "organisation": "单位",
        "quote_ok": "可引用",
        "yes": "是",
        "no": "否",
        "text": "内容",
        "groups": "人群（计入统计）",
        "groups_attendee": "参会者所选人群",
        "groups_tagger": "自动标注人群",
        "areas": "领域（计入统计）",
        "areas_attendee": "参会者所选领域",
        "areas_tagger": "自动标注领域",
        "evidence": "依据",
        "reviewed": "组织者已审核",
        "level_added": "人工添加",
        "level_removed": "人工删除",
        "dimension": "维度",
        "value": "取值",
        "tagged": "已标注回复",
        "share_of": "{level}占比",
        "dim_theme": "主题",
        "dim_group": "人群",
        "dim_area": "领域",
        "session_feedback": "分会场反馈（全部分会场）",
        "chart_matrix": "各主题已标注回复中各影响层面的占比",
        "phrases": "高频短语",
        "phrase": "短语",
        "answers": "回答数",
        "topic_answers": "全部后续议题回答",
        "topic_note": "每条回答中的短语只计一次；常用词不计。",
        "mean_overall": "总体评分平均分",
        "share_overall_4_5": "总体评分4-5分占比",
        "share_inputs_level": "标注为{level}的建议",
        "method_levels": "四个影响层面",
        "level": "层面",
        "definition": "定义",
        "method_how": "标注方法",
        "method_how_text": (
            "基于规则的标注程序阅读每条中文或英文文本，按照编码手册中各层面、人群和领域的"
            "指示词语进行查找，并排除否定的提及。每个标注都保留其依据，即触发该标注的词语。"
            "组织者可以确认或修改标注；其审核结果始终优先，之后的运行不会覆盖。"
        ),
        "method_caveats": "不应得出的结论",
        "method_caveats_text": (
            "这些数字反映的是参会者选择写下的内容，而不是人群实际受影响的程度。回复者是自愿参与的；"
            "一条文本可能涉及多个层面，也可能不涉及任何层面；自动标注可能出错，尤其是短文本和"
            "未标注或未审核的回答。小样本数量和小群体的占比不能说明趋势。"
        ),
        "method_repairs": "生成本工作簿时所做的修复",
        "replaced_chars": "无法保存、已替换为可见符号的字符数",
        "cut_cells": "超过Excel单元格上限（32,767个字符）而被截断的文本数",
        "untagged": "尚未标注的回复",
    },
}

#: Names of the codes of ``survey_db.models.vocabulary`` and of the review states. The impact
#: levels, groups and areas are worded here once, for the workbooks and the web alike
#: (``survey_app/labels.py`` reads them); the codebook gives their definitions.
CODES: dict[str, dict[str, str]] = {
    "en": {
        "virus": "Direct impact of the virus",
        "containment": "Impact of the containment measures",
        "economic_crisis": "Impact of the economic crisis",
        "stimulus": "Impact of the economic stimulus package",
        "women": "Women",
        "informal_workers": "Workers in the informal economy",
        "flexible_gig_workers": "Flexible and gig workers",
        "migrant_workers": "Migrant workers",
        "children": "Children",
        "older_persons": "Older persons",
        "persons_with_disabilities": "Persons with disabilities",
        "poor_households": "Poor households",
        "health": "Health protection",
        "employment_injury": "Employment injury",
        "unemployment": "Unemployment protection",
        "employment_retention": "Employment retention",
        "social_assistance": "Social assistance",
        "pensions": "Pensions",
        "digital_delivery": "Digital delivery",
        "financing": "Financing",
        "government": "Government",
        "social_partner": "Social partner",
        "civil_society": "Civil society",
        "un_agency": "UN agency",
        "academia": "Academia",
        "other": "Other",
        "in_person": "In person",
        "online": "Online",
        "en": "English",
        "zh": "Chinese",
        "overall": "Overall",
        "relevance": "Relevance",
        "speakers": "Speakers",
        "discussion_time": "Time for discussion",
        "technical": "Audio, video and interpretation",
        "most_useful": "Most useful",
        "improve": "To improve",
        "next_topics": "Next topics",
        "machine": "machine",
        "confirmed": "confirmed by a person",
        "changed": "changed by a person",
    },
    "zh": {
        "virus": "病毒的直接影响",
        "containment": "防控措施的影响",
        "economic_crisis": "经济危机的影响",
        "stimulus": "一揽子经济刺激措施的影响",
        "women": "妇女",
        "informal_workers": "非正规经济从业者",
        "flexible_gig_workers": "灵活就业人员和零工劳动者",
        "migrant_workers": "农民工和流动工人",
        "children": "儿童",
        "older_persons": "老年人",
        "persons_with_disabilities": "残疾人",
        "poor_households": "贫困家庭",
        "health": "医疗保障",
        "employment_injury": "工伤保障",
        "unemployment": "失业保障",
        "employment_retention": "稳岗就业",
        "social_assistance": "社会救助",
        "pensions": "养老金",
        "digital_delivery": "数字化经办",
        "financing": "筹资",
        "government": "政府",
        "social_partner": "社会伙伴",
        "civil_society": "民间社会",
        "un_agency": "联合国机构",
        "academia": "学术界",
        "other": "其他",
        "in_person": "现场",
        "online": "线上",
        "en": "英文",
        "zh": "中文",
        "overall": "总体评价",
        "relevance": "相关性",
        "speakers": "发言人",
        "discussion_time": "讨论时间",
        "technical": "音视频和翻译",
        "most_useful": "最有用之处",
        "improve": "改进建议",
        "next_topics": "后续议题",
        "machine": "自动标注",
        "confirmed": "人工确认",
        "changed": "人工修改",
    },
}


class Labels:
    """Texts of one language: ``labels["event"]`` and ``labels.code("virus")``."""

    def __init__(self, lang: str) -> None:
        if lang not in TEXTS:
            raise ValueError(f"no labels for language {lang!r}")
        self.lang = lang
        self._texts = TEXTS[lang]
        self._codes = CODES[lang]

    def __getitem__(self, key: str) -> str:
        return self._texts[key]

    def code(self, code: str | None) -> str:
        """The name of a vocabulary code; unknown codes show as they are."""
        if code is None:
            return self._texts["not_given"]
        return self._codes.get(code, code)

    def codes(self, codes: list[str] | None) -> str:
        """Names of several codes, joined."""
        return ", ".join(self.code(code) for code in codes or ())
