"""A full and a read-only disk under the store and the upload spool, on SQLite and PostgreSQL: a real
tmpfs, filled until the kernel says ENOSPC, then remounted read-only (EROFS). Uploads are refused
with 503 and Retry-After (the client keeps its file), readiness says why, reads keep working, and
nothing acknowledged is lost or duplicated once the disk recovers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from api.models import Recording
from pipeline.store import LocalStore
from tests.campaign.conftest import Tally, assert_refused, upload
from tests.utils.api_factories import UNIT_A, ApiHarness, harness, wav_bytes
from tests.utils.faultfs import fill, remount, tmpfs


def _not_ready(h: ApiHarness) -> dict[str, str]:
    r = h.client.get("/readyz")
    assert r.status_code == 503, r.text
    checks: dict[str, str] = r.json()["checks"]
    return checks


def test_full_then_read_only_disk(database_url: str, tmp_path: Path, tally: Tally) -> None:
    with tmpfs(tmp_path / "disk", 8 * 1024) as disk:
        store = LocalStore(disk / "store", fsync=False)
        with harness(
            database_url,
            tmp_path,
            store=store,
            SPOOL_DIR=str(disk / "spool"),
            READY_MIN_FREE_BYTES=1 << 20,
        ) as h:
            accepted: dict[str, bytes] = {}
            first = upload(h, 1)
            assert first.status_code == 201, first.text
            accepted[first.json()["media_key"]] = wav_bytes(0.3, seed=1)
            assert h.client.get("/readyz").status_code == 200

            filler = fill(disk)
            assert_refused(upload(h, 2), tally)
            checks = _not_ready(h)
            assert checks["store"].startswith("error") and checks["spool"].startswith("error")
            # reads and database-only work carry on
            rid = first.json()["id"]
            assert h.client.get(f"/recordings/{rid}", headers=h.headers["admin"]).status_code == 200
            imported = h.client.post(
                "/incidents:import",
                json=[{"incident_id": "FULL-1", "unit": UNIT_A}],
                headers=h.headers["ingest"],
            )
            assert imported.status_code == 200
            filler.unlink()
            again = upload(h, 2)  # the client retries once the disk has room
            assert again.status_code == 201, again.text
            accepted[again.json()["media_key"]] = wav_bytes(0.3, seed=2)
            assert h.client.get("/readyz").status_code == 200

            remount(disk, read_only=True)
            try:
                assert_refused(upload(h, 3), tally)
                checks = _not_ready(h)
                assert checks["store"].startswith("error") and checks["spool"].startswith("error")
                detail = h.client.get(f"/incidents/{rid}", headers=h.headers["reviewer"]).json()
                media = h.client.get(detail["media_url"], headers=h.headers["reviewer"])
                assert media.status_code == 200 and media.content == wav_bytes(0.3, seed=1)
            finally:
                remount(disk, read_only=False)
            third = upload(h, 3)
            assert third.status_code == 201, third.text
            accepted[third.json()["media_key"]] = wav_bytes(0.3, seed=3)

            with h.ctx.db.session() as s:
                keys = s.scalars(select(Recording.media_key)).all()
                rows = s.scalar(select(func.count()).select_from(Recording))
            lost = sum(store.get_bytes(k) != body for k, body in accepted.items())
            duplicated = int(rows or 0) - len(set(keys))
            tally.lost += lost
            tally.duplicated += duplicated
            assert sorted(keys) == sorted(accepted) and lost == 0 and duplicated == 0
            debris = [p.name for p in h.ctx.scratch.path.iterdir()]
            assert debris == [".lock"]
