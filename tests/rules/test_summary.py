"""Extractive structured summary: every field quotes real segments of the transcript."""

from __future__ import annotations

import pytest

from detectors.types import Transcript, Utterance
from pipeline.config import load_config
from rules.analysis import RuleAnalyzer


@pytest.fixture(scope="module")
def analyzer() -> RuleAnalyzer:
    return RuleAnalyzer.from_config(load_config())


def test_extractive_summary_fields_cite_segments(analyzer: RuleAnalyzer) -> None:
    lines = [
        ("officer", "你好，我是民警，执法记录仪正在录音录像。什么情况？"),
        ("party", "他把我的车门撞坏了，还不肯赔，我要他赔钱。"),
        ("third_party", "是他先违停的，凭什么让我赔？"),
        ("officer", "我们先看一下监控，核实一下责任。"),
        ("officer", "双方自愿协商解决，他赔你三百，这事就调解到这里。"),
    ]
    utts = tuple(
        Utterance(f"seg-{i:04d}", i * 3.0, i * 3.0 + 2.0, f"S{i}", r, t)  # type: ignore[arg-type]
        for i, (r, t) in enumerate(lines, 1)
    )
    s = analyzer.assess(Transcript("rec-sum", "bodycam", 16.0, utts)).summary
    assert s is not None and s.method == "extractive"
    known = {u.id for u in utts}
    for name in (
        "cause",
        "course",
        "result",
        "conflict_focus",
        "party_demands",
        "officer_measures",
    ):
        item = getattr(s, name)
        assert item is not None, name
        assert item.text and set(item.segment_ids) <= known, name
    assert s.cause is not None and s.cause.segment_ids == ["seg-0002"]
    assert s.result is not None and s.result.segment_ids == ["seg-0005"]
    assert s.conflict_focus is not None and "seg-0003" in s.conflict_focus.segment_ids
    assert s.party_demands is not None and "seg-0002" in s.party_demands.segment_ids
    assert s.officer_measures is not None and "seg-0004" in s.officer_measures.segment_ids


def test_empty_transcript_gives_empty_summary(analyzer: RuleAnalyzer) -> None:
    a = analyzer.assess(Transcript("rec-empty", "phone", 0.0, ()))
    assert a.summary is not None and a.summary.cause is None and a.summary.result is None
    assert a.flags == [] or all(f.id.startswith("flag-") for f in a.flags)
    assert a.risk.level == "low"
