"""``vigil batch`` against a full S3 bucket (SeaweedFS quota enforced, so the bucket is read-only):
the recording is reported as failed and retryable (not permanent), the report still reaches the
caller although the store cannot keep it, no document or done-marker is left half-written, the raw
object is intact, and the next run after the operator lifts the quota analyses it."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.store import S3Store, document_key, index_key, raw_key, recording_id_for
from tests.campaign.conftest import Tally
from tests.utils.api_factories import wav_bytes
from tests.utils.s3_quota import fill_bucket, lift_quota
from tests.utils.seaweed import SeaweedServer

ROOT = Path(__file__).resolve().parents[2]


def _batch(seaweed: SeaweedServer, store: S3Store, tmp: Path) -> subprocess.CompletedProcess[str]:
    assert seaweed.info is not None
    env = {
        **os.environ,
        **seaweed.info.env(),
        "PYTHONPATH": str(ROOT),
        "VIGIL__STORE__RETRIES": "1",
        "VIGIL__STORE__RETRY_BACKOFF_S": "0.1",
        "VIGIL__BATCH__WORKERS": "1",
        "VIGIL__BATCH__RETRIES": "1",
        "VIGIL__BATCH__RETRY_BACKOFF_S": "0.1",
        "VIGIL__BATCH__PROGRESS": "false",
        "VIGIL__BATCH__WORK_DIR": str(tmp / "work"),
    }
    env.pop("RAY_ADDRESS", None)
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "batch", "--prefix", "raw/"]
        + ["--store", f"s3://{store.bucket}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_batch_in_a_full_bucket_reports_retryable_and_loses_nothing(
    full_bucket: tuple[SeaweedServer, S3Store], tmp_path: Path, tally: Tally
) -> None:
    seaweed, store = full_bucket
    body = wav_bytes(1.0, seed=404)

    rid = recording_id_for(hashlib.sha256(body).hexdigest())
    key = raw_key(rid, "desk.wav")
    store.put_bytes(key, body, "audio/wav", {"source": "counter"})
    fill_bucket(seaweed, store)

    run = _batch(seaweed, store, tmp_path)
    tally.inputs += 1
    assert run.returncode == 1, run.stderr[-3000:]  # something failed: the exit status says so
    report = json.loads(run.stdout)  # and the report still reaches the operator
    assert report["processed"] == 0
    [failure] = report["failed"]
    assert failure["key"] == key and failure["permanent"] is False, failure
    assert "read only" in failure["reason"] or "refused" in failure["reason"], failure
    assert report["report_key"] is None  # the store could not keep it; stdout did
    assert "report not stored" in run.stderr
    lost = int(store.get_bytes(key) != body)
    tally.lost += lost
    assert lost == 0
    assert not store.exists(document_key(rid)) and not store.exists(index_key(key))

    lift_quota(seaweed, store)
    run = _batch(seaweed, store, tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert (report["processed"], report["failed"]) == (1, [])
    assert store.exists(document_key(rid)) and store.exists(index_key(key))
    docs = [o.key for o in store.list("documents/")]
    tally.duplicated += len(docs) - 1
    assert docs == [document_key(rid)]
