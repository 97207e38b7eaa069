"""kill -9 of ``vigil serve`` inside its worker, on SQLite and PostgreSQL: the process SIGKILLs itself
at a write boundary (``pipeline.faults``), is started again, and so on. The attempt cap holds across
the crashes (a recording that kills its worker is failed after WORKER_MAX_ATTEMPTS starts instead of
looping for ever), each restart removes the dead process's scratch files, and nothing is duplicated.
The surviving server's access log shows media URLs with their signature redacted.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select

from api.models import Recording
from tests.campaign.conftest import FORM, Tally
from tests.utils.api_factories import PASSWORD, harness, wav_bytes
from tests.utils.serve import free_port, log_tail, serve, serve_env, wait_ready


def _scratch_dirs(spool: Path) -> list[Path]:
    return sorted(p for p in spool.iterdir() if p.is_dir()) if spool.exists() else []


def test_worker_crash_loop_is_capped_and_cleaned_up(
    database_url: str, tmp_path: Path, tally: Tally
) -> None:
    with harness(database_url, tmp_path, WORKER_MAX_ATTEMPTS=3) as h:
        r = h.client.post(
            "/recordings",
            data=FORM,
            files={"file": ("a.wav", wav_bytes(0.5, seed=90), "audio/wav")},
            headers=h.headers["ingest"],
        )
        assert r.status_code == 201, r.text
        env = serve_env(
            h,
            INDEXER_ENABLED="false",
            WORKER_POLL_SECONDS="0.2",
            WORKER_RETRY_BACKOFF_SECONDS="0",
            WORKER_MAX_ATTEMPTS="3",
        )
    spool, log = Path(h.ctx.settings.SPOOL_DIR), tmp_path / "serve.log"

    def start(crash_at: str, port: int) -> subprocess.Popen[bytes]:
        return serve({**env, "VIGIL_CRASH_AT": crash_at}, port, log)  # log: uvicorn's access log

    def recording() -> Recording:
        with h.ctx.db.session() as session:
            rec = session.scalar(select(Recording))
            assert rec is not None
            session.expunge(rec)
            return rec

    # three starts, each killed inside the worker: after copying the media, then after claiming
    for i, point in enumerate(["worker.after_copy", "worker.after_claim", "worker.after_claim"]):
        proc = start(point, free_port())
        assert proc.wait(timeout=300) == -9, log_tail(log)
        tally.inputs += 1
        assert recording().attempts == i + 1
        dead = _scratch_dirs(spool)
        assert len(dead) == 1  # the killed process's own directory, left behind
        if point == "worker.after_copy":
            assert any(p.name.startswith("work-") for p in dead[0].iterdir())  # its media copy

    port = free_port()
    proc = start("worker.after_claim", port)
    try:
        base = wait_ready(proc, port, log)
        time.sleep(1.0)  # a few worker polls: the capped recording must not be claimed again
        rec = recording()
        assert (rec.status, rec.review_status, rec.attempts) == ("failed", "failed", 3)
        assert rec.reason and "interrupted 3 times" in rec.reason
        live = _scratch_dirs(spool)
        assert len(live) == 1 and str(proc.pid) in live[0].name  # the dead ones were swept
        assert [p.name for p in live[0].iterdir()] == [".lock"]

        # the live server's access log never shows a media URL's signature
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
        access = log.read_text()
        assert "/media/" in access and "signature=REDACTED" in access and signature not in access
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    assert _scratch_dirs(spool) == []  # a clean shutdown removes its own
    with h.ctx.db.session() as session:
        assert len(session.scalars(select(Recording)).all()) == 1
    tally.inputs += 1
