"""Batch on Ray: a real S3 server, a real local Ray, the real pipeline on short synthetic Mandarin clips."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.batch import (
    BatchOptions,
    BatchReport,
    parse_since,
    run_batch,
    watch,
)
from pipeline.config import VigilConfig, load_config
from pipeline.errors import ConfigError
from pipeline.store import ObjectStore, document_key, index_key, open_store, raw_key
from tests.utils.seaweed import S3ServerInfo

ROOT = Path(__file__).resolve().parents[2]

SCRIPTS = [
    [
        {"speaker": "A", "role": "officer", "text": "你好，我是派出所民警，请出示身份证。"},
        {"speaker": "B", "role": "party", "text": "好的，给你。"},
    ],
    [
        {"speaker": "A", "role": "officer", "text": "请问有什么可以帮您？"},
        {"speaker": "B", "role": "party", "text": "我的电动车被偷了。"},
    ],
    [
        {"speaker": "A", "role": "officer", "text": "请坐，慢慢说。"},
        {"speaker": "B", "role": "party", "text": "昨天晚上家门口吵架。"},
    ],
    [
        {"speaker": "A", "role": "officer", "text": "现在开始登记，请说姓名。"},
        {"speaker": "B", "role": "party", "text": "我叫王明。"},
    ],
]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Four ~4-6 s two-speaker body-cam clips (real synthesised speech)."""
    from evaluation.synthesis import synthesize_scenario, write_wav

    out = tmp_path_factory.mktemp("clips")
    paths = []
    for i, turns in enumerate(SCRIPTS):
        rec = synthesize_scenario(turns, "bodycam", seed=i)
        assert 2.0 < rec.duration < 9.0
        paths.append(write_wav(out / f"clip{i}.wav", rec.audio, rec.sample_rate))
    return paths


@pytest.fixture(scope="module")
def s3_env(s3_server: S3ServerInfo) -> Iterator[S3ServerInfo]:
    """Credentials in the environment before Ray starts, so actors inherit them."""
    saved = {k: os.environ.get(k) for k in ("VIGIL_S3_ACCESS_KEY", "VIGIL_S3_SECRET_KEY")}
    os.environ["VIGIL_S3_ACCESS_KEY"] = s3_server.access_key
    os.environ["VIGIL_S3_SECRET_KEY"] = s3_server.secret_key
    yield s3_server
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def ray_session(s3_env: S3ServerInfo) -> Iterator[None]:
    """One local Ray for the module (run_batch reuses it instead of starting its own)."""
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=128 * 1024 * 1024,
        log_to_driver=False,
        runtime_env={"env_vars": {"HF_HUB_OFFLINE": "1"}},
    )
    yield
    ray.shutdown()


def _config(server: S3ServerInfo, **overrides: object) -> VigilConfig:
    return load_config(
        overrides={
            "store.s3_endpoint": server.endpoint,
            "store.retries": 1,
            "store.retry_backoff_s": 0.2,
            "batch.retry_backoff_s": 0.2,
            "batch.progress": False,
            **overrides,
        }
    )


def _new_store(server: S3ServerInfo, cfg: VigilConfig) -> tuple[str, ObjectStore]:
    from pipeline.store import StoreOptions

    url = f"s3://b-{uuid.uuid4().hex[:12]}"
    return url, open_store(url, StoreOptions.from_config(cfg.section("store")))


def _rec_id(path: Path) -> str:
    return "rec-" + hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _upload(store: ObjectStore, clips: list[Path], month: datetime) -> list[str]:
    keys = []
    for p in clips:
        key = raw_key(_rec_id(p), p.name, month)
        store.put_file(key, p, "audio/wav", {"source": "bodycam"})
        keys.append(key)
    return keys


MARCH = datetime(2026, 3, 15, tzinfo=UTC)
APRIL = datetime(2026, 4, 2, tzinfo=UTC)


def test_batch_prefix_failure_report_and_idempotency(
    clips: list[Path], s3_env: S3ServerInfo, ray_session: None
) -> None:
    cfg = _config(s3_env)
    url, store = _new_store(s3_env, cfg)
    good = _upload(store, clips[:3], MARCH)
    outside = _upload(store, clips[3:], APRIL)  # other month: not under the prefix
    corrupt = "raw/2026-03/rec-corrupt0000000.wav"
    store.put_bytes(corrupt, b"RIFF\x10\x00\x00\x00WAVEfmt " + os.urandom(2000), "audio/wav")
    store.put_bytes("raw/2026-03/notes.txt", b"not media", "text/plain")

    report = run_batch("raw/2026-03/", config=cfg, store_url=url, workers=2)

    assert report.processed == 3
    assert report.skipped == 0
    assert [f.key for f in report.failed] == [corrupt]
    assert report.failed[0].permanent and "MediaError" in report.failed[0].reason
    assert report.failed[0].attempts == 1  # permanent: not retried
    for key, clip in zip(good, clips[:3], strict=True):
        doc = store.get_json(document_key(_rec_id(clip)))
        assert doc["recording"]["media_key"] == key
        assert doc["recording"]["source"] == "bodycam"
        assert doc["pipeline"]["version"] == report.pipeline_version
        assert doc["segments"], "the clip's speech was transcribed"
        marker = store.get_json(index_key(key))
        assert marker["config_hash"] == report.config_hash == doc["pipeline"]["config_hash"]
        assert marker["status"] == "done" and marker["recording_id"] == _rec_id(clip)
        assert marker["etag"] == store.stat(key).etag  # type: ignore[union-attr]
    assert store.stat(document_key(_rec_id(clips[3]))) is None
    assert store.stat(index_key(outside[0])) is None
    assert len(list(store.list("documents/"))) == 3
    # the numbers add up
    durations = [
        store.get_json(document_key(_rec_id(c)))["recording"]["duration"] for c in clips[:3]
    ]
    assert report.audio_seconds == pytest.approx(sum(durations), abs=0.01)
    assert report.stage_seconds["asr"] > 0 and report.stage_seconds["diarization"] > 0
    assert report.real_time_factor is not None and report.real_time_factor > 0
    # the report object holds the failure with its reason
    assert report.report_key is not None
    stored = store.get_json(report.report_key)
    assert stored["processed"] == 3
    assert stored["failed"][0]["key"] == corrupt and "MediaError" in stored["failed"][0]["reason"]

    created = {c: store.get_json(document_key(_rec_id(c)))["created_at"] for c in clips[:3]}
    again = run_batch("raw/2026-03/", config=cfg, store_url=url, workers=1)
    assert again.processed == 0
    assert again.skipped == 3
    assert [f.key for f in again.failed] == [corrupt]  # known-bad, not decoded again
    assert {c: store.get_json(document_key(_rec_id(c)))["created_at"] for c in clips[:3]} == created

    # a changed config is a different analysis: nothing is skipped
    changed = _config(s3_env, **{"asr.beam_size": 2})
    assert changed.hash != cfg.hash
    # where and how the batch runs is not part of it
    moved = _config(s3_env, **{"batch.workers": 7, "store.retries": 5})
    assert moved.hash == cfg.hash
    only_one = "raw/2026-03/" + Path(good[0]).name
    redo = run_batch(only_one, config=changed, store_url=url, workers=1)
    assert redo.processed == 1 and redo.skipped == 0


def test_watch_picks_up_new_uploads(
    clips: list[Path], s3_env: S3ServerInfo, ray_session: None
) -> None:
    cfg = _config(s3_env)
    url, store = _new_store(s3_env, cfg)
    _upload(store, clips[:1], MARCH)
    landed: list[BatchReport] = []

    def on_pass(report: BatchReport) -> None:
        landed.append(report)
        if len(landed) == 1:  # a new upload lands while the watcher sleeps
            _upload(store, clips[1:2], MARCH)

    reports = watch(
        "raw/",
        config=cfg,
        store_url=url,
        workers=1,
        interval_s=0.5,
        max_passes=3,
        on_pass=on_pass,
    )
    assert [r.processed for r in landed] == [1, 1, 0]
    assert len(reports) == 2
    assert store.exists(document_key(_rec_id(clips[1])))


def test_killed_run_resumes_without_loss_or_duplicates(
    clips: list[Path], s3_env: S3ServerInfo, ray_session: None, tmp_path: Path
) -> None:
    cfg = _config(s3_env)
    url, store = _new_store(s3_env, cfg)
    keys = _upload(store, clips, MARCH)
    env = {
        **os.environ,
        **s3_env.env(),
        "VIGIL__STORE__RETRIES": "1",
        "VIGIL__BATCH__WORKERS": "1",
        "VIGIL__BATCH__PROGRESS": "false",
        "VIGIL__BATCH__WORK_DIR": str(tmp_path / "work"),  # the killed worker's scratch stays here
        "PYTHONPATH": str(ROOT),
    }
    env.pop("RAY_ADDRESS", None)
    log = (tmp_path / "driver.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "batch", "--prefix", "raw/", "--store", url],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if any(True for _ in store.list("documents/")):
                break
            time.sleep(0.2)
        assert proc.poll() is None, (tmp_path / "driver.log").read_text()[-3000:]
        os.kill(proc.pid, signal.SIGKILL)  # kill -9 the driver mid-run
        proc.wait(timeout=30)
    finally:
        # then everything it started (Ray's raylet, agents, the worker mid-file): a whole-node crash
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
    # An actor the dead driver started may finish the file it holds before Ray reaps it; let the
    # store settle so "done before the rerun" is a fact, not a race.
    done_before = _settled(lambda: [k for k in keys if store.exists(index_key(k))])
    docs_before = {o.key for o in store.list("documents/")}
    assert 1 <= len(docs_before) < len(clips), "killed after the first document, before the last"

    report = run_batch("raw/", config=cfg, store_url=url, workers=1)

    assert report.failed == ()
    assert report.skipped == len(done_before)
    assert report.processed == len(clips) - len(done_before)
    docs = [o.key for o in store.list("documents/")]
    assert sorted(docs) == sorted(document_key(_rec_id(c)) for c in clips)  # none lost, none twice
    for key, clip in zip(keys, clips, strict=True):
        marker = store.get_json(index_key(key))
        assert marker["recording_id"] == _rec_id(clip)
        doc = json.loads(store.get_bytes(document_key(_rec_id(clip))))
        assert doc["recording"]["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()


def _settled(
    read: Callable[[], list[str]], quiet_s: float = 3.0, limit_s: float = 60.0
) -> list[str]:
    """``read()`` once it has returned the same value for ``quiet_s`` seconds."""
    deadline = time.monotonic() + limit_s
    value, since = read(), time.monotonic()
    while time.monotonic() - since < quiet_s and time.monotonic() < deadline:
        time.sleep(0.5)
        now = read()
        if now != value:
            value, since = now, time.monotonic()
    return value


# -- no Ray needed ---------------------------------------------------------------------------------


def test_parse_since() -> None:
    assert parse_since("2026-03-01") == datetime(2026, 3, 1, tzinfo=UTC)
    assert parse_since("2026-03-01T08:00+08:00") == datetime(2026, 3, 1, 0, tzinfo=UTC)
    ago = datetime.now(UTC) - parse_since("6h")
    assert timedelta(hours=5, minutes=59) < ago < timedelta(hours=6, minutes=1)
    with pytest.raises(ConfigError, match="--since"):
        parse_since("yesterday")


def test_batch_options_from_config() -> None:
    section = load_config().section("batch")
    opts = BatchOptions.from_config(section)
    assert opts.workers >= 1 and ".wav" in opts.media_extensions
    with pytest.raises(ConfigError):
        BatchOptions.from_config({**section, "unknown": 1})
    with pytest.raises(ConfigError, match="default_source"):
        BatchOptions.from_config({**section, "default_source": "cctv"})


def test_report_figures() -> None:
    r = BatchReport(
        prefix="raw/",
        started_at=datetime(2026, 3, 1, tzinfo=UTC),
        processed=2,
        skipped=1,
        failed=(),
        audio_seconds=7200.0,
        wall_seconds=600.0,
        stage_seconds={"asr": 400.0},
        workers=2,
        pipeline_version="0.1.0",
        config_hash="abc",
    )
    assert r.audio_hours == 2.0
    assert r.real_time_factor == pytest.approx(600 / 7200)
    assert r.audio_hours_per_wall_hour == 12.0
    d = r.to_dict()
    assert d["audio_hours"] == 2.0 and d["started_at"].startswith("2026-03-01")
    json.dumps(d)
