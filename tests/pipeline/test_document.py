"""The analysis document's exported JSON Schema stays in step with the model, and documents round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.document import AnalysisDocument, document_json_schema

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "analysis-document.schema.json"


def test_committed_schema_matches_the_model() -> None:
    committed = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert committed == document_json_schema(), "run `vigil schema` and commit the result"


def _minimal() -> dict[str, object]:
    return {
        "recording": {
            "recording_id": "rec-0123456789abcdef",
            "source": "bodycam",
            "filename": "a.wav",
            "sha256": "0" * 64,
            "size_bytes": 10,
            "duration": 1.5,
            "channels": 1,
            "sample_rate": 16000,
        },
        "pipeline": {"version": "0.1.0", "config_hash": "abc"},
    }


def test_round_trip_and_version() -> None:
    doc = AnalysisDocument.model_validate(_minimal())
    again = AnalysisDocument.model_validate_json(doc.model_dump_json())
    assert again == doc
    assert again.schema_version == "1.0"
    assert again.recording_id == "rec-0123456789abcdef"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("recording", "source"), "cctv"),
        (("recording", "unexpected"), 1),
        (("schema_version",), "2.0"),
    ],
)
def test_unknown_values_and_fields_are_rejected(path: tuple[str, ...], value: object) -> None:
    data = _minimal()
    node: dict[str, object] = data
    for key in path[:-1]:
        node = node[key]  # type: ignore[assignment]
    node[path[-1]] = value
    with pytest.raises(ValidationError):
        AnalysisDocument.model_validate(data)
