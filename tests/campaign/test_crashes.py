"""kill -9 of ``vigil serve`` inside its worker, on SQLite and PostgreSQL: the process SIGKILLs itself
at a write boundary (``pipeline.faults``), is started again, and so on. The attempt cap holds across
the crashes (a recording that kills its worker is failed after WORKER_MAX_ATTEMPTS starts instead of
looping for ever), each restart removes the dead process's scratch files, and nothing is duplicated.
The surviving server's access log shows media URLs with their signature redacted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from api.models import Recording
from tests.campaign.conftest import Tally
from tests.utils.api_factories import PASSWORD, UNIT_A, harness, wav_bytes

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scratch_dirs(spool: Path) -> list[Path]:
    return sorted(p for p in spool.iterdir() if p.is_dir()) if spool.exists() else []


def test_worker_crash_loop_is_capped_and_cleaned_up(
    database_url: str, tmp_path: Path, tally: Tally
) -> None:
    with harness(database_url, tmp_path, WORKER_MAX_ATTEMPTS=3) as h:
        r = h.client.post(
            "/recordings",
            data={
                "source": "counter",
                "unit": UNIT_A,
                "officer": "P1",
                "recorded_at": "2026-03-02T09:30:00Z",
            },
            files={"file": ("a.wav", wav_bytes(0.5, seed=90), "audio/wav")},
            headers=h.headers["ingest"],
        )
        assert r.status_code == 201, r.text
        s = h.ctx.settings
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "VIGIL_API_DATABASE_URL": s.DATABASE_URL,
            "VIGIL_API_SECRET_KEY": s.SECRET_KEY,
            "VIGIL_API_AUDIT_KEY": s.AUDIT_KEY,
            "VIGIL_API_DATA_DIR": s.DATA_DIR,
            "VIGIL_API_AUDIT_ANCHOR_FILE": s.AUDIT_ANCHOR_FILE,
            "VIGIL_API_SPOOL_DIR": s.SPOOL_DIR,
            "VIGIL_API_STORE_URL": str(h.store.root),
            "VIGIL_API_INDEXER_ENABLED": "false",
            "VIGIL_API_WORKER_POLL_SECONDS": "0.2",
            "VIGIL_API_WORKER_RETRY_BACKOFF_SECONDS": "0",
            "VIGIL_API_WORKER_MAX_ATTEMPTS": "3",
            "VIGIL_API_ENVIRONMENT": "test",
        }
    spool = Path(s.SPOOL_DIR)

    def serve(crash_at: str | None, port: int) -> subprocess.Popen[bytes]:
        run_env = dict(env)
        if crash_at:
            run_env["VIGIL_CRASH_AT"] = crash_at
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=run_env,
            stdout=(tmp_path / "serve.log").open("ab"),  # uvicorn's access log
            stderr=subprocess.STDOUT,
        )

    def recording() -> Recording:
        with h.ctx.db.session() as session:
            rec = session.scalar(select(Recording))
            assert rec is not None
            session.expunge(rec)
            return rec

    # three starts, each killed inside the worker: after copying the media, then after claiming
    for i, point in enumerate(["worker.after_copy", "worker.after_claim", "worker.after_claim"]):
        proc = serve(point, _free_port())
        assert proc.wait(timeout=300) == -9, (tmp_path / "serve.log").read_text()[-2000:]
        tally.inputs += 1
        assert recording().attempts == i + 1
        dead = _scratch_dirs(spool)
        assert len(dead) == 1  # the killed process's own directory, left behind
        if point == "worker.after_copy":
            assert any(p.name.startswith("work-") for p in dead[0].iterdir())  # its media copy

    port = _free_port()
    proc = serve("worker.after_claim", port)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()[-2000:]
            time.sleep(0.3)
        time.sleep(1.0)  # a few worker polls: the capped recording must not be claimed again
        rec = recording()
        assert (rec.status, rec.review_status, rec.attempts) == ("failed", "failed", 3)
        assert rec.reason and "interrupted 3 times" in rec.reason
        live = _scratch_dirs(spool)
        assert len(live) == 1 and str(proc.pid) in live[0].name  # the dead ones were swept
        assert [p.name for p in live[0].iterdir()] == [".lock"]

        # the live server's access log never shows a media URL's signature
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(
            f"{base}/login/access-token", data={"username": "reviewer", "password": PASSWORD}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        url = httpx.get(f"{base}/incidents/{rec.id}", headers=auth).json()["media_url"]
        signature = parse_qs(urlsplit(url).query)["signature"][0]
        got = httpx.get(f"{base}{url}", headers=auth)
        assert got.status_code == 200 and got.content == wav_bytes(0.5, seed=90)
        assert httpx.get(f"{base}{url}").status_code == 401  # the URL alone is worth nothing
        time.sleep(0.5)
        log = (tmp_path / "serve.log").read_text()
        assert "/media/" in log and "signature=REDACTED" in log and signature not in log
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert _scratch_dirs(spool) == []  # a clean shutdown removes its own
    with h.ctx.db.session() as session:
        assert len(session.scalars(select(Recording)).all()) == 1
    tally.inputs += 1
