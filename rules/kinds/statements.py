"""Required statements: the officer identifies themself and announces the recording, early on.

Scoped by source (body-cam on-scene contacts) and an early window (first N officer turns and/or first S
seconds). Absence inside the window raises the rule's code (MISSING_SELF_ID, MISSING_RECORDING_NOTICE);
a statement made only after the window still raises it, at a lower score, with the late turn in the
evidence. Because an absence is also what a garbled ASR looks like, the flag cites every officer turn
of the window, so their (low) ASR confidence lowers the flag's confidence.
"""

from __future__ import annotations

from pydantic import Field

from detectors.types import Transcript, Utterance
from rules.pack import Lexicon, RuleSpec, TimeWindow
from rules.registry import Finding, Rule, RuleEnv, register_rule_kind


class RequiredStatementSpec(RuleSpec):
    lexicon: Lexicon
    window: TimeWindow
    min_officer_turns: int = Field(ge=1)
    late_factor: float = Field(ge=0.0, le=1.0)
    check_negation: bool


@register_rule_kind
class RequiredStatementRule(Rule):
    kind = "required_statement"
    Spec = RequiredStatementSpec

    def __init__(self, spec: RequiredStatementSpec, env: RuleEnv) -> None:
        super().__init__(spec, env)
        self.s = spec
        self._matcher = self.matcher(spec.lexicon)
        if spec.check_negation:
            _ = self.reader

    def _said(self, u: Utterance) -> dict[str, object] | None:
        """Where ``u`` makes the statement: a listed wording (not negated), or the same meaning as
        read by the semantic layer, so a notice said in other words is not reported missing."""
        for m in self._matcher.find(u.text):
            if self.s.check_negation and self.reader.negated(u.text, m, self.s.negation):
                continue
            return {"segment_id": u.id, "layer": "lexicon", **m.to_dict()}
        hit = self.s.semantic.hit(u) if self.s.semantic is not None else None
        if hit is not None:
            return {"segment_id": u.id, **hit}
        return None

    def check(self, transcript: Transcript) -> list[Finding]:
        officer = [u for u in transcript.utterances if self.in_roles(u)]
        if len(officer) < self.s.min_officer_turns:
            return []
        w = self.s.window
        window: list[Utterance] = []
        for i, u in enumerate(officer):
            by_turns = w.max_officer_turns is not None and i < w.max_officer_turns
            by_time = w.max_start_s is not None and u.start <= w.max_start_s
            if by_turns or by_time:
                window.append(u)
        if not window:
            return []
        for u in window:
            if self._said(u) is not None:
                return []
        late = None
        for u in officer[len(window) :]:
            late = self._said(u)
            if late is not None:
                break
        score = self.s.base_confidence * (self.s.late_factor if late else 1.0)
        first = window[0]
        near = self._nearest(window)
        return [
            Finding(
                score=score,
                utterances=tuple(window),
                start=first.start,
                end=window[-1].end,
                quote=first.text,
                speaker=first.speaker,
                role=first.role,
                evidence={
                    "checked_segment_ids": [u.id for u in window],
                    "window": w.model_dump(exclude_none=True),
                    "said_late": late,
                    "lexicon_size": len(self.s.lexicon.phrases) + len(self.s.lexicon.patterns),
                    **({"semantic_nearest": near} if near else {}),
                },
                template={"count": str(len(window))},
                # a turn that almost reads as the statement: too close to call an absence
                review_only=near is not None,
            )
        ]

    def _nearest(self, window: list[Utterance]) -> dict[str, object] | None:
        """The window turn closest to making the statement, when it is in the review band."""
        sem = self.s.semantic
        if sem is None:
            return None
        near = [(n[1], n[0], u.id) for u in window if (n := sem.near(u)) is not None]
        if not near:
            return None
        p, label, seg = max(near, key=lambda t: t[0])  # the earliest turn on a tie
        return {"segment_id": seg, "label": label, "probability": round(p, 4)}
