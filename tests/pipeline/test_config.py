"""Config loading: YAML sections, environment overrides, path resolution and the hash that documents carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import DEFAULT_CONFIG, load_config
from pipeline.errors import ConfigError


def test_default_config_has_every_component_section() -> None:
    cfg = load_config(environ={})
    for name in ("media", "asr", "diarization", "roles", "prosody", "video", "rules", "store"):
        assert isinstance(cfg.section(name), dict), name
    assert cfg.source == DEFAULT_CONFIG
    assert len(cfg.hash) == 16


def test_env_override_parses_yaml_scalars_and_changes_the_hash() -> None:
    base = load_config(environ={})
    cfg = load_config(environ={"VIGIL__ASR__DEVICE": "cuda", "VIGIL__ASR__BEAM_SIZE": "5"})
    assert cfg.section("asr")["device"] == "cuda"
    assert cfg.section("asr")["beam_size"] == 5
    assert cfg.hash != base.hash


def test_same_settings_give_the_same_hash() -> None:
    assert load_config(environ={}).hash == load_config(environ={}).hash


def test_where_work_runs_is_not_part_of_the_hash() -> None:
    base = load_config(environ={})
    moved = base.with_overrides({"store.url": "s3://elsewhere", "batch.workers": 7})
    assert moved.hash == base.hash
    assert base.with_overrides({"rules.min_confidence": 0.9}).hash != base.hash


def test_section_is_a_copy() -> None:
    cfg = load_config(environ={})
    cfg.section("asr")["device"] = "tampered"
    assert cfg.section("asr")["device"] != "tampered"


def test_overrides_and_relative_paths(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("media: {lexicon_file: lex/a.yaml}\nasr: {model: embedded:whisper-base}\n")
    cfg = load_config(path, overrides={"asr.device": "cpu"}, environ={})
    assert cfg.section("media")["lexicon_file"] == str(tmp_path / "lex" / "a.yaml")
    assert cfg.section("asr") == {"model": "embedded:whisper-base", "device": "cpu"}
    assert cfg.with_overrides({"asr.device": "cuda"}).section("asr")["device"] == "cuda"


@pytest.mark.parametrize(
    ("content", "message"),
    [("- just\n- a list\n", "mapping"), ("asr: [unclosed\n", "invalid YAML")],
)
def test_malformed_config_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ={})


def test_missing_config_and_missing_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml", environ={})
    with pytest.raises(ConfigError, match="no section"):
        load_config(environ={}).section("nonexistent")


def test_hash_follows_referenced_file_contents_not_their_location(tmp_path: Path) -> None:
    """Two copies of the configs folder hash alike; editing a lexicon in one changes its hash."""
    import shutil

    from pipeline.config import CONFIG_DIR, load_config

    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(CONFIG_DIR, a)
    shutil.copytree(CONFIG_DIR, b)
    ha, hb = load_config(a / "default.yaml", environ={}), load_config(b / "default.yaml", environ={})
    assert ha.hash == hb.hash
    lexicon = b / "lexicons" / "roles.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_config(b / "default.yaml", environ={}).hash != ha.hash
