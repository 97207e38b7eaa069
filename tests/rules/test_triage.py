"""Call triage through the whole analyzer: class, urgency, routing and linking to earlier incidents."""

from __future__ import annotations

import pytest

from detectors.types import IncidentRecord, Transcript, Utterance
from pipeline.config import load_config
from rules.analysis import RuleAnalyzer


@pytest.fixture(scope="module")
def analyzer() -> RuleAnalyzer:
    return RuleAnalyzer.from_config(load_config())


def call(
    source: str, *lines: tuple[str, str], incident: IncidentRecord | None = None
) -> Transcript:
    roles = {"O": "officer", "P": "party"}
    utts = tuple(
        Utterance(f"seg-{i:04d}", i * 2.0, i * 2.0 + 1.5, w, roles[w], t)  # type: ignore[arg-type]
        for i, (w, t) in enumerate(lines, 1)
    )
    return Transcript("rec-call", source, len(utts) * 2.0, utts, incident=incident)  # type: ignore[arg-type]


CASES = [
    (
        "phone",
        [("O", "您好，派出所。"), ("P", "我家门口的摩托车被人偷了，我要报案。")],
        ("report", "normal", "open_case"),
    ),
    (
        "phone",
        [("O", "您好，派出所。"), ("P", "我要投诉你们一个民警，态度很差。")],
        ("complaint", "normal", "to_instructor"),
    ),
    (
        "phone",
        [("O", "您好。"), ("P", "我想咨询一下护照要带什么材料？")],
        ("consult", "normal", "answer_consult"),
    ),
    (
        "dispatch",
        [("O", "110，请讲。"), ("P", "救命，有人拿刀在砍人，已经有人流血了！")],
        ("report", "urgent", "open_case"),
    ),
    (
        "dispatch",
        [("O", "110，请讲。"), ("P", "我刚被骗了三万，现在冻结还来得及吗？")],
        ("report", "important", "open_case"),
    ),
    (  # a fraud long over is reported, not rushed: no stop-payment window left to catch
        "phone",
        [("O", "您好，派出所。"), ("P", "我网购被骗了两千块，钱是上周转的，我要报案。")],
        ("report", "normal", "open_case"),
    ),
    (
        "dispatch",
        [("O", "110，请讲。"), ("P", "对不起，我打错了。")],
        ("other", "normal", "none"),
    ),
    (
        "dispatch",
        [
            ("O", "110，请讲。"),
            ("P", "快点来，菜场门口好几个人围着一个人踹，满脸是血，要出人命了！"),
        ],
        ("report", "urgent", "open_case"),
    ),
    (
        "phone",
        [("O", "您好。"), ("P", "我想反映一下你们所那个姓刘的片警，叫他来拖了一个钟头。")],
        ("complaint", "normal", "to_instructor"),
    ),
    (
        "phone",
        [("O", "您好。"), ("P", "我儿子的户口想迁过来，得准备啥东西啊？")],
        ("consult", "normal", "answer_consult"),
    ),
]


@pytest.mark.parametrize(("source", "lines", "expected"), CASES)
def test_triage(analyzer: RuleAnalyzer, source: str, lines: list, expected: tuple) -> None:
    a = analyzer.assess(call(source, *lines))
    assert a.call is not None
    assert (a.call.call_class, a.call.urgency, a.call.routing) == expected
    assert a.call.routing_zh


def test_not_a_call_has_no_triage(analyzer: RuleAnalyzer) -> None:
    a = analyzer.assess(call("counter", ("P", "我的车被偷了，我要报案。")))
    assert a.call is None


def test_progress_consult_links_same_caller_and_sets_deadline(analyzer: RuleAnalyzer) -> None:
    current = IncidentRecord("INC-9", caller_id="13900000001", recorded_at="2026-03-20T10:00:00")
    prior = [
        IncidentRecord(
            "INC-1",
            caller_id="13900000001",
            recorded_category="noise",
            recorded_at="2026-01-02T10:00:00",
        ),
        IncidentRecord(
            "INC-2",
            caller_id="13900000001",
            recorded_category="theft",
            recorded_at="2026-02-02T10:00:00",
        ),
        IncidentRecord(
            "INC-3",
            caller_id="13800000000",
            recorded_category="theft",
            recorded_at="2026-02-03T10:00:00",
        ),
        IncidentRecord(
            "INC-4",
            caller_id="13900000001",
            recorded_category="theft",
            recorded_at="2026-04-01T10:00:00",
        ),  # later than this call
    ]
    tr = call(
        "phone",
        ("O", "您好，派出所。"),
        ("P", "我之前报了电瓶车被偷的案子，想问问现在有什么进展。"),
        incident=current,
    )
    a = analyzer.assess(tr, prior_incidents=prior)
    assert a.call is not None
    assert a.call.call_class == "consult"
    assert a.call.routing == "command_followup"
    assert a.call.deadline_hours is not None and a.call.deadline_hours > 0
    # same caller only, earlier only, the theft the caller talks about first
    assert a.call.linked_incidents == ["INC-2", "INC-1"]
    assert "seg-0002" in a.call.segment_ids


def test_the_dialogue_reading_of_a_calm_call_sets_its_urgency(analyzer: RuleAnalyzer) -> None:
    """A caller who never cries for help: the lexicon hears a routine call; the dialogue heads'
    reading of the whole call (``Transcript.semantics``) votes it urgent and a report."""
    from dataclasses import replace

    calm = call(
        "dispatch",
        ("O", "110，请讲。"),
        ("P", "嗯，我楼下那家老太太，三天没见她出来了，门口的牛奶都还在。"),
        ("O", "你敲过门吗？"),
        ("P", "敲了，没人应，屋里灯一直亮着。"),
    )
    plain = analyzer.assess(calm)
    assert plain.call is not None and plain.call.urgency != "urgent"
    read = replace(
        calm,
        semantics=(
            ("dialogue_call.report", 0.85),
            ("dialogue_urgency.normal", 0.05),
            ("dialogue_urgency.urgent", 0.8),
        ),
    )
    a = analyzer.assess(read)
    assert a.call is not None
    assert (a.call.call_class, a.call.urgency) == ("report", "urgent")
    assert "seg-0002" in a.call.segment_ids or "seg-0004" in a.call.segment_ids


def test_progress_enquiry_about_a_reported_fraud_is_a_consult(analyzer: RuleAnalyzer) -> None:
    """The caller names the fraud again (category fraud, risk factor fraud), but asks how the earlier
    report is going: the incident's category and risk no longer vote for a new report."""
    tr = call(
        "phone",
        ("O", "您好，派出所。"),
        ("P", "我上周报的那个诈骗的案子，被骗了五万，想问下进度。"),
    )
    a = analyzer.assess(tr)
    assert a.category.value == "fraud" and "fraud" in a.risk.factors
    assert a.call is not None
    assert (a.call.call_class, a.call.routing) == ("consult", "command_followup")
