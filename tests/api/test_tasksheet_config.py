"""The task-sheet configuration refuses mistakes at start-up, naming the file and the problem; the
shipped file loads and its measures catalogue proposes what the station policy says."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.tasksheets.config import DEFAULT_PATH, load_tasksheet_config
from api.tasksheets.service import propose_measures, urgency_for


def _write(tmp_path: Path, edit: dict[str, object]) -> Path:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    for dotted, value in edit.items():
        node = raw
        *path, last = dotted.split(".")
        for key in path:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    out = tmp_path / "tasksheets.yaml"
    out.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"triggers.risk_level": ["high"]}, "Extra inputs are not permitted"),
        ({"triggers.flag_codes": ["SPEECH_RUDE"]}, "flag_codes"),
        (
            {"urgency.deadline_hours": {"urgent": 24, "normal": 168}},
            "deadline_hours lacks important",
        ),
        (
            {"urgency.deadline_hours": {"urgent": 0, "important": 1, "normal": 2}},
            "must be positive",
        ),
        ({"weekly_report.timezone": "Asia/Beijing"}, "unknown time zone"),
        ({"incident_url": "/incidents/{id}"}, "incident_url"),
        ({"measures": [{"id": "a", "text_zh": "{hours}小时内", "when": {}}]}, "no hours are set"),
        (
            {
                "measures": [
                    {"id": "a", "text_zh": "x", "when": {}},
                    {"id": "a", "text_zh": "y", "when": {}},
                ]
            },
            "duplicate measure ids: a",
        ),
    ],
)
def test_bad_config_is_refused_with_the_file_named(
    tmp_path: Path, edit: dict[str, object], message: str
) -> None:
    path = _write(tmp_path, edit)
    with pytest.raises(ValueError, match=message) as e:
        load_tasksheet_config(path)
    assert str(path) in str(e.value)


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="task-sheet config not found"):
        load_tasksheet_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("triggers: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid YAML"):
        load_tasksheet_config(bad)


def test_shipped_catalogue_proposals_and_urgency() -> None:
    cfg = load_tasksheet_config()
    ids = [
        m["id"]
        for m in propose_measures(
            cfg,
            codes=["MISSING_SELF_ID", "CATEGORY_MISMATCH"],
            call_class=None,
            risk_level="low",
            has_history=True,
        )
    ]
    assert ids == ["officer_training", "correct_record", "link_history"]
    assert (
        propose_measures(cfg, codes=[], call_class=None, risk_level="low", has_history=False) == []
    )
    assert urgency_for(cfg, risk_level="low", codes=[], call_urgency=None) == "normal"
    assert urgency_for(cfg, risk_level="low", codes=[], call_urgency="urgent") == "urgent"
    assert (
        urgency_for(cfg, risk_level="medium", codes=["SPEECH_THREAT"], call_urgency="normal")
        == "important"
    )
    assert urgency_for(cfg, risk_level="high", codes=[], call_urgency=None) == "urgent"
