"""Category / disposition inference and the 如实受立案 flags, on short scripted transcripts.

Sentences here are written for the tests (not taken from the evaluation set): each case states what a
reviewer would conclude, including negated, quoted, past and party-said wording.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors.types import IncidentRecord, Transcript, Utterance
from pipeline.config import CONFIG_DIR, load_config
from rules.errors import RulePackError
from rules.inference import Inferrer
from rules.matching import MatchingOptions

PACK = CONFIG_DIR / "rules" / "inference.yaml"


@pytest.fixture(scope="module")
def matching() -> MatchingOptions:
    return MatchingOptions.model_validate(load_config().section("rules")["matching"])


@pytest.fixture(scope="module")
def inferrer(matching: MatchingOptions) -> Inferrer:
    return Inferrer.from_file(PACK, matching=matching)


def transcript(
    lines: list[tuple[str, str]],
    source: str = "counter",
    incident: IncidentRecord | None = None,
) -> Transcript:
    roles = {"O": "officer", "P": "party", "T": "third_party"}
    utts = tuple(
        Utterance(
            id=f"seg-{i:04d}",
            start=i * 3.0,
            end=i * 3.0 + 2.5,
            speaker=who,
            role=roles[who],  # type: ignore[arg-type]
            text=text,
        )
        for i, (who, text) in enumerate(lines, 1)
    )
    return Transcript("rec-test", source, len(utts) * 3.0, utts, incident=incident)  # type: ignore[arg-type]


CATEGORY_CASES = [
    ([("P", "我的自行车昨天晚上在楼下让人偷走了。")], "theft"),
    ([("P", "我在网上被骗了八千块，对方现在把我拉黑了。")], "fraud"),
    ([("P", "他喝多了就动手打了我，我脸上到现在还疼。")], "assault"),
    ([("P", "我丈夫昨晚又打我，孩子都吓哭了。")], "domestic_violence"),
    ([("P", "我的车停路边被一辆出租车追尾了。")], "traffic"),
    ([("P", "隔壁装修声从早上七点开始，吵得我们没法休息。")], "noise"),
    ([("P", "我的身份证不知道丢在哪里了，可能掉了。")], "lost_property"),
    ([("P", "我想咨询一下居住证怎么办理。")], "consultation"),
    ([("P", "我按错了，不好意思。")], "other"),
    # negated: the party says it was not stolen, they lost it
    ([("P", "不是被偷的，是我自己不小心弄丢了。")], "lost_property"),
    # a past case mentioned in a progress enquiry is a consultation, not a new theft
    ([("P", "我去年报过一个车被偷的案子，想问一下有进展了吗？")], "consultation"),
    # colloquial passives, group beatings, a car knocking someone down, an ongoing row between a couple
    ([("P", "我刚在公交上，手机就让人给摸走了。")], "theft"),
    ([("P", "好几个人围着一个人踹，那人满脸是血。")], "assault"),
    ([("P", "一辆小轿车右转的时候把骑电动车的大爷给带倒了。")], "traffic"),
    ([("P", "隔壁那两口子又打起来了，女的一直在喊“别打了”。")], "domestic_violence"),
    ([("P", "他把柜台上的手机揣兜里就跑了。")], "theft"),
    ([("P", "这人天天把车横在我车位上，我上班都出不去。")], "dispute"),
    ([("P", "隔壁的狗从十点叫到现在，一晚上没法睡。")], "noise"),
    # idioms are not cues: a headache is not a bomb
    ([("P", "楼上天天半夜放音乐，吵得我头都要炸了。")], "noise"),
    # the officer relabels a theft as a labour matter: the party's account decides
    (
        [
            ("P", "收银员把店里的营业款偷走了，监控都拍到了。"),
            ("O", "这是你们内部的劳动纠纷，找劳动部门。"),
        ],
        "theft",
    ),
]


@pytest.mark.parametrize(("lines", "expected"), CATEGORY_CASES)
def test_category(inferrer: Inferrer, lines: list[tuple[str, str]], expected: str) -> None:
    cat, _ = inferrer.infer(transcript(lines))
    assert cat.inference.value == expected, cat.scores
    if expected != "other":
        assert cat.inference.segment_ids and cat.inference.cues


DISPOSITION_CASES = [
    ([("O", "这个情况我们按诈骗立案，给您做笔录。")], "case_accepted"),
    # negated acceptance is not acceptance; told to come back is no action
    ([("O", "这个我们不受理，你下周一再说，明天再来吧。")], "no_action"),
    ([("O", "受理不了，这种事你去找市场监管部门。")], "referred"),
    # a referral worded as optional advice is advice
    ([("O", "你们先自己协商，如果谈不拢可以打12345反映。")], "advised"),
    ([("O", "双方已经自愿协商解决了，这事就调解到这。")], "mediated"),
    ([("O", "民警马上过去，请您保持电话畅通。")], "pending"),
    ([("O", "我们已经出警了，您在原地等。")], "pending"),
    ([("O", "好，我已经通知交警和一二零过去了，先别挪动伤者。")], "pending"),
    ([("O", "这事我们接了，等会儿跟我回所里录个笔录。")], "case_accepted"),
    ([("O", "那就这么说定了，钱当面结清。")], "mediated"),
    # describing this call-out is not promising one
    ([("O", "咱们这次出警全程录像，你们俩先说清楚，我建议各退一步。")], "advised"),
    # a mediation in the past does not make today's disposition
    ([("O", "上次已经给你们调解过了，这次建议你们走法律途径。")], "advised"),
    # the party asking to be registered is not the officer registering
    ([("P", "你们能不能给我受理一下？"), ("O", "明天再来。")], "no_action"),
    # the officer quoting a colleague ("他说受理了") is not an acceptance
    ([("O", "“已经受理了”是他说的，不是我们，你明天再来问。")], "no_action"),
]


@pytest.mark.parametrize(("lines", "expected"), DISPOSITION_CASES)
def test_disposition(inferrer: Inferrer, lines: list[tuple[str, str]], expected: str) -> None:
    _, disp = inferrer.infer(transcript(lines))
    assert disp.inference.value == expected, disp.scores


def test_nothing_said_gives_low_confidence_default(inferrer: Inferrer) -> None:
    cat, disp = inferrer.infer(transcript([("P", "喂？"), ("O", "喂，你好。")]))
    assert cat.inference.value == "other" and cat.inference.confidence <= 0.3
    assert disp.inference.confidence <= 0.3


# a leak between neighbours: advice and a mediation referral together (the record "advised" is half
# supported), and a plain referral to the street office (the record "advised" is contradicted)
LEAK_ADVICE_AND_MEDIATION = [
    ("P", "楼上天天漏水，我跟他说了好几次了。"),
    ("O", "这个你先跟楼上好好沟通，建议找物业出面协调。"),
    ("O", "物业解决不了的，你去街道调解委员会。"),
]
LEAK_REFERRED = [
    ("P", "楼上天天漏水。"),
    ("O", "建议你们双方坐下来好好谈谈。"),
    ("O", "这个归街道管，你去街道办。"),
]

THEFT_DEFLECTED = [
    ("P", "我的手机刚才在公交上被人偷了。"),
    ("O", "公交上的事不归我们管，你去找公交公司。"),
]


def _codes(inferrer: Inferrer, tr: Transcript) -> set[str]:
    cat, disp = inferrer.infer(tr)
    return {f.code for f in inferrer.findings(tr, cat, disp)[0]}


def test_mismatch_flags_when_record_differs(inferrer: Inferrer) -> None:
    inc = IncidentRecord("INC-1", recorded_category="lost_property", recorded_disposition="advised")
    tr = transcript(THEFT_DEFLECTED, incident=inc)
    cat, disp = inferrer.infer(tr)
    flags = inferrer.findings(tr, cat, disp)[0]
    by_code = {f.code: f for f in flags}
    assert set(by_code) == {"CATEGORY_MISMATCH", "DISPOSITION_MISMATCH", "REPORT_NOT_ACCEPTED"}
    cm = by_code["CATEGORY_MISMATCH"]
    assert cm.evidence["recorded"] == "lost_property" and cm.evidence["inferred"] == "theft"
    assert "seg-0001" in cm.segment_ids and cm.end >= cm.start
    assert "遗失物品" in cm.explanation_zh and "theft" in cm.explanation_en
    assert 0.4 <= cm.confidence <= 1.0


def test_no_mismatch_when_record_agrees_or_is_absent(inferrer: Inferrer) -> None:
    inc = IncidentRecord("INC-2", recorded_category="theft", recorded_disposition="referred")
    assert "CATEGORY_MISMATCH" not in _codes(inferrer, transcript(THEFT_DEFLECTED, incident=inc))
    assert "DISPOSITION_MISMATCH" not in _codes(inferrer, transcript(THEFT_DEFLECTED, incident=inc))
    no_record = _codes(inferrer, transcript(THEFT_DEFLECTED))
    assert not no_record & {"CATEGORY_MISMATCH", "DISPOSITION_MISMATCH"}


def test_a_record_the_recording_half_supports_is_a_hint_not_a_flag(inferrer: Inferrer) -> None:
    """Advice and a referral to mediation in one talk, recorded as "advised": the recording leans
    to mediation but supports the record too, so a reviewer gets a hint with the scores; with the
    record's own vote well under the winner's it stays a finding."""
    inc = IncidentRecord("INC-3", recorded_category="dispute", recorded_disposition="advised")
    both = LEAK_ADVICE_AND_MEDIATION
    tr = transcript(both, incident=inc)
    cat, disp = inferrer.infer(tr)
    assert disp.inference.value != "advised" and disp.scores.get("advised", 0) > 0
    assert "DISPOSITION_MISMATCH" not in {f.code for f in inferrer.findings(tr, cat, disp)[0]}
    (hint,) = inferrer.findings(tr, cat, disp)[1]
    assert hint.code == "DISPOSITION_MISMATCH" and hint.reason == "record_partly_supported"
    assert hint.evidence["recorded"] == "advised" and hint.segment_ids
    clear = LEAK_REFERRED
    tr = transcript(clear, incident=inc)
    cat, disp = inferrer.infer(tr)
    assert "DISPOSITION_MISMATCH" in {f.code for f in inferrer.findings(tr, cat, disp)[0]}
    assert not inferrer.findings(tr, cat, disp)[1]


def test_the_record_stands_where_the_recording_does_not_contradict_it(
    inferrer: Inferrer, matching: MatchingOptions
) -> None:
    """A difference that is only a hint leaves the record's code in the field, the recording's own
    reading beside it; a flagged difference, no record, or a code outside the vocabulary leaves the
    recording's reading; with ``record_stands`` off the field is always the recording's reading."""
    inc = IncidentRecord("INC-6", recorded_category="dispute", recorded_disposition="advised")
    both = LEAK_ADVICE_AND_MEDIATION
    tr = transcript(both, incident=inc)
    cat, disp = inferrer.infer(tr)
    flags, hints = inferrer.findings(tr, cat, disp)
    assert [h.code for h in hints] == ["DISPOSITION_MISMATCH"] and not flags
    _, settled = inferrer.settle(cat, disp, flags)
    assert settled.value == "advised" and settled.basis == "record"
    assert settled.inferred == disp.inference.value != "advised"
    assert settled.confidence == round(1.0 - disp.inference.confidence, 3)

    clear = LEAK_REFERRED
    tr = transcript(clear, incident=inc)
    cat, disp = inferrer.infer(tr)
    flags, _ = inferrer.findings(tr, cat, disp)
    assert "DISPOSITION_MISMATCH" in {f.code for f in flags}
    assert inferrer.settle(cat, disp, flags)[1] == disp.inference

    for record in (None, IncidentRecord("INC-7", recorded_disposition="closed_by_phone")):
        tr = transcript(both, incident=record)
        cat, disp = inferrer.infer(tr)
        assert inferrer.settle(cat, disp, [])[1].basis == "recording"

    pack = inferrer.pack
    off = pack.model_copy(
        update={
            "disposition_mismatch": pack.disposition_mismatch.model_copy(
                update={"record_stands": False}
            )
        }
    )
    tr = transcript(both, incident=inc)
    plain = Inferrer(off, matching=matching)
    cat, disp = plain.infer(tr)
    assert plain.settle(cat, disp, [])[1] == disp.inference


def test_the_dialogue_reading_votes_and_can_keep_a_record_plausible(inferrer: Inferrer) -> None:
    """The dialogue heads' reading (``Transcript.semantics``) is a vote of its own, cited on the
    officer turn that says the outcome most plainly; where it still gives the recorded value
    ``max_recorded_prob`` the record is not contradicted, only put to a reviewer."""
    from dataclasses import replace

    vague = [("P", "我家门口的快递又没了。"), ("O", "行，我知道了，你先回去等消息。")]
    tr = transcript(vague)
    assert inferrer.infer(tr)[1].scores.get("pending", 0.0) == 0.0
    read = replace(tr, semantics=(("dialogue_disposition.pending", 0.9),))
    votes = inferrer.pack.disposition.dialogue
    assert votes is not None
    (hit,) = votes.hits(read)
    assert (hit.key, hit.utterance_id, hit.phrase) == (
        "pending",
        "seg-0002",
        "dialogue:dialogue_disposition.pending",
    )
    assert inferrer.infer(read)[1].scores["pending"] == pytest.approx(votes.weight * 0.9)
    assert not votes.hits(replace(tr, semantics=(("dialogue_disposition.pending", 0.2),)))

    inc = IncidentRecord("INC-4", recorded_category="dispute", recorded_disposition="advised")
    clear = LEAK_REFERRED
    sure = replace(
        transcript(clear, incident=inc),
        semantics=(("dialogue_disposition.advised", 0.05), ("dialogue_disposition.referred", 0.9)),
    )
    cat, disp = inferrer.infer(sure)
    flags, hints = inferrer.findings(sure, cat, disp)
    assert "DISPOSITION_MISMATCH" in {f.code for f in flags} and not hints
    plausible = replace(
        sure,
        semantics=(("dialogue_disposition.advised", 0.4), ("dialogue_disposition.referred", 0.6)),
    )
    cat, disp = inferrer.infer(plausible)
    flags, hints = inferrer.findings(plausible, cat, disp)
    assert disp.inference.value == "referred"
    assert "DISPOSITION_MISMATCH" not in {f.code for f in flags}
    assert [h.reason for h in hints] == ["record_partly_supported"]


def test_a_record_another_reviewer_could_keep_is_a_hint_not_a_flag(inferrer: Inferrer) -> None:
    """The plausible-record head (trained on annotated alternatives) says whether a recorded code is
    one a reviewer elsewhere could choose for the exchange: then the difference is a convention, put
    to a reviewer as a hint; a code it finds implausible stays a contradiction."""
    from dataclasses import replace

    opts = inferrer.pack.disposition_mismatch
    assert opts.plausible_head == "dialogue_disposition_plausible"
    inc = IncidentRecord("INC-5", recorded_category="dispute", recorded_disposition="advised")
    clear = LEAK_REFERRED
    reading = (("dialogue_disposition.advised", 0.05), ("dialogue_disposition.referred", 0.9))
    base = transcript(clear, incident=inc)
    for p_advised, flagged in ((opts.max_plausible_prob + 0.1, False), (0.02, True)):
        tr = replace(
            base,
            semantics=(*reading, ("dialogue_disposition_plausible.advised", p_advised)),
        )
        cat, disp = inferrer.infer(tr)
        flags, hints = inferrer.findings(tr, cat, disp)
        assert ("DISPOSITION_MISMATCH" in {f.code for f in flags}) is flagged
        assert bool([h for h in hints if h.code == "DISPOSITION_MISMATCH"]) is not flagged
        if not flagged:
            (hint,) = [h for h in hints if h.code == "DISPOSITION_MISMATCH"]
            assert (
                hint.reason == "record_partly_supported" and hint.evidence["recorded"] == "advised"
            )
            assert hint.evidence["record_plausible"] == round(p_advised, 3)


def test_a_beating_recorded_as_a_dispute_stays_a_contradiction(
    inferrer: Inferrer, matching: MatchingOptions
) -> None:
    """However plausible the head finds a 纠纷 record for a fight (reviewers often write it so), a
    record softer than the offence the recording shows is the downgrading the rule exists to find;
    the same plausibility still softens a record between two offences or two non-offences."""
    from dataclasses import replace

    opts = inferrer.pack.category_mismatch
    assert "assault" in opts.plausible_unless_downgraded
    assert "dispute" not in opts.plausible_unless_downgraded
    beaten = [
        ("P", "他二话不说上来就打我，一拳打在我脸上，牙都松了。"),
        ("O", "您先坐，哪里受伤了？我们先看一下伤情。"),
    ]
    lenient = (("dialogue_category_plausible.dispute", 0.95),)
    inc = IncidentRecord("INC-8", recorded_category="dispute", recorded_disposition="advised")
    tr = replace(transcript(beaten, incident=inc), semantics=lenient)
    cat, disp = inferrer.infer(tr)
    assert cat.inference.value == "assault"
    flags, hints = inferrer.findings(tr, cat, disp)
    (flag,) = [f for f in flags if f.code == "CATEGORY_MISMATCH"]
    assert flag.evidence["record_plausible"] == 0.95
    assert not [h for h in hints if h.code == "CATEGORY_MISMATCH"]

    off = inferrer.pack.model_copy(
        update={"category_mismatch": opts.model_copy(update={"plausible_unless_downgraded": []})}
    )
    plain = Inferrer(off, matching=matching)
    cat, disp = plain.infer(tr)
    flags, hints = plain.findings(tr, cat, disp)
    assert "CATEGORY_MISMATCH" not in {f.code for f in flags}
    assert [h.code for h in hints if h.code == "CATEGORY_MISMATCH"] == ["CATEGORY_MISMATCH"]


def test_a_category_only_the_dialogue_head_reads_questions_the_record_without_contradicting_it(
    inferrer: Inferrer, matching: MatchingOptions
) -> None:
    """With no cue of the lexicon or the utterance head, the dialogue head's reading names the
    category but only puts a different record to a reviewer (``dialogue_alone_contests``)."""
    from dataclasses import replace

    opts = inferrer.pack.category_mismatch
    assert opts.dialogue_alone_contests
    inc = IncidentRecord("INC-9", recorded_category="noise", recorded_disposition="advised")
    plain_talk = [("P", "你好，我想跟你们说一下那个情况。"), ("O", "好的，您慢慢说。")]
    tr = replace(
        transcript(plain_talk, incident=inc),
        semantics=(("dialogue_category.fraud", 0.97), ("dialogue_category.noise", 0.01)),
    )
    cat, disp = inferrer.infer(tr)
    assert cat.inference.value == "fraud" and cat.hits
    assert all(h.phrase.startswith("dialogue:") for h in cat.hits)
    flags, hints = inferrer.findings(tr, cat, disp)
    assert "CATEGORY_MISMATCH" not in {f.code for f in flags}
    assert [h.code for h in hints if h.code == "CATEGORY_MISMATCH"] == ["CATEGORY_MISMATCH"]

    off = inferrer.pack.model_copy(
        update={"category_mismatch": opts.model_copy(update={"dialogue_alone_contests": False})}
    )
    strict = Inferrer(off, matching=matching)
    cat, disp = strict.infer(tr)
    flags, _ = strict.findings(tr, cat, disp)
    assert "CATEGORY_MISMATCH" in {f.code for f in flags}


def test_a_reading_of_nothing_specific_never_contradicts_a_record(
    inferrer: Inferrer, matching: MatchingOptions
) -> None:
    """A caller who only asks or only rambles ("other", "consultation") is no evidence that the
    dispute on the record did not happen: the difference goes to a reviewer as a hint
    (``residual``); without the option the same call is flagged."""
    opts = inferrer.pack.category_mismatch
    assert {"other", "consultation"} <= set(opts.residual)
    inc = IncidentRecord("INC-10", recorded_category="dispute", recorded_disposition="advised")
    misdial = [("P", "我按错了，不好意思。"), ("O", "好的，没关系。")]
    tr = transcript(misdial, source="phone", incident=inc)
    cat, disp = inferrer.infer(tr)
    assert cat.inference.value == "other"
    flags, hints = inferrer.findings(tr, cat, disp)
    assert "CATEGORY_MISMATCH" not in {f.code for f in flags}
    (hint,) = [h for h in hints if h.code == "CATEGORY_MISMATCH"]
    assert hint.evidence["recorded"] == "dispute" and hint.evidence["inferred"] == "other"

    off = inferrer.pack.model_copy(
        update={"category_mismatch": opts.model_copy(update={"residual": []})}
    )
    strict = Inferrer(off, matching=matching)
    cat, disp = strict.infer(tr)
    flags, _ = strict.findings(tr, cat, disp)
    assert "CATEGORY_MISMATCH" in {f.code for f in flags}


def test_report_not_accepted_scoped_by_source_and_acceptance(inferrer: Inferrer) -> None:
    assert "REPORT_NOT_ACCEPTED" in _codes(inferrer, transcript(THEFT_DEFLECTED, "phone"))
    assert "REPORT_NOT_ACCEPTED" not in _codes(inferrer, transcript(THEFT_DEFLECTED, "dispatch"))
    accepted = [THEFT_DEFLECTED[0], ("O", "好的，我们按盗窃受理，给您出具受案回执。")]
    assert "REPORT_NOT_ACCEPTED" not in _codes(inferrer, transcript(accepted))


def test_asr_homophones_still_count(inferrer: Inferrer) -> None:
    # Whisper-style garbling of 被人偷了 (homophones) still reads as a theft
    cat, _ = inferrer.infer(transcript([("P", "我的电动车昨晚在小区里被忍透了。")]))
    assert cat.inference.value == "theft"


def test_asr_homophones_of_the_officers_words_still_count(inferrer: Inferrer) -> None:
    # 按盗窃受理 heard as 案道切收离: the officer's classification names the offence and accepts it
    cat, disp = inferrer.infer(
        transcript(
            [("P", "我的快递放在门口不见了。"), ("O", "好，这个案道切收离，我先给你做个登记。")]
        )
    )
    assert (cat.inference.value, disp.inference.value) == ("theft", "case_accepted")
    # 协商不成可以 heard as 写商不成可一: still advice about a hotline, not a referral
    _, disp = inferrer.infer(
        transcript([("O", "你们先写商，写商不成可一打12315找市场监管部门处理。")])
    )
    assert disp.inference.value == "advised", disp.scores
    # ...while a short marker never matches on sound alone (可一 is not 可以)
    _, disp = inferrer.infer(transcript([("O", "可一打12315找市场监管部门处理。")]))
    assert disp.inference.value == "referred", disp.scores


def test_broken_pack_raises(tmp_path: Path, matching: MatchingOptions) -> None:
    text = PACK.read_text(encoding="utf-8").replace("default: other", "default: burglary", 1)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(RulePackError, match="bad.yaml"):
        Inferrer.from_file(bad, matching=matching)
    with pytest.raises(RulePackError, match="not found"):
        Inferrer.from_file(tmp_path / "missing.yaml", matching=matching)
    # a residual reading that is no category (a typo) is refused, not silently ignored
    typo = PACK.read_text(encoding="utf-8").replace(
        "residual: [other, consultation]", "residual: [others]", 1
    )
    assert "residual: [others]" in typo
    (tmp_path / "typo.yaml").write_text(typo, encoding="utf-8")
    with pytest.raises(RulePackError, match="others"):
        Inferrer.from_file(tmp_path / "typo.yaml", matching=matching)


def test_with_no_cue_strong_enough_the_dialogue_head_s_best_reading_is_the_guess(
    inferrer: Inferrer,
) -> None:
    """Nothing reaches ``min_score``: the value is the dialogue head's most probable reading (a best
    guess beats the fixed default), at half its probability as confidence, so a guess alone never
    contradicts the case record."""
    from dataclasses import replace

    plain = transcript([("P", "我想问个事。"), ("O", "嗯，您说。")])
    cat, disp = inferrer.infer(plain)
    assert (cat.inference.value, disp.inference.value) == ("other", "advised")  # the defaults
    read = replace(
        plain,
        incident=IncidentRecord("INC-9", recorded_category="theft", recorded_disposition="advised"),
        semantics=(
            ("dialogue_category.dispute", 0.46),
            ("dialogue_category.other", 0.3),
            ("dialogue_disposition.mediated", 0.41),
            ("dialogue_disposition.advised", 0.35),
        ),
    )
    cat, disp = inferrer.infer(read)
    assert (cat.inference.value, cat.inference.confidence) == ("dispute", 0.23)
    assert cat.inference.cues == ["dialogue-best:dispute"]
    assert (disp.inference.value, disp.inference.confidence) == ("mediated", 0.205)
    flags, hints = inferrer.findings(read, cat, disp)
    assert not flags and not hints
