"""kill -9 of ``vigil serve`` at every write boundary of its worker: SQLite with the local store, and
PostgreSQL with S3 (a real SeaweedFS), so each database and each store is crashed for real.

The boundaries, in the order a recording meets them (``pipeline.faults``):

* ``worker.after_claim``      claim and attempt committed, nothing else done
* ``worker.after_copy``       media copied into the process's scratch directory
* ``pipeline.after_artifacts`` keyframes stored, no document
* ``pipeline.after_version``  the document's history copy stored, the latest pointer not
* ``pipeline.after_document`` document stored, database not committed (issue 14, finding 3)
* ``audit.before_anchor``     database committed (index, audit event, task sheet), anchor not advanced
* ``worker.after_commit``     everything written, before the process reports it

First a new upload is analysed by a process killed between its document and the commit (issue 14's
duplicate: the indexer used to add a second row for that document), and a clean start finishes it.
Then a recording that was analysed before and carries a reviewer's decisions (a confirmed and an escalated
flag) is re-analysed by the real pipeline in a real ``vigil serve`` process that SIGKILLs itself at
each boundary in turn; each restart gets past the previous boundary (``VIGIL_CRASH_ONCE``) and dies at
the next. The indexer runs too, as in production: after the kill between document and commit it
finds the dead worker's document first, which is how issue 14 saw a second row appear. After each
kill, with no process running, the state is read back: two recordings, each listed once
in the queue, the raw media intact, the decisions untouched, the audit chain and its anchor valid.
After the last restart the re-analysis is indexed once, the decisions are carried (shown on the flags
the new analysis no longer raises), and the dead processes' scratch is gone.

One chain per setup is shared by the parametrised tests, so each boundary has its own test id while
the models load only once per kill.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api import audit
from api.models import Decision, Recording
from api.worker import Indexer
from pipeline.store import LocalStore, document_key, recording_id_for
from tests.campaign.conftest import Tally
from tests.utils.api_factories import (
    PASSWORD,
    UNIT_A,
    ApiHarness,
    harness,
    make_document,
    wav_bytes,
)
from tests.utils.postgres import PostgresServer
from tests.utils.seaweed import SeaweedServer
from tests.utils.serve import free_port, serve, serve_env, until_killed, wait_ready

POINTS = [
    "worker.after_claim",
    "worker.after_copy",
    "pipeline.after_artifacts",
    "pipeline.after_version",
    "pipeline.after_document",
    "audit.before_anchor",
    "worker.after_commit",
]
SETUPS = ["sqlite+local", "postgresql+s3"]
_SETUP = threading.Lock()
MEDIA = wav_bytes(0.5, seed=7071)  # the reviewed recording, re-analysed through the kills
FIRST = wav_bytes(0.5, seed=7072)  # a recording never analysed before
FIRST_KEY = document_key(recording_id_for(hashlib.sha256(FIRST).hexdigest()))


@dataclass(frozen=True)
class Snapshot:
    """What a reader sees with no process running."""

    rows: int
    queue: list[str]
    status: str
    attempts: int
    review_status: str
    document_key: str | None
    pipeline_version: str | None
    first_status: str
    first_document_key: str | None
    decisions: list[tuple[str, str, str]]
    audit_ok: bool
    audit_reason: str | None
    media_intact: bool
    documents: list[str]


@dataclass
class Chain:
    rid: str
    nid: str  # the never-analysed recording
    first_kill: tuple[int, str, Snapshot]  # its first analysis, killed between document and commit
    first_after: Snapshot  # once a clean start has finished it
    seeded_key: str
    decisions: list[tuple[str, str, str]]
    kills: dict[str, tuple[int, str, Snapshot]]
    final: Snapshot
    detail: dict[str, Any]
    scratch_live: list[str]  # the spool while the last process runs
    scratch_after: list[str]  # and once it has stopped
    live_pid: int
    seconds: float


def _settled(h: ApiHarness, nid: str, key: str) -> bool:
    """No recording is being analysed, and ``nid``'s indexed document is the one in the store."""
    info = h.store.stat(key)
    with h.ctx.db.session() as s:
        recs = s.scalars(select(Recording)).all()
        first = next(r for r in recs if str(r.id) == nid)
        idle = all(r.status != "running" for r in recs)
        return idle and info is not None and first.document_etag == info.etag


def _snapshot(h: ApiHarness, rid: str, nid: str, media: dict[str, bytes]) -> Snapshot:
    # the queue under every status filter: the default one lists only finished analyses, so a
    # recording being re-analysed is under ``queued`` or ``running``; across them it is listed once
    listed: list[str] = []
    for status in ("queued", "running", "done", "failed"):
        got = h.client.get(
            "/incidents", params={"status": status, "limit": 200}, headers=h.headers["reviewer"]
        )
        assert got.status_code == 200, got.text
        listed += [row["id"] for row in got.json()["data"]]
    with h.ctx.db.session() as s:
        recs = s.scalars(select(Recording)).all()
        rec = next(r for r in recs if str(r.id) == rid)
        first = next(r for r in recs if str(r.id) == nid)
        decisions = s.scalars(select(Decision).order_by(Decision.id)).all()
        report = audit.verify_chain(s)
        snap = Snapshot(
            rows=len(recs),
            queue=listed,
            status=rec.status,
            attempts=rec.attempts,
            review_status=rec.review_status,
            document_key=rec.document_key,
            pipeline_version=rec.pipeline_version,
            first_status=first.status,
            first_document_key=first.document_key,
            decisions=[(str(d.id), str(d.flag_id), d.verdict) for d in decisions],
            audit_ok=report.ok,
            audit_reason=report.reason,
            media_intact=all(h.store.get_bytes(k) == body for k, body in media.items()),
            documents=sorted(o.key for o in h.store.list("documents/")),
        )
    return snap


def _decide(h: ApiHarness, flag: str, verdict: str) -> None:
    r = h.client.post(
        f"/flags/{flag}/decision", json={"verdict": verdict}, headers=h.headers["reviewer"]
    )
    assert r.status_code == 201, r.text


def _run_chain(database_url: str, store: Any, store_env: dict[str, str], tmp: Path) -> Chain:
    """Seed, then kill ``vigil serve`` at each point in turn; the state after each kill and after
    the last, clean start."""
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        with _SETUP:  # alembic's migration context is process-global: one at a time
            h = stack.enter_context(harness(database_url, tmp, store=store, WORKER_MAX_ATTEMPTS=20))
        form = {
            "source": "counter",
            "unit": UNIT_A,
            "officer": "P1001",
            "recorded_at": "2026-03-02T09:30:00Z",
        }
        up = h.client.post(
            "/recordings",
            data=form,
            files={"file": ("desk.wav", MEDIA, "audio/wav")},
            headers=h.headers["ingest"],
        )
        assert up.status_code == 201, up.text
        rid, media_key = up.json()["id"], up.json()["media_key"]

        # an earlier analysis of the same recording (pipeline version "test", as an older release
        # would have written it), reviewed: one flag confirmed, one escalated
        made = make_document(
            name="desk-earlier",
            unit=UNIT_A,
            media_key=media_key,
            risk="high",
            flags=[("SPEECH_THREAT", "high"), ("MISSING_SELF_ID", "medium")],
        )
        sha = hashlib.sha256(MEDIA).hexdigest()
        same = {"recording_id": recording_id_for(sha), "sha256": sha, "filename": "desk.wav"}
        earlier = made.model_copy(update={"recording": made.recording.model_copy(update=same)})
        seeded_key = document_key(earlier.recording_id)
        h.store.put_bytes(seeded_key, earlier.model_dump_json().encode(), "application/json")
        assert Indexer(h.ctx).run_once() == 1
        detail = h.client.get(f"/incidents/{rid}", headers=h.headers["reviewer"]).json()
        threat, self_id = (f["id"] for f in detail["flags"])
        _decide(h, threat, "confirm")
        _decide(h, self_id, "escalate")
        # a new upload, analysed for the first time by a worker killed between its document and
        # the commit: issue 14's duplicate (the indexer added a second row for that document)
        new = h.client.post(
            "/recordings",
            data={**form, "officer": "P1002"},
            files={"file": ("first.wav", FIRST, "audio/wav")},
            headers=h.headers["ingest"],
        )
        assert new.status_code == 201, new.text
        nid = new.json()["id"]
        media = {media_key: MEDIA, new.json()["media_key"]: FIRST}

        def snap() -> Snapshot:
            return _snapshot(h, rid, nid, media)

        env = serve_env(
            h,
            store_env,
            INDEXER_INTERVAL_SECONDS="0.5",
            OVERDUE_ENABLED="false",
            WORKER_POLL_SECONDS="0.2",
            WORKER_RETRY_BACKOFF_SECONDS="0",
            WORKER_MAX_ATTEMPTS="20",
        )
        env |= {"VIGIL_CRASH_AT": ",".join(POINTS), "VIGIL_CRASH_ONCE": str(tmp / "once")}
        log = tmp / "serve.log"
        first_env = {**env, "VIGIL_CRASH_AT": "pipeline.after_document"}
        first_env["VIGIL_CRASH_ONCE"] = str(tmp / "first")
        first_kill = (*until_killed(first_env, log), snap())
        clean = {k: v for k, v in env.items() if k != "VIGIL_CRASH_AT"}
        proc = serve(clean, free_port(), log)
        try:  # the indexer or the worker, whichever comes first, finishes it
            deadline = time.monotonic() + 300
            # ...and a worker that claimed it too has committed its own (idempotent) analysis: until
            # then the stored document may be newer than the indexed one, and the next start would
            # index it again (an audit event, dying at audit.before_anchor ahead of its turn)
            while snap().first_status != "done" or not _settled(h, nid, FIRST_KEY):
                assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
                assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
                time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=120)
        first_after = snap()

        r = h.client.post(f"/recordings/{rid}:reprocess", headers=h.headers["admin"])
        assert r.status_code == 202, r.text
        before = snap()
        assert before.audit_ok and len(before.decisions) == 2

        kills: dict[str, tuple[int, str, Snapshot]] = {}
        for point in POINTS:
            if point == "worker.after_commit":  # the recording is done: analyse it once more
                r = h.client.post(f"/recordings/{rid}:reprocess", headers=h.headers["admin"])
                assert r.status_code == 202, r.text
            kills[point] = (*until_killed(env, log), snap())

        # the last start: no boundary left to die at; it must come up and stay up
        port = free_port()
        proc = serve(env, port, log)
        try:
            base = wait_ready(proc, port, log)
            time.sleep(1.0)  # a few worker polls: nothing may be claimed again
            token = httpx.post(
                f"{base}/login/access-token",
                data={"username": "reviewer", "password": PASSWORD},
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            live = httpx.get(f"{base}/incidents/{rid}", headers=auth, timeout=30).json()
            spool, mine = Path(h.ctx.settings.SPOOL_DIR), h.ctx.scratch.path.name
            scratch = sorted(p.name for p in spool.iterdir() if p.is_dir() and p.name != mine)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
        after = sorted(p.name for p in spool.iterdir() if p.is_dir() and p.name != mine)
        chain = Chain(
            rid=rid,
            nid=nid,
            first_kill=first_kill,
            first_after=first_after,
            seeded_key=seeded_key,
            decisions=before.decisions,
            kills=kills,
            final=snap(),
            detail=live,
            scratch_live=scratch,
            scratch_after=after,
            live_pid=proc.pid,
            seconds=time.monotonic() - t0,
        )
        h.ctx.db.dispose()
    return chain


@pytest.fixture(scope="module")
def chains(
    postgres_server: PostgresServer,
    seaweed: SeaweedServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, Chain]]:
    """Both setups' chains, run side by side: most of a chain is waiting for a process to load its
    models, so two overlap well even on two cores."""
    info = seaweed.info
    assert info is not None
    bucket = f"kills-{uuid.uuid4().hex[:10]}"
    s3 = info.store(bucket)
    local_tmp = tmp_path_factory.mktemp("local")
    local = LocalStore(local_tmp / "store", fsync=False)
    name = postgres_server.create_database()
    setups = {
        "sqlite+local": (
            f"sqlite:///{local_tmp / 'vigil.db'}",
            local,
            {"VIGIL_API_STORE_URL": str(local.root)},
        ),
        "postgresql+s3": (
            f"{postgres_server.url}/{name}",
            s3,
            {**info.env(), "VIGIL_API_STORE_URL": f"s3://{bucket}"},
        ),
    }
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {
                setup: pool.submit(_run_chain, url, store, env, tmp_path_factory.mktemp("kills"))
                for setup, (url, store, env) in setups.items()
            }
            yield {setup: f.result() for setup, f in futures.items()}
    finally:
        postgres_server.drop_database(name)


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("setup", SETUPS)
def test_worker_killed_at(setup: str, point: str, chains: dict[str, Chain], tally: Tally) -> None:
    chain = chains[setup]
    code, log, snap = chain.kills[point]
    tally.inputs += 1
    assert code == -9, log[-3000:]
    assert f"crash point {point} reached" in log  # died exactly there, not anywhere else
    tally.lost += int(not snap.media_intact) + len(set(chain.decisions) - set(snap.decisions))
    tally.duplicated += max(snap.rows - 2, 0) + len(snap.queue) - len(set(snap.queue))
    assert snap.media_intact
    assert snap.rows == 2 and sorted(snap.queue) == sorted([chain.rid, chain.nid])  # each once
    assert snap.decisions == chain.decisions  # the review work is untouched
    assert snap.audit_ok, snap.audit_reason  # an anchor left behind is only behind
    assert snap.review_status == "escalated"  # never reset while the re-analysis is in flight
    # one latest document per recording (re-analysis replaces it; earlier ones are in history/)
    assert snap.documents == sorted([chain.seeded_key, FIRST_KEY])
    assert snap.document_key == chain.seeded_key
    assert (snap.first_status, snap.first_document_key) == ("done", FIRST_KEY)
    i = POINTS.index(point)
    if point in ("audit.before_anchor", "worker.after_commit"):  # committed: the new analysis
        assert snap.status == "done" and snap.pipeline_version != "test"
    else:  # claimed by a process that died: the next start recovers it
        assert snap.status == "running" and snap.attempts == i + 1
        assert snap.pipeline_version == "test"


@pytest.mark.slow
@pytest.mark.parametrize("setup", SETUPS)
def test_after_the_kills_the_reanalysis_is_indexed_once(
    setup: str, chains: dict[str, Chain], tally: Tally
) -> None:
    chain = chains[setup]
    final, detail = chain.final, chain.detail
    tally.inputs += 1
    assert final.rows == 2 and sorted(final.queue) == sorted([chain.rid, chain.nid])
    assert final.status == "done" and final.pipeline_version != "test"
    assert final.attempts == 1  # the reprocess before the last kill reset the count
    assert final.decisions == chain.decisions and final.audit_ok, final.audit_reason
    assert final.documents == sorted([chain.seeded_key, FIRST_KEY])
    assert final.document_key == chain.seeded_key
    # the decided flags the new analysis no longer raises are shown with their verdicts
    gone = {f["code"]: f for f in detail["superseded_flags"]}
    assert {c: gone[c]["decisions"][0]["verdict"] for c in gone} == {
        "SPEECH_THREAT": "confirm",
        "MISSING_SELF_ID": "escalate",
    }
    assert detail["review_status"] == "escalated"
    # the seven dead processes' scratch directories were swept; the live one removed its own
    assert len(chain.scratch_live) == 1 and str(chain.live_pid) in chain.scratch_live[0]
    assert chain.scratch_after == []


@pytest.mark.slow
@pytest.mark.parametrize("setup", SETUPS)
def test_first_analysis_killed_between_document_and_commit(
    setup: str, chains: dict[str, Chain], tally: Tally
) -> None:
    """Issue 14's duplicate, for real: the document of a never-analysed recording is in the store,
    the commit is not; the restarted server attaches it to that recording, never to a new row."""
    chain = chains[setup]
    code, log, killed = chain.first_kill
    tally.inputs += 1
    assert code == -9 and "crash point pipeline.after_document reached" in log, log[-3000:]
    assert FIRST_KEY in killed.documents  # the dead worker's document
    assert (killed.first_status, killed.first_document_key) == ("running", None)
    after = chain.first_after
    for snap in (killed, after):
        tally.duplicated += max(snap.rows - 2, 0) + len(snap.queue) - len(set(snap.queue))
        tally.lost += int(not snap.media_intact)
        assert snap.rows == 2 and sorted(snap.queue) == sorted([chain.rid, chain.nid])
        assert snap.media_intact and snap.audit_ok, snap.audit_reason
    assert (after.first_status, after.first_document_key) == ("done", FIRST_KEY)
    assert after.decisions == chain.decisions and after.review_status == "escalated"
