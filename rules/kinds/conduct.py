"""Forbidden speech: profanity, threats, shirking (推诿) and impatience in the officer's own words.

Only turns whose role is in the rule's scope (officer) are read, so a party saying the same words is never
flagged. A match is dropped when it is negated in its clause ("我们不会说不归我们管", "不是来抓你的") or is
a quotation / reported speech (他说"滚", 你刚才说…, 所谓的…); dropped matches stay in the evidence of any
flag the utterance still raises. "Softeners" (可以/建议 before a referral) lower a match's score instead of
dropping it, so a legitimate referral stays under the threshold while a bare deflection does not.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from detectors.types import Transcript, Utterance
from rules.matching import Match, normalize
from rules.pack import Lexicon, RuleSpec
from rules.registry import Finding, Rule, RuleEnv, register_rule_kind


class ForbiddenSpeechSpec(RuleSpec):
    lexicon: Lexicon
    softeners: list[str] = Field(default_factory=list)
    softener_factor: float = Field(default=1.0, ge=0.0, le=1.0)
    check_negation: bool
    check_quotation: bool


@register_rule_kind
class ForbiddenSpeechRule(Rule):
    """One flag per offending utterance; evidence lists every phrase matched and every one dropped."""

    kind = "forbidden_speech"
    Spec = ForbiddenSpeechSpec

    def __init__(self, spec: ForbiddenSpeechSpec, env: RuleEnv) -> None:
        super().__init__(spec, env)
        self.s = spec
        self._matcher = self.matcher(spec.lexicon)
        if spec.check_negation or spec.check_quotation or spec.softeners:
            _ = self.reader  # fail at load time when the pack has no context section

    def _softener(self, text: str, m: Match) -> str | None:
        """A softener in the clause before the match or inside it (可以/建议…, 依法…)."""
        pre, _ = self.reader.clause(text, m.char_start, m.char_end)
        scope = normalize(pre + text[m.char_start : m.char_end])
        for s in self.s.softeners:
            if normalize(s) in scope:
                return s
        return None

    def check(self, transcript: Transcript) -> list[Finding]:
        out: list[Finding] = []
        for u in transcript.utterances:
            if not self.in_roles(u):
                continue
            kept: list[tuple[Match, float, dict[str, Any]]] = []
            dropped: list[dict[str, Any]] = []
            for m in self._matcher.find(u.text):
                if self.s.check_negation:
                    neg = self.reader.negated(u.text, m, self.s.negation)
                    if neg is not None:
                        dropped.append({**m.to_dict(), "dropped": "negated", "by": neg})
                        continue
                if self.s.check_quotation:
                    q = self.reader.quoted(u.text, m)
                    if q is not None:
                        dropped.append({**m.to_dict(), "dropped": "quoted", "by": q})
                        continue
                score = m.score
                note: dict[str, Any] = {}
                soft = self._softener(u.text, m) if self.s.softeners else None
                if soft is not None:
                    score *= self.s.softener_factor
                    note = {"softened_by": soft, "softener_factor": self.s.softener_factor}
                kept.append((m, score, note))
            sem = self.s.semantic
            if not kept:
                found = self._semantic_only(u, dropped) if sem is not None else None
                if found is not None:
                    out.append(found)
                continue
            best_m, best_score, _ = max(kept, key=lambda k: k[1])
            also = sem.hit(u) if sem is not None else None
            veto = sem.vetoes(u) if sem is not None else None
            out.append(
                Finding(
                    score=best_score * self.s.base_confidence,
                    utterances=(u,),
                    start=u.start,
                    end=u.end,
                    quote=u.text,
                    speaker=u.speaker,
                    role=u.role,
                    evidence={
                        "layer": "lexicon+semantic" if also else "lexicon",
                        "matches": [{**m.to_dict(), **note} for m, _, note in kept],
                        "dropped": dropped,
                        "matched_phrase": best_m.phrase,
                        "pattern": best_m.phrase if best_m.method == "regex" else None,
                        "match_method": best_m.method,
                        "exact": best_m.exact,
                        "base_confidence": self.s.base_confidence,
                        **({"semantic": also} if also else {}),
                        **({"semantic_disagrees": veto} if veto else {}),
                    },
                    template={"phrase": best_m.matched_text},
                    review_only=veto is not None,
                    review_reason="semantic_disagrees",
                )
            )
        return out

    def _semantic_only(self, u: Utterance, dropped: list[dict[str, Any]]) -> Finding | None:
        """The semantic layer's reading of an utterance no lexicon phrase matched.

        Where the lexicon did match but dropped the phrase as negated or quoted, the utterance talks
        *about* such words: the classifier alone may not overrule that, so it can only ask for review.
        Where the head reads another conduct code more strongly on the same utterance (``rivals``), this
        code is its second reading: a review hint too.
        """
        sem = self.s.semantic
        assert sem is not None
        hit = sem.hit(u)
        near = sem.near(u)
        rival = sem.outranked(u, hit["probability"]) if hit is not None else None
        if hit is not None and not dropped and rival is None:
            score = hit["probability"] * sem.score
            return self._semantic_finding(u, score, {**hit, "dropped": dropped}, review=False)
        if hit is not None:
            ev = {**hit, "dropped": dropped}
            if rival is not None:
                ev["outranked_by"] = {"label": rival[0], "probability": round(rival[1], 4)}
            return self._semantic_finding(u, hit["probability"], ev, True)
        if near is not None:
            label, p = near
            ev = {"layer": "semantic", "label": label, "probability": round(p, 4)}
            return self._semantic_finding(u, p, ev, review=True)
        return None

    def _semantic_finding(
        self, u: Utterance, score: float, evidence: dict[str, Any], review: bool
    ) -> Finding:
        phrase = str(evidence.get("clause") or u.text)  # a clause reading quotes its clause
        return Finding(
            score=score,
            utterances=(u,),
            start=u.start,
            end=u.end,
            quote=u.text,
            speaker=u.speaker,
            role=u.role,
            evidence=evidence,
            template={"phrase": phrase if len(phrase) <= 40 else phrase[:39] + "…"},
            review_only=review,
        )
