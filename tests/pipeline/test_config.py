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
    ha, hb = (
        load_config(a / "default.yaml", environ={}),
        load_config(b / "default.yaml", environ={}),
    )
    assert ha.hash == hb.hash
    lexicon = b / "lexicons" / "roles.yaml"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_config(b / "default.yaml", environ={}).hash != ha.hash


def test_operational_keys_are_not_part_of_the_hash() -> None:
    from pipeline.config import OPERATIONAL_KEYS

    base = load_config(environ={})
    data = base.to_dict()
    for dotted in OPERATIONAL_KEYS:
        node = data
        for part in dotted.split("."):
            node = node[part]  # every listed key exists in the default config
    tuned = base.with_overrides(
        {
            "asr.cpu_threads": 7,
            "asr.device": "cuda",
            "diarization.embedded.torch_threads": 5,
            "diarization.embedded.batch_size": 8,
            "diarization.spectral.batch_threads": 1,
            "video.decode_threads": 0,
        }
    )
    assert tuned.hash == base.hash
    # what changes results still does
    assert base.with_overrides({"asr.beam_size": 5}).hash != base.hash
    assert base.with_overrides({"analysis.recovery.pack": True}).hash != base.hash
    other_batch = 1 if base.section("asr")["batch_size"] != 1 else 8  # batched decoding differs
    assert base.with_overrides({"asr.batch_size": other_batch}).hash != base.hash


def test_synthesis_settings_are_not_part_of_the_analysis_hash() -> None:
    from evaluation.config import load_evaluation_config

    assert "synthesis" not in load_config(environ={}).to_dict()
    synthesis = load_evaluation_config().section("synthesis")
    assert synthesis["engine"] in ("fastspeech2", "espeak")


def test_analyze_batch_and_api_hash_the_same_yaml_alike(tmp_path: Path) -> None:
    """The three entry points build their config differently (the batch sets thread counts per
    actor); for the same YAML they must agree on the hash, or one redoes what another just did."""
    from api.core.config import Settings
    from api.main import make_context
    from api.worker import default_pipeline_factory
    from pipeline.analyzer import Pipeline
    from pipeline.batch import BatchOptions, BatchRunner, RecordingWorker
    from pipeline.store import LocalStore

    yaml_path = tmp_path / "vigil.yaml"
    yaml_path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    cfg = load_config(yaml_path, environ={})
    analyze_hash = Pipeline.from_config(yaml_path).config_hash

    batch_options = BatchOptions.from_config(cfg.section("batch"))
    assert batch_options.cpu_threads is not None
    runner = BatchRunner(cfg, str(tmp_path / "store"), batch_options)
    assert runner.config.section("asr")["cpu_threads"] == batch_options.cpu_threads
    # the actor gets the runner's config (threads already set); cpu_threads=None keeps this test
    # process's own thread pools as they are
    actor = RecordingWorker(runner.config.to_dict(), str(tmp_path / "store"), None, warm=False)

    settings = Settings(
        PIPELINE_CONFIG=str(yaml_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/a.db",
        SPOOL_DIR=str(tmp_path / "spool"),
    )
    ctx = make_context(settings, store=LocalStore(tmp_path / "store"))
    api_hash = default_pipeline_factory(ctx)().config_hash

    assert runner.config_hash == analyze_hash
    assert actor.pipeline.config_hash == analyze_hash
    assert api_hash == analyze_hash
