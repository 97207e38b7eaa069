"""ASR-robust phrase matching for Chinese transcripts.

The embedded Whisper model garbles Mandarin: Traditional characters, full-width forms, homophones
("被忍透了" for "被人偷了"), stray spaces and punctuation, digits where a lexicon has Chinese numerals.
Every rule therefore matches lexicon phrases through one :class:`Matcher`, which tries, in order:

1. an exact match on :func:`normalize`-d text (Simplified, half-width, lower-case, no spaces or
   punctuation, Arabic digits spelled as Chinese digits);
2. an exact match on toneless pinyin (homophones), for phrases of at least ``pinyin_min_chars``;
3. a fuzzy match on toneless pinyin with an edit distance of at most ``fuzzy_max_ratio`` of the phrase's
   pinyin length, for phrases of at least ``fuzzy_min_chars`` (short phrases never match fuzzily, because
   two-syllable homophones are everywhere: 受理/手里).

Regex patterns run on the normalised text (exact) and, with ``pattern_pinyin``, also on its toneless
pinyin (:func:`pinyin_pattern` reads each of a pattern's characters as its syllable). Every match reports its span in the *original*
text (``char_start``/``char_end``), so evidence can quote exactly what the transcript says.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from opencc import OpenCC
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pypinyin import lazy_pinyin
from rapidfuzz.distance import Levenshtein

logger = logging.getLogger("vigil.rules")

MatchMethod = Literal["exact", "pinyin", "fuzzy", "regex"]

# Digits are spelled digit by digit ("110" -> "一一零") so that lexicons written in Chinese match ASR
# output written in Arabic numerals and vice versa; "幺" is how digit 1 is read in numbers (幺幺零).
_DIGITS = {str(i): c for i, c in enumerate("零一二三四五六七八九")}
_DIGITS.update({"〇": "零", "幺": "一"})


class MatchingOptions(BaseModel):
    """How tolerant matching is; loaded from the ``rules.matching`` config section.

    Attributes:
        pinyin_min_chars: shortest phrase (in characters) allowed to match on identical toneless pinyin.
        fuzzy_min_chars: shortest phrase allowed to match on pinyin within an edit distance.
        fuzzy_max_ratio: largest edit distance, as a fraction of the phrase's pinyin letters.
        fuzzy_syllable_distance: largest edit distance of any one syllable: a near-homophone
            (zh/z, ing/in) differs by a letter, a different word ("也要" for "不要") by a whole syllable.
        exact_score: score of an exact (normalised text or regex) match.
        pinyin_score: score of an identical-pinyin (homophone) match.
        fuzzy_score: score of a fuzzy match at distance 0; decreases linearly with the distance.
        clause_breaks: characters that end a clause in the original text; regexes run clause by
            clause, so ``^`` and ``$`` in a pattern mean the start and end of a clause.
        sound_breaks: a pinyin or fuzzy match never spans one of these (sentence ends): sounds that
            run across a full stop ("…啊！信不信" for 爱信不信) are two utterances, not one phrase.
        polarity_chars: characters a pinyin or fuzzy match must carry exactly where the phrase has
            them (别, 不, 没…): sound cannot tell 别打 from 接打, and polarity decides the meaning.
        pattern_pinyin: regex patterns also match on toneless pinyin (a pattern's Chinese
            characters read as their syllables), so "记录一再路向" meets the pattern written for
            记录仪在录像. Not for patterns that name a polarity character or use a negated class,
            never across a sentence end, never on a heard span carrying a polarity character,
            and only over at least ``fuzzy_min_chars`` characters.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    pinyin_min_chars: int = Field(ge=2)
    fuzzy_min_chars: int = Field(ge=3)
    fuzzy_max_ratio: float = Field(ge=0.0, le=0.5)
    exact_score: float = Field(ge=0.0, le=1.0)
    pinyin_score: float = Field(ge=0.0, le=1.0)
    fuzzy_score: float = Field(ge=0.0, le=1.0)
    fuzzy_syllable_distance: int = Field(ge=1, le=3)
    clause_breaks: str = Field(min_length=1)
    sound_breaks: str
    polarity_chars: str
    pattern_pinyin: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> MatchingOptions:
        if not self.exact_score >= self.pinyin_score >= self.fuzzy_score:
            raise ValueError("scores must satisfy exact_score >= pinyin_score >= fuzzy_score")
        if self.fuzzy_min_chars < self.pinyin_min_chars:
            raise ValueError("fuzzy_min_chars must be >= pinyin_min_chars")
        return self


@dataclass(frozen=True, slots=True)
class Match:
    """One occurrence of a lexicon phrase or pattern in a text.

    ``char_start``/``char_end`` index the original (un-normalised) text; ``exact`` is true for
    normalised-text and regex matches, false for pinyin and fuzzy ones; ``phrase`` is the lexicon entry
    (or the pattern's name for regexes), ``matched_text`` what the transcript actually says there.
    """

    phrase: str
    char_start: int
    char_end: int
    exact: bool
    score: float
    method: MatchMethod
    matched_text: str
    distance: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "phrase": self.phrase,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "exact": self.exact,
            "score": round(self.score, 4),
            "method": self.method,
            "matched_text": self.matched_text,
            "distance": self.distance,
        }


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def _drop(ch: str) -> bool:
    """Whitespace, punctuation and control characters carry no words; ASR inserts them at random."""
    cat = unicodedata.category(ch)
    return cat[0] in ("P", "Z", "C")


@lru_cache(maxsize=16384)
def normalize_with_map(text: str) -> tuple[str, tuple[int, ...]]:
    """Normalise ``text`` and return, for each output character, its index in ``text``.

    Cached: every rule's and every cue section's matcher reads the same utterance, and this with
    :func:`to_pinyin` was most of the rules' time (21 ms per utterance on a 2,000-turn transcript).
    """
    out: list[str] = []
    index: list[int] = []
    for i, raw in enumerate(text):
        for ch in unicodedata.normalize("NFKC", raw).lower():
            if _drop(ch):
                continue
            out.append(_DIGITS.get(ch, ch))
            index.append(i)
    flat = "".join(out)
    simplified = _t2s().convert(flat)
    if len(simplified) != len(flat):
        # a phrase-level conversion changed the length: fall back to character by character
        simplified = "".join(_t2s().convert(c) or c for c in flat)
        if len(simplified) != len(flat):
            simplified = flat
    return simplified, tuple(index)


def normalize(text: str) -> str:
    """Simplified, half-width, lower-case text without spaces or punctuation; digits as 零一二…九."""
    return normalize_with_map(text)[0]


@lru_cache(maxsize=16384)
def to_pinyin(norm: str) -> tuple[str, ...]:
    """Toneless pinyin, one syllable (or the character itself when not Chinese) per character
    (cached like :func:`normalize_with_map`)."""
    keep: Any = list  # pypinyin accepts a callable returning a list (its stubs say str)
    syl: list[str] = lazy_pinyin(norm, errors=keep)
    if len(syl) != len(norm):
        syl = [(lazy_pinyin(c, errors=keep) or [c])[0] for c in norm]
    return tuple(syl)


@dataclass(frozen=True, slots=True)
class _Phrase:
    text: str  # as written in the lexicon
    norm: str
    pinyin: str
    chars: int
    syllables: tuple[str, ...]


# ends every syllable of a clause's pinyin string (never in pinyin or normalised text)
_SYL_END = "_"


def _syllable(ch: str) -> str:
    """One character of a pattern as the pinyin string reads it: its syllable (the character itself
    when it is not Chinese, as :func:`to_pinyin` keeps it), then the end mark."""
    return re.escape(to_pinyin(ch)[0]) + _SYL_END


def pinyin_pattern(rx: str, polarity_chars: str) -> str | None:
    """``rx`` rewritten to run on a pinyin string (``"ji_lu_yi_"``), or ``None`` where sound must
    not stand in for the characters: a polarity character in the pattern (不 sounds like 部), a
    negated or ranged character class, or a backreference.

    Each literal character becomes one syllable group, ``.`` any one syllable, a class of
    characters an alternation of syllables; groups, alternation, anchors and quantifiers are kept.
    """
    if any(c in rx for c in polarity_chars):
        return None
    out: list[str] = []
    i, n = 0, len(rx)
    while i < n:
        c = rx[i]
        if c == "\\":
            nxt = rx[i + 1 : i + 2]
            if not nxt or nxt.isdigit():
                return None
            out.append("(?:" + _syllable(nxt) + ")" if not nxt.isalpha() else "\\" + nxt)
            i += 2
        elif c == "[":
            j = rx.find("]", i + 1)
            body = rx[i + 1 : j] if j > 0 else ""
            if j < 0 or body.startswith("^") or "-" in body or "\\" in body:
                return None
            out.append("(?:" + "|".join(_syllable(ch) for ch in dict.fromkeys(body)) + ")")
            i = j + 1
        elif c == "(" and rx.startswith("(?", i):
            j = i + 2
            if rx.startswith("P<", j):
                j = rx.index(">", j) + 1
            elif rx[j : j + 1] in (":", "=", "!"):
                j += 1
            else:
                return None
            out.append(rx[i:j])
            i = j
        elif c == "{":
            j = rx.index("}", i)
            out.append(rx[i : j + 1])
            i = j + 1
        elif c in "()|?*+^$":
            out.append(c)
            i += 1
        elif c == ".":
            out.append(f"(?:[^{_SYL_END}]+{_SYL_END})")
            i += 1
        else:
            out.append("(?:" + _syllable(c) + ")")
            i += 1
    return "".join(out)


class Matcher:
    """Finds lexicon phrases and regex patterns in transcript text, robust to ASR errors.

    Built once per rule (lexicons are normalised and transliterated at construction) and then applied to
    every utterance. Invalid regexes raise ``ValueError`` here, so a rule pack fails when it is loaded.
    """

    def __init__(
        self,
        phrases: Iterable[str] = (),
        patterns: Mapping[str, str] | None = None,
        *,
        options: MatchingOptions,
    ) -> None:
        self.options = options
        self._phrases: list[_Phrase] = []
        seen: set[str] = set()
        for p in phrases:
            norm = normalize(p)
            if not norm:
                raise ValueError(f"lexicon phrase {p!r} is empty after normalisation")
            if norm in seen:
                continue
            seen.add(norm)
            syl = to_pinyin(norm)
            self._phrases.append(_Phrase(p, norm, "".join(syl), len(norm), syl))
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        self._sound_patterns: list[tuple[str, re.Pattern[str]]] = []
        for name, rx in (patterns or {}).items():
            try:
                self._patterns.append((name, re.compile(rx)))
            except re.error as e:
                raise ValueError(f"pattern {name!r} is not a valid regex: {e}") from e
            sound = pinyin_pattern(rx, options.polarity_chars) if options.pattern_pinyin else None
            if sound is not None:
                try:
                    self._sound_patterns.append((name, re.compile(sound)))
                except re.error:  # a construct the rewrite does not carry over: exact only
                    logger.debug("pattern %r has no pinyin form", name)

    def __bool__(self) -> bool:
        return bool(self._phrases or self._patterns)

    @property
    def phrases(self) -> list[str]:
        return [p.text for p in self._phrases]

    def find(self, text: str) -> list[Match]:
        """All matches in ``text``, sorted by position; each phrase matches a span at most once."""
        norm, index = normalize_with_map(text)
        if not norm:
            return []
        matches: list[Match] = []

        def span(a: int, b: int) -> tuple[int, int, str]:
            s, e = index[a], index[b - 1] + 1
            return s, e, text[s:e]

        clauses = self._clauses(text, index) if self._patterns else []
        for name, rx in self._patterns:
            for a, b in clauses:
                for m in rx.finditer(norm[a:b]):
                    if m.end() > m.start():
                        s, e, quoted = span(a + m.start(), a + m.end())
                        matches.append(
                            Match(name, s, e, True, self.options.exact_score, "regex", quoted)
                        )
        syl: tuple[str, ...] | None = None
        if self._sound_patterns:
            syl = to_pinyin(norm)
            matches += self._sound_pattern_hits(syl, clauses, matches, span)
        for ph in self._phrases:
            taken: list[tuple[int, int]] = []
            start = norm.find(ph.norm)
            while start >= 0:
                end = start + ph.chars
                s, e, quoted = span(start, end)
                matches.append(
                    Match(ph.text, s, e, True, self.options.exact_score, "exact", quoted)
                )
                taken.append((start, end))
                start = norm.find(ph.norm, end)
            if ph.chars < self.options.pinyin_min_chars:
                continue
            if syl is None:
                syl = to_pinyin(norm)
            for a, b, dist in self._pinyin_hits(ph, syl, taken):
                s, e, quoted = span(a, b)
                if self._sound_rejects(ph, norm[a:b], quoted):
                    continue
                method: MatchMethod
                if dist == 0:
                    score, method = self.options.pinyin_score, "pinyin"
                else:
                    score = self.options.fuzzy_score * (1.0 - dist / max(1, len(ph.pinyin)))
                    method = "fuzzy"
                matches.append(Match(ph.text, s, e, False, score, method, quoted, dist))
        matches.sort(key=lambda m: (m.char_start, -m.score, m.phrase))
        if logger.isEnabledFor(logging.DEBUG) and matches:
            logger.debug("matches: %s", [m.to_dict() for m in matches])
        return matches

    def _sound_pattern_hits(
        self,
        syl: tuple[str, ...],
        clauses: list[tuple[int, int]],
        exact: list[Match],
        span: Callable[[int, int], tuple[int, int, str]],
    ) -> list[Match]:
        """Patterns matched on each clause's pinyin where the characters did not match."""
        o = self.options
        out: list[Match] = []
        for a, b in clauses:
            ends: list[int] = []  # pinyin-string offset just after each character's syllable
            pos = 0
            for k in range(a, b):
                pos += len(syl[k]) + len(_SYL_END)
                ends.append(pos)
            heard_py = "".join(syl[k] + _SYL_END for k in range(a, b))
            for name, rx in self._sound_patterns:
                for m in rx.finditer(heard_py):
                    if m.end() <= m.start():
                        continue
                    i = a + bisect_right(ends, m.start())
                    j = a + bisect_left(ends, m.end()) + 1
                    s, e, quoted = span(i, j)
                    if j - i < o.fuzzy_min_chars or any(
                        x.phrase == name and x.char_start < e and s < x.char_end for x in exact
                    ):
                        continue
                    if any(c in o.sound_breaks or c in o.polarity_chars for c in quoted):
                        continue
                    out.append(Match(name, s, e, False, o.pinyin_score, "pinyin", quoted))
        return out

    def _sound_rejects(self, ph: _Phrase, heard: str, quoted: str) -> bool:
        """A match by sound only that crosses a sentence end or changes a polarity character."""
        o = self.options
        if any(c in o.sound_breaks for c in quoted):
            return True
        return any(p != h and p in o.polarity_chars for p, h in zip(ph.norm, heard, strict=True))

    def _clauses(self, text: str, index: tuple[int, ...]) -> list[tuple[int, int]]:
        """Clause spans of the normalised text, cut where the original text has a clause break."""
        breaks = self.options.clause_breaks
        spans: list[tuple[int, int]] = []
        a = 0
        for i in range(1, len(index)):
            if any(c in breaks for c in text[index[i - 1] + 1 : index[i]]):
                spans.append((a, i))
                a = i
        spans.append((a, len(index)))
        return spans

    def search(self, text: str) -> Match | None:
        """The best match in ``text`` (highest score, then earliest), or ``None``."""
        found = self.find(text)
        return max(found, key=lambda m: (m.score, -m.char_start)) if found else None

    def _pinyin_hits(
        self, ph: _Phrase, syl: tuple[str, ...], taken: list[tuple[int, int]]
    ) -> list[tuple[int, int, int]]:
        """Windows of the text whose pinyin equals (or is near) the phrase's, not overlapping ``taken``."""
        n = len(syl)
        fuzzy = ph.chars >= self.options.fuzzy_min_chars
        max_d = int(self.options.fuzzy_max_ratio * len(ph.pinyin)) if fuzzy else 0
        per_syl = self.options.fuzzy_syllable_distance
        w = ph.chars
        cands: list[tuple[int, int, int, int]] = []  # (dist, 0, start, end)
        for a in range(0, n - w + 1):
            b = a + w
            if max_d == 0:
                if "".join(syl[a:b]) != ph.pinyin:
                    continue
                d = 0
            else:
                d = 0
                for ps, ws in zip(ph.syllables, syl[a:b], strict=True):
                    if ps != ws:
                        sd = Levenshtein.distance(ps, ws, score_cutoff=per_syl)
                        d += sd
                        if sd > per_syl or d > max_d:
                            break
                else:
                    cands.append((d, 0, a, b))
                continue
            cands.append((d, 0, a, b))
        cands.sort()
        hits: list[tuple[int, int, int]] = []
        used = list(taken)
        for d, _, a, b in cands:
            if any(a < e and s < b for s, e in used):
                continue
            used.append((a, b))
            hits.append((a, b, d))
        return hits


class NegationOptions(BaseModel):
    """Negators that cancel a phrase in the same clause ("我们不会说不归我们管", "不是来抓你的").

    Attributes:
        window_chars: how many normalised characters before the phrase (within its clause) are read.
        before: negators searched for in that window.
        after: negators that cancel when they directly follow the phrase ("登记不了").
        exceptions: strings masked in the clause first because they only look negative ("是不是"), also
            where one reaches past the window's edge ("有没有什么进展").
        rhetorical_negators: negators that do not cancel when the clause ends as a question...
        rhetorical_suffixes: ...with one of these endings ("不是跟你说过了吗").
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_chars: int = Field(ge=1, le=40)
    before: list[str]
    after: list[str]
    exceptions: list[str]
    rhetorical_negators: list[str]
    rhetorical_suffixes: list[str]


class QuotationOptions(BaseModel):
    """Quotation and reported speech: the speaker mentions the words rather than says them.

    Attributes:
        quote_pairs: two-character strings, opening then closing quote mark.
        reporters: named regexes searched (on normalised text) in the window before the phrase within
            its sentence: 他说 / 你刚才说 / 所谓的.
        window_chars: how many normalised characters before the phrase are read.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    quote_pairs: list[str]
    reporters: dict[str, str]
    window_chars: int = Field(ge=1, le=40)

    @model_validator(mode="after")
    def _check(self) -> QuotationOptions:
        for pair in self.quote_pairs:
            if len(pair) != 2:
                raise ValueError(f"quote pair {pair!r} must be exactly two characters")
        for name, rx in self.reporters.items():
            try:
                re.compile(rx)
            except re.error as e:
                raise ValueError(f"reporter {name!r} is not a valid regex: {e}") from e
        return self


class ContextOptions(BaseModel):
    """Where clauses and sentences end in the original text, plus the negation and quotation rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    clause_breaks: str
    sentence_breaks: str
    negation: NegationOptions
    quotation: QuotationOptions


class ContextReader:
    """Decides whether a match is negated or quoted, reading the original text around it."""

    def __init__(self, options: ContextOptions) -> None:
        self.options = options
        q = options.quotation
        self._reporters = [(name, re.compile(rx)) for name, rx in q.reporters.items()]
        n = options.negation
        self._exceptions = sorted((normalize(e) for e in n.exceptions), key=len, reverse=True)

    def _clause(self, text: str, start: int, end: int, breaks: str) -> tuple[str, str]:
        a = start
        while a > 0 and text[a - 1] not in breaks:
            a -= 1
        b = end
        while b < len(text) and text[b] not in breaks:
            b += 1
        return text[a:start], text[end:b]

    def clause(self, text: str, start: int, end: int) -> tuple[str, str]:
        """The original text before ``start`` and after ``end`` within the same clause."""
        return self._clause(text, start, end, self.options.clause_breaks)

    def negated(self, text: str, m: Match, negation: NegationOptions | None = None) -> str | None:
        """The negator that cancels ``m``, or ``None`` when the phrase is asserted."""
        n = negation or self.options.negation
        pre_raw, post_raw = self._clause(text, m.char_start, m.char_end, self.options.clause_breaks)
        pre = normalize(pre_raw)
        post = normalize(post_raw)
        exceptions = (
            self._exceptions
            if negation is None
            else sorted((normalize(e) for e in n.exceptions), key=len, reverse=True)
        )
        # Mask the exceptions over the whole clause before cutting the window, keeping their length: an
        # exception that straddles the window's edge (有没有 in 有没有什么进展, window 没有什么) is
        # still an exception, and the window still spans the same characters.
        for ex in exceptions:
            pre = pre.replace(ex, "#" * len(ex))
        pre = pre[-n.window_chars :]
        for neg in n.before:
            if normalize(neg) in pre:
                if neg in n.rhetorical_negators and post.endswith(tuple(n.rhetorical_suffixes)):
                    continue
                return neg
        for neg in n.after:
            if post.startswith(normalize(neg)):
                return neg
        return None

    def quoted(self, text: str, m: Match) -> str | None:
        """Why ``m`` is a quotation or reported speech ("quote-marks", a reporter's name), else None."""
        before = text[: m.char_start]
        for pair in self.options.quotation.quote_pairs:
            opening, closing = pair[0], pair[1]
            if opening == closing:
                if before.count(opening) % 2 == 1:
                    return "quote-marks"
            elif before.rfind(opening) > before.rfind(closing):
                return "quote-marks"
        pre_raw, _ = self._clause(text, m.char_start, m.char_end, self.options.sentence_breaks)
        pre = normalize(pre_raw)[-self.options.quotation.window_chars :]
        for name, rx in self._reporters:
            if rx.search(pre):
                return name
        return None
