"""Speaker roles: which diarized speaker is the officer, which the party, which a third party.

Why several cues: no single one is reliable everywhere. Multi-channel counter and phone recordings put
each side on its own channel (the strongest cue, from a config channel map); on a body-cam the wearer is
the near-field voice, louder and cleaner than everyone else; and officers speak a recognisable register
(self-identification, recording notices, 受案/笔录/回执 procedure) while the public addresses the police
and reports harm. Text-only evaluation has only the last cue, so it must work alone.

Each cue adds a weighted score per speaker (weights in the ``roles`` config section, patterns in
``configs/lexicons/roles.yaml``). The officer is the top scorer — exactly one, unless a second speaker
carries strong officer evidence of its own. Among the others the party is the one the officer talks
with most (turn adjacency, share of speech, party-register cues, the party channel); the rest are
third parties. Confidence grows with the margin to the runner-up; ``cues`` records what decided.

Lexicon matching also runs on toneless pinyin, because Whisper base writes homophones
("被忍透了" for "被人偷了"); a small sound folding (zh/z, ch/c, sh/s, -ng/-n, l/n) absorbs common
confusions. It is deliberately small and local: the rules layer has its own matcher.
"""

from __future__ import annotations

import logging
import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import DetectorError, ModelError, one_line
from .options import SectionOptions
from .prosody import ProsodyDetector, SpanLevel
from .types import ROLES, SOURCES, Role, Source, SpeakerRole, Utterance

logger = logging.getLogger("vigil.detectors")

SourceName = Source


# ------------------------------------------------------------------------------------------ options


class CueWeights(BaseModel):
    """Weights of the officer-selection cues."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lexical: float = Field(ge=0)
    channel: float = Field(ge=0)
    nearfield: float = Field(ge=0)
    first_speaker: float = Field(ge=0)
    semantic: float = Field(ge=0)


class PartyWeights(BaseModel):
    """Weights of the party-vs-third-party cues among non-officers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    interaction: float = Field(ge=0)
    talk_share: float = Field(ge=0)
    lexical: float = Field(ge=0)
    channel: float = Field(ge=0)


class RoleOptions(SectionOptions):
    """The ``roles`` config section.

    Attributes:
        lexicon_file: YAML of officer/party cue categories (see configs/lexicons/roles.yaml).
        gap_chars: what "…" in a pattern may skip, in characters (pinyin: syllables).
        anchor_chars: a "^" pattern must start within this many characters of the utterance start.
        pinyin_match: also match patterns on toneless, sound-folded pinyin.
        repeat_decay: each further match of a category adds this fraction of the previous increment.
        weights: officer-selection cue weights.
        party_weights: party-selection cue weights.
        channel_map: per source, channel index -> role of whoever speaks on it.
        nearfield_sources: sources whose officer is the near-field (loudest) voice in a mono mix.
        nearfield_scale_db: level lead over the next speaker that earns the full near-field cue.
        first_speaker_sources: sources where the officer usually speaks first (answers, greets).
        max_officers: upper bound of officers in one recording.
        second_officer_min_score: lexical officer evidence a second speaker needs to be an officer too.
        officer_min_lead_db: a level lead that counts as evidence of the body-cam wearer (the other
            officer cues - officer lexicon, officer channel, speaking first in a conversation - count
            whenever present). Without any evidence nobody is made the officer: a lone newsreader
            must not become an officer who "failed" to identify themself.
        semantic_label: the semantic head's label read as "this utterance sounds like the police"
            (on utterances the semantic detector annotated before roles are assigned).
        semantic_min_chars: utterances shorter than this do not count towards it ("好", "嗯").
        semantic_evidence: in a conversation, a speaker whose length-weighted mean of that
            probability reaches this counts as officer evidence: lexicons list a few wordings, the
            head reads the meaning of everything the speaker says. A lone voice is never made the
            officer by it: formal speech with no police in it (a newsreader) reads as "official",
            and a wrong officer there creates false absence flags.
        confidence_scale: score margin at which confidence reaches ~0.82 (1 - e^-1 above 0.5).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "roles"

    lexicon_file: str
    gap_chars: int = Field(ge=0, le=30)
    anchor_chars: int = Field(ge=0, le=30)
    pinyin_match: bool
    repeat_decay: float = Field(ge=0, le=1)
    weights: CueWeights
    party_weights: PartyWeights
    channel_map: dict[SourceName, dict[int, Role]]
    nearfield_sources: tuple[SourceName, ...]
    nearfield_scale_db: float = Field(gt=0)
    first_speaker_sources: tuple[SourceName, ...]
    max_officers: int = Field(ge=1, le=10)
    second_officer_min_score: float = Field(ge=0)
    officer_min_lead_db: float = Field(ge=0)
    semantic_label: str
    semantic_min_chars: int = Field(ge=0)
    semantic_evidence: float = Field(ge=0, le=1)
    confidence_scale: float = Field(gt=0)


class _Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weight: float = Field(ge=0)
    pinyin: bool
    patterns: tuple[str, ...] = Field(min_length=1)


class _Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    officer: dict[str, _Category]
    party: dict[str, _Category]


# ------------------------------------------------------------------------------------------ matching

_GAP = "…"
_FOLD = ((re.compile(r"\b(z|c|s)h"), r"\1"), (re.compile(r"ng\b"), "n"), (re.compile(r"\bn"), "l"))
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _latin_tokens(text: str) -> Any:
    """pypinyin's fallback for non-CJK runs: Latin words and single digits as tokens of their own
    (a list, which pypinyin accepts although its stub says str)."""
    return re.findall(r"[A-Za-z]+|\d", text)


def _pinyin_tokens(text: str) -> list[str]:
    """Toneless pinyin syllables of the CJK characters and lowercase alphanumerics; punctuation dropped."""
    from pypinyin import lazy_pinyin

    out: list[str] = []
    for tok in lazy_pinyin(text, errors=_latin_tokens):
        tok = tok.lower()
        for pat, rep in _FOLD:
            tok = pat.sub(rep, tok)
        if tok:
            out.append(tok)
    return out


@dataclass(frozen=True, slots=True)
class _Pattern:
    text: str
    han: re.Pattern[str]
    pinyin: re.Pattern[str] | None
    anchored: bool


def _compile(pattern: str, *, gap: int, use_pinyin: bool) -> _Pattern:
    anchored = pattern.startswith("^")
    body = pattern[1:] if anchored else pattern
    parts = body.split(_GAP)
    han = re.compile(f".{{0,{gap}}}".join(re.escape(p) for p in parts))
    py = None
    if use_pinyin and any(_HAN.search(p) for p in parts):
        chunks = []
        for p in parts:
            syl = _pinyin_tokens(p)
            chunks.append("".join(re.escape(s) + " " for s in syl))
        py = re.compile(" " + f"(?:\\S+ ){{0,{gap}}}".join(chunks))
    return _Pattern(pattern, han, py, anchored)


class _Matcher:
    """Finds lexicon categories in an utterance, on the characters and on pinyin."""

    def __init__(self, lexicon: _Lexicon, options: RoleOptions) -> None:
        self.anchor = options.anchor_chars
        self.use_pinyin = options.pinyin_match
        self.cats: dict[tuple[str, str], tuple[float, tuple[_Pattern, ...]]] = {}
        for side in ("officer", "party"):
            for name, cat in getattr(lexicon, side).items():
                pats = tuple(
                    _compile(
                        p, gap=options.gap_chars, use_pinyin=cat.pinyin and options.pinyin_match
                    )
                    for p in cat.patterns
                )
                self.cats[(side, name)] = (cat.weight, pats)

    def find(self, text: str) -> dict[tuple[str, str], list[str]]:
        """Category -> patterns found (each pattern at most once per utterance)."""
        clean = re.sub(r"\s+", "", text)
        tokens = _pinyin_tokens(clean) if self.use_pinyin else []
        py_text = " " + " ".join(tokens) + " " if tokens else ""
        hits: dict[tuple[str, str], list[str]] = {}
        for key, (_, pats) in self.cats.items():
            for p in pats:
                if self._hit(p, clean, py_text):
                    hits.setdefault(key, []).append(p.text)
        return hits

    def _hit(self, p: _Pattern, clean: str, py_text: str) -> bool:
        for m in p.han.finditer(clean):
            if not p.anchored or len(_HAN.findall(clean[: m.start()])) <= self.anchor:
                return True
        if p.pinyin is not None and py_text:
            for m in p.pinyin.finditer(py_text):
                if not p.anchored or py_text[: m.start()].count(" ") <= self.anchor:
                    return True
        return False


@lru_cache(maxsize=8)
def _load_lexicon(path: str) -> _Lexicon:
    p = Path(path)
    if not p.is_file():
        raise ModelError(f"roles lexicon not found: {p} (roles.lexicon_file)")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        return _Lexicon.model_validate(data)
    except (yaml.YAMLError, ValidationError) as e:
        raise ModelError(f"{p}: invalid roles lexicon: {one_line(e)}") from e


# ------------------------------------------------------------------------------------------ detector


@dataclass(slots=True)
class _Speaker:
    label: str
    first_index: int
    turns: int = 0
    chars: int = 0
    officer_lex: float = 0.0
    party_lex: float = 0.0
    semantic: float | None = None  # length-weighted mean officer probability, None if unread
    score: float = 0.0
    party_score: float = 0.0
    evidence: bool = False
    cues: list[str] | None = None
    lex_cues: list[str] | None = None


class RoleDetector:
    """Assigns ``officer`` / ``party`` / ``third_party`` to the speakers of one recording."""

    def __init__(
        self, options: RoleOptions | Mapping[str, Any], *, prosody: ProsodyDetector | None = None
    ) -> None:
        """``prosody`` measures levels for the acoustic cues; it is needed only when audio is given."""
        self.options = RoleOptions.from_config(options)
        self._matcher = _Matcher(_load_lexicon(self.options.lexicon_file), self.options)
        self._prosody = prosody

    def assign(
        self,
        utterances: Sequence[Utterance],
        source: str,
        *,
        audio: np.ndarray | None = None,
        sample_rate: int = 16000,
        span_levels: Mapping[str, SpanLevel] | None = None,
    ) -> dict[str, SpeakerRole]:
        """Speaker label -> :class:`SpeakerRole` for every speaker in ``utterances``.

        ``audio`` (``(channels, n)`` or ``(n,)``) enables the acoustic cues: channel dominance for
        multi-channel sources and the near-field (loudest) voice for body-cam; it needs the
        constructor's ``prosody`` detector, unless ``span_levels`` (utterance id -> level, from
        :meth:`ProsodyDetector.measure_with_levels` on the same audio) already has every utterance.
        Without audio, roles come from text, channels already on the utterances, and turn-taking.
        """
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; valid: {list(SOURCES)}")
        utts = [u for u in utterances if u.speaker]
        if not utts:
            return {}
        o = self.options
        spk: dict[str, _Speaker] = {}
        for i, u in enumerate(utts):
            s = spk.setdefault(u.speaker, _Speaker(u.speaker, i, cues=[], lex_cues=[]))
            s.turns += 1
            s.chars += len(_HAN.findall(u.text)) or len(u.text.strip())

        self._lexical(utts, spk)
        self._semantic(utts, spk)
        channel_of = self._channels(utts, source, audio, sample_rate)
        role_of_channel = o.channel_map.get(source, {})
        levels = (
            self._levels(utts, audio, sample_rate, span_levels)
            if audio is not None and source in o.nearfield_sources
            else {}
        )

        conversation = len(spk) > 1
        for s in spk.values():
            s.score = o.weights.lexical * (s.officer_lex - s.party_lex)
            s.evidence = s.officer_lex > s.party_lex
            if s.semantic is not None and conversation:
                # the head ranks the speakers of a conversation against each other
                s.score += o.weights.semantic * (2.0 * s.semantic - 1.0)
                s.evidence |= s.semantic >= o.semantic_evidence
                s.cues.append(f"semantic:{s.semantic:.2f}")  # type: ignore[union-attr]
            ch = channel_of.get(s.label)
            if ch is not None and ch in role_of_channel:
                mapped = role_of_channel[ch]
                s.score += o.weights.channel * (1.0 if mapped == "officer" else -1.0)
                s.evidence |= mapped == "officer"
                s.cues.append(f"channel:{ch}->{mapped}")  # type: ignore[union-attr]
            if levels and s.label in levels and len(levels) > 1:
                others = [v for k, v in levels.items() if k != s.label]
                lead = levels[s.label] - max(others)
                s.score += o.weights.nearfield * float(np.clip(lead / o.nearfield_scale_db, -1, 1))
                s.evidence |= lead >= o.officer_min_lead_db
                if lead > 0:
                    s.cues.append(f"nearfield:+{lead:.1f}dB")  # type: ignore[union-attr]
            if source in o.first_speaker_sources and s.first_index == 0:
                s.score += o.weights.first_speaker
                # Answering first means something only when someone else answers back.
                s.evidence |= conversation
                s.cues.append("first_speaker")  # type: ignore[union-attr]

        ranked = sorted(spk.values(), key=lambda s: (-s.score, s.first_index))
        officers = [ranked[0]]
        if not ranked[0].evidence or (not conversation and ranked[0].score < 0):
            # No cue says "officer" (e.g. one voice reading the news), or the lone speaker carries
            # party evidence (a caller on a one-sided clip): nobody is the officer.
            officers = []
        for s in ranked[1:] if officers else ():
            if len(officers) >= o.max_officers:
                break
            ch = channel_of.get(s.label)
            on_party_channel = ch is not None and role_of_channel.get(ch) not in (None, "officer")
            if (
                not on_party_channel
                and s.officer_lex - s.party_lex >= o.second_officer_min_score
                and s.score > 0
            ):
                officers.append(s)
        officer_set = {s.label for s in officers}
        runner_up = next((s.score for s in ranked if s.label not in officer_set), None)

        out: dict[str, SpeakerRole] = {}
        for s in officers:
            margin = s.score - runner_up if runner_up is not None else abs(s.score) + 1.0
            out[s.label] = SpeakerRole(
                s.label, "officer", self._confidence(margin), self._cue_tuple(s)
            )

        rest = [s for s in ranked if s.label not in officer_set]
        if rest:
            self._party_scores(utts, rest, officer_set, channel_of, role_of_channel)
            rest.sort(key=lambda s: (-s.party_score, s.first_index))
            second = rest[1].party_score if len(rest) > 1 else None
            for i, s in enumerate(rest):
                if i == 0:
                    margin = s.party_score - second if second is not None else 1.0 + s.party_score
                    role: Role = "party"
                else:
                    margin = rest[0].party_score - s.party_score
                    role = "third_party"
                out[s.label] = SpeakerRole(
                    s.label, role, self._confidence(max(margin, 0.0)), self._cue_tuple(s)
                )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "roles for %s: %s",
                source,
                {k: (v.role, round(v.confidence, 2), v.cues) for k, v in out.items()},
            )
        return {k: out[k] for k in spk}

    # -------------------------------------------------------------------------------- cues

    def _lexical(self, utts: Sequence[Utterance], spk: dict[str, _Speaker]) -> None:
        decay = self.options.repeat_decay
        counts: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
        for u in utts:
            for key, pats in self._matcher.find(u.text).items():
                counts[u.speaker][key] += len(pats)
        for label, cats in counts.items():
            s = spk[label]
            for (side, name), n in sorted(cats.items()):
                weight = self._matcher.cats[(side, name)][0]
                # 1 match -> w, 2 -> w(1+d), 3 -> w(1+d+d^2)...: repeats help but cannot dominate
                value = weight * sum(decay**k for k in range(n))
                if side == "officer":
                    s.officer_lex += value
                else:
                    s.party_lex += value
                s.lex_cues.append(f"lexicon:{side}.{name}x{n}")  # type: ignore[union-attr]

    def _semantic(self, utts: Sequence[Utterance], spk: dict[str, _Speaker]) -> None:
        """Each speaker's officer probability, averaged over its utterances weighted by length."""
        o = self.options
        num: dict[str, float] = defaultdict(float)
        den: dict[str, float] = defaultdict(float)
        for u in utts:
            n = len(_HAN.findall(u.text)) or len(u.text.strip())
            if not u.semantics or n < o.semantic_min_chars:
                continue
            num[u.speaker] += n * u.semantic(o.semantic_label)
            den[u.speaker] += n
        for label, d in den.items():
            spk[label].semantic = num[label] / d

    def _channels(
        self,
        utts: Sequence[Utterance],
        source: str,
        audio: np.ndarray | None,
        sample_rate: int,
    ) -> dict[str, int]:
        """Each speaker's channel: the majority of its utterances' channels, else the louder channel."""
        if source not in self.options.channel_map:
            return {}
        votes: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
        for u in utts:
            if u.channel is not None:
                votes[u.speaker][u.channel] += max(u.end - u.start, 1e-3)
        arr = None if audio is None else np.asarray(audio)
        if arr is not None and arr.ndim == 2 and arr.shape[0] > 1:
            missing = [u for u in utts if u.speaker not in votes]
            if missing:
                det = self._prosody_detector()
                per_ch = [
                    det.levels(arr, sample_rate, [(u.start, u.end, c, "") for u in missing])
                    for c in range(arr.shape[0])
                ]
                for j, u in enumerate(missing):
                    best = int(np.argmax([per_ch[c][j].loudness_db for c in range(arr.shape[0])]))
                    votes[u.speaker][best] += max(u.end - u.start, 1e-3)
        return {k: max(v, key=lambda c: v[c]) for k, v in votes.items() if v}

    def _levels(
        self,
        utts: Sequence[Utterance],
        audio: np.ndarray,
        sample_rate: int,
        known: Mapping[str, SpanLevel] | None,
    ) -> dict[str, float]:
        """Median active level per speaker on the mono mix (or the utterance's own channel)."""
        if known is not None and all(u.id in known for u in utts):
            lv = [known[u.id] for u in utts]
        else:
            lv = self._prosody_detector().levels(audio, sample_rate, list(utts))
        per: dict[str, list[float]] = defaultdict(list)
        for u, lvl in zip(utts, lv, strict=True):
            if lvl.active_s > 0:
                per[u.speaker].append(lvl.loudness_db)
        return {k: float(np.median(v)) for k, v in per.items() if v}

    def _party_scores(
        self,
        utts: Sequence[Utterance],
        rest: list[_Speaker],
        officers: set[str],
        channel_of: Mapping[str, int],
        role_of_channel: Mapping[int, Role],
    ) -> None:
        pw = self.options.party_weights
        adj: dict[str, int] = defaultdict(int)
        for a, b in zip(utts, utts[1:], strict=False):
            if a.speaker in officers and b.speaker not in officers:
                adj[b.speaker] += 1
            elif b.speaker in officers and a.speaker not in officers:
                adj[a.speaker] += 1
        max_adj = max([adj[s.label] for s in rest] + [1])
        total_chars = max(sum(s.chars for s in rest), 1)
        for s in rest:
            s.party_score = (
                pw.interaction * adj[s.label] / max_adj
                + pw.talk_share * s.chars / total_chars
                + pw.lexical * (s.party_lex - s.officer_lex)
            )
            ch = channel_of.get(s.label)
            if ch is not None and role_of_channel.get(ch) == "party":
                s.party_score += pw.channel
            if adj[s.label]:
                s.cues.append(f"interaction:{adj[s.label]}")  # type: ignore[union-attr]

    # -------------------------------------------------------------------------------- helpers

    def _prosody_detector(self) -> ProsodyDetector:
        if self._prosody is None:
            raise DetectorError(
                "role cues from audio need levels: build RoleDetector(options, prosody=ProsodyDetector(...))"
            )
        return self._prosody

    def _confidence(self, margin: float) -> float:
        """0.5 at no margin, rising towards 1 as the margin grows past ``confidence_scale``."""
        return round(
            0.5 + 0.5 * (1.0 - math.exp(-max(margin, 0.0) / self.options.confidence_scale)), 3
        )

    @staticmethod
    def _cue_tuple(s: _Speaker) -> tuple[str, ...]:
        return tuple((s.cues or []) + (s.lex_cues or []))


__all__ = ["RoleDetector", "RoleOptions", "ROLES"]
