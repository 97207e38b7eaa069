"""Risk factors, score and level on short scripted transcripts (positive, passing mention, negated)."""

from __future__ import annotations

import pytest

from detectors.types import Transcript, Utterance
from pipeline.config import CONFIG_DIR, load_config
from rules.matching import MatchingOptions
from rules.risk import RiskScorer


@pytest.fixture(scope="module")
def scorer() -> RiskScorer:
    matching = MatchingOptions.model_validate(load_config().section("rules")["matching"])
    return RiskScorer.from_file(CONFIG_DIR / "rules" / "risk.yaml", matching=matching)


def tr(*lines: tuple[str, str]) -> Transcript:
    roles = {"O": "officer", "P": "party"}
    utts = tuple(
        Utterance(f"seg-{i:04d}", i * 2.0, i * 2.0 + 1.5, w, roles[w], t)  # type: ignore[arg-type]
        for i, (w, t) in enumerate(lines, 1)
    )
    return Transcript("rec-risk", "bodycam", len(utts) * 2.0, utts)


CASES = [
    ((("P", "你好，我来问问户口迁移的事。"),), "low", []),
    ((("P", "他拿着菜刀站在门口，说要砍人。"),), "medium", ["weapon"]),
    ((("P", "我老公打我，头上在流血。"),), "high", ["injury", "domestic_violence"]),
    (
        (("P", "我不想活了，活着还有什么意思。"), ("O", "你先把刀放下。")),
        "high",
        ["weapon", "self_harm"],
    ),
    ((("P", "我被骗了两万，对方冒充客服。"),), "medium", ["fraud"]),
    ((("P", "地铁口有个包，那人说等着爆炸吧。"),), "high", ["terror"]),
    # a passing question about knives is not a weapon; a denied injury is not an injury
    ((("O", "家里有刀吗？"), ("P", "没有受伤，就是吓到了。")), "low", []),
    # fraud in progress escalates
    ((("P", "有人说我涉嫌洗钱，要我马上把钱转到安全账户，我被骗子盯上了。"),), "high", ["fraud"]),
    # 流血 heard as 留血 (read xue, not xie): the longer form still matches by sound, at a fuzzy match's
    # lower weight, so it needs one more cue to make the factor
    ((("P", "我老公在打我，我头在留血，要救护车。"),), "high", ["injury", "domestic_violence"]),
    ((("P", "我老公在打我，我头在留血。"),), "medium", ["domestic_violence"]),
    # a suicide threat alone is high; a site still piling at night is not an escalation
    ((("P", "我现在在桥上，活着没意思，想从这跳下去。"),), "high", ["self_harm"]),
    ((("P", "都十一点了还在打桩，我们整栋楼都睡不着。"),), "low", []),
    ((("P", "隔壁那两口子又闹起来了，女的一直在喊别打了。"),), "medium", ["domestic_violence"]),
]


@pytest.mark.parametrize(("lines", "level", "factors"), CASES)
def test_risk(scorer: RiskScorer, lines: tuple, level: str, factors: list[str]) -> None:
    r = scorer.assess(tr(*lines))
    assert r.level == level, (r.score, r.factors)
    assert set(r.factors) == set(factors)
    for f in r.factors:
        assert r.evidence[f], f"factor {f} has no segment evidence"
    assert r.score >= 0.0
