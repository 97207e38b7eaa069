"""The evaluation command's logic: scenario loading, text-mode analysis, scoring and the report.

Scenarios are written by the test into tmp_path (not the shared dev set), so the expected counts follow
from what each scenario says, and a wrong analysis or a wrong tally fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.harness import (
    EvalReport,
    ScenarioResult,
    aggregate,
    format_report,
    load_scenarios,
    run_evaluation,
    scenario_transcript,
    write_report_json,
)
from pipeline.errors import ConfigError

THEFT_REFUSED = {
    "id": "t-counter-001",
    "source": "counter",
    "lang": "zh",
    "incident": {
        "incident_id": "T-1",
        "recorded_category": "lost_property",
        "recorded_disposition": "advised",
    },
    "turns": [
        {"speaker": "A", "role": "officer", "text": "您好，什么事？"},
        {"speaker": "B", "role": "party", "text": "我的钱包在菜市场被人偷了，我要报案。"},
        {
            "speaker": "A",
            "role": "officer",
            "text": "菜市场的事你去找市场管理处，我们这儿处理不了。",
        },
    ],
    "expect": {
        "flags": [
            "CATEGORY_MISMATCH",
            "DISPOSITION_MISMATCH",
            "REPORT_NOT_ACCEPTED",
            "SPEECH_SHIRKING",
        ],
        "category": "theft",
        "disposition": "referred",
        "risk_level": "low",
        "risk_factors": [],
        "call_class": None,
        "urgency": None,
    },
}

CALL_OK = {
    "id": "t-phone-001",
    "source": "phone",
    "lang": "zh",
    "incident": None,
    "turns": [
        {"speaker": "A", "role": "officer", "text": "您好，派出所，请讲。"},
        {"speaker": "B", "role": "party", "text": "我想咨询一下，办居住证需要带什么材料？"},
        {
            "speaker": "A",
            "role": "officer",
            "text": "需要带身份证和租房合同，可以在社区事务中心办理。",
            "style": "calm",
        },
    ],
    "expect": {
        "flags": [],
        "category": "consultation",
        "disposition": "advised",
        "risk_level": "low",
        "risk_factors": [],
        "call_class": "consult",
        "urgency": "normal",
    },
}


@pytest.fixture()
def scenario_dir(tmp_path: Path) -> Path:
    for sc in (THEFT_REFUSED, CALL_OK):
        (tmp_path / f"{sc['id']}.json").write_text(json.dumps(sc, ensure_ascii=False), "utf-8")
    return tmp_path


def test_text_mode_oracle_roles(scenario_dir: Path, tmp_path: Path) -> None:
    report = run_evaluation(scenario_dir, "text", True)
    assert isinstance(report, EvalReport)
    assert report.scenarios == 2 and report.mode == "text" and report.oracle_roles
    by_id = {r.id: r for r in report.results}
    r1 = by_id["t-counter-001"]
    assert {"CATEGORY_MISMATCH", "DISPOSITION_MISMATCH", "REPORT_NOT_ACCEPTED"} <= set(
        r1.predicted_flags
    )
    assert r1.fields["category"]["predicted"] == "theft"
    assert r1.fields["disposition"]["predicted"] == "referred"
    r2 = by_id["t-phone-001"]
    assert r2.fields["call_class"]["predicted"] == "consult"
    codes = {c.code: c for c in report.codes}
    assert codes["CATEGORY_MISMATCH"].tp == 1 and codes["CATEGORY_MISMATCH"].fp == 0
    tp = sum(c.tp for c in report.codes)
    fp = sum(c.fp for c in report.codes)
    assert report.micro_precision == pytest.approx(tp / (tp + fp), abs=1e-4)
    assert report.accuracy["call_class"] == 1.0  # only the phone scenario expects a call class
    text = format_report(report)
    assert "CATEGORY_MISMATCH" in text and "micro" in text and "accuracy" in text
    out = write_report_json(report, tmp_path / "out" / "report.json")
    data = json.loads(out.read_text("utf-8"))
    assert data["scenarios"] == 2 and {r["id"] for r in data["results"]} == set(by_id)


def test_transcript_hides_roles_unless_oracle(scenario_dir: Path) -> None:
    sc = next(s for s in load_scenarios(scenario_dir) if s.id == "t-phone-001")
    hidden = scenario_transcript(sc, oracle_roles=False)
    assert all(u.role is None for u in hidden.utterances)
    shown = scenario_transcript(sc, oracle_roles=True)
    assert [u.role for u in shown.utterances] == ["officer", "party", "officer"]
    assert [u.id for u in shown.utterances] == ["seg-0001", "seg-0002", "seg-0003"]
    assert shown.utterances[2].style == "calm"
    ends = [u.end for u in shown.utterances]
    assert all(
        a.end <= b.start for a, b in zip(shown.utterances[:-1], shown.utterances[1:], strict=True)
    )
    assert ends[-1] <= shown.duration


def test_aggregate_counts() -> None:
    f = {
        n: {"expected": "x", "predicted": "x", "ok": True}
        for n in ("category", "disposition", "risk_level", "call_class", "urgency")
    }
    results = [
        ScenarioResult("a", ["SPEECH_THREAT"], ["SPEECH_THREAT", "SPEECH_IMPATIENT"], f),
        ScenarioResult("b", ["SPEECH_THREAT", "MISSING_RECEIPT"], [], f),
        ScenarioResult("c", ["MISSING_RECEIPT"], [], f, error="MediaError: bad"),
    ]
    rep = aggregate(results, directory="d", mode="text", oracle_roles=True)
    codes = {c.code: (c.tp, c.fp, c.fn) for c in rep.codes}
    assert codes == {
        "SPEECH_THREAT": (1, 0, 1),
        "SPEECH_IMPATIENT": (0, 1, 0),
        "MISSING_RECEIPT": (0, 0, 2),
    }
    assert rep.micro_precision == 0.5 and rep.micro_recall == 0.25
    assert rep.micro_f1 == pytest.approx(2 * 0.5 * 0.25 / 0.75, abs=1e-4)
    assert rep.error_ids == ["a", "b", "c"]
    assert rep.accuracy["category"] == pytest.approx(2 / 3, abs=1e-4)


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        run_evaluation(tmp_path / "nope", "text", True)
    (tmp_path / "x.json").write_text("{}", "utf-8")
    with pytest.raises(ConfigError, match=r"x\.json"):
        load_scenarios(tmp_path)
    with pytest.raises(ConfigError, match="mode"):
        run_evaluation(tmp_path, "video", True)  # type: ignore[arg-type]


def test_text_mode_inferred_roles(scenario_dir: Path) -> None:
    report = run_evaluation(scenario_dir, "text", False)
    assert not report.oracle_roles
    by_id = {r.id: r for r in report.results}
    assert all(r.error is None for r in report.results)
    # the roles come from the text alone; the officer's refusal is still read as the officer's
    assert by_id["t-counter-001"].fields["disposition"]["predicted"] == "referred"
    assert "REPORT_NOT_ACCEPTED" in by_id["t-counter-001"].predicted_flags


VARIANTS = Path(__file__).resolve().parents[1] / "data" / "scenarios"


def test_independently_written_scenarios_stay_above_their_measured_floor() -> None:
    """60 scenarios written apart from the lexicons (other wording, negations, quotations).

    Half were written, measured (F1 0.528) and then used to find missing lexicon classes; the other half
    were measured once, before any change made against them (F1 0.700). This guards the generalisation
    measured on both (F1 0.84 together) against regressions; it is not a target to tune to.
    """
    report = run_evaluation(VARIANTS, "text")
    assert report.scenarios == 60
    assert report.micro_f1 >= 0.8, format_report(report)
    assert report.micro_precision >= 0.8, format_report(report)
    assert report.accuracy["category"] is not None and report.accuracy["category"] >= 0.8
