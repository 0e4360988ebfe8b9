"""The tagger on language as real reports and people write it (issue 16): one statement of
our own per fixed class of tokens, senses and vocabulary, in both registers and languages."""

import pytest

from pipeline import tag_text
from pipeline.traditional import to_simplified


def levels(text: str) -> set[str]:
    return set(tag_text(text).levels)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # numbers with separators are one token: a gap reaches past them
        ("The airline lost 2,500 jobs in a single week.", "economic_crisis", None),
        ("Around 3.5 million workers lost their jobs.", "economic_crisis", None),
        # a figure and its unit do not count towards a gap
        ("Street vendors lost around 60 per cent of their earnings.", "economic_crisis", None),
        ("Street vendors lost around sixty odd bits of their earnings.", None, "economic_crisis"),
        # quotation marks and brackets do not end a negation
        ('There were no "layoffs" at our plant this year.', None, "economic_crisis"),
        ("There were no (temporary) layoffs at our plant.", None, "economic_crisis"),
        ("Nobody in the team was 'infected', as far as we know.", None, "virus"),
        # hyphenated names and codes
        ("Half the office moved to work-from-home in March.", "containment", None),
        ("SARS-CoV-2 infections among nurses doubled in a month.", "virus", None),
        # n't-forms, with or without the apostrophe, match "could not ..."
        ("I couldn't leave the dormitory for six weeks.", "containment", None),
        ("couldnt leave the village till june", "containment", None),
        ("we cant pay the rent this month", "economic_crisis", None),
        # British and American spelling
        ("My uncle was hospitalised for two weeks.", "virus", None),
        ("My uncle was hospitalized for two weeks.", "virus", None),
        ("Labour income fell sharply in the second quarter.", "economic_crisis", None),
        ("Labor income fell sharply in the second quarter.", "economic_crisis", None),
        # stems that collide with an impact
        ("The hospitality trade asked for clearer rules.", None, "virus"),
        ("We work closely with the unions on this.", None, "containment"),
        ("I'll send the slides after the session.", None, "virus"),
        ("Takings at the stall were down by half.", "economic_crisis", None),
        ("We take the bus to the district office.", None, "economic_crisis"),
        ("Several provinces published their figures late.", None, "economic_crisis"),
        ("They gave me two weeks of severance and a handshake.", "economic_crisis", None),
        ("The pension withdrawals gave households some liquidity.", None, "economic_crisis"),
        ("Cash support reduced hunger in the settlements.", "stimulus", "economic_crisis"),
        ("The economy is recovering faster than expected.", None, "virus"),
        # idioms
        ("Honestly sick of waiting for the link to work.", None, "virus"),
        ("dying to get back to the office tbh", None, "virus"),
        # counterfactuals are not events; an obligation is
        (
            "The wage subsidy saved posts that would otherwise have been lost.",
            "stimulus",
            "economic_crisis",
        ),
        ("Were it not for the grant, we would have gone bust.", None, "economic_crisis"),
        ("Many small shops would have to close for good.", "economic_crisis", None),
        ("要不是有稳岗补贴，我们早就裁员了。", "stimulus", "economic_crisis"),
        ("幸亏发了消费券，否则店早就倒闭了。", "stimulus", "economic_crisis"),
        # a debt is the crisis, its relief is stimulus; reduced taxes are stimulus
        ("The family is deep in debt after the summer.", "economic_crisis", None),
        ("Debt relief for small traders ran until June.", "stimulus", "economic_crisis"),
        ("December was our busiest month, overtime every week.", None, "economic_crisis"),
        ("It was a big relief that the children stayed healthy.", None, "stimulus"),
        ("Reduced VAT for cafes was extended to the spring.", "stimulus", None),
        ("Taxes were reduced for market traders until June.", "stimulus", None),
        ("Our reduced income barely covers the food bill.", "economic_crisis", None),
        ("税费减少了一半，店还能撑。", "stimulus", None),
        ("收入减少了一半。", "economic_crisis", "stimulus"),
        ("My income has been shut down since the spring.", "economic_crisis", "containment"),
        # a scheme or an income shut down is no closure; a scheme's rule is no event
        ("The scheme was closed to new applicants in May.", "stimulus", "containment"),
        (
            "Wage subsidies went to firms whose turnover had fallen by a third.",
            "stimulus",
            "economic_crisis",
        ),
        # the disease as a cause, a name or a time
        ("Our stall closed for a while because of the virus.", "containment", "virus"),
        ("疫情防控期间，请各单位按时报送数据。", None, "containment"),
        ("新型冠状病毒感染的肺炎疫情发生以来，本所一直正常开放。", None, "virus"),
        # zero or denied cases are not infections
        ("全市连续十天零新增。", None, "virus"),
        ("本周无新增确诊病例。", None, "virus"),
        # private allowances are not public stimulus
        ("单位发了防疫补贴，每人两百。", None, "stimulus"),
        ("我妈每个月补贴我一点生活费。", None, "stimulus"),
    ],
)
def test_tokens_and_senses(text: str, present: str | None, absent: str | None) -> None:
    found = levels(text)
    if present:
        assert present in found, (text, found)
    if absent:
        assert absent not in found, (text, found)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # reports' and monitors' measures
        ("The claimant count more than doubled over the spring.", "economic_crisis"),
        ("GDP contracted by 6 per cent in the first half.", "economic_crisis"),
        ("The unemployment rate rose to 7.1 per cent in May.", "economic_crisis"),
        ("Working hours lost in the region equalled 30 million full-time jobs.", "economic_crisis"),
        ("Excess deaths among care workers were twice the average.", "virus"),
        ("Employment in hotels and restaurants fell by a fifth.", "economic_crisis"),
        ("Hours lost were equivalent to 90 million full-time jobs.", "economic_crisis"),
        ("飯店說下個月店要收了。", "economic_crisis"),
        ("公司讓我們在家上班，一直到五月。", "containment"),
        ("A stay-at-home order covered the whole province.", "containment"),
        # programmes by name
        ("JobKeeper kept our kitchen staff on the books.", "stimulus"),
        ("She got the CERB for four months.", "stimulus"),
        ("I was on PUA until the FPUC money stopped.", "stimulus"),
        ("The mortgage holiday bought us some time.", "stimulus"),
        ("Foreign workers were not eligible for any of it.", "stimulus"),
        ("we didn't qualify for the grant, not even close", "stimulus"),
        # people's own words
        ("can't pay the rent and the landlord knows it", "economic_crisis"),
        ("my hours were cut to nothing after easter", "economic_crisis"),
        ("the shop went under in the autumn", "economic_crisis"),
        ("behind on rent again, third month running", "economic_crisis"),
        ("maxed out the credit card on groceries", "economic_crisis"),
        ("一季度国内生产总值同比下降了。", "economic_crisis"),
        ("青年失业率升至新高。", "economic_crisis"),
        ("上个月被裁了，现在还没找到活。", "economic_crisis"),
        ("厂里说工资发一半，撑到年底再说。", "economic_crisis"),
        ("复工遥遥无期，天天在出租屋里等通知。", "containment"),
        ("终于领到了临时补助，先把电费交了。", "stimulus"),
        ("社保免了三个月，老板松了口气。", "stimulus"),
        ("银行同意延期还本付息半年。", "stimulus"),
        ("阳了以后躺了一周，布洛芬都买不到。", "virus"),
        ("He came down with covid in the first week of May.", "virus"),
        ("Production halted at the plant for a month.", "containment"),
        ("we're not making ends meet anymore", "economic_crisis"),
        ("The cash-for-work scheme hired 300 people from the camp.", "stimulus"),
        ("老爷子上了呼吸机，家里人都见不到。", "virus"),
        ("小区每天全员核酸，谁也出不去。", "containment"),
        ("这条街门可罗雀，一天没几个客人。", "economic_crisis"),
        ("银行给了我们一笔免息贷款。", "stimulus"),
        ("断了经济来源，只能靠老本。", "economic_crisis"),
        ("he still owes three months of back rent", "economic_crisis"),
        ("Most households were struggling to pay for food by June.", "economic_crisis"),
        ("Migrant workers could not return to the city after the holiday.", "containment"),
        ("Emergency aid reached the camps in the second month.", "stimulus"),
        ("missed out on furlough by two days as a new starter", "stimulus"),
        ("Staff were stood down for the whole of April.", "economic_crisis"),
    ],
)
def test_vocabulary_of_both_registers(text: str, level: str) -> None:
    assert level in levels(text), text


@pytest.mark.parametrize(
    ("text", "level", "quote"),
    [
        ("上個月被裁員了，工資只發一半。", "economic_crisis", "被裁"),
        ("終於領到了臨時生活補助。", "stimulus", "臨時生活補助"),
        ("居家隔離了十四天，哪裡都去不了。", "containment", "居家隔離"),
        ("阿爺確診後住院兩個禮拜。", "virus", "確診"),
        ("老闆攞咗保就業嘅錢。", "stimulus", "保就業"),
        ("兒子在防疫旅館住了十四天。", "containment", "防疫旅館"),
        ("勞工局的薪資補貼下個月才入帳。", "stimulus", "薪資補貼"),
        ("公司放無薪假，一個月只上十天班。", "economic_crisis", "無薪假"),
        ("帳戶只剩幾百塊，卡費繳不出來。", "economic_crisis", "帳戶只剩"),
    ],
)
def test_traditional_chinese_is_tagged_and_quoted_as_written(
    text: str, level: str, quote: str
) -> None:
    result = tag_text(text)
    assert result.language == "zh"
    assert level in result.levels
    # the evidence is the attendee's own characters, never the Simplified reading
    assert any(quote in found for found in result.evidence[level])
    assert all(found in text for found in result.evidence[level])


@pytest.mark.parametrize(
    "text", ["裡面的衞生間", "被裁員了", "简体不变", "Mixed 文字 and 符號", ""]
)
def test_simplified_reading_keeps_every_place(text: str) -> None:
    assert len(to_simplified(text)) == len(text)


def test_simplified_text_is_not_changed() -> None:
    text = "疫情期间很多灵活就业人员失去收入，领到临时补助的不多。"
    assert to_simplified(text) is text


def test_english_indicators_keep_every_piece() -> None:
    """A piece the tokeniser drops ("%" alone, "$" alone) would widen a pattern to "of * wage"."""
    from pipeline.codebook import load_codebook
    from pipeline.tagger import default_tagger

    tokenise = default_tagger()._tokens["en"]
    for category in load_codebook().levels:
        for indicator in category.indicators["en"]:
            for piece in indicator.pattern.split():
                if piece != "*":
                    assert tokenise(piece), (category.code, indicator.pattern, piece)


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("I get 80% of my wages on furlough.", True),
        ("We worked an extra 2 hours a day all winter.", False),
        ("Half of the wage bill went on rent.", False),
    ],
)
def test_figures_in_stimulus_patterns(text: str, present: bool) -> None:
    assert ("stimulus" in levels(text)) is present, text


def test_an_insurance_name_is_not_a_scheme_name() -> None:
    """投保就業保險 holds 保就業 (Hong Kong's Employment Support Scheme) by accident."""
    assert "stimulus" not in levels("勞工須已投保就業保險才可申請。")
