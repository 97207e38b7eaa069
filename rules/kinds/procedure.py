"""Procedure rules: 三个当场 (a crime report accepted must come with a receipt) and 如实受立案 (a clearly
reported offence must be accepted).

Acceptance, receipt, report and deflection are lexicons in the pack. Acceptance must be asserted by the
officer: "我们这边不受理", "登记不了", "没人给你做笔录" are negations, not acceptances (the rule's own
negation settings, stricter than the conduct ones, decide). A report is the party's own statement of an
offence, not negated, not quoted, and not an enquiry about an earlier case ("上个月报过…的案子").
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from detectors.types import Role, Transcript, Utterance
from rules.matching import Matcher
from rules.pack import Lexicon, RuleSpec, SemanticCue, StrictModel
from rules.registry import Finding, Rule, RuleEnv, register_rule_kind


def _hits(
    rule: Rule,
    matcher: Matcher,
    us: list[Utterance],
    quotation: bool,
    semantic: SemanticCue | None = None,
) -> list[dict[str, Any]]:
    """Asserted matches (not negated, optionally not quoted) in ``us``, with their utterance; an
    utterance no phrase matched still counts when the semantic layer reads the same meaning in it."""
    out: list[dict[str, Any]] = []
    for u in us:
        found = False
        for m in matcher.find(u.text):
            if rule.reader.negated(u.text, m, rule.spec.negation) is not None:
                found = True  # the wording is there, negated: meaning must not overrule it
                continue
            if quotation and rule.reader.quoted(u.text, m) is not None:
                found = True
                continue
            out.append({"segment_id": u.id, "utterance": u, "layer": "lexicon", **m.to_dict()})
            found = True
        hit = semantic.hit(u) if semantic is not None and not found else None
        if hit is not None:
            out.append(
                {
                    "segment_id": u.id,
                    "utterance": u,
                    **hit,
                    "phrase": hit["label"],
                    "matched_text": u.text,
                    "method": "semantic",
                    "exact": False,
                    "score": hit["probability"] * semantic.score,  # type: ignore[union-attr]
                }
            )
    return out


def _public(hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in h.items() if k != "utterance"} for h in hits]


class AcceptanceCheck(StrictModel):
    """When the semantic layer disagrees with a worded acceptance (both readings under their minimum).

    "到时候直接立案" (later, if), "社区事务受理中心" (an office's name), "立案了也白搭" (talking the
    party out of it) contain the acceptance words, yet no case is taken; the statement head reads the
    turn and the disposition head the whole dialogue, and when neither sees an acceptance the missing
    receipt is a question for a reviewer (a ``semantic_disagrees`` hint), not a finding. The minimums
    are low: only a confident "no" from both layers overrules the wording.
    """

    utterance_label: str
    utterance_min: float = Field(gt=0.0, le=1.0)
    dialogue_label: str
    dialogue_min: float = Field(gt=0.0, le=1.0)


class ReceiptSpec(RuleSpec):
    acceptance: Lexicon
    receipt: Lexicon
    acceptance_semantic: SemanticCue | None = None
    receipt_semantic: SemanticCue | None = None
    acceptance_check: AcceptanceCheck | None = None


@register_rule_kind
class ReceiptRule(Rule):
    """MISSING_RECEIPT: the officer accepts a case but never promises or hands over a receipt."""

    kind = "receipt"
    Spec = ReceiptSpec

    def __init__(self, spec: ReceiptSpec, env: RuleEnv) -> None:
        super().__init__(spec, env)
        self.s = spec
        self._accept = self.matcher(spec.acceptance)
        self._receipt = self.matcher(spec.receipt)
        _ = self.reader

    def check(self, transcript: Transcript) -> list[Finding]:
        officer = [u for u in transcript.utterances if self.in_roles(u)]
        accepted = _hits(
            self, self._accept, officer, quotation=True, semantic=self.s.acceptance_semantic
        )
        if not accepted:
            return []
        receipts = _hits(
            self, self._receipt, officer, quotation=False, semantic=self.s.receipt_semantic
        )
        if receipts:
            return []
        first = accepted[0]
        u: Utterance = first["utterance"]
        best = max(accepted, key=lambda h: h["score"])
        disagreement = self._disagreement(accepted, transcript)
        return [
            Finding(
                score=self.s.base_confidence * best["score"],
                utterances=(u,),
                start=u.start,
                end=u.end,
                quote=u.text,
                speaker=u.speaker,
                role=u.role,
                evidence={
                    "acceptance": _public(accepted),
                    "receipt_found": False,
                    "matched_phrase": best["phrase"],
                    "match_method": best["method"],
                    "exact": best["exact"],
                    **({"semantic_disagrees": disagreement} if disagreement else {}),
                },
                review_only=disagreement is not None,
                review_reason="semantic_disagrees",
                template={"phrase": first["matched_text"]},
            )
        ]

    def _disagreement(
        self, accepted: list[dict[str, Any]], transcript: Transcript
    ) -> dict[str, float] | None:
        """Both semantic readings under their minimums for a worded acceptance, or ``None``.

        ``None`` too without a check, without a semantic layer (no dialogue reading: nothing can
        disagree), or when the semantic layer itself found the acceptance.
        """
        check = self.s.acceptance_check
        if check is None or not transcript.semantics:
            return None
        if any(h["layer"] != "lexicon" for h in accepted):
            return None
        turn = max(h["utterance"].semantic(check.utterance_label) for h in accepted)
        dialogue = transcript.semantic(check.dialogue_label)
        if turn >= check.utterance_min or dialogue >= check.dialogue_min:
            return None
        return {"utterance": round(turn, 4), "dialogue": round(dialogue, 4)}


class DialogueOverrule(StrictModel):
    """A dialogue head's reading confident enough to set worded acceptances aside.

    The acceptance lexicon of 如实受立案 also holds the ways of acting on a report (登记, 出警, 调解,
    反诈中心); in "登记也没用" or "出警也找不回来" they are named, not done. When the disposition head
    reads the whole encounter as nothing done (``no_action``) at least ``min``, worded acceptances
    do not count, unless the statement head also reads one of their turns as an acceptance.
    """

    label: str
    min: float = Field(gt=0.0, le=1.0)


class ReportAcceptanceSpec(RuleSpec):
    report: Lexicon
    enquiry: Lexicon
    acceptance: Lexicon
    deflection: Lexicon
    reporter_roles: list[Role] = Field(min_length=1)
    deflection_bonus: float = Field(ge=0.0, le=1.0)
    min_officer_replies: int = Field(ge=1)
    report_semantic: SemanticCue | None = None
    acceptance_semantic: SemanticCue | None = None
    deflection_semantic: SemanticCue | None = None
    acceptance_overrule: DialogueOverrule | None = None


@register_rule_kind
class ReportAcceptanceRule(Rule):
    """REPORT_NOT_ACCEPTED: the party reports an offence and no officer turn accepts or acts on it.

    ``scope.roles`` are the accepting roles (officer); ``reporter_roles`` whose turns can report.
    A deflection (推诿) by the officer raises the score by ``deflection_bonus``.
    """

    kind = "report_acceptance"
    Spec = ReportAcceptanceSpec

    def __init__(self, spec: ReportAcceptanceSpec, env: RuleEnv) -> None:
        super().__init__(spec, env)
        self.s = spec
        self._report = self.matcher(spec.report)
        self._enquiry = self.matcher(spec.enquiry)
        self._accept = self.matcher(spec.acceptance)
        self._deflect = self.matcher(spec.deflection)
        _ = self.reader

    def check(self, transcript: Transcript) -> list[Finding]:
        us = transcript.utterances
        party = [u for u in us if u.role in self.s.reporter_roles]
        reports = [
            h
            for h in _hits(
                self, self._report, party, quotation=True, semantic=self.s.report_semantic
            )
            if not self._enquiry.find(h["utterance"].text)
        ]
        if not reports:
            return []
        first: Utterance = reports[0]["utterance"]
        at = next(i for i, u in enumerate(us) if u is first)
        after = [u for u in us[at + 1 :] if self.in_roles(u)]
        if len(after) < self.s.min_officer_replies:
            return []
        officer = [u for u in us if self.in_roles(u)]
        accepted = _hits(
            self, self._accept, officer, quotation=True, semantic=self.s.acceptance_semantic
        )
        overruled = self._overruled(accepted, transcript)
        if accepted and overruled is None:
            return []
        deflections = _hits(
            self, self._deflect, after, quotation=True, semantic=self.s.deflection_semantic
        )
        score = self.s.base_confidence + (self.s.deflection_bonus if deflections else 0.0)
        cited: list[Utterance] = [first]
        for h in deflections:
            if h["utterance"] not in cited:
                cited.append(h["utterance"])
        best = max(reports, key=lambda h: h["score"])
        return [
            Finding(
                score=min(1.0, score * best["score"]),
                utterances=tuple(cited),
                start=first.start,
                end=max(u.end for u in cited),
                quote=first.text,
                speaker=first.speaker,
                role=first.role,
                evidence={
                    "report": _public(reports),
                    "deflection": _public(deflections),
                    "acceptance_found": False,
                    **({"acceptance_overruled": overruled} if overruled else {}),
                    "matched_phrase": best["phrase"],
                    "match_method": best["method"],
                    "exact": best["exact"],
                },
                template={"phrase": reports[0]["matched_text"]},
            )
        ]

    def _overruled(
        self, accepted: list[dict[str, Any]], transcript: Transcript
    ) -> dict[str, Any] | None:
        """Why worded acceptances do not count (the dialogue reading and the phrases), or ``None``."""
        rule, cue = self.s.acceptance_overrule, self.s.acceptance_semantic
        if rule is None or not accepted or any(h["layer"] != "lexicon" for h in accepted):
            return None
        if cue is not None and any(cue.hit(h["utterance"]) for h in accepted):
            return None  # the statement head reads the worded turn as an acceptance too
        p = transcript.semantic(rule.label)
        if p < rule.min:
            return None
        return {rule.label: round(p, 4), "phrases": sorted({str(h["phrase"]) for h in accepted})}
