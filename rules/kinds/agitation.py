"""OFFICER_AGITATION: an officer turn far above that officer's own delivery baseline.

The prosody detector measures each utterance (loudness dBFS, median pitch, speech rate) on the officer's
own channel when there is one, or on the mixed mono track; this rule needs only those numbers, so it
works the same on mono and multi-channel audio. The baseline is a quantile (median by default) of the
speaker's own utterances, so a naturally loud or high voice is not agitation. A turn counts when at least
``min_measures`` of the measures exceed their thresholds, or loudness alone exceeds
``strong_loudness_db``. Consecutive agitated turns of one speaker make one flag (sustained agitation).

Scripted text transcripts carry no audio; when a speaker has no prosody at all, a delivery annotation
(``Utterance.style`` in ``styles``) is taken as the observation, at ``style_confidence``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field, model_validator

from detectors.types import Transcript, Utterance
from rules.pack import RuleSpec
from rules.registry import Finding, Rule, RuleEnv, register_rule_kind


class AgitationSpec(RuleSpec):
    loudness_db: float = Field(gt=0)
    pitch_ratio: float = Field(gt=0)
    rate_ratio: float = Field(gt=0)
    min_measures: int = Field(ge=1, le=3)
    strong_loudness_db: float = Field(gt=0)
    baseline_quantile: float = Field(ge=0.0, le=1.0)
    min_baseline_utterances: int = Field(ge=2)
    per_measure_bonus: float = Field(ge=0.0, le=1.0)
    styles: list[str]
    style_confidence: float = Field(ge=0.0, le=1.0)
    merge_adjacent: bool

    @model_validator(mode="after")
    def _consistent(self) -> AgitationSpec:
        if self.strong_loudness_db < self.loudness_db:
            raise ValueError("strong_loudness_db must be >= loudness_db")
        return self


@register_rule_kind
class AgitationRule(Rule):
    kind = "agitation"
    Spec = AgitationSpec

    def __init__(self, spec: AgitationSpec, env: RuleEnv) -> None:
        super().__init__(spec, env)
        self.s = spec

    def _baseline(self, us: list[Utterance]) -> dict[str, float | None]:
        q = self.s.baseline_quantile

        def quant(vals: list[float]) -> float | None:
            if len(vals) < self.s.min_baseline_utterances:
                return None
            return float(np.quantile(np.asarray(vals, dtype=float), q))

        pros = [u.prosody for u in us if u.prosody is not None]
        return {
            "loudness_db": quant([p.loudness_db for p in pros]),
            "pitch_hz": quant([p.pitch_hz for p in pros if p.pitch_hz]),
            "speech_rate": quant([p.speech_rate for p in pros if p.speech_rate]),
        }

    def _measure(self, u: Utterance, base: dict[str, float | None]) -> tuple[float, dict[str, Any]]:
        """Score in [0, 1] (0: not agitated) and the measured excesses."""
        p = u.prosody
        assert p is not None
        over: dict[str, Any] = {}
        loud = None
        if base["loudness_db"] is not None:
            loud = p.loudness_db - base["loudness_db"]
            if loud >= self.s.loudness_db:
                over["loudness_db"] = round(loud, 2)
        bp = base["pitch_hz"]
        if bp and p.pitch_hz:
            r = p.pitch_hz / bp - 1.0
            if r >= self.s.pitch_ratio:
                over["pitch_ratio"] = round(r, 3)
        br = base["speech_rate"]
        if br and p.speech_rate:
            r = p.speech_rate / br - 1.0
            if r >= self.s.rate_ratio:
                over["rate_ratio"] = round(r, 3)
        strong = loud is not None and loud >= self.s.strong_loudness_db
        if len(over) < self.s.min_measures and not strong:
            return 0.0, over
        extra = max(0, len(over) - self.s.min_measures)
        score = min(1.0, self.s.base_confidence + self.s.per_measure_bonus * extra)
        return score, over

    def check(self, transcript: Transcript) -> list[Finding]:
        hits: list[tuple[Utterance, float, dict[str, Any]]] = []
        speakers: dict[str, list[Utterance]] = {}
        for u in transcript.utterances:
            if self.in_roles(u):
                speakers.setdefault(u.speaker, []).append(u)
        for spk_us in speakers.values():
            if any(u.prosody is not None for u in spk_us):
                base = self._baseline(spk_us)
                for u in spk_us:
                    if u.prosody is None:
                        continue
                    score, over = self._measure(u, base)
                    if score > 0:
                        hits.append(
                            (
                                u,
                                score,
                                {
                                    "observed": "prosody",
                                    "over": over,
                                    "baseline": base,
                                    "prosody": u.prosody.to_dict(),
                                },
                            )
                        )
            else:
                for u in spk_us:
                    if u.style is not None and u.style in self.s.styles:
                        hits.append(
                            (u, self.s.style_confidence, {"observed": "style", "style": u.style})
                        )
        order = {u.id: i for i, u in enumerate(transcript.utterances)}
        hits.sort(key=lambda h: order[h[0].id])
        groups: list[list[tuple[Utterance, float, dict[str, Any]]]] = []
        for h in hits:
            if (
                self.s.merge_adjacent
                and groups
                and groups[-1][-1][0].speaker == h[0].speaker
                and not any(
                    self.in_roles(v) and v.speaker != h[0].speaker
                    for v in transcript.utterances[order[groups[-1][-1][0].id] + 1 : order[h[0].id]]
                )
                and self._adjacent(transcript, groups[-1][-1][0], h[0], order)
            ):
                groups[-1].append(h)
            else:
                groups.append([h])
        out: list[Finding] = []
        for g in groups:
            us = tuple(h[0] for h in g)
            out.append(
                Finding(
                    score=max(h[1] for h in g),
                    utterances=us,
                    start=us[0].start,
                    end=us[-1].end,
                    quote=us[0].text,
                    speaker=us[0].speaker,
                    role=us[0].role,
                    evidence={"turns": [{"segment_id": h[0].id, **h[2]} for h in g]},
                    template={"count": str(len(us))},
                )
            )
        return out

    def _adjacent(self, t: Transcript, a: Utterance, b: Utterance, order: dict[str, int]) -> bool:
        """No other turn of the same speaker lies between a and b (their turns are consecutive)."""
        between = t.utterances[order[a.id] + 1 : order[b.id]]
        return not any(v.speaker == a.speaker for v in between)
