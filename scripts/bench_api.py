"""Benchmark the review API's triage queue and incident detail, and the reviewer pages built on them
(``/ui/queue``, ``/ui/incidents/{id}``), at 100k incidents, on SQLite and PostgreSQL.

Seeds N analysed recordings (with flags) straight into a fresh, migrated database, writes analysis
documents for a sample of them to a local store, then times real HTTP requests through the app
(auth, audit append and all) and prints p50/p95 per database. PostgreSQL is a throwaway cluster
started from the server binaries (or ``--postgres-url`` of an empty database).

    .venv/bin/python scripts/bench_api.py --n 100000 --requests 200
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from api import Settings, create_app, crud  # noqa: E402
from api.models import Flag, Recording  # noqa: E402
from pipeline.store import LocalStore, document_key  # noqa: E402
from tests.utils.api_factories import make_document  # noqa: E402
from tests.utils.postgres import postgres_cluster  # noqa: E402

logger = logging.getLogger("vigil.bench")
UNITS = [f"第{i}派出所" for i in range(40)]
SOURCES = ["bodycam", "counter", "phone", "dispatch"]
CODES = [
    "SPEECH_PROFANITY",
    "SPEECH_THREAT",
    "SPEECH_SHIRKING",
    "SPEECH_IMPATIENT",
    "MISSING_SELF_ID",
    "MISSING_RECEIPT",
    "REPORT_NOT_ACCEPTED",
    "OFFICER_AGITATION",
]
LEVELS = ["low", "medium", "high"]
QUERIES: list[dict[str, str]] = [
    {},
    {"unit": UNITS[3]},
    {"risk_level": "high"},
    {"flag": "SPEECH_THREAT"},
    {"severity": "high", "source": "bodycam"},
    {"review_status": "unreviewed"},
    {"recorded_from": "2026-02-01T00:00:00Z", "recorded_to": "2026-02-08T00:00:00Z"},
    {"unit": UNITS[7], "flag": "MISSING_RECEIPT"},
]
# the same filter shapes as the queue page's URL (dates are calendar days; no severity filter there)
PAGE_QUERIES: list[dict[str, str]] = [
    {},
    {"unit": UNITS[3]},
    {"risk_level": "high"},
    {"flag": "SPEECH_THREAT"},
    {"source": "bodycam", "risk_level": "high"},
    {"review_status": "unreviewed"},
    {"date_from": "2026-02-01", "date_to": "2026-02-07"},
    {"unit": UNITS[7], "flag": "MISSING_RECEIPT"},
]


def seed(app: object, store: LocalStore, n: int, with_docs: int, rng: random.Random) -> list[str]:
    """Bulk-insert ``n`` analysed recordings; returns ids of those that have a stored document."""
    ctx = app.state.ctx  # type: ignore[attr-defined]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    doc_ids: list[str] = []
    batch = 5000
    with ctx.db.engine.begin() as conn:
        for lo in range(0, n, batch):
            recs, flags = [], []
            for i in range(lo, min(lo + batch, n)):
                rid = uuid.uuid4()
                risk = rng.choices(LEVELS, weights=[70, 22, 8])[0]
                nflags = rng.choices([0, 1, 2, 3], weights=[50, 30, 15, 5])[0]
                fl = [
                    (rng.choice(CODES), rng.choices(LEVELS, weights=[40, 40, 20])[0])
                    for _ in range(nflags)
                ]
                doc_key = None
                if i < with_docs:
                    doc = make_document(
                        name=f"bench-{i}", unit=UNITS[i % len(UNITS)], flags=fl, risk=risk
                    )
                    doc_key = document_key(doc.recording_id)
                    store.put_bytes(doc_key, doc.model_dump_json().encode())
                    doc_ids.append(str(rid))
                recs.append(
                    {
                        "id": rid,
                        "analysis_id": f"rec-{i:016x}",
                        "source": rng.choice(SOURCES),
                        "unit": rng.choice(UNITS),
                        "officer": f"P{rng.randrange(2000):04d}",
                        "recorded_at": t0 + timedelta(seconds=rng.randrange(90 * 86400)),
                        "status": "done",
                        "attempts": 1,
                        "document_key": doc_key,
                        "media_key": f"raw/2026-01/rec-{i:016x}.wav",
                        "risk_level": risk,
                        "risk_rank": LEVELS.index(risk) + 1,
                        "risk_score": rng.random() * 3,
                        "max_severity_rank": max((LEVELS.index(s) + 1 for _, s in fl), default=0),
                        "flag_count": len(fl),
                        "flag_codes": ",".join(sorted({c for c, _ in fl})),
                        "review_status": "unreviewed" if fl else "clear",
                    }
                )
                for j, (code, sev) in enumerate(fl):
                    flags.append(
                        {
                            "id": uuid.uuid4(),
                            "recording_id": rid,
                            "document_key": doc_key,
                            "flag_key": f"flag-{j:03d}",
                            "code": code,
                            "rule_id": f"rule.{code.lower()}",
                            "rule_version": "1.0",
                            "severity": sev,
                            "severity_rank": LEVELS.index(sev) + 1,
                            "confidence": 0.8,
                            "start": float(j),
                            "end": float(j + 1),
                            "current": True,
                        }
                    )
            conn.execute(insert(Recording), recs)
            if flags:
                conn.execute(insert(Flag), flags)
    # fresh statistics (and on PostgreSQL the visibility map that index-only scans need), as
    # autovacuum would have them in production after a bulk load
    with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if ctx.db.dialect == "postgresql" else "ANALYZE")
    return doc_ids


def pct(samples: list[float], q: float) -> float:
    return (
        statistics.quantiles(samples, n=100, method="inclusive")[q - 1]
        if len(samples) > 1
        else samples[0]
    )


def page_login(client: TestClient, username: str, password: str) -> None:
    """Sign in to the pages as a browser would (the session cookie stays in the client)."""
    form = client.get("/ui/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None, "login form has no CSRF token"
    r = client.post(
        "/ui/login",
        data={"username": username, "password": password, "csrf_token": token[1]},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def bench(url: str, n: int, requests: int, tmp: Path) -> dict[str, tuple[float, float]]:
    rng = random.Random(42)
    store = LocalStore(tmp / "store", fsync=False)
    settings = Settings(
        ENVIRONMENT="test",
        DATA_DIR=str(tmp / "data"),  # keys generated there
        DATABASE_URL=url,
        SPOOL_DIR=str(tmp / "spool"),
        WORKER_ENABLED=False,
        INDEXER_ENABLED=False,
    )
    app = create_app(settings, store=store)
    # a loopback base URL: the page cookie is Secure anywhere else and would not travel over http
    with TestClient(app, base_url="http://127.0.0.1") as client:
        with app.state.ctx.db.session() as s:
            crud.create_user(session=s, username="bench", password="bench-password", role="admin")
            s.commit()
        token = client.post(
            "/login/access-token", data={"username": "bench", "password": "bench-password"}
        ).json()
        h = {"Authorization": f"Bearer {token['access_token']}"}
        t = time.perf_counter()
        doc_ids = seed(app, store, n, min(200, n), rng)
        logger.info(
            "seeded %d incidents in %.1f s (%s)",
            n,
            time.perf_counter() - t,
            app.state.ctx.db.dialect,
        )
        queries = QUERIES
        results: dict[str, list[float]] = {"list": [], "list_page2": [], "detail": []}
        for q in queries:  # warm-up
            client.get("/incidents", params=q, headers=h)
        for i in range(requests):
            q = queries[i % len(queries)]
            t = time.perf_counter()
            r = client.get("/incidents", params={**q, "limit": 50}, headers=h)
            results["list"].append((time.perf_counter() - t) * 1000)
            results.setdefault(f"q{i % len(queries)}", []).append(results["list"][-1])
            assert r.status_code == 200, r.text
            cur = r.json()["next_cursor"]
            if cur:
                t = time.perf_counter()
                r2 = client.get("/incidents", params={**q, "limit": 50, "cursor": cur}, headers=h)
                results["list_page2"].append((time.perf_counter() - t) * 1000)
                assert r2.status_code == 200
            rid = doc_ids[i % len(doc_ids)]
            t = time.perf_counter()
            r = client.get(f"/incidents/{rid}", headers=h)
            results["detail"].append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
        # the reviewer pages: same queries, plus per-status counts, templates and the audit append
        page_login(client, "bench", "bench-password")
        for q in PAGE_QUERIES:  # warm-up
            client.get("/ui/queue", params=q)
        for i in range(requests):
            q = PAGE_QUERIES[i % len(PAGE_QUERIES)]
            t = time.perf_counter()
            r = client.get("/ui/queue", params=q)
            results.setdefault("page_queue", []).append((time.perf_counter() - t) * 1000)
            results.setdefault(f"p{i % len(PAGE_QUERIES)}", []).append(results["page_queue"][-1])
            assert r.status_code == 200 and "queue-view" in r.text, r.text[:500]
            rid = doc_ids[i % len(doc_ids)]
            t = time.perf_counter()
            r = client.get(f"/ui/incidents/{rid}")
            results.setdefault("page_incident", []).append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200 and 'id="transcript"' in r.text, r.text[:500]
        # the page query alone (no HTTP, auth or audit commit), to separate index design from I/O
        from api.crud import QueueFilter, list_incidents

        with app.state.ctx.db.session() as session:
            for i in range(requests):
                q: dict[str, Any] = dict(queries[i % len(queries)])
                for k in ("recorded_from", "recorded_to"):
                    if k in q:
                        q[k] = datetime.fromisoformat(q[k])
                t = time.perf_counter()
                list_incidents(session=session, filters=QueueFilter(**q), cursor=None, limit=50)
                results.setdefault("sql", []).append((time.perf_counter() - t) * 1000)
    app.state.ctx.db.dispose()
    return {k: (pct(v, 50), pct(v, 95)) for k, v in results.items() if v}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--postgres-url", default=None)
    ap.add_argument(
        "--json", type=Path, default=None, help="also write p50/p95 per database as JSON"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("vigil.api").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    out = sys.stdout
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as d:
        tmp = Path(d)
        runs: list[tuple[str, dict[str, tuple[float, float]]]] = []
        if args.db in ("sqlite", "both"):
            (tmp / "s").mkdir()
            runs.append(
                (
                    "sqlite",
                    bench(f"sqlite:///{tmp / 's' / 'bench.db'}", args.n, args.requests, tmp / "s"),
                )
            )
        if args.db in ("postgresql", "both"):
            (tmp / "p").mkdir()
            if args.postgres_url:
                runs.append(
                    ("postgresql", bench(args.postgres_url, args.n, args.requests, tmp / "p"))
                )
            else:
                # durability on, as in production; a larger buffer pool for 100k rows
                with postgres_cluster({"shared_buffers": "256MB"}) as server:
                    url = f"{server.url}/{server.create_database('bench')}"
                    runs.append(("postgresql", bench(url, args.n, args.requests, tmp / "p")))
    if args.json is not None:
        report = {"n": args.n, "requests": args.requests, **dict(runs)}
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    out.write(f"{'database':<12}{'endpoint':<28}{'p50 ms':>10}{'p95 ms':>10}\n")
    for db, res in runs:
        for name, (p50, p95) in res.items():
            label = {
                "list": "GET /incidents",
                "list_page2": "GET /incidents (cursor)",
                "detail": "GET /incidents/{id}",
                "sql": "  SQL page query only",
                "page_queue": "GET /ui/queue (page)",
                "page_incident": "GET /ui/incidents/{id} (page)",
            }.get(
                name,
                f"  GET /ui/queue {name}" if name.startswith("p") else f"  GET /incidents {name}",
            )
            out.write(f"{db:<12}{label:<28}{p50:>10.1f}{p95:>10.1f}\n")
    out.write(f"incidents: {args.n}, requests per endpoint: {args.requests}\n")
    out.write("filters: " + "; ".join(f"q{i}={q}" for i, q in enumerate(QUERIES)) + "\n")
    out.write("page filters: " + "; ".join(f"p{i}={q}" for i, q in enumerate(PAGE_QUERIES)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
