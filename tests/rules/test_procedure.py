"""三个当场 (receipt after acceptance) and 如实受立案 (a clear report must be accepted)."""

from __future__ import annotations

import pytest

from tests.rules.support_engine import codes, engine, flags_of, transcript

THEFT = "我的电动车在小区门口被人偷了。"


@pytest.mark.parametrize(
    ("officer", "expected"),
    [
        ("好，这个按盗窃受理，先给您做个笔录。", {"MISSING_RECEIPT"}),
        ("这个我们给您立案，有进展通知您。", {"MISSING_RECEIPT"}),
        ("按盗窃案件受理，做完笔录给您受案回执。", set()),
        ("好，给您受案，这是您的回执，请收好。", set()),
        # negated acceptance: not accepted -> no receipt needed, but the report was not taken
        ("我们这边不受理，你找物业去。", {"REPORT_NOT_ACCEPTED"}),
        ("今天所里没人给你做笔录。", {"REPORT_NOT_ACCEPTED"}),
        ("登记不了。", {"REPORT_NOT_ACCEPTED"}),
        # acted upon without a case yet: no receipt claim, no non-acceptance
        ("我们马上过去看看，您在原地等。", set()),
    ],
)
def test_counter_theft(officer: str, expected: set[str]) -> None:
    t = transcript(
        "counter", [("officer", "您好，什么事？"), ("party", THEFT), ("officer", officer)]
    )
    got = codes(engine().run(t)) & {"MISSING_RECEIPT", "REPORT_NOT_ACCEPTED"}
    assert got == expected


def test_receipt_flag_evidence() -> None:
    t = transcript("bodycam", [("party", THEFT), ("officer", "这个情况我们按盗窃受理。")])
    (f,) = flags_of("MISSING_RECEIPT", t)
    assert f.segment_ids == ["seg-0001"]
    assert f.evidence["acceptance"][0]["phrase"] == "as_offence"
    assert "受理" in f.explanation_zh and f.severity == "medium"


@pytest.mark.parametrize("source", ["phone", "dispatch"])
def test_receipt_only_counter_and_bodycam(source: str) -> None:
    t = transcript(source, [("party", THEFT), ("officer", "好，给您立案了。")])
    assert flags_of("MISSING_RECEIPT", t) == []


@pytest.mark.parametrize(
    ("party", "officer", "n"),
    [
        ("我在网上买票被骗了两千块。", "网上的事不归我们管，你去平台投诉。", 1),
        ("楼下邻居打了我两个耳光。", "邻居之间吵两句很正常，回去吧。", 1),
        ("店员把收银台的钱偷走了，监控都拍到了。", "你们自己先找他要。", 1),
        ("我的包被忍透了。", "你明天再来吧。", 1),  # garbled ASR report
        # accepted or acted on
        ("我的钱包被人偷了。", "好的，这个按盗窃案件受理。", 0),
        ("我被骗了三万。", "我先帮您报反诈中心紧急止付。", 0),
        ("我被骗了三万。", "民警马上过去找您。", 0),
        ("我家昨晚被人撬门了，电脑没了。", "好，我们记一下，派人去看看现场。", 0),
        ("他说我偷了他的东西，我没有！", "你们先冷静，慢慢说。", 0),  # reported speech
        # not a report: negated, enquiry about an earlier case, the party is not the victim
        ("我的车不是被偷的，是我自己停错地方了。", "那就好。", 0),
        ("我上个月报过一个电动车被偷的案子，想问一下进展。", "我帮您转给办案民警。", 0),
        ("你打我电话就行。", "好的。", 0),
        ("楼上漏水的事到底该找谁管？", "这是民事纠纷，建议您找物业。", 0),
    ],
)
def test_report_not_accepted(party: str, officer: str, n: int) -> None:
    t = transcript("phone", [("officer", "您好，派出所。"), ("party", party), ("officer", officer)])
    found = flags_of("REPORT_NOT_ACCEPTED", t)
    assert len(found) == n, [(f.quote, f.evidence) for f in found]
    for f in found:
        assert f.segment_ids[0] == "seg-0001" and f.role == "party"
        assert f.evidence["report"]


def test_deflection_raises_confidence() -> None:
    plain = transcript("counter", [("party", "我被骗了。"), ("officer", "嗯，知道了。")])
    deflected = transcript("counter", [("party", "我被骗了。"), ("officer", "不归我们管。")])
    (a,) = flags_of("REPORT_NOT_ACCEPTED", plain)
    (b,) = flags_of("REPORT_NOT_ACCEPTED", deflected)
    assert b.confidence > a.confidence
    assert b.segment_ids == ["seg-0000", "seg-0001"]


def test_officer_words_are_not_a_report_and_dispatch_is_out_of_scope() -> None:
    officer_only = transcript(
        "counter", [("officer", "您报警说手机被偷了是吧？"), ("party", "嗯。")]
    )
    assert flags_of("REPORT_NOT_ACCEPTED", officer_only) == []
    dispatch = transcript("dispatch", [("party", "我被骗了。"), ("officer", "明天去派出所报。")])
    assert flags_of("REPORT_NOT_ACCEPTED", dispatch) == []


def test_report_with_no_officer_reply_is_not_judged() -> None:
    t = transcript("counter", [("officer", "您好。"), ("party", "我被骗了。")])
    assert flags_of("REPORT_NOT_ACCEPTED", t) == []
