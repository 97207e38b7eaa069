"""Optional LLM adjudicator: a second reading of the rules' candidate flags by an instruct model.

The model (served by vLLM or Ollama behind the same OpenAI-compatible endpoint as the LLM summary,
``summary.llm``) sees the candidate flags and the transcript and answers, per flag id, ``keep``,
``drop`` or ``review`` with a short reason and the segment ids it rests on. The answer is applied only
when it is valid as a whole: every candidate judged exactly once, no unknown flag id, every cited
segment present in the transcript, and a change (drop / review) grounded in at least one segment.
Otherwise nothing changes and the log says why, so an outage or an inventive model never loses a
finding. The adjudicator can only keep, demote or drop the flags it was given: the flags it returns
are the inputs (copied), and a dropped flag stays visible to the reviewer as a review hint.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from detectors.types import Transcript
from rules.findings import Flag, ReviewHint
from rules.llm import LlmClient, LlmError, LlmOptions, check_cited

logger = logging.getLogger("vigil.rules")

Verdict = Literal["keep", "drop", "review"]

ADJUDICATION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdicts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "flag_id": {"type": "string"},
                    "verdict": {"type": "string", "enum": ["keep", "drop", "review"]},
                    "reason": {"type": "string", "minLength": 1, "maxLength": 200},
                    "segment_ids": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["flag_id", "verdict", "reason", "segment_ids"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["verdicts"],
    "additionalProperties": False,
}

_SYSTEM = (
    "你是公安法制员助手，复核规则引擎对执法录音提出的候选问题。对每个候选（flag_id）给出裁定："
    "keep(成立)、drop(不成立，如当事人而非民警所说、引用他人、否定、玩笑、依法拒绝)或 review(证据不足，需人工复核)；"
    "reason 用一句话说明理由；segment_ids 列出依据的转写编号，只能使用转写中给出的编号，drop 和 review 至少一个。"
    "每个候选恰好裁定一次，不得新增候选。只输出 JSON。"
)


class AdjudicatorOptions(BaseModel):
    """The ``summary.adjudicator`` block; the endpoint itself is ``summary.llm``.

    Attributes:
        enabled: ask the LLM to judge the candidate flags (off by default: the offline pipeline
            never depends on a GPU node).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool


class _Verdict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flag_id: str
    verdict: Verdict
    reason: str = Field(min_length=1, max_length=200)
    segment_ids: list[str]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verdicts: list[_Verdict]


class LlmAdjudicator:
    """Asks the endpoint for verdicts and applies them; ``adjudicate`` never raises."""

    def __init__(self, llm: LlmOptions) -> None:
        self.client = LlmClient(llm)

    def request(self, transcript: Transcript, flags: Sequence[Flag]) -> dict[str, _Verdict]:
        """Validated verdicts by flag id; :class:`LlmError` when the answer is not usable as a whole."""
        candidates = [
            {
                "flag_id": f.id,
                "code": f.code,
                "rule_id": f.rule_id,
                "confidence": round(f.confidence, 3),
                "quote": f.quote,
                "segment_ids": f.segment_ids,
                "explanation": f.explanation_zh,
            }
            for f in flags
        ]
        user = (
            "转写：\n"
            + self.client.transcript_text(transcript)
            + "\n\n候选问题：\n"
            + json.dumps(candidates, ensure_ascii=False)
        )
        answer = self.client.ask(
            system=_SYSTEM,
            user=user,
            schema_name="adjudication",
            schema=ADJUDICATION_SCHEMA,
            answer=_Answer,
        )
        wanted = {f.id for f in flags}
        known = {u.id for u in transcript.utterances}
        verdicts: dict[str, _Verdict] = {}
        for v in answer.verdicts:
            if v.flag_id not in wanted:
                raise LlmError(f"LLM verdict names unknown flag {v.flag_id!r}")
            if v.flag_id in verdicts:
                raise LlmError(f"LLM judged flag {v.flag_id!r} twice")
            check_cited(v.segment_ids, known, v.flag_id)
            if v.verdict != "keep" and not v.segment_ids:
                raise LlmError(f"LLM {v.verdict}s {v.flag_id!r} without citing a segment")
            verdicts[v.flag_id] = v
        missing = sorted(wanted - verdicts.keys())
        if missing:
            raise LlmError(f"LLM answer has no verdict for {missing[:3]}")
        return verdicts

    def adjudicate(
        self, transcript: Transcript, flags: Sequence[Flag]
    ) -> tuple[list[Flag], list[ReviewHint]]:
        """Flags kept and the hints for those dropped or sent to review; the flags unchanged on failure."""
        if not flags:
            return list(flags), []
        try:
            verdicts = self.request(transcript, flags)
        except LlmError as e:
            logger.warning("LLM adjudication unavailable, keeping all %d flags: %s", len(flags), e)
            return list(flags), []
        model = self.client.options.model
        kept: list[Flag] = []
        hints: list[ReviewHint] = []
        for f in flags:
            v = verdicts[f.id]
            llm = {
                "verdict": v.verdict,
                "reason": v.reason,
                "segment_ids": list(v.segment_ids),
                "model": model,
            }
            if v.verdict == "keep":
                kept.append(f.model_copy(update={"evidence": {**f.evidence, "llm": llm}}))
                continue
            hints.append(
                ReviewHint(
                    code=f.code,
                    rule_id=f.rule_id,
                    reason="llm_dropped" if v.verdict == "drop" else "llm_review",
                    score=f.confidence,
                    start=f.start,
                    end=f.end,
                    segment_ids=list(f.segment_ids),
                    quote=f.quote,
                    evidence={**f.evidence, "flag_id": f.id, "llm": llm},
                )
            )
        logger.info(
            "LLM adjudication: %d kept, %d to review, %d dropped",
            len(kept),
            sum(h.reason == "llm_review" for h in hints),
            sum(h.reason == "llm_dropped" for h in hints),
        )
        return kept, hints
