"""Same file + same config -> same document; re-analysis keeps the earlier document reachable.

Real audio (a real Mandarin recording) through the real models and a real on-disk store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.analyzer import Pipeline
from pipeline.store import document_history_prefix, document_key

CLIP = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "mandarin" / "A2_33.wav"
# What legitimately differs between two runs: when and how fast.
VOLATILE = {"created_at", "timings"}


def _content(doc_json: bytes) -> dict[str, object]:
    data = json.loads(doc_json)
    data["recording"].pop("media_key", None)
    return {k: v for k, v in data.items() if k not in VOLATILE}


@pytest.mark.slow
def test_reanalysis_is_identical_and_keeps_history(tmp_path: Path) -> None:
    pipe = Pipeline.from_config()
    store = pipe.open_store(str(tmp_path / "store"))
    first = pipe.process(CLIP, store, source="bodycam")
    second = pipe.process(CLIP, store, source="bodycam")
    rec_id = first.recording.recording_id
    assert second.recording.recording_id == rec_id
    assert second.created_at > first.created_at

    versions = sorted(o.key for o in store.list(document_history_prefix(rec_id)))
    assert len(versions) == 2
    old, new = (store.get_bytes(k) for k in versions)
    latest = store.get_bytes(document_key(rec_id))
    assert latest == new, "the latest pointer is the newest analysis"
    assert json.loads(old)["created_at"] == first.created_at.isoformat().replace("+00:00", "Z")
    assert _content(old) == _content(new), "same file + config must give the same document"
    # the history is not listed as documents (the review service indexes documents/ only)
    assert all(o.key.startswith("documents/") for o in store.list("documents/"))
    assert not any("history" in o.key for o in store.list("documents/"))
