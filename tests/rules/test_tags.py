"""The tag taxonomy: size, loading errors, and tags applied from cues and from the assessment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from detectors.types import IncidentRecord, Transcript, Utterance
from pipeline.config import CONFIG_DIR, load_config
from rules.analysis import RuleAnalyzer
from rules.errors import RulePackError
from rules.matching import MatchingOptions
from rules.tags import Tagger

TAXONOMY = CONFIG_DIR / "taxonomy.yaml"


@pytest.fixture(scope="module")
def analyzer() -> RuleAnalyzer:
    return RuleAnalyzer.from_config(load_config())


def test_taxonomy_size(analyzer: RuleAnalyzer) -> None:
    dims, tags = analyzer.tagger.size
    assert dims == 6
    assert 90 <= tags <= 110


def test_tags_from_cues_and_assessment(analyzer: RuleAnalyzer) -> None:
    utts = (
        Utterance("seg-0001", 0.0, 2.0, "A", "officer", "您好，请问什么事？"),
        Utterance("seg-0002", 2.0, 5.0, "B", "party", "我的电动车在小区车棚里被人偷了。"),
        Utterance("seg-0003", 5.0, 8.0, "A", "officer", "好的，按盗窃受理，我们去调取监控。"),
    )
    inc = IncidentRecord("INC-1", recorded_category="theft", recorded_disposition="case_accepted")
    a = analyzer.assess(Transcript("rec-tags", "counter", 8.0, utts, incident=inc))
    got = {(t.dimension, t.tag) for t in a.tags}
    assert ("incident", "theft") in got
    assert ("handling", "case-accepted") in got
    assert ("handling", "cctv") in got
    assert ("place", "residential") in got
    assert ("object", "ebike") in got
    assert ("place", "scene-counter") in got
    assert ("incident", "fraud") not in got
    cctv = next(t for t in a.tags if t.tag == "cctv")
    assert cctv.segment_ids == ["seg-0003"]


def test_tag_without_condition_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    data["dimensions"][0]["tags"].append({"id": "empty", "zh": "空"})
    bad = tmp_path / "taxonomy.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    matching = MatchingOptions.model_validate(load_config().section("rules")["matching"])
    with pytest.raises(RulePackError, match="no condition"):
        Tagger.from_file(bad, matching=matching)
