"""Negation, contrast and counterfactuals: which tokens a "no", a "not X but Y", a "与 X 无关"
or a "would otherwise have" cancels.

Only level indicators are cancelled (groups and areas count on any mention); the marks say
how: PLAIN (in a negation's scope: cancels a level unless the codebook says otherwise, as for
stimulus gaps) or CONTRAST (on the losing side of a contrast: always cancels).
"""

from __future__ import annotations

from pipeline.codebook import NegationRules
from pipeline.tokens import NEG, SENTENCE_END, SOFT, Token

PLAIN, CONTRAST = 1, 2  # kinds of negation marked on tokens

#: Contrast phrases by their first word, each as its words ("rather than" -> ("rather", "than")).
ContrastPhrases = dict[str, list[tuple[str, ...]]]


def negation_marks(
    tokens: list[Token],
    rules: NegationRules,
    contrast: ContrastPhrases,
    counterfactual: ContrastPhrases | None = None,
    counterfactual_if: ContrastPhrases | None = None,
) -> list[int]:
    """Per token: 0, PLAIN (in a negation's scope, or in a counterfactual) or CONTRAST (losing
    side of a contrast)."""
    counterfactual = counterfactual or {}
    counterfactual_if = counterfactual_if or {}
    marks = [0] * len(tokens)
    for i, tok in enumerate(tokens):
        contrast_end = _contrast_at(tokens, i, contrast) if tok.raw in contrast else None
        if contrast_end is not None:
            _mark_forward(tokens, contrast_end + 1, rules, marks, CONTRAST)
            continue
        if tok.raw in _CONDITIONS and _counterfactual_in_sentence(tokens, i, counterfactual):
            continue
        if tok.raw in counterfactual:
            end = _contrast_at(tokens, i, counterfactual)
            if end is not None and not _obligation(tokens, end):
                _mark_counterfactual(tokens, i, end, rules, marks)
                continue
        if tok.raw in counterfactual_if:
            end = _contrast_at(tokens, i, counterfactual_if)
            if end is not None:
                _mark_consequence(tokens, end, rules, marks)
                continue
        if _unreal_condition(tokens, i, rules) and _counterfactual_in_sentence(
            tokens, i, counterfactual
        ):
            _mark_clause(tokens, i + 1, rules, marks)
            continue
        if tok.raw in rules.unrelated_close:
            _mark_unrelated(tokens, i, rules, marks)
        elif tok.key in (NEG, SOFT) and _opens_scope(tokens, i, rules):
            kind = CONTRAST if _contrast_follows(tokens, i, rules) else PLAIN
            predicate = _quantified_predicate(tokens, i, rules)
            if predicate is not None:
                _mark_forward(tokens, predicate, rules, marks, kind)
                continue
            if _points_backward(tokens, i, rules):
                _mark_backward(tokens, i, marks)
            if _denies_subject(tokens, i):
                _mark_clause(tokens, i + 1, rules, marks)
            _mark_forward(tokens, i + 1, rules, marks, kind)
    for j, tok in enumerate(tokens):
        if marks[j] == PLAIN and tok.key in _STILL_IN_FORCE:
            marks[j] = 0
    return marks


#: Words whose plain denial still asserts their level: "few shops reopened", "the schools have
#: not reopened" and "还没解封" all say the closure or the lockdown goes on (a contrast still
#: cancels them: "not the reopening but the rents")
_STILL_IN_FORCE = frozenset(("reopen", "解封", "复课", "复工", "复产", "开学"))


#: Cues that deny a clause's subject ("No worker at our site has been laid off", "Not a single
#: worker was infected"): what the clause says of it did not happen, however far the verb is
_SUBJECT_CUES = frozenset(("no", "none", "nobody", "neither", "not"))
#: "not" denies a subject only when it counts one ("Not a single worker", "Not one shop");
#: "Not being able to work pushed us into debt" names a real inability and its real debt
_NOT_COUNTING = frozenset(("a", "an", "one", "single", "any", "even"))
#: After a denied subject these verbs deny only a belief: in "Nobody expected the shops to
#: close for so long" the shops did close
_BELIEF_VERBS = frozenset(
    ("expected", "thought", "imagined", "knew", "predicted", "believed", "foresaw", "anticipated")
)


def _denies_subject(tokens: list[Token], i: int) -> bool:
    """A subject-denying cue opens its clause (first word, or after a punctuation mark)."""
    cue = tokens[i].raw
    if cue not in _SUBJECT_CUES or (i > 0 and tokens[i - 1].key):
        return False
    after = [tok.raw for tok in tokens[i + 1 : i + 3]]
    if cue == "not" and (not after or after[0] not in _NOT_COUNTING):
        return False
    return not any(word in _BELIEF_VERBS for word in after)


#: Cues that quantify a subject: "Few of the laid-off workers found new jobs" denies the finding,
#: not the layoffs; "很少有被裁的工人找到新工作" the same
_QUANTIFIERS = frozenset(("few", "很少", "少"))
#: Words before "few" that leave it opening its clause ("Very few of the shops ...")
_INTENSIFIERS = frozenset(("very", "only", "so", "too", "relatively", "quite"))
#: Words that open a noun phrase, not its head ("few of the", "few of our")
_DETERMINERS = frozenset(("of", "the", "a", "an", "our", "my", "their", "his", "her", "its"))
#: Personal pronouns and demonstratives: each can open a clause's subject
_PRONOUNS = frozenset(("i", "we", "they", "he", "she", "it", "you"))
_DEMONSTRATIVES = frozenset(("this", "that", "these", "those"))
#: Relative pronouns: their clause, up to its verb, belongs to the noun phrase
_RELATIVES = frozenset(("that", "who", "which", "whose"))
#: Auxiliaries and common irregular past forms: where a predicate can start
_AUXILIARIES = frozenset(
    (
        "was",
        "were",
        "is",
        "are",
        "am",
        "been",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "may",
        "might",
        "must",
    )
)
_IRREGULAR_PAST = frozenset(
    (
        "found",
        "got",
        "lost",
        "went",
        "came",
        "kept",
        "made",
        "took",
        "left",
        "saw",
        "paid",
        "fell",
        "ran",
        "sold",
        "spent",
        "shut",
        "cut",
        "held",
        "gave",
        "became",
        "began",
        "won",
        "sent",
    )
)
#: Nouns and adverbs close the quantified noun phrase at most this many tokens after the cue
_PHRASE_REACH = 10


def _quantified_predicate(tokens: list[Token], i: int, rules: NegationRules) -> int | None:
    """Where the predicate starts when the cue at ``i`` quantifies its clause's subject.

    None when it does not, or when no predicate is found (the cue then reads as before).
    """
    if tokens[i].raw not in _QUANTIFIERS:
        return None
    j = i - 1
    while j >= 0 and tokens[j].raw in _INTENSIFIERS:
        j -= 1
    if j >= 0 and tokens[j].key and tokens[j].raw not in rules.boundaries:
        return None  # an object ("we had few customers"): the phrase is what is denied
    if tokens[i].raw == "few":
        return _english_predicate(tokens, i, rules)
    return _chinese_predicate(tokens, i, rules)


def _verb_like(raw: str) -> bool:
    return (
        raw in _AUXILIARIES
        or raw in _IRREGULAR_PAST
        or (len(raw) > 4 and raw.endswith("ed") and not raw.endswith("eed"))
    )


def _english_predicate(tokens: list[Token], i: int, rules: NegationRules) -> int | None:
    """First verb after the head noun: "Few [of the laid-off workers] [found new jobs]",
    "Few [of the shops that closed] [have reopened]"."""
    head = relative = relative_done = False
    for j in range(i + 1, min(len(tokens), i + 1 + _PHRASE_REACH)):
        raw = tokens[j].raw
        if head and raw in _RELATIVES:
            relative, relative_done = True, False
            continue
        if not tokens[j].key or raw in rules.boundaries or tokens[j].key in (NEG, SOFT):
            return None
        verb = _verb_like(raw)
        if not head:
            if raw in _AUXILIARIES:
                return j  # "few were laid off": the pronoun's predicate
            head = not verb and raw not in _DETERMINERS
        elif relative and not relative_done:
            relative_done = verb and raw not in _AUXILIARIES
        elif verb:
            return j
    return None


def _chinese_predicate(tokens: list[Token], i: int, rules: NegationRules) -> int | None:
    """ "很少有[被裁的工人][找到新工作]": after 有, the words up to 的 and the noun after it
    are the subject; what follows is the predicate."""
    if i + 1 >= len(tokens) or tokens[i + 1].raw != "有":
        return None
    for j in range(i + 2, min(len(tokens) - 2, i + 2 + _PHRASE_REACH)):
        if not _in_clause(tokens[j], rules) or tokens[j].key in (NEG, SOFT):
            return None
        if tokens[j].raw == "的" and j > i + 2:
            head, predicate = tokens[j + 1], tokens[j + 2]
            if _in_clause(head, rules) and _in_clause(predicate, rules):
                return j + 2
            return None
    return None


#: Cues that state the condition of a counterfactual in the same sentence: in "Without the
#: lockdown, my shop would have survived" the lockdown happened; only the shop's survival did not
_CONDITIONS = frozenset(("without",))


def _counterfactual_in_sentence(
    tokens: list[Token], i: int, counterfactual: ContrastPhrases
) -> bool:
    """A counterfactual (not an obligation) in the sentence of the token at ``i``."""
    start = i
    while start > 0 and tokens[start - 1].raw not in SENTENCE_END:
        start -= 1
    for j in range(start, len(tokens)):
        if tokens[j].raw in SENTENCE_END:
            return False
        if tokens[j].raw in counterfactual:
            end = _contrast_at(tokens, j, counterfactual)
            if end is not None and not _obligation(tokens, end):
                return True
    return False


#: Subjects of an inverted condition: "Had the shop closed, ..." ("Had my hours cut" is an event)
_INVERTED_SUBJECTS = _PRONOUNS | _DEMONSTRATIVES | {"the"}


def _unreal_condition(tokens: list[Token], i: int, rules: NegationRules) -> bool:
    """The token at ``i`` opens the condition of a counterfactual: "If the factory had closed,"
    or "Had the shop closed," before a "would have". Its clause did not happen either; the
    caller checks that the sentence has the counterfactual."""
    raw = tokens[i].raw
    if raw == "had":
        opens = i == 0 or not tokens[i - 1].key
        return opens and i + 1 < len(tokens) and tokens[i + 1].raw in _INVERTED_SUBJECTS
    if raw != "if":
        return False
    for j in range(i + 1, len(tokens)):
        if not _in_clause(tokens[j], rules):
            return False
        if tokens[j].raw == "had":
            return j + 1 < len(tokens) and tokens[j + 1].raw != "to"
    return False


#: Tokens before a counterfactual that belong to it ("unemployment * would have risen")
_COUNTERFACTUAL_BACK = 3


def _obligation(tokens: list[Token], end: int) -> bool:
    """ "would have to close" is an obligation, not a counterfactual."""
    return end + 1 < len(tokens) and tokens[end + 1].raw == "to"


def _mark_counterfactual(
    tokens: list[Token], start: int, end: int, rules: NegationRules, marks: list[int]
) -> None:
    """ "jobs would otherwise have been lost", "否则早就倒闭了": the clause around did not
    happen; a few words back and on to the end of the clause."""
    j = start - 1
    condition = _condition_end(tokens, start, rules)
    while j >= max(0, start - _COUNTERFACTUAL_BACK, condition + 1) and _in_clause(tokens[j], rules):
        marks[j] = max(marks[j], PLAIN)
        j -= 1
    _mark_clause(tokens, end + 1, rules, marks, stop=_CONDITIONS)


#: Words that open the subject after a condition's noun phrase: in "Without the curfew the bar
#: could have stayed open" the second "the" starts the clause that did not happen
_SUBJECT_STARTS = (_DETERMINERS - {"of"}) | _DEMONSTRATIVES | _PRONOUNS | {"many", "most"}


def _condition_end(tokens: list[Token], start: int, rules: NegationRules) -> int:
    """Last token of a "without X" condition before the counterfactual at ``start`` in the
    same clause, or -1; with no comma, X is what the counterfactual must not reach back into."""
    cue = start - 1
    while cue >= 0 and _in_clause(tokens[cue], rules) and tokens[cue].raw not in _CONDITIONS:
        cue -= 1
    if cue < 0 or tokens[cue].raw not in _CONDITIONS:
        return -1
    head = None
    for k in range(cue + 1, start):
        raw = tokens[k].raw
        if head is not None and raw in _SUBJECT_STARTS:
            return k - 1
        if head is None and raw not in _DETERMINERS:
            head = k
    # no subject word: the condition is its first noun ("Without furlough unemployment would
    # have doubled")
    return head if head is not None else cue


def _mark_consequence(
    tokens: list[Token], end: int, rules: NegationRules, marks: list[int]
) -> None:
    """ "要不是有补贴，我们早就倒闭了": the condition happened, the next clause did not."""
    for j in range(end + 1, len(tokens)):
        if tokens[j].raw in SENTENCE_END:
            return
        if not tokens[j].key:
            _mark_clause(tokens, j + 1, rules, marks)
            return


def _in_clause(tok: Token, rules: NegationRules) -> bool:
    return bool(tok.key) and tok.raw not in rules.boundaries


def _mark_clause(
    tokens: list[Token],
    start: int,
    rules: NegationRules,
    marks: list[int],
    stop: frozenset[str] = frozenset(),
) -> None:
    for j in range(start, len(tokens)):
        if not _in_clause(tokens[j], rules) or tokens[j].raw in stop:
            return
        marks[j] = max(marks[j], PLAIN)


def _contrast_at(tokens: list[Token], i: int, phrases: ContrastPhrases) -> int | None:
    """Last token of a contrast phrase ("rather than", "而不是") starting at ``i``."""
    for words in phrases.get(tokens[i].raw, ()):
        end = i + len(words)
        if end <= len(tokens) and all(
            tok.raw == w for tok, w in zip(tokens[i:end], words, strict=True)
        ):
            return end - 1
    return None


def _content_after(tokens: list[Token], i: int, rules: NegationRules) -> list[Token]:
    """The content words a negation at ``i`` reaches, stopping at a boundary."""
    reached: list[Token] = []
    for tok in tokens[i + 1 :]:
        if not tok.key or tok.raw in rules.boundaries or len(reached) >= rules.scope:
            break
        if tok.raw not in rules.fillers:
            reached.append(tok)
    return reached


def _opens_scope(tokens: list[Token], i: int, rules: NegationRules) -> bool:
    if i + 1 < len(tokens) and tokens[i + 1].raw in rules.not_after:
        return False
    if i > 0 and tokens[i - 1].raw == "a":  # "a few" is not a negation
        return False
    if i > 0 and tokens[i - 1].raw == "only" and tokens[i].raw == "few":
        return False  # "only few were laid off" concedes, like "only a few", that some were
    reached = _content_after(tokens, i, rules)
    return not (reached and (reached[0].raw in rules.breakers or reached[0].key in rules.breakers))


def _contrast_follows(tokens: list[Token], i: int, rules: NegationRules) -> bool:
    for tok in tokens[i + 1 :]:
        if tok.raw in SENTENCE_END:
            return False
        if tok.raw in rules.contrast_after:
            return True
    return False


def _points_backward(tokens: list[Token], i: int, rules: NegationRules) -> bool:
    """In "X was not the problem" or "X 影响不大" the negation is about what came before."""
    before = [tok for tok in tokens[max(0, i - 3) : i] if tok.key and tok.raw not in rules.fillers][
        -1:
    ]
    return any(
        tok.raw in rules.backward or tok.key in rules.backward
        for tok in before + _content_after(tokens, i, rules)
    )


def _mark_forward(
    tokens: list[Token], start: int, rules: NegationRules, marks: list[int], kind: int
) -> None:
    content = 0
    for j in range(start, len(tokens)):
        tok = tokens[j]
        if not tok.key or tok.raw in rules.boundaries or content >= rules.scope:
            return
        marks[j] = max(marks[j], kind)
        if tok.raw not in rules.fillers:
            content += 1


def _mark_backward(tokens: list[Token], i: int, marks: list[int]) -> None:
    j = i - 1
    while j >= 0 and tokens[j].key:
        marks[j] = CONTRAST
        j -= 1


def _mark_unrelated(
    tokens: list[Token], close: int, rules: NegationRules, marks: list[int]
) -> None:
    """In "与 X 无关" cancel X, back to the opening word within the clause."""
    for j in range(close - 1, -1, -1):
        if not tokens[j].key:
            return
        if tokens[j].raw in rules.unrelated_open:
            for k in range(j + 1, close):
                marks[k] = CONTRAST
            return
