"""kill -9 of ``vigil serve`` while its worker records a failed analysis, on PostgreSQL with S3 (a real
SeaweedFS): the two boundaries of ``Worker._fail`` (``pipeline.faults``):

* ``worker.before_fail_commit``  failure decided (retry or fail), nothing of it committed
* ``worker.after_fail_commit``   re-queued with a backoff, or failed with its reason, committed

Two failures, as the worker meets them: a store outage (retryable: the worker's connection to S3 is
cut after it started, while the test still uploads through the same server) and corrupt stored media
(permanent). For each kind and boundary, a fresh recording is claimed by a real ``vigil serve`` that
SIGKILLs itself at the boundary; then the server is started again (``VIGIL_CRASH_ONCE``: the point
fires once) and stopped. After the kill and after the restart, with no process running, the row is
read back: never left ``running`` by the restart, never lost (one row, listed once, its media intact),
the audit chain and anchor valid, and

* killed before the commit: still ``running`` with its attempt counted; the restart's recovery
  re-queues it, attempt kept, behind the backoff (retryable), or, with no backoff, the worker claims it
  again and fails it for good with its reason after two attempts (permanent);
* killed after the commit: re-queued with its reason and backoff, or failed with its reason, and the
  restart leaves it exactly so.

The retryable runs use a one-hour backoff, so a re-queued recording is not claimed again while the
test reads it.
"""

from __future__ import annotations

import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from api import audit
from api.models import Recording, utcnow
from tests.campaign.conftest import FORM, Tally
from tests.utils.api_factories import ApiHarness, harness, wav_bytes
from tests.utils.postgres import PostgresServer
from tests.utils.seaweed import SeaweedServer
from tests.utils.serve import (
    free_port,
    log_size,
    serve,
    serve_env,
    stop,
    wait_killed,
    wait_ready,
)
from tests.utils.tcp_proxy import TcpProxy

POINTS = ["worker.before_fail_commit", "worker.after_fail_commit"]
KINDS = ["retryable", "permanent"]
BACKOFF_S = {"retryable": 3600, "permanent": 0}
CORRUPT_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 8


@dataclass(frozen=True)
class Row:
    """One recording as a reader sees it with no process running."""

    status: str
    attempts: int
    reason: str | None
    review_status: str
    next_attempt_at: datetime | None
    rows: int  # rows holding its media key
    listed: int  # times it is listed across every status filter
    media_intact: bool
    audit_ok: bool
    audit_reason: str | None
    read_at: datetime


@dataclass(frozen=True)
class Case:
    media_key: str
    code: int
    log: str
    killed: Row
    restarted: Row


def _read(h: ApiHarness, rid: str, media_key: str, media: bytes) -> Row:
    listed = 0
    for status in ("queued", "running", "done", "failed"):
        got = h.client.get(
            "/incidents", params={"status": status, "limit": 200}, headers=h.headers["reviewer"]
        )
        assert got.status_code == 200, got.text
        listed += [row["id"] for row in got.json()["data"]].count(rid)
    with h.ctx.db.session() as s:
        rec = s.get(Recording, uuid.UUID(rid))
        assert rec is not None, f"recording {rid} lost"
        same = s.scalars(select(Recording).where(Recording.media_key == media_key)).all()
        report = audit.verify_chain(s)
        return Row(
            status=rec.status,
            attempts=rec.attempts,
            reason=rec.reason,
            review_status=rec.review_status,
            next_attempt_at=rec.next_attempt_at,
            rows=len(same),
            listed=listed,
            media_intact=h.store.get_bytes(media_key) == media,
            audit_ok=report.ok,
            audit_reason=report.reason,
            read_at=utcnow(),
        )


def _enqueue(h: ApiHarness, kind: str, tag: str) -> tuple[str, str, bytes]:
    """A retryable case uploads audio; a permanent one registers corrupt media already stored."""
    if kind == "retryable":
        media = wav_bytes(0.3, seed=zlib.crc32(tag.encode()) % 10_000)
        r = h.client.post(
            "/recordings",
            data=FORM,
            files={"file": (f"{tag}.wav", media, "audio/wav")},
            headers=h.headers["ingest"],
        )
    else:
        media, key = CORRUPT_MP4 + tag.encode(), f"raw/2026-03/{tag}.mp4"
        h.store.put_bytes(key, media)
        r = h.client.post(
            "/recordings", data={**FORM, "media_key": key}, headers=h.headers["ingest"]
        )
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["media_key"], media


def _run_case(
    h: ApiHarness, proxy: TcpProxy, store_env: dict[str, str], tmp: Path, kind: str, point: str
) -> Case:
    tag = f"{kind}-{point.split('.')[1]}"
    env = serve_env(
        h,
        store_env,
        INDEXER_ENABLED="false",
        OVERDUE_ENABLED="false",
        WORKER_POLL_SECONDS="0.2",
        WORKER_RETRY_BACKOFF_SECONDS=str(BACKOFF_S[kind]),
        WORKER_MAX_ATTEMPTS="3",
    )
    env |= {"VIGIL_CRASH_AT": point, "VIGIL_CRASH_ONCE": str(tmp / f"once-{tag}")}
    log = tmp / f"{tag}.log"
    start = log_size(log)
    port = free_port()
    proc = serve(env, port, log)
    try:
        wait_ready(proc, port, log)  # the bucket checked through the relay
        if kind == "retryable":
            proxy.cut()  # this server's store goes away; the test's own client still reaches it
        rid, media_key, media = _enqueue(h, kind, tag)
    finally:
        code, text = wait_killed(proc, log, start)
        proxy.restore()
    killed = _read(h, rid, media_key, media)

    proc = serve(env, port := free_port(), log)
    try:
        wait_ready(proc, port, log)  # the worker's recovery has run by now
        deadline = time.monotonic() + 60  # a permanent case is claimed again: let it fail
        while kind == "permanent" and time.monotonic() < deadline and proc.poll() is None:
            if _read(h, rid, media_key, media).status == "failed":
                break
            time.sleep(0.5)
        assert proc.poll() is None, log.read_text()[-3000:]
        time.sleep(1.5)  # a few worker polls: a re-queued recording must stay behind its backoff
    finally:
        stop(proc)
    return Case(media_key, code, text, killed, _read(h, rid, media_key, media))


@pytest.fixture(scope="module")
def cases(
    postgres_server: PostgresServer,
    seaweed: SeaweedServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[str, str], Case]]:
    info = seaweed.info
    assert info is not None
    bucket = f"failkills-{uuid.uuid4().hex[:10]}"
    store = info.store(bucket)
    proxy = TcpProxy(info.endpoint)
    store_env = {
        **info.env(),
        "VIGIL__STORE__S3_ENDPOINT": proxy.endpoint,  # the served process reaches S3 through it
        "VIGIL__STORE__RETRIES": "1",
        "VIGIL_API_STORE_URL": f"s3://{bucket}",
    }
    tmp = tmp_path_factory.mktemp("failkills")
    name = postgres_server.create_database()
    try:
        with harness(f"{postgres_server.url}/{name}", tmp, store=store) as h:
            yield {
                (kind, point): _run_case(h, proxy, store_env, tmp, kind, point)
                for kind in KINDS
                for point in POINTS
            }
            h.ctx.db.dispose()
    finally:
        proxy.cut()
        postgres_server.drop_database(name)


def _sound(row: Row, tally: Tally) -> None:
    """Never lost, never duplicated, the audit log intact."""
    tally.lost += int(not row.media_intact)
    tally.duplicated += max(row.rows - 1, 0) + max(row.listed - 1, 0)
    assert row.rows == 1 and row.listed == 1
    assert row.media_intact
    assert row.audit_ok, row.audit_reason


def _behind_backoff(row: Row) -> bool:
    return row.next_attempt_at is not None and row.next_attempt_at > row.read_at + timedelta(
        seconds=BACKOFF_S["retryable"] / 2
    )


@pytest.mark.slow
@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("kind", KINDS)
def test_worker_killed_recording_a_failure(
    kind: str, point: str, cases: dict[tuple[str, str], Case], tally: Tally
) -> None:
    case = cases[(kind, point)]
    tally.inputs += 1
    assert case.code == -9, case.log[-3000:]
    assert f"crash point {point} reached" in case.log  # died exactly there, not anywhere else
    killed, after = case.killed, case.restarted
    _sound(killed, tally)
    _sound(after, tally)
    assert after.status != "running"  # the restart never leaves it stuck
    if point == "worker.before_fail_commit":  # nothing of the failure committed
        assert (killed.status, killed.attempts, killed.reason) == ("running", 1, None)
        assert killed.review_status == "pending"
    if kind == "retryable":
        store_down = ("StoreError: ", "unreachable")
        if point == "worker.after_fail_commit":  # re-queued with its reason, behind the backoff
            assert (killed.status, killed.attempts, killed.review_status) == (
                "queued",
                1,
                "pending",
            )
            assert killed.reason and all(s in killed.reason for s in store_down), killed.reason
            assert _behind_backoff(killed)
            assert after == replace(killed, read_at=after.read_at)  # the restart left it so
        else:  # recovered: re-queued, its attempt kept, behind the backoff
            assert (after.status, after.attempts, after.reason) == ("queued", 1, "interrupted")
            assert after.review_status == "pending" and _behind_backoff(after)
    else:
        undecodable = ("corrupt, truncated or unsupported media", case.media_key)
        if point == "worker.after_fail_commit":  # failed for good, with its reason
            assert (killed.status, killed.attempts, killed.review_status) == ("failed", 1, "failed")
            assert killed.reason and all(s in killed.reason for s in undecodable), killed.reason
            assert killed.next_attempt_at is None
            assert after == replace(killed, read_at=after.read_at)  # the restart left it so
        else:  # recovered, claimed again (attempt 2) and failed for good with its reason
            assert (after.status, after.attempts, after.review_status) == ("failed", 2, "failed")
            assert after.reason and all(s in after.reason for s in undecodable), after.reason
            assert after.next_attempt_at is None
