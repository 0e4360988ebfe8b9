"""pipeline.suggest: terms proposed from reviews, ranked by support and precision (pure)."""

from __future__ import annotations

from pipeline.suggest import ReviewedText, suggest, terms_of


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
