"""Flags from what the picture and the media themselves show: PHYSICAL_CONFRONTATION and
RECORDING_INCOMPLETE.

The video detectors report neutral events (``confrontation``, ``black_frames``, ``frozen_frames``,
``audio_dropout``, ``clip_gap``, ``starts_mid_conversation``...) with a confidence; which event kinds make
which vocabulary code, how long an event must last and how confident it must be are pack settings, so a
station can, say, tolerate two seconds of lens cover without touching code. Overlapping or near events of one
rule merge into one flag, since a reviewer checks a stretch of footage, not each sampled frame.
"""

from __future__ import annotations

from pydantic import Field

from detectors.types import Transcript, VideoEvent
from rules.pack import RuleSpec
from rules.registry import Finding, Rule, RuleEnv, register_rule_kind


class VideoEventSpec(RuleSpec):
    event_kinds: list[str] = Field(min_length=1)
    min_event_confidence: float = Field(ge=0.0, le=1.0)
    min_duration_s: float = Field(ge=0.0)
    merge_gap_s: float = Field(ge=0.0)


@register_rule_kind
class VideoEventRule(Rule):
    """Turns detector events of the listed kinds into one flag per merged stretch."""

    kind = "video_event"
    Spec = VideoEventSpec
    reads_video = True

    def __init__(self, spec: VideoEventSpec, env: RuleEnv) -> None:
        super().__init__(spec, env)
        self.s = spec

    def check(self, transcript: Transcript) -> list[Finding]:
        events = sorted(
            (
                e
                for e in transcript.video_events
                if e.kind in self.s.event_kinds and e.confidence >= self.s.min_event_confidence
            ),
            key=lambda e: e.start,
        )
        groups: list[list[VideoEvent]] = []
        for e in events:
            if groups and e.start - max(g.end for g in groups[-1]) <= self.s.merge_gap_s:
                groups[-1].append(e)
            else:
                groups.append([e])
        findings = []
        for group in groups:
            start = min(e.start for e in group)
            end = max(e.end for e in group)
            if end - start < self.s.min_duration_s and not any(
                e.kind in ("clip_gap", "starts_mid_conversation", "truncated") for e in group
            ):
                continue
            kinds = sorted({e.kind for e in group})
            score = self.s.base_confidence * max(e.confidence for e in group)
            # Overlapping speech is context for the reviewer, not evidence: ASR or role doubts
            # must not lower a flag the picture alone supports, so no utterances are attached.
            overlapping = [u.id for u in transcript.utterances if u.start < end and u.end > start]
            findings.append(
                Finding(
                    score=min(1.0, score),
                    utterances=(),
                    start=start,
                    end=end,
                    quote="",
                    speaker=None,
                    role=None,
                    evidence={
                        "event_kinds": kinds,
                        "reasons": _reasons(group),
                        "overlapping_segments": overlapping,
                        "events": [
                            {"kind": e.kind, "start": e.start, "end": e.end, "conf": e.confidence}
                            for e in group
                        ],
                    },
                    template={"detail": "、".join(_reasons(group)), "count": str(len(group))},
                )
            )
        return findings


def _reasons(group: list[VideoEvent]) -> list[str]:
    """What the reviewer reads: an event's own ``reason`` (e.g. "no audio track") or its kind."""
    return sorted({str(e.detail.get("reason", e.kind)) for e in group})
