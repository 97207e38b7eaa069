"""Rule packs and the engine: schema validation, broken packs, registry, extension kinds, output order."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml

from detectors.types import Transcript
from pipeline.config import load_config
from rules.engine import RuleEngine
from rules.errors import RulePackError
from rules.pack import RuleSpec
from rules.registry import RULE_KINDS, Finding, Rule, register_rule_kind
from tests.rules.support_engine import engine, transcript

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def _section(**changes: Any) -> dict[str, Any]:
    sec = load_config().section("rules")
    sec.update(changes)
    return sec


def _pack() -> dict[str, Any]:
    return yaml.safe_load((CONFIGS / "rules" / "conduct.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: Any, name: str = "pack.yaml") -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True))
    return p


def _load(tmp_path: Path, data: Any) -> RuleEngine:
    return RuleEngine.from_config(_section(packs=[str(_write(tmp_path, data))]))


def test_shipped_packs_load() -> None:
    e = engine()
    assert e.rule_packs == {"conduct": "1.4.0", "procedure": "1.0.0", "media": "1.1.0"}
    assert {r.code for r in e.registry.rules} >= {
        "SPEECH_PROFANITY",
        "MISSING_SELF_ID",
        "MISSING_RECEIPT",
        "REPORT_NOT_ACCEPTED",
        "OFFICER_AGITATION",
    }


def _broken(mutate: Any) -> dict[str, Any]:
    data = _pack()
    mutate(data)
    return data


BROKEN = {
    "bad regex": (
        lambda d: d["rules"][0]["lexicon"]["patterns"].update({"x": "(unclosed"}),
        "conduct.profanity",
    ),
    "score out of range": (
        lambda d: d["rules"][1].update({"base_confidence": 1.5}),
        "conduct.threat",
    ),
    "unknown field": (lambda d: d["rules"][2].update({"treshold": 0.3}), "conduct.shirking"),
    "unknown kind": (lambda d: d["rules"][0].update({"kind": "magic"}), "conduct.profanity"),
    "unknown code": (lambda d: d["rules"][0].update({"code": "SPEECH_RUDE"}), "conduct.profanity"),
    "empty lexicon": (
        lambda d: d["rules"][3].update({"lexicon": {"phrases": [], "patterns": {}}}),
        "conduct.impatient",
    ),
    "unknown template field": (
        lambda d: d["rules"][0].update({"explanation_en": "said {word}"}),
        "conduct.profanity",
    ),
    "veto above the threshold": (
        lambda d: d["rules"][3]["semantic"].update({"veto_below": 0.9}),
        "conduct.impatient",
    ),
    "duplicate id": (
        lambda d: d["rules"][1].update({"id": "conduct.profanity"}),
        "conduct.profanity",
    ),
    "bad source": (
        lambda d: d["rules"][0]["scope"].update({"sources": ["radio"]}),
        "conduct.profanity",
    ),
    "missing enabled": (lambda d: d["rules"][0].pop("enabled"), "conduct.profanity"),
    "clause threshold under the whole turn's": (
        lambda d: d["rules"][0]["semantic"].update({"clause_threshold": 0.2}),
        "conduct.profanity",
    ),
    "no context": (lambda d: d.pop("context"), "conduct.profanity"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_pack_names_file_and_rule(tmp_path: Path, case: str) -> None:
    mutate, rule_id = BROKEN[case]
    with pytest.raises(RulePackError) as ei:
        _load(tmp_path, _broken(mutate))
    msg = str(ei.value)
    assert "pack.yaml" in msg and rule_id in msg


@pytest.mark.parametrize(
    "text",
    [
        "pack_id: x\nversion: '1'\nrules: [",
        "- just\n- a list\n",
        "pack_id: x\nversion: '1'\nrules: []\n",
    ],
)
def test_broken_pack_file(tmp_path: Path, text: str) -> None:
    with pytest.raises(RulePackError, match="pack.yaml"):
        _load(tmp_path, text)


def test_conflicting_agitation_thresholds(tmp_path: Path) -> None:
    data = yaml.safe_load((CONFIGS / "rules" / "procedure.yaml").read_text(encoding="utf-8"))
    for r in data["rules"]:
        if r["kind"] == "agitation":
            r["strong_loudness_db"] = 3.0
    with pytest.raises(RulePackError, match="procedure.agitation"):
        _load(tmp_path, data)


def test_missing_pack_and_bad_section(tmp_path: Path) -> None:
    with pytest.raises(RulePackError, match="not found"):
        RuleEngine.from_config(_section(packs=[str(tmp_path / "nope.yaml")]))
    with pytest.raises(RulePackError, match="rules"):
        RuleEngine.from_config(_section(min_confidence=2.0))
    with pytest.raises(RulePackError, match="rules"):
        RuleEngine.from_config(_section(extra_knob=1))


def test_disabled_rule_is_not_run(tmp_path: Path) -> None:
    data = _pack()
    for r in data["rules"]:
        r["enabled"] = r["id"] != "conduct.impatient"
    e = _load(tmp_path, data)
    t = transcript("counter", [("officer", "快点说，你是不是蠢啊。")])
    assert {f.code for f in e.run(t)} == {"SPEECH_PROFANITY"}


def test_registry_select_and_remove() -> None:
    e = RuleEngine.from_config(load_config().section("rules"))
    assert [r.id for r in e.registry.select(codes=["SPEECH_THREAT"])] == ["conduct.threat"]
    with pytest.raises(RulePackError):
        e.registry.select(ids=["no.such.rule"])
    e.registry.remove("conduct.threat")
    t = transcript("counter", [("officer", "信不信我抓你！")])
    assert "SPEECH_THREAT" not in {f.code for f in e.run(t)}
    with pytest.raises(TypeError):
        e.registry.add("conduct.threat")  # type: ignore[arg-type]


class _LongCallSpec(RuleSpec):
    max_turns: int


class _LongCall(Rule):
    """An extension kind as another module would register it."""

    kind: ClassVar[str] = "test_long_call"
    Spec = _LongCallSpec

    def check(self, transcript: Transcript) -> list[Finding]:
        assert isinstance(self.spec, _LongCallSpec)
        us = transcript.utterances
        if len(us) <= self.spec.max_turns:
            return []
        return [Finding(0.9, us, us[0].start, us[-1].end, us[0].text, us[0].speaker, us[0].role)]


def test_extension_kind(tmp_path: Path) -> None:
    register_rule_kind(_LongCall)
    assert RULE_KINDS["test_long_call"] is _LongCall
    pack = {
        "pack_id": "ext",
        "version": "0.1",
        "rules": [
            {
                "id": "ext.long",
                "kind": "test_long_call",
                "code": "RECORDING_INCOMPLETE",
                "severity": "low",
                "enabled": True,
                "scope": {"sources": ["phone"], "roles": ["officer"]},
                "base_confidence": 0.9,
                "explanation_zh": "共{count}段",
                "explanation_en": "{count} turns",
                "max_turns": 2,
            }
        ],
    }
    e = _load(tmp_path, pack)
    t = transcript("phone", [("officer", "喂。"), ("party", "你好。"), ("officer", "请讲。")])
    (f,) = e.run(t)
    assert f.rule_id == "ext.long" and f.rule_version == "0.1" and f.segment_ids[-1] == "seg-0002"
    assert e.run(transcript("counter", [("officer", "喂。")] * 3)) == []  # out of scope
    with pytest.raises(TypeError):
        register_rule_kind(str)  # type: ignore[type-var]


def test_flags_are_numbered_in_time_order_with_evidence_or_without(tmp_path: Path) -> None:
    t = transcript(
        "counter",
        [("officer", "快点说。"), ("party", "我被骗了。"), ("officer", "你是不是蠢，不归我们管。")],
    )
    flags = engine().run(t)
    assert [f.id for f in flags] == [f"flag-{i:03d}" for i in range(1, len(flags) + 1)]
    assert [f.start for f in flags] == sorted(f.start for f in flags)
    assert all(0.0 <= f.confidence <= 1.0 and f.evidence for f in flags)
    assert {f.code for f in flags} == {
        "SPEECH_IMPATIENT",
        "SPEECH_PROFANITY",
        "SPEECH_SHIRKING",
        "REPORT_NOT_ACCEPTED",
    }
    bare = RuleEngine.from_config(_section(keep_evidence=False)).run(t)
    assert [f.code for f in bare] == [f.code for f in flags]
    assert all(f.evidence == {} for f in bare)


def test_run_is_deterministic() -> None:
    t = transcript(
        "bodycam",
        [
            ("officer", "谁报的警？快点说。"),
            ("party", "我的包被偷了。"),
            ("officer", "按盗窃受理。"),
        ],
    )
    a = [f.model_dump() for f in engine().run(t)]
    b = [f.model_dump() for f in copy.deepcopy(engine()).run(t)]
    assert a == b
