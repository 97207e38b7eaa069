"""kill -9 at each write boundary of ``vigil batch`` (local store; the S3 path is killed mid-run in
tests/pipeline/test_batch.py): the actor after its keyframes, after the document's history copy,
after the document and after the marker, each once, in one run that Ray keeps alive by restarting the actor; then the driver just
before its report. Nothing is lost or duplicated, the killed actors' scratch is swept, and standard
output carries only the JSON report."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.synthesis import synthesize_scenario, write_wav
from pipeline.store import LocalStore, document_key, index_key, raw_key, recording_id_for
from tests.campaign.conftest import Tally

ROOT = Path(__file__).resolve().parents[2]
ACTOR_POINTS = [
    "pipeline.after_artifacts",
    "pipeline.after_version",
    "pipeline.after_document",
    "batch.after_marker",
]
TURNS = [
    [
        {"speaker": "A", "role": "officer", "text": "请问有什么可以帮您？"},
        {"speaker": "B", "role": "party", "text": "我的电动车被偷了。"},
    ],
    [
        {"speaker": "A", "role": "officer", "text": "请坐，慢慢说。"},
        {"speaker": "B", "role": "party", "text": "昨天晚上家门口吵架。"},
    ],
]


def _batch(store: Path, tmp: Path, crash_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "VIGIL__BATCH__WORKERS": "1",
        "VIGIL__BATCH__RETRIES": "5",
        "VIGIL__BATCH__RETRY_BACKOFF_S": "0.2",
        "VIGIL__BATCH__MAX_ACTOR_RESTARTS": "5",
        "VIGIL__BATCH__PROGRESS": "false",
        "VIGIL__BATCH__WORK_DIR": str(tmp / "work"),
        "VIGIL_CRASH_ONCE": str(tmp / "once"),
    }
    env.pop("RAY_ADDRESS", None)
    if crash_at:
        env["VIGIL_CRASH_AT"] = crash_at
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "batch", "--prefix", "raw/", "--store", str(store)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=900)
    finally:  # whatever the driver left running (a killed driver's raylet and actors)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.slow
def test_kill_at_every_batch_boundary(tmp_path: Path, tally: Tally) -> None:
    store_dir = tmp_path / "store"
    store = LocalStore(store_dir, fsync=False)
    keys = []
    for i, turns in enumerate(TURNS):
        rec = synthesize_scenario(turns, "bodycam", seed=i)
        wav = write_wav(tmp_path / f"clip{i}.wav", rec.audio, rec.sample_rate)
        rid = recording_id_for(hashlib.sha256(wav.read_bytes()).hexdigest())
        key = raw_key(rid, wav.name)
        store.put_file(key, wav, "audio/wav", {"source": "bodycam"})
        keys.append((key, rid))

    run = _batch(store_dir, tmp_path, ",".join(ACTOR_POINTS))
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)  # stdout is the report and nothing else
    for point in ACTOR_POINTS:
        assert (tmp_path / f"once.{point}").exists(), f"the actor was never killed at {point}"
    tally.inputs += len(ACTOR_POINTS)
    assert report["processed"] == 2 and report["failed"] == []
    docs = [o.key for o in store.list("documents/")]
    duplicated = len(docs) - len(set(docs))
    lost = sum(document_key(r) not in docs or not store.exists(index_key(k)) for k, r in keys)
    tally.lost += lost
    tally.duplicated += duplicated
    assert sorted(docs) == sorted(document_key(r) for _, r in keys) and lost == 0
    scratch = [p for p in (tmp_path / "work").iterdir() if p.name.startswith("vigil-batch-")]
    assert len(scratch) <= 1  # the four killed actors' directories were swept

    # the driver, killed after every recording is done but before its report
    reports = [o.key for o in store.list("reports/")]
    assert reports == [report["report_key"]]
    run = _batch(store_dir, tmp_path, "batch.before_report")
    tally.inputs += 1
    assert run.returncode == -signal.SIGKILL and run.stdout == ""
    assert [o.key for o in store.list("reports/")] == reports
    run = _batch(store_dir, tmp_path, None)
    assert run.returncode == 0, run.stderr[-3000:]
    again = json.loads(run.stdout)
    assert (again["processed"], again["skipped"]) == (0, 2)
    assert [o.key for o in store.list("reports/")] == sorted([*reports, again["report_key"]])
    assert sorted(o.key for o in store.list("documents/")) == sorted(docs)
