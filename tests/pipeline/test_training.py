"""`vigil train`: the semantic heads are rebuilt deterministically from versioned data, and the
committed heads file is the one the committed data and code produce (its manifest names the data)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from detectors.embeddings import EmbeddingOptions
from detectors.semantic import SemanticHeads
from pipeline.config import CONFIG_DIR, load_config
from pipeline.errors import ConfigError
from pipeline.training import load_items, train_heads

DATA = CONFIG_DIR / "semantic" / "data"


def _subset(dest: Path, per_file: int) -> None:
    """The first ``per_file`` items of every committed data file (each family keeps all its heads)."""
    dest.mkdir()
    for f in sorted(DATA.glob("*.jsonl")):
        lines = f.read_text(encoding="utf-8").splitlines()
        (dest / f.name).write_text(
            "\n".join(lines[:: max(1, len(lines) // per_file)]) + "\n", "utf-8"
        )


def test_same_data_and_seed_give_the_same_file(tmp_path: Path) -> None:
    emb = EmbeddingOptions.model_validate(load_config(environ={}).section("embeddings"))
    _subset(tmp_path / "data", 60)
    a = train_heads(tmp_path / "data", tmp_path / "a.npz", emb, cache_dir=tmp_path / "cache")
    b = train_heads(tmp_path / "data", tmp_path / "b.npz", emb, cache_dir=tmp_path / "cache")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert a["sha256"] == b["sha256"]
    heads = SemanticHeads.load(tmp_path / "a.npz")
    assert {h.name for h in heads.heads} == {
        "conduct",
        "statement",
        "disposition",
        "category",
        "risk",
        "call",
        "urgency",
    }
    with (tmp_path / "a.npz").open("rb") as fh:
        assert b"pickle" not in fh.read()


def test_committed_heads_match_the_committed_data() -> None:
    heads = SemanticHeads.load(CONFIG_DIR / "semantic" / "heads.npz")
    for name, digest in heads.manifest["data"].items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
    items, _ = load_items(DATA)
    assert len(items) == heads.manifest["items"] >= 3000


def test_bad_training_data_is_refused_with_the_line(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    (d / "x.jsonl").write_text(json.dumps({"id": "a", "text": "你好"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="x.jsonl:1"):
        load_items(d)
    with pytest.raises(ConfigError, match="no training data"):
        load_items(tmp_path / "empty")
