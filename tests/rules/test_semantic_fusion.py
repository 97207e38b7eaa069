"""How the rules fuse the semantic layer's readings (``Utterance.semantics``) with their lexicons.

The rules are pure functions of a transcript, so these tests give utterances the probabilities a
semantic head would attach and check the fusion itself: what the classifier adds, what it vetoes, and
where it only asks for review. The detector that computes real probabilities is tested in
tests/detectors/test_semantic.py, and the whole path end to end in tests/pipeline/test_training.py.
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.config import load_config
from rules.analysis import RuleAnalyzer
from tests.rules.support_engine import codes, engine, transcript

SELF_ID = "您好，我是天平路派出所民警，警号031245。"
NOTICE = "现场执法记录仪正在录音录像，请您知悉。"
THEFT_CALL = "老板收了我们的钱就联系不上了，人也找不到。"


@lru_cache(maxsize=1)
def analyzer() -> RuleAnalyzer:
    return RuleAnalyzer.from_config(load_config())


def sem(**probs: float) -> dict[str, object]:
    """Utterance fields carrying semantic probabilities, e.g. sem(conduct_SPEECH_THREAT=0.9)."""
    pairs = tuple(sorted((k.replace("_", ".", 1), v) for k, v in probs.items()))
    return {"semantics": pairs}


def test_conduct_said_in_other_words_is_flagged_by_the_semantic_layer() -> None:
    words = "你再在这儿磨叽，咱们就换个地方慢慢聊。"
    plain = transcript("counter", [("party", "我要报案。"), ("officer", words)])
    assert "SPEECH_THREAT" not in codes(engine().run(plain)), "no listed wording in it"
    t = transcript(
        "counter",
        [("party", "我要报案。"), ("officer", words, sem(conduct_SPEECH_THREAT=0.91))],
    )
    flags = [f for f in engine().run(t) if f.code == "SPEECH_THREAT"]
    assert len(flags) == 1
    f = flags[0]
    assert f.evidence["layer"] == "semantic"
    assert f.evidence["probability"] == 0.91
    assert f.segment_ids == ["seg-0001"] and f.quote == words


def test_a_party_is_never_flagged_for_conduct_whatever_the_classifier_says() -> None:
    t = transcript("bodycam", [("party", "你们警察就是废物！", sem(conduct_SPEECH_PROFANITY=0.99))])
    assert "SPEECH_PROFANITY" not in codes(engine().run(t))


def test_near_threshold_and_negated_wordings_become_review_hints_not_flags() -> None:
    import yaml

    from pipeline.config import CONFIG_DIR

    pack = yaml.safe_load((CONFIG_DIR / "rules" / "conduct.yaml").read_text(encoding="utf-8"))
    band = next(r for r in pack["rules"] if r["id"] == "conduct.impatient")["semantic"]
    mid = round((band["review_threshold"] + band["threshold"]) / 2, 2)
    near = transcript(
        "counter", [("officer", "行了行了，下一个。", sem(conduct_SPEECH_IMPATIENT=mid))]
    )
    res = engine().run_detailed(near)
    assert "SPEECH_IMPATIENT" not in codes(res.flags)
    hint = next(h for h in res.hints if h.code == "SPEECH_IMPATIENT")
    assert hint.reason == "semantic_near_threshold" and hint.score == mid
    # the lexicon found the word and dropped it as negated: the classifier may not overrule that
    negated = transcript(
        "counter", [("officer", "我可没说你是傻子，别误会。", sem(conduct_SPEECH_PROFANITY=0.95))]
    )
    res = engine().run_detailed(negated)
    assert "SPEECH_PROFANITY" not in codes(res.flags)
    assert any(h.code == "SPEECH_PROFANITY" for h in res.hints)


def test_a_notice_in_other_words_vetoes_the_absence_flag() -> None:
    opening = SELF_ID + "我这机器从头到尾一直开着，咱们说的都留着底。"
    plain = transcript("bodycam", [("officer", opening), ("party", "好。")])
    assert "MISSING_RECORDING_NOTICE" in codes(engine().run(plain))
    t = transcript(
        "bodycam",
        [("officer", opening, sem(statement_recording_notice=0.8)), ("party", "好。")],
    )
    assert "MISSING_RECORDING_NOTICE" not in codes(engine().run(t))
    unsure = transcript(
        "bodycam",
        [("officer", opening, sem(statement_recording_notice=0.4)), ("party", "好。")],
    )
    res = engine().run_detailed(unsure)
    assert "MISSING_RECORDING_NOTICE" not in codes(res.flags)
    hint = next(h for h in res.hints if h.code == "MISSING_RECORDING_NOTICE")
    assert hint.evidence["semantic_nearest"]["segment_id"] == "seg-0000"


def test_category_and_disposition_votes_reach_the_mismatch_flags() -> None:
    from detectors.types import IncidentRecord

    inc = IncidentRecord(
        incident_id="T-1", recorded_category="dispute", recorded_disposition="case_accepted"
    )
    t = transcript(
        "counter",
        [
            ("officer", SELF_ID),
            ("party", "我那个手机，放桌上一转身就没了。", sem(category_theft=0.93)),
            ("officer", "这样吧，你先回去，等有空了再说。", sem(disposition_no_action=0.88)),
        ],
        incident=inc,
    )
    a = analyzer().assess(t)
    assert a.category is not None and a.category.value == "theft"
    assert a.disposition is not None and a.disposition.value == "no_action"
    got = codes(a.flags)
    assert {"CATEGORY_MISMATCH", "DISPOSITION_MISMATCH"} <= got
    mismatch = next(f for f in a.flags if f.code == "CATEGORY_MISMATCH")
    assert any(c["phrase"] == "semantic:category.theft" for c in mismatch.evidence["cues"])


def test_semantic_urgency_and_risk_reach_the_triage() -> None:
    t = transcript(
        "dispatch",
        [
            ("officer", "您好，一一零。"),
            (
                "party",
                "楼下那个人拎着把菜刀在单元门口转悠。",
                sem(urgency_urgent=0.9, risk_weapon=0.92),
            ),
        ],
    )
    a = analyzer().assess(t)
    assert "weapon" in a.risk.factors
    assert a.call is not None and a.call.urgency == "urgent"


def test_a_turn_too_short_to_read_tone_only_asks_for_review() -> None:
    t = transcript("counter", [("officer", "您好，什么事？", sem(conduct_SPEECH_IMPATIENT=0.96))])
    res = engine().run_detailed(t)
    assert "SPEECH_IMPATIENT" not in codes(res.flags)
    hint = next(h for h in res.hints if h.code == "SPEECH_IMPATIENT")
    assert hint.score == 0.96


def test_a_conduct_code_the_head_reads_second_only_asks_for_review() -> None:
    """One utterance, one conduct reading: a brush-off the head reads as shirking first keeps that flag;
    its weaker impatience reading becomes a hint, and alone (the other code outranking it) it still flags."""
    words = "那你就去单位那边问问吧，我们这边弄不了。"
    both = sem(conduct_SPEECH_SHIRKING=0.96, conduct_SPEECH_IMPATIENT=0.7)
    res = engine().run_detailed(
        transcript("phone", [("party", "我要反映个事。"), ("officer", words, both)])
    )
    assert "SPEECH_SHIRKING" in codes(res.flags)
    assert "SPEECH_IMPATIENT" not in codes(res.flags)
    hint = next(h for h in res.hints if h.code == "SPEECH_IMPATIENT")
    assert hint.score == 0.7 and hint.evidence["outranked_by"] == {
        "label": "conduct.SPEECH_SHIRKING",
        "probability": 0.96,
    }
    alone = sem(conduct_SPEECH_IMPATIENT=0.7)
    res = engine().run_detailed(
        transcript("phone", [("party", "我要反映个事。"), ("officer", words, alone)])
    )
    assert "SPEECH_IMPATIENT" in codes(res.flags)


def test_a_worded_acceptance_both_layers_read_as_none_asks_for_review() -> None:
    """The receipt is owed for a case taken; "到时候直接立案" (later, if) is not one when neither the
    turn's statement head nor the dialogue's disposition head sees an acceptance."""
    later = "要是查出来他卷款跑了，那就是刑事案件，到时候直接立案。"
    turns = [("party", THEFT_CALL), ("officer", later, sem(statement_report_accepted=0.01))]
    res = engine().run_detailed(
        transcript("counter", turns, semantics=(("dialogue_disposition.case_accepted", 0.02),))
    )
    assert "MISSING_RECEIPT" not in codes(res.flags)
    (hint,) = [h for h in res.hints if h.code == "MISSING_RECEIPT"]
    assert hint.reason == "semantic_disagrees"
    assert hint.evidence["semantic_disagrees"] == {"utterance": 0.01, "dialogue": 0.02}
    # either layer seeing an acceptance keeps the flag, as does a transcript without a semantic layer
    for semantics in ((("dialogue_disposition.case_accepted", 0.4),), ()):
        t = transcript("counter", turns, semantics=semantics)
        assert "MISSING_RECEIPT" in codes(engine().run(t))
    turn_yes = [("party", THEFT_CALL), ("officer", later, sem(statement_report_accepted=0.2))]
    t = transcript("counter", turn_yes, semantics=(("dialogue_disposition.case_accepted", 0.02),))
    assert "MISSING_RECEIPT" in codes(engine().run(t))


def test_worded_acceptances_do_not_count_when_the_encounter_reads_as_nothing_done() -> None:
    """The words "登记也没用" name the registration, it does not make it: with the disposition head reading
    ``no_action`` more likely than not, a report answered only by such words is not accepted."""
    turns = [
        ("party", "我的电动车在小区门口被人偷了。"),
        ("officer", "这种车一年丢好几百辆，登记也没用，找不回来的。"),
        ("party", "那就算了？"),
    ]
    nothing = (("dialogue_disposition.no_action", 0.8),)
    (f,) = [
        f
        for f in engine().run(transcript("counter", turns, semantics=nothing))
        if f.code == "REPORT_NOT_ACCEPTED"
    ]
    assert f.evidence["acceptance_overruled"] == {
        "dialogue_disposition.no_action": 0.8,
        "phrases": ["登记"],
    }
    # an unsure reading, or no semantic layer, leaves the worded acceptance standing
    for semantics in ((("dialogue_disposition.no_action", 0.3),), ()):
        t = transcript("counter", turns, semantics=semantics)
        assert "REPORT_NOT_ACCEPTED" not in codes(engine().run(t))
    # an acceptance the statement head itself read is never overruled
    taken = [*turns[:1], ("officer", "好，我给你登记上。", sem(statement_report_accepted=0.9))]
    t = transcript("counter", taken, semantics=nothing)
    assert "REPORT_NOT_ACCEPTED" not in codes(engine().run(t))


def test_a_listed_wording_the_head_reads_as_acceptable_only_asks_for_review() -> None:
    """The polite "麻烦你了" is one pinyin letter from the listed "麻烦死了": matched by sound, it flagged a
    request. Where the head read the turn and gave every conduct code under ``veto_below``, the layers
    disagree outright and the hit becomes a ``semantic_disagrees`` hint; a strong reading of any conduct
    code, or a turn the semantic layer never read, keeps the lexicon's flag."""
    polite = "麻烦你了，把身份证给我看一下。"
    party = ("party", "我就是来问问的。")
    unread = transcript("counter", [party, ("officer", polite)])
    assert "SPEECH_IMPATIENT" in codes(engine().run(unread))  # the match by sound alone decides
    read_clean = sem(speaker_officer=0.97, conduct_SPEECH_IMPATIENT=0.01)
    res = engine().run_detailed(transcript("counter", [party, ("officer", polite, read_clean)]))
    assert "SPEECH_IMPATIENT" not in codes(res.flags)
    (hint,) = [h for h in res.hints if h.code == "SPEECH_IMPATIENT"]
    assert hint.reason == "semantic_disagrees"
    assert hint.evidence["semantic_disagrees"] == {
        "label": "conduct.SPEECH_IMPATIENT",
        "probability": 0.01,
        "veto_below": 0.05,
    }
    assert hint.evidence["matched_phrase"] == "麻烦死了"
    # the head reading the turn as a threat: misconduct all the same, the impatience wording stands
    rival = sem(speaker_officer=0.97, conduct_SPEECH_THREAT=0.9)
    res = engine().run_detailed(transcript("counter", [party, ("officer", polite, rival)]))
    assert "SPEECH_IMPATIENT" in codes(res.flags)


def test_an_insult_read_in_one_clause_is_flagged_and_quoted_by_that_clause() -> None:
    words = "材料都带齐了吗？你这个没脑子的，表上写的清清楚楚要复印件。"
    clause = "你这个没脑子的"
    whole = sem(conduct_SPEECH_IMPATIENT=0.33)

    def turn(p: float) -> dict[str, object]:
        return {**whole, "clauses": (("conduct.SPEECH_PROFANITY", p, clause),)}

    diluted = transcript("phone", [("party", "我来办居住证。"), ("officer", words, whole)])
    assert "SPEECH_PROFANITY" not in codes(engine().run(diluted)), "the turn as a whole reads mild"
    t = transcript("phone", [("party", "我来办居住证。"), ("officer", words, turn(0.97))])
    f = next(f for f in engine().run(t) if f.code == "SPEECH_PROFANITY")
    assert f.evidence["layer"] == "semantic" and f.evidence["clause"] == clause
    assert f.evidence["probability"] == 0.97 and f.segment_ids == ["seg-0001"]
    assert clause in f.explanation_zh and "复印件" not in f.explanation_zh
    # a clause is short, and short texts read stronger than they are: under the clause threshold
    # it decides nothing (whole turns keep their own, lower threshold)
    weak = transcript("phone", [("party", "我来办居住证。"), ("officer", words, turn(0.8))])
    assert "SPEECH_PROFANITY" not in codes(engine().run(weak))
    # only profanity is read by clause: a threat clause in a mild turn stays unflagged
    threat = {**whole, "clauses": (("conduct.SPEECH_THREAT", 0.97, clause),)}
    t = transcript("phone", [("party", "我来办居住证。"), ("officer", words, threat)])
    assert "SPEECH_THREAT" not in codes(engine().run(t))
