"""Codebook additions proposed from people's reviews: words and phrases a reviewer's level
rests on where the machine missed it, and shields where a reviewer removed a level the
machine gave.

Pure (reviewed answers in, ranked suggestions out), so the console, the command line and
``bench/review_loop.py`` rank alike. A suggestion never changes a tag: an admin accepts it
into the codebook overlay, after a preview, and only the next run re-tags with it.

For each level, the candidates are the terms of the answers to which a reviewer added that
level (the machine had missed it): English stems and two-word phrases (written in their most
frequent surface form, which the tagger stems back; never a negation cue, which the tagger
reads as "no"), Chinese words as jieba cuts them and pairs of adjacent words (the tagger adds
a Chinese indicator to jieba's dictionary: a piece of two words would cut its text wrongly).
``support`` counts those answers holding a term; ``precision`` is the share, among all
reviewed answers of that language holding it, that a person gave the level, and ``lower``
its Wilson lower bound (two answers of two prove little). Removed levels weigh in through
precision: an answer the machine tagged and the reviewer cleared counts against every term
in it. A word common in the language at large ("came", 孩子) meets a level by chance in a few
answers: alone, it must prove more (:data:`COMMON_MIN_LOWER`).

For a level a reviewer removed, the candidates are shields: the words the machine quoted as
that level's evidence, with one or two words before or after them in the same clause. A
shield wins over the shorter indicator inside it, as the codebook's ``shields`` do
("unemployment insurance" is no unemployment). ``support`` counts the answers whose removed
level's evidence it encloses; ``precision`` is the share, among all reviewed
answers of that language holding it, that a person did not give the level.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jieba
import snowballstemmer

from pipeline.codebook import Addition, bundled_codebook
from pipeline.sentiment import TEXTBLOB_EN
from pipeline.traditional import to_simplified
from survey_db.models.vocabulary import LEVELS

#: Defaults of the command line and the console: a term must stand in at least this many
#: answers where the level was missed, and be right this often among the reviewed answers.
MIN_SUPPORT = 2
MIN_PRECISION = 0.8

_EN_TOKEN = re.compile(r"[a-z][a-z0-9]*(?:['-][a-z0-9]+)*|[.,;:!?()\[\]\"“”—–]")
#: Words a codebook gap "*" may stand for.
MAX_GAP = 4
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
#: Longest Chinese term proposed, in characters (two words of three).
ZH_LONGEST = 6


#: English words too common to name a level alone (and negation words, which the tagger
#: reads as "no": a term holding one would mean something else there).
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EN_STOPWORDS = _words(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each
    few for from further had has have having he her here hers him his how i if in into is
    it its itself just me more most my myself no nor not now of off on once only or other
    our ours out over own same she should so some such than that the their theirs them then
    there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours us got get gets getting
    one two many much even still really like lot lots go going went said says say every
    since year years month months week weeks day days time last new people never nothing
    without cannot told tell know think thought make made way back first well told yes
    january february march april may june july august september october november december"""
)
#: Chinese function words and fillers, never a term alone.
ZH_STOPWORDS = _words(
    """的 了 是 在 我 我们 你 你们 他 他们 她 它 也 都 就 和 与 及 或 还 又 很 太 更 最 这 那 这个
    那个 这些 那些 一个 一些 有 没有 没 不 不是 被 把 让 给 对 从 到 为 为了 因为 所以 但 但是 而
    就是 还是 已经 现在 今年 去年 时候 什么 怎么 可以 可能 没法 自己 大家 一下 一直 其实 真的
    非常 比较 以及 其中 等 等等 之后 之前 以后 以前 期间 方面 情况 问题 一样 只是 只有 还有"""
)
#: Characters a Chinese term never begins or ends with (particles, pronouns, negation).
_ZH_EDGES = frozenset(
    "的了是在我你他她它也都就和与及或还又很太更最这那有没不被把让给对从到为而吗呢吧啊着过之其"
)


#: A word at least this frequent in the language at large is common: in a few reviewed
#: answers it meets a level by chance ("came", "four", 孩子, 最后 were accepted, each wrong in
#: held-out answers as often as right). English: occurrences in TextBlob's bundled word
#: counts (Norvig's big.txt, about 1.1 million words: 250 is about 230 per million, "home",
#: "four", "used"; "hours", "loss" stay below). Chinese: jieba's dictionary frequency (1500:
#: 孩子, 老板, 一个月, 半年, 申请; 复工, 减班, 摆摊 stay below).
COMMON_EN = 250
COMMON_ZH = 1500
#: A common word is proposed alone only if Wilson's lower bound of its precision reaches
#: this: the level more likely than not, even at the sample's worst (申请 of 10 answers
#: right in 9 passes; 孩子 right in 4 of 5 does not).
COMMON_MIN_LOWER = 0.5


@dataclass(frozen=True)
class ReviewedText:
    """One reviewed answer as the suggester needs it."""

    text: str
    language: str
    machine: frozenset[str]
    reviewed: frozenset[str]
    #: The words the machine quoted as evidence (any level): a term inside one of them is
    #: already read by a longer indicator there, so adding it would change nothing.
    evidence: frozenset[str] = frozenset()
    #: (level, quote) of the machine's evidence, for the levels a reviewer removed: where
    #: shields are looked for.
    quotes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A term proposed as an indicator of ``level`` in ``language`` (or as a shield against
    it), with its evidence."""

    level: str
    language: str
    term: str
    #: Reviewed answers where the machine missed the level and the term stands (a shield: where
    #: a reviewer removed the level and the term encloses the machine's evidence of it).
    support: int
    #: Of the reviewed answers of that language holding the term, the share given the level
    #: (a shield: the share not given it).
    precision: float
    #: Reviewed answers of that language holding the term.
    matches: int
    #: Of those, the ones the machine had not given the level (a shield: had given it): the
    #: answers adding the term may change (``support`` of them rightly).
    changes: int = 0
    #: ``indicator`` or ``shield`` (see :class:`pipeline.codebook.Addition`).
    kind: str = "indicator"
    #: Wilson's lower bound of ``precision`` (see :func:`wilson_lower`): 2 of 2 is no proof.
    lower: float = 0.0

    def addition(self) -> Addition:
        """The overlay addition accepting this suggestion would make."""
        return Addition(self.level, self.language, self.term, kind=self.kind)


#: Wilson's score interval at 95%: a term right in 2 of 2 answers is bounded by 0.34.
WILSON_Z = 1.96


def wilson_lower(hits: int, total: int, z: float = WILSON_Z) -> float:
    """Wilson's lower bound of the share ``hits / total``: what few answers can vouch for."""
    if not total:
        return 0.0
    share, spread = hits / total, z * z / total
    margin = z * math.sqrt(share * (1 - share) / total + spread / (4 * total))
    return (share + spread / 2 - margin) / (1 + spread)


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("english")


def _en_terms(text: str) -> Iterator[tuple[tuple[str, ...], str]]:
    """(stems, surface) of each content word, and of each pair of content words in one
    clause with at most :data:`MAX_GAP` other words between: written "a b" when they touch
    and "a * b" (the codebook's gap) either way."""
    previous: tuple[str, str] | None = None
    skipped = 0
    for word in _EN_TOKEN.findall(text.lower().replace("’", "'")):
        if not word[0].isalpha() or word in _BREAKS or "'" in word or word in _negations("en"):
            previous = None  # punctuation, negation, contrast: no phrase across them
            continue
        if word in EN_STOPWORDS or len(word) < 3:
            skipped += 1
            continue
        stem = _stemmer().stemWord(word)
        yield (stem,), word
        if previous is not None and skipped <= MAX_GAP:
            if not skipped:
                yield (previous[0], stem), f"{previous[1]} {word}"
            yield (previous[0], "*", stem), f"{previous[1]} * {word}"
        previous, skipped = (stem, word), 0


#: Words across which no phrase is formed (negation and contrast change what follows).
_BREAKS = _words("no not never without nor cannot but however")


@lru_cache(maxsize=1)
def _jieba() -> jieba.Tokenizer:
    """jieba's tokenizer with its bundled dictionary (the tagger's cut, less the codebook's
    own terms): a term is then a whole word, never a piece of two ("情影" of "疫情影响")."""
    jieba.setLogLevel(60)
    return jieba.Tokenizer()


def _zh_runs(text: str) -> Iterator[list[str]]:
    """The words of each run of Chinese characters (Traditional read as Simplified, as the
    tagger reads it), as jieba cuts them without its guesses (``HMM=False``, as the tagger)."""
    for run in _CJK.findall(to_simplified(text)):
        yield _jieba().lcut(run, HMM=False)


@lru_cache(maxsize=2)
def _negations(language: str) -> frozenset[str]:
    """The bundled codebook's negation cues: the tagger reads each as "no", so a term made of
    one would match every negation ("nobody" would stand for "didn't")."""
    rules = bundled_codebook().negation[language]
    return rules.cues | rules.scope_only


@lru_cache(maxsize=1)
def _en_counts() -> dict[str, int]:
    """TextBlob's bundled English word counts (its spelling corrector's), read offline."""
    # Found where the sentiment finds its lexicon, not through TextBlob's package (which
    # imports NLTK and NumPy, about 30 MB, into every process that builds the app).
    path = Path(TEXTBLOB_EN, "en-spelling.txt")
    counts = {}
    for line in path.read_text("utf-8").splitlines():
        word, _, count = line.partition(" ")
        if count.isdigit() and not word.startswith(";"):
            counts[word] = int(count)
    return counts


def common(term: str, language: str) -> bool:
    """Whether ``term`` is one word frequent in the language at large (see
    :data:`COMMON_EN`): a phrase, or a pair of Chinese words jieba does not know as one, never
    is."""
    if language == "zh":
        tokenizer = _jieba()
        tokenizer.check_initialized()
        return tokenizer.FREQ.get(to_simplified(term), 0) >= COMMON_ZH
    return _en_counts().get(term.lower(), 0) >= COMMON_EN


def _zh_content(word: str) -> bool:
    return word not in ZH_STOPWORDS and word not in _ZH_EDGES and word not in _negations("zh")


def _zh_terms(text: str) -> Iterator[tuple[str, str]]:
    """Each word of two characters or more, and each pair of neighbouring such words, of at
    most :data:`ZH_LONGEST` characters, neither a function word nor a negation."""
    for words in _zh_runs(text):
        for index, word in enumerate(words):
            if not _zh_content(word):
                continue
            if len(word) >= 2:
                yield word, word
            previous = words[index - 1] if index else ""
            # two words of two characters or more: "个"+"月" would be a piece of "三个月"
            if len(previous) >= 2 and len(word) >= 2 and _zh_content(previous):
                pair = previous + word
                if len(pair) <= ZH_LONGEST:
                    yield pair, pair


def terms_of(text: str, language: str) -> dict[object, str]:
    """The candidate terms of one text: a key (stems or characters) -> surface form."""
    pairs = _en_terms(text) if language == "en" else _zh_terms(text)
    return dict(pairs)


def suggest(
    answers: Iterable[ReviewedText],
    *,
    min_support: int = MIN_SUPPORT,
    min_precision: float = 0.0,
    known: Callable[[str, str, str], bool] | None = None,
    trial: Callable[[list[Addition]], Any] | None = None,
    levels: Iterable[str] = LEVELS,
) -> list[Suggestion]:
    """Terms worth adding, ranked by support, then precision, then the term.

    ``known(level, language, term)``, if given, says a term the tagger already reads as the
    level (it is left out: adding it would change nothing). ``trial(additions)``, if given,
    builds a tagger with the candidates added: a candidate is kept only where that tagger
    quotes it as the level's evidence in at least ``min_support`` of the answers that
    support it (a longer indicator, or the same words for another level, can take its place).
    """
    answers = list(answers)
    wanted = tuple(levels)
    presence: dict[str, list[tuple[dict[object, str], ReviewedText]]] = defaultdict(list)
    for answer in answers:
        quotes = [quote.lower() for quote in answer.evidence]
        terms = {
            key: surface
            for key, surface in terms_of(answer.text, answer.language).items()
            if not any(surface in quote for quote in quotes)
        }
        presence[answer.language].append((terms, answer))
    found: list[Suggestion] = []
    for language, items in presence.items():
        holders: dict[object, list[ReviewedText]] = defaultdict(list)
        surfaces: dict[object, Counter[str]] = defaultdict(Counter)
        for terms, answer in items:
            for key, surface in terms.items():
                holders[key].append(answer)
                surfaces[key][surface] += 1
        for key, holding in holders.items():
            if len(holding) < min_support:
                continue
            term = surfaces[key].most_common(1)[0][0]
            for level in wanted:
                support = sum(level in a.reviewed and level not in a.machine for a in holding)
                if support < min_support:
                    continue
                right = sum(level in a.reviewed for a in holding)
                precision = right / len(holding)
                if precision < min_precision:
                    continue
                if known is not None and known(level, language, term):
                    continue
                changes = sum(level not in a.machine for a in holding)
                matches = len(holding)
                lower = wilson_lower(right, matches)
                if lower < COMMON_MIN_LOWER and common(term, language):
                    continue
                found.append(
                    Suggestion(
                        level, language, term, support, precision, matches, changes, lower=lower
                    )
                )
    shields = _shields(answers, wanted, min_support, min_precision)
    found.sort(key=_rank)
    found = _drop_covered(found)
    if trial is not None and found:
        found = _effective(found, answers, trial, min_support)
    if trial is not None and shields:
        shields = _effective_shields(shields, answers, trial, min_support)
    return sorted(found + shields, key=_rank)


def _rank(s: Suggestion) -> tuple[Any, ...]:
    return (-s.support, -s.precision, s.level, s.language, s.kind, s.term)


def _effective(
    found: list[Suggestion],
    answers: list[ReviewedText],
    trial: Callable[[list[Addition]], Any],
    min_support: int,
) -> list[Suggestion]:
    """The suggestions a tagger with all of them added quotes as evidence often enough."""
    tagger = trial([s.addition() for s in found])
    missed = [a for a in answers if a.reviewed - a.machine]
    evidence = [(a, tagger.tag(a.text).evidence) for a in missed]
    harmed = _harmed(answers, tagger)
    kept = []
    for suggestion in found:
        if _harms(suggestion, harmed):
            continue
        key = _key(suggestion.term, suggestion.language)
        quoted = sum(
            suggestion.level in answer.reviewed - answer.machine
            and any(
                key in _quote_keys(q, answer.language) for q in quotes.get(suggestion.level, ())
            )
            for answer, quotes in evidence
        )
        if quoted >= min_support:
            kept.append(suggestion)
    return kept


def _harmed(answers: list[ReviewedText], tagger: Any) -> list[tuple[ReviewedText, set[str]]]:
    """The answers a trial tagger costs levels both the machine and a person gave, with those
    levels: a new Chinese word can cut a longer indicator of another level in two."""
    lost = [(a, (a.reviewed & a.machine) - tagger.tag(a.text).levels) for a in answers]
    return [(answer, levels) for answer, levels in lost if levels]


def _harms(suggestion: Suggestion, harmed: list[tuple[ReviewedText, set[str]]]) -> bool:
    """Whether an answer holding the term lost a right level to the trial tagger (a shield's
    own level aside: its precision already counts the answers it wrongly clears)."""
    return any(
        _holds(answer, suggestion)
        for answer, levels in harmed
        if suggestion.kind == "indicator" or levels - {suggestion.level}
    )


def _holds(answer: ReviewedText, suggestion: Suggestion) -> bool:
    """Whether ``answer`` holds the suggested term (as :func:`suggest` counted it)."""
    key = _key(suggestion.term, suggestion.language)
    if suggestion.language == "zh":
        return str(key) in to_simplified(answer.text)
    if suggestion.kind == "shield":
        size = len(key)  # type: ignore[arg-type]
        return key in _en_grams(answer.text, {size}).get(size, ())
    return key in terms_of(answer.text, "en")


def _key(term: str, language: str) -> object:
    """The key a term is counted under (as :func:`terms_of` makes them)."""
    if language == "zh":
        return to_simplified(term)
    return tuple("*" if word == "*" else _stemmer().stemWord(word) for word in term.split())


def _quote_keys(quote: str, language: str) -> set[object]:
    """The keys of the terms a quoted piece of evidence holds (the term itself among them)."""
    keys = set(terms_of(quote, language))
    if language == "zh":
        keys.add(to_simplified(quote))
    return keys


def _drop_covered(ranked: list[Suggestion]) -> list[Suggestion]:
    """Leave out a term when a more general one (one of its words, or the same words with a
    gap; in Chinese, a shorter run inside it; a shield: a shorter shield inside it) is
    suggested for the level with no less support and precision: that term finds all this
    one finds."""
    best = {(s.level, s.language, s.kind, s.term): s for s in ranked}
    kept = []
    for suggestion in ranked:
        if suggestion.kind == "shield":
            general = _shorter_shields(suggestion.term, suggestion.language)
        elif suggestion.language == "zh":
            term = suggestion.term
            general = [
                term[start : start + size]
                for size in range(2, len(term))
                for start in range(len(term) - size + 1)
            ]
        else:
            words = suggestion.term.split()
            general = [word for word in words if word != "*"] if len(words) > 1 else []
            if len(words) == 2:
                general.append(f"{words[0]} * {words[1]}")
        covered = any(
            (other := best.get((suggestion.level, suggestion.language, suggestion.kind, term)))
            is not None
            and other.support >= suggestion.support
            and other.precision >= suggestion.precision
            for term in general
        )
        if not covered:
            kept.append(suggestion)
    return kept


#: Words a shield adds on either side of the machine's evidence.
SHIELD_REACH = 2
#: Longest quote of evidence a shield is built around, in words.
SHIELD_QUOTE_WORDS = 4
_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*|[^\sa-z0-9]")


def _en_words(text: str) -> list[str]:
    """Lowercased words and single other characters (punctuation, apostrophes, digits)."""
    return _WORD.findall(text.lower().replace("’", "'"))


def _en_clauses(text: str) -> list[tuple[str, ...]]:
    """The text's words cut at anything that is not a word (punctuation, figures, negation)."""
    clauses: list[tuple[str, ...]] = []
    current: list[str] = []
    for word in [*_en_words(text), "."]:
        if word[0].isalpha() and word not in _BREAKS:
            current.append(word)
        elif current:
            clauses.append(tuple(current))
            current = []
    return clauses


def _stems(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_stemmer().stemWords(list(words)))


def shield_terms(text: str, language: str, quote: str) -> dict[object, str]:
    """Phrases holding ``quote`` (the machine's evidence in ``text``) and up to
    :data:`SHIELD_REACH` more words (Chinese: as jieba cuts them) before or after it, in one
    clause: a key (stems or characters) -> the phrase as written."""
    found: dict[object, str] = {}
    if language == "zh":
        quoted = to_simplified(quote)
        for words in _zh_runs(text) if quoted else ():
            ends = [0]
            for word in words:
                ends.append(ends[-1] + len(word))
            run = "".join(words)
            start = run.find(quoted)
            if start < 0:
                continue
            # the words the quote stands in (jieba may cut it with its neighbours)
            first = max(i for i, end in enumerate(ends) if end <= start)
            last = min(i for i, end in enumerate(ends) if end >= start + len(quoted))
            for before in range(SHIELD_REACH + 1):
                for after in range(SHIELD_REACH + 1 - before):
                    if first - before >= 0 and last + after < len(ends):
                        gram = run[ends[first - before] : ends[last + after]]
                        if gram != quoted:
                            found[gram] = gram
        return found
    quoted = tuple(w for w in _en_words(quote) if w[0].isalpha())
    size = len(quoted)
    if not size or size > SHIELD_QUOTE_WORDS:
        return found
    for clause in _en_clauses(text):
        for start in range(len(clause) - size + 1):
            if clause[start : start + size] != quoted:
                continue
            for before in range(SHIELD_REACH + 1):
                for after in range(SHIELD_REACH + 1 - before):
                    first, last = start - before, start + size + after
                    if (before or after) and first >= 0 and last <= len(clause):
                        words = clause[first:last]
                        found[_stems(words)] = " ".join(words)
    return found


def _shields(
    answers: list[ReviewedText], wanted: tuple[str, ...], min_support: int, min_precision: float
) -> list[Suggestion]:
    """Shield candidates for the levels reviewers removed, with their support and precision."""
    supporters: dict[tuple[str, str, object], set[int]] = defaultdict(set)
    surfaces: dict[tuple[str, str, object], Counter[str]] = defaultdict(Counter)
    for index, answer in enumerate(answers):
        for level, quote in answer.quotes:
            if level not in wanted or level not in answer.machine - answer.reviewed:
                continue
            for key, surface in shield_terms(answer.text, answer.language, quote).items():
                supporters[(level, answer.language, key)].add(index)
                surfaces[(level, answer.language, key)][surface] += 1
    candidates = {key: found for key, found in supporters.items() if len(found) >= min_support}
    if not candidates:
        return []
    lengths = {len(key) for _, language, key in candidates if language == "en"}
    # what a shield is looked up in: an English answer's runs of words (as stems), a Chinese
    # answer's text read as Simplified
    read = [
        _en_grams(a.text, lengths) if a.language == "en" else to_simplified(a.text) for a in answers
    ]
    found = []
    for (level, language, key), support in candidates.items():
        holding = [
            answer
            for answer, text in zip(answers, read, strict=True)
            if answer.language == language
            and (key in text if isinstance(text, str) else key in text.get(len(key), ()))
        ]
        right = sum(level not in a.reviewed for a in holding)
        precision = right / len(holding)
        if precision < min_precision:
            continue
        term = surfaces[(level, language, key)].most_common(1)[0][0]
        changes = sum(level in a.machine for a in holding)
        found.append(
            Suggestion(
                level,
                language,
                term,
                len(support),
                precision,
                len(holding),
                changes,
                "shield",
                wilson_lower(right, len(holding)),
            )
        )
    found.sort(key=_rank)
    return _drop_covered(found)


def _en_grams(text: str, lengths: set[int]) -> dict[int, set[object]]:
    """The stems of each run of ``lengths`` words of one clause of ``text``."""
    grams: dict[int, set[object]] = defaultdict(set)
    for clause in _en_clauses(text):
        stems = _stems(clause)
        for size in lengths:
            for start in range(len(stems) - size + 1):
                grams[size].add(stems[start : start + size])
    return grams


def _effective_shields(
    found: list[Suggestion],
    answers: list[ReviewedText],
    trial: Callable[[list[Addition]], Any],
    min_support: int,
) -> list[Suggestion]:
    """The shields after which a tagger with all of them added no longer gives the level in
    at least ``min_support`` of the answers a reviewer removed it from."""
    tagger = trial([s.addition() for s in found])
    removed = [a for a in answers if a.machine - a.reviewed]
    dropped = [(a, a.machine - a.reviewed - tagger.tag(a.text).levels) for a in removed]
    harmed = _harmed(answers, tagger)
    kept = []
    for suggestion in found:
        if _harms(suggestion, harmed):
            continue
        key = _key(suggestion.term, suggestion.language)
        stopped = sum(
            suggestion.level in gone
            and any(
                level == suggestion.level and key in shield_terms(a.text, a.language, quote)
                for level, quote in a.quotes
            )
            for a, gone in dropped
        )
        if stopped >= min_support:
            kept.append(suggestion)
    return kept


def _shorter_shields(term: str, language: str) -> list[str]:
    """The shorter phrases inside a shield (two words, or characters, at least)."""
    if language == "zh":
        pieces: list[str] = list(term)
        join = ""
    else:
        pieces, join = term.split(), " "
    return [
        join.join(pieces[start : start + size])
        for size in range(2, len(pieces))
        for start in range(len(pieces) - size + 1)
    ]
