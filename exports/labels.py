"""Header and label texts of the workbooks, in English and Simplified Chinese.

Workbooks are built outside a request (the nightly job, the CLI), so plain dicts keyed by
language serve better here than gettext; a test keeps both languages complete.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
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
        "counting_rule": "How counts are made",
        "counting_text": (
            "Only active answers count (not withdrawn, spam or test), and demo answers only "
            "when asked for. A person's review wins over the machine's tags; the groups and "
            "areas the attendee ticked always count. Shares of impact levels are of the tagged "
            "answers with text. Language: the language detected in the text, else the "
            "language of the form."
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
        "question": "Question",
        "n": "n",
        "mean": "Mean",
        "median": "Median",
        "share_4_5": "Share 4-5",
        "count_of": "Count {value}",
        "submitted": "Submitted",
        "sentiment": "Sentiment",
        "levels": "Impact levels",
        "name": "Name",
        "organisation": "Organisation",
        "quote_ok": "May be quoted",
        "yes": "yes",
        "no": "no",
        "text": "Text",
        "groups": "Groups (counted)",
        "areas": "Areas (counted)",
        "evidence": "Evidence",
        "dimension": "Dimension",
        "value": "Value",
        "share_of": "Share {level}",
        "dim_theme": "Theme",
        "dim_group": "Group",
        "dim_area": "Area",
        "session_feedback": "Session feedback (all sessions)",
        "phrase": "Phrase",
        "answers": "Answers",
        "mean_overall": "Mean overall rating",
        "share_overall_4_5": "Share of overall 4-5",
        "share_inputs_level": "Inputs tagged {level}",
        "level": "Level",
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
        "sheet_briefing": "Briefing",
        "sheet_quotes": "Quotes",
        "sheet_crosstabs": "Crosstabs",
        "sheet_codebook": "Codebook",
        "with_demo_suffix": " (with demo)",
        "b_answers": "Answers counted",
        "b_people": "People, approximately",
        "b_by_channel": "By channel",
        "b_left_out": "Left out of every figure",
        "b_demo_in": "Demo answers are counted in every figure of this workbook.",
        "b_sessions": "Sessions by mean overall rating (1-5)",
        "b_best": "Best rated",
        "b_weakest": "Weakest rated",
        "b_min_rated": "Best and weakest among sessions rated at least {n} times.",
        "b_levels": "Impact levels by theme: share of tagged answers with text",
        "b_topics": "Follow-up topics most asked for",
        "b_quotes": "Quotes (more on the Quotes sheet)",
        "b_caveats": "Caveats",
        "b_machine": "Answers with text tagged by the machine only",
        "b_reviewed": "Answers with text reviewed by a person",
        "b_not_tagged": "Answers with text not tagged yet",
        "b_last_run": "Last tagging run for this event finished",
        "b_no_run": "no run has finished yet",
        "b_never_tags": (
            "This workbook shows the tags as they stand; making it never runs the tagger."
        ),
        "chart_ratings": (
            "Overall rating by session: share of each answer, 1 (poor) to 5 (excellent)"
        ),
        "chart_data": "Chart data: overall rating by session, best mean first",
        "response_id": "Answer id",
        "channel": "Channel",
        "amended": "Amended",
        "stakeholder_col": "Stakeholder",
        "tags_from": "Tags from",
        "not_tagged": "not tagged yet",
        "levels_codes": "Level codes",
        "groups_codes": "Group codes",
        "areas_codes": "Area codes",
        "groups_names": "Groups",
        "areas_names": "Areas",
        "print_note": (
            "One row per answer. The 0/1 columns at the right (one per level, group "
            "and area, for pivot tables) are left out of the printed page. A name is "
            "shown only where the attendee allowed both quoting and naming."
        ),
        "with_text": "Answers with text",
        "tagged_with_text": "Tagged",
        "dim_session": "Session",
        "matrix_note": (
            "Shares are of the tagged answers with text: answers without text and "
            "answers not tagged yet are left out of the shares."
        ),
        "chart_levels": "Share of tagged answers with text per impact level",
        "quote_rule": "How quotes are chosen",
        "quote_rule_text": (
            "Only policy inputs whose author allowed quoting. Within one level and "
            "theme, an input scores the mean number of that cell's inputs (quotable or "
            "not) sharing its evidence words for the level (the words that made the tag), "
            "so the input "
            "whose words are most common there comes first, not the longest; among "
            "equals, inputs of 40 to 400 characters, then the earliest. Two per level "
            "and theme. A name only where the author allowed naming too."
        ),
        "score": "Inputs sharing its words (mean)",
        "cross_ratings": "Overall rating by {dimension}",
        "cross_levels": "Impact levels by {dimension}",
        "form_language": "Language of the form",
        "topic": "Topic",
        "topic_kind": "Kind",
        "kind_group": "Group",
        "kind_area": "Area",
        "kind_phrase": "Phrase",
        "all_sessions": "All sessions",
        "inputs_on": "Inputs: {theme}",
        "topics_rule": (
            "Answers to the follow-up question are matched to the codebook's groups "
            "and areas in either language, so the same topic asked for in English and "
            "Chinese counts once. Other words and two-word phrases are counted once "
            "per answer; a word found only inside a longer phrase is not counted "
            "apart. The columns per session count the answers asking for the topic; "
            "the columns per theme count the policy inputs whose groups and areas "
            "name it. {n} answers to the follow-up question."
        ),
        "this_event": "This event",
        "change_answers": "Change in answers",
        "change_mean": "Change in mean overall",
        "tagged_inputs": "Policy inputs tagged",
        "chart_series": "Share of tagged policy inputs per impact level, by event",
        "cb_questions": "Questions",
        "cb_code": "Code",
        "cb_wording_en": "English",
        "cb_wording_zh": "Chinese",
        "cb_answer_codes": "Answer codes",
        "cb_scale": "1 (poor) to 5 (excellent); blank when not answered",
        "cb_free_text": "free text",
        "cb_categories": "Impact levels, groups and areas",
        "cb_kind": "Kind",
        "cb_name": "Name",
        "cb_definition": "Definition",
        "cb_other": "Other codes",
        "cb_sentiment": "Sentiment",
        "cb_sentiment_text": (
            "A number from -1 (negative) to +1 (positive): the mean polarity of the "
            "English texts of an answer by TextBlob's word list, with the codebook's "
            "neutral words read as neutral. Chinese texts get no sentiment (the cell "
            "is blank), nor do answers without text or not tagged yet. It describes "
            "wording, not satisfaction."
        ),
        "method_demo": "Demo answers",
        "method_demo_out": (
            "Demo answers (synthetic, made to try the product) are left out of every "
            "figure; `flask export --include-demo` or the console's choice puts them "
            "in, and then every sheet's title says so."
        ),
        "method_demo_in": (
            "Demo answers (synthetic) are counted in every figure of this workbook, "
            "as every sheet's title says."
        ),
        "method_people": "People, approximately",
        "method_people_text": (
            "Answers are anonymous, so people are counted approximately: answers with "
            "the same name count as one person, the sessions rated on one form count "
            "as one, and every other answer counts as one more."
        ),
    },
    "zh": {
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
        "counting_rule": "统计方法",
        "counting_text": (
            "只统计有效回答（不含撤回、垃圾或测试回答），演示数据只在要求时计入。人工审核结果优先于"
            "自动标注；参会者勾选的人群和领域始终计入。影响层面的占比以有文字且已标注的回答为分母。"
            "语言：检测到的文本语言，否则为表单语言。"
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
        "question": "问题",
        "n": "人数",
        "mean": "平均分",
        "median": "中位数",
        "share_4_5": "4-5分占比",
        "count_of": "{value}分人数",
        "submitted": "提交时间",
        "sentiment": "情感倾向",
        "levels": "影响层面",
        "name": "姓名",
        "organisation": "单位",
        "quote_ok": "可引用",
        "yes": "是",
        "no": "否",
        "text": "内容",
        "groups": "人群（计入统计）",
        "areas": "领域（计入统计）",
        "evidence": "依据",
        "dimension": "维度",
        "value": "取值",
        "share_of": "{level}占比",
        "dim_theme": "主题",
        "dim_group": "人群",
        "dim_area": "领域",
        "session_feedback": "分会场反馈（全部分会场）",
        "phrase": "短语",
        "answers": "回答数",
        "mean_overall": "总体评分平均分",
        "share_overall_4_5": "总体评分4-5分占比",
        "share_inputs_level": "标注为{level}的建议",
        "level": "层面",
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
        "sheet_briefing": "简报",
        "sheet_quotes": "引用",
        "sheet_crosstabs": "交叉分析",
        "sheet_codebook": "编码手册",
        "with_demo_suffix": "（含演示数据）",
        "b_answers": "计入统计的回答",
        "b_people": "人数（约）",
        "b_by_channel": "按渠道",
        "b_left_out": "未计入任何统计",
        "b_demo_in": "本工作簿的所有统计均包含演示数据。",
        "b_sessions": "各分会场总体评分平均分（1-5分）",
        "b_best": "评分最高",
        "b_weakest": "评分最低",
        "b_min_rated": "最高和最低只在至少有{n}个评分的分会场中选出。",
        "b_levels": "各主题的影响层面：有文字且已标注回答中的占比",
        "b_topics": "最受关注的后续议题",
        "b_quotes": "引用（详见“引用”表）",
        "b_caveats": "说明",
        "b_machine": "仅经自动标注的有文字回答",
        "b_reviewed": "经人工审核的有文字回答",
        "b_not_tagged": "尚未标注的有文字回答",
        "b_last_run": "本活动最近一次标注运行结束于",
        "b_no_run": "尚无完成的运行",
        "b_never_tags": "本工作簿显示当前的标注结果；生成时不会运行标注程序。",
        "chart_ratings": "各分会场总体评分：各分值占比，1（差）至5（很好）",
        "chart_data": "图表数据：各分会场总体评分，平均分高者在前",
        "response_id": "回答编号",
        "channel": "渠道",
        "amended": "已修改",
        "stakeholder_col": "利益相关方",
        "tags_from": "标注来源",
        "not_tagged": "尚未标注",
        "levels_codes": "层面代码",
        "groups_codes": "人群代码",
        "areas_codes": "领域代码",
        "groups_names": "人群",
        "areas_names": "领域",
        "print_note": (
            "每行一条回答。右侧的0/1列（每个层面、人群和领域一列，供数据透视表使用"
            "）不打印。只有参会者同时同意引用和署名时才显示姓名。"
        ),
        "with_text": "有文字的回答",
        "tagged_with_text": "已标注",
        "dim_session": "分会场",
        "matrix_note": "占比的分母是有文字且已标注的回答：没有文字和尚未标注的回答不计入占比。",
        "chart_levels": "有文字且已标注回答中各影响层面的占比",
        "quote_rule": "引用的选取方法",
        "quote_rule_text": (
            "只选作者同意引用的政策建议。在同一层面和主题中，每条建议的得分是该组中（无论"
            "是否可引用）与其共享该层面依据词语（触发标注的词语）的建议数的平均值，因此选出的是用词在该组中"
            "最常见的建议，而不是最长的；得分相同时，优先选40至400个字符的，再按提交"
            "先后。每个层面和主题选两条。只有作者也同意署名时才显示姓名。"
        ),
        "score": "共享其词语的建议数（平均）",
        "cross_ratings": "按{dimension}统计的总体评分",
        "cross_levels": "按{dimension}统计的影响层面",
        "form_language": "表单语言",
        "topic": "议题",
        "topic_kind": "类别",
        "kind_group": "人群",
        "kind_area": "领域",
        "kind_phrase": "词语",
        "all_sessions": "全部分会场",
        "inputs_on": "建议：{theme}",
        "topics_rule": (
            "后续议题的回答按编码手册的人群和领域进行匹配（中英文均可），因此用中文和英文"
            "提出的同一议题只计一次。其他词语和双词短语每条回答只计一次；只出现在更长短语"
            "中的词语不单独计数。各分会场列统计提出该议题的回答数；各主题列统计其人群和领"
            "域涉及该议题的政策建议数。共有{n}条后续议题回答。"
        ),
        "this_event": "本次活动",
        "change_answers": "回答数变化",
        "change_mean": "总体评分平均分变化",
        "tagged_inputs": "已标注的政策建议",
        "chart_series": "各次活动已标注政策建议中各影响层面的占比",
        "cb_questions": "问题",
        "cb_code": "代码",
        "cb_wording_en": "英文",
        "cb_wording_zh": "中文",
        "cb_answer_codes": "答案代码",
        "cb_scale": "1（差）至5（很好）；未回答则为空",
        "cb_free_text": "自由文本",
        "cb_categories": "影响层面、人群和领域",
        "cb_kind": "类别",
        "cb_name": "名称",
        "cb_definition": "定义",
        "cb_other": "其他代码",
        "cb_sentiment": "情感倾向",
        "cb_sentiment_text": (
            "取值为-1（负面）至+1（正面）：按TextBlob词表计算的回答中英文文本"
            "的平均极性，编码手册中列出的中性词按中性处理。中文文本没有情感倾向（单元格为"
            "空），没有文字或尚未标注的回答也没有。它描述的是措辞，而不是满意度。"
        ),
        "method_demo": "演示数据",
        "method_demo_out": (
            "演示数据（为试用产品而生成的合成回答）不计入任何统计；使用`flask ex"
            "port --include-demo`或控制台中的选项可将其计入，此时每个"
            "工作表的标题都会注明。"
        ),
        "method_demo_in": (
            "本工作簿的所有统计均包含演示数据（合成回答），每个工作表的标题都已注明。"
        ),
        "method_people": "人数（约）",
        "method_people_text": (
            "回答是匿名的，因此人数为估计值：姓名相同的回答计为一人，同一张表单中评价"
            "的多个分会场计为一人，其余每条回答各计一人。"
        ),
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
        "web": "Web form",
        "paper": "Paper form",
        "demo": "Demo data",
        "withdrawn": "Withdrawn by the attendee",
        "spam": "Spam",
        "test": "Test",
        "feedback": "Session feedback",
        "input": "Policy input",
        "text": "Policy input",
        "theme": "Theme",
        "groups": "Groups",
        "areas": "Areas",
        "attendance": "Attendance",
        "stakeholder": "Stakeholder",
        "language": "Language of the form",
        "quote_ok": "May be quoted",
        "show_name": "Name may be shown",
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
        "web": "网上表单",
        "paper": "纸质表单",
        "demo": "演示数据",
        "withdrawn": "参会者已撤回",
        "spam": "垃圾信息",
        "test": "测试",
        "feedback": "分会场反馈",
        "input": "政策建议",
        "text": "政策建议",
        "theme": "主题",
        "groups": "人群",
        "areas": "领域",
        "attendance": "参会方式",
        "stakeholder": "利益相关方",
        "language": "表单语言",
        "quote_ok": "可引用",
        "show_name": "可署名",
    },
}


#: The forms' questions in both languages, for the Codebook sheet; a test checks the forms ask
#: exactly these (tests/test_exports_briefing_sheets.py).
QUESTIONS: dict[str, tuple[str, str]] = {
    "overall": ("Overall, how useful was this session?", "总体而言，本环节对您有多大帮助？"),
    "relevance": ("Relevance to your work", "与您工作的相关性"),
    "speakers": ("Quality of the speakers", "发言人的水平"),
    "discussion_time": ("Time for discussion", "讨论时间"),
    "technical": (
        "Technical quality (audio, video, interpretation)",
        "技术质量（音频、视频、同声传译）",
    ),
    "most_useful": ("What was most useful?", "哪些内容最有帮助？"),
    "improve": ("What could be improved?", "哪些方面可以改进？"),
    "next_topics": ("Which topics should the next dialogue take up?", "下一次对话应讨论哪些议题？"),
    "theme": ("Theme", "主题"),
    "text": ("Your policy input", "您的政策建议"),
    "groups": ("Which groups does it concern?", "涉及哪些群体？"),
    "areas": ("Which areas of social protection?", "涉及哪些社会保护领域？"),
    "attendance": ("You took part", "您的参会方式"),
    "stakeholder": ("You are from", "您来自"),
    "quote_ok": (
        "You may quote my words anonymously in the summaries.",
        "同意在总结材料中匿名引用我的意见。",
    ),
    "show_name": (
        "My name may appear with my words in the summaries.",
        "同意在总结材料中引用我的意见时注明我的姓名。",
    ),
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
