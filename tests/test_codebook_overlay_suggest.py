"""pipeline.suggest: terms proposed from reviews, ranked by support and precision (pure)."""

from __future__ import annotations

from pipeline.suggest import ReviewedText, common, suggest, terms_of, wilson_lower


def answer(
    text: str, language: str, machine: set[str], reviewed: set[str], evidence=()
) -> ReviewedText:
    return ReviewedText(
        text, language, frozenset(machine), frozenset(reviewed), frozenset(evidence)
    )


def test_english_terms_are_stems_and_neighbouring_pairs_never_across_a_negation():
    terms = terms_of("We can't pay the rent; rents are not paid", "en")
    assert terms[("rent",)] in {"rent", "rents"}
    assert ("pay", "rent") not in terms  # "the" sits between: not neighbours ...
    assert terms[("pay", "*", "rent")] == "pay * rent"  # ... but within the codebook's gap
    assert ("rent", "paid") not in terms and ("rent", "pay") not in terms
    assert all("'" not in surface for surface in terms.values())


def test_chinese_terms_are_words_and_pairs_of_words():
    terms = terms_of("工资发一半，房租交不起", "zh")
    assert "工资" in terms and "房租" in terms
    assert all(len(key) >= 2 for key in terms)
    # jieba's words and pairs of them, never a piece across two words ("情影" of 疫情影响)
    terms = terms_of("受新冠肺炎疫情影响，临时救助申请", "zh")
    assert {"疫情", "临时救助", "救助申请"} <= set(terms)
    assert not {"情影", "时救", "助申"} & set(terms)


def test_a_negation_cue_is_never_an_english_term():
    # the tagger reads every cue as "no": "nobody" would stand for "didn't" and "not" too
    terms = terms_of("Nobody called back, couldnt pay rent", "en")
    assert ("nobodi",) not in terms and ("nobody",) not in terms
    assert not any("couldnt" in key for key in terms)
    assert ("rent",) in terms


def test_wilson_lower_bound_asks_more_of_few_answers():
    assert wilson_lower(2, 2) < 0.4 < wilson_lower(4, 4) < wilson_lower(10, 10) < 1
    assert wilson_lower(0, 0) == 0.0


def test_a_common_word_needs_more_answers_than_a_rare_one():
    # "came" is frequent in English at large: three answers of three prove little of it;
    # "furlough" is rare, and the same three answers are enough
    assert common("came", "en") and not common("furlough", "en")
    assert common("孩子", "zh") and not common("减班", "zh") and not common("came back", "en")
    texts = ["The furlough came in May", "Furlough pay came late", "A furlough came with cuts"]
    answers = [answer(text, "en", set(), {"economic_crisis"}) for text in texts]
    terms = {s.term for s in suggest(answers, min_support=2)}
    assert "furlough" in terms and "came" not in terms
    # enough answers, right in nearly all of them, and a common word is proposed too
    answers += [answer(f"It came: case {n}", "en", set(), {"economic_crisis"}) for n in range(5)]
    assert "came" in {s.term for s in suggest(answers, min_support=2)}


def test_support_counts_missed_levels_and_precision_all_reviewed_answers():
    answers = [
        answer("The landlord evicted us after the grant ran out", "en", set(), {"economic_crisis"}),
        answer("Evicted in May, nowhere to go", "en", set(), {"economic_crisis"}),
        answer("Evicted tenants got a small grant", "en", {"stimulus"}, {"stimulus"}),
        answer("我们被裁了", "zh", set(), {"economic_crisis"}),
    ]
    found = suggest(answers, min_support=2)
    [evicted] = [s for s in found if s.term == "evicted"]
    assert (evicted.level, evicted.language, evicted.support, evicted.matches) == (
        "economic_crisis",
        "en",
        2,
        3,
    )
    assert evicted.precision == 2 / 3
    strict = suggest(answers, min_support=2, min_precision=0.7)
    assert "evicted" not in {s.term for s in strict}  # 2 of 3 is below 0.7
    assert all(s.precision >= 0.7 for s in strict)
    assert all(s.support >= 2 for s in found)
    assert not any(s.language == "zh" for s in found)  # one Chinese answer is no support


def test_known_terms_and_terms_inside_the_machines_evidence_are_left_out():
    answers = [
        answer(
            "Shop went under, stall-out everywhere",
            "en",
            set(),
            {"economic_crisis"},
            ["went under"],
        ),
        answer(
            "The shop went under in the stall-out", "en", set(), {"economic_crisis"}, ["went under"]
        ),
    ]
    terms = {s.term for s in suggest(answers, min_support=2)}
    assert "stall-out" in terms and "went" not in terms and "under" not in terms
    ruled = suggest(answers, min_support=2, known=lambda level, language, term: term == "stall-out")
    assert "stall-out" not in {s.term for s in ruled}


def test_ranking_is_support_then_precision_and_a_covered_phrase_is_dropped():
    answers = [
        answer("curfew pass denied", "en", set(), {"containment"}),
        answer("curfew pass again", "en", set(), {"containment"}),
        answer("curfew everywhere", "en", set(), {"containment"}),
        answer("curfew lifted today", "en", set(), set()),
        answer("pass the salt", "en", set(), set()),
    ]
    found = suggest(answers, min_support=2)
    assert [s.term for s in found][:1] == ["curfew"]
    assert "curfew * pass" in [s.term for s in found]  # more precise than "curfew": kept
    assert "curfew pass" not in [s.term for s in found]  # finds no more than "curfew * pass"
    supports = [(-s.support, -s.precision) for s in found]
    assert supports == sorted(supports)


def removed(text: str, language: str, level: str, quote: str, person=()) -> ReviewedText:
    """An answer the machine gave ``level`` (quoting ``quote``) and a reviewer took it away."""
    return ReviewedText(
        text,
        language,
        frozenset({level}),
        frozenset(person),
        frozenset({quote}),
        ((level, quote),),
    )


def test_a_removed_level_proposes_shields_around_the_machines_evidence():
    answers = [
        removed("We ran a lockdown drill at the school.", "en", "containment", "lockdown"),
        removed("The lockdown drill went well.", "en", "containment", "lockdown"),
        removed("Another lockdown drill, in March.", "en", "containment", "lockdown"),
        answer("The city went into lockdown in March.", "en", {"containment"}, {"containment"}),
        # a person gave the level where the phrase stands: it counts against the shield
        answer("A lockdown drill, then the real lockdown.", "en", set(), {"containment"}),
    ]
    found = [s for s in suggest(answers, min_support=2) if s.kind == "shield"]
    drill = next(s for s in found if s.term == "lockdown drill")
    assert (drill.level, drill.language, drill.support, drill.matches) == (
        "containment",
        "en",
        3,
        4,
    )
    assert drill.precision == 3 / 4  # of four reviewed answers holding it, three lack the level
    assert drill.addition().kind == "shield"
    # "a lockdown drill" stands in only two of them and finds no more: left out
    assert "a lockdown drill" not in {s.term for s in found}
    assert all(s.support >= 2 for s in found)
    # no indicator is proposed for a level nobody added
    assert not [s for s in suggest(answers, min_support=2) if s.kind == "indicator"]
    assert not [s for s in suggest(answers, min_support=2, min_precision=0.8) if s.kind == "shield"]


def test_chinese_shields_are_the_evidence_with_the_words_around_it():
    answers = [
        removed("学校进行了封控演练。", "zh", "containment", "封控"),
        removed("封控演练很顺利。", "zh", "containment", "封控"),
        removed("又一次封控演練。", "zh", "containment", "封控"),  # Traditional, read as Simplified
        answer("小区封控了两周。", "zh", {"containment"}, {"containment"}),
    ]
    found = {s.term: s for s in suggest(answers, min_support=2) if s.kind == "shield"}
    assert (found["封控演练"].support, found["封控演练"].precision) == (3, 1.0)
    assert "封控演" not in found  # a piece of the word 演练: never proposed
    assert "小区封控" not in found  # one answer is no support


def test_a_shield_is_kept_only_where_a_trial_tagger_then_drops_the_level():
    from pipeline import build_tagger

    answers = [
        removed("We ran a lockdown drill at the school.", "en", "containment", "lockdown"),
        removed("The lockdown drill went well.", "en", "containment", "lockdown"),
    ]
    tried: list[list] = []

    def trial(additions):
        tried.append(additions)
        return build_tagger(additions)

    kept = suggest(answers, min_support=2, trial=trial)
    assert "lockdown drill" in {s.term for s in kept if s.kind == "shield"}
    assert any(a.kind == "shield" and a.term == "lockdown drill" for a in tried[-1])
    # a trial tagger that ignores the shields keeps none of them
    none = suggest(answers, min_support=2, trial=lambda additions: build_tagger())
    assert not [s for s in none if s.kind == "shield"]
