"""Benchmark the weekly security report: one unit-week with N incidents (default 10k).

Seeds a fresh, migrated database with N analysed recordings of one unit in one ISO week (plus the
same number in the week before, for the week-over-week comparison, and other units as noise), their
flags with reviewer verdicts and task sheets in every state, then times each phase of the report:
the database queries, the charts, the HTML and the PDF. Target: the whole report in < 10 s on 2 cores.

    .venv/bin/python scripts/bench_report.py --n 10000 [--postgres]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from api.db import Database, migrate  # noqa: E402
from api.models import Flag, Recording, TaskSheet  # noqa: E402
from api.reports import build_weekly, render_weekly_html, with_charts  # noqa: E402
from api.reports.render import html_to_pdf  # noqa: E402
from api.tasksheets import STATES, load_tasksheet_config  # noqa: E402
from api.tasksheets.lifecycle import CLOSED_STATES  # noqa: E402
from tests.utils.postgres import postgres_cluster  # noqa: E402

logger = logging.getLogger("vigil.bench")
UNIT = "天平路派出所"
OTHER_UNITS = ["徐家汇派出所", "田林派出所"]
SOURCES = ["bodycam", "counter", "phone", "dispatch"]
CATEGORIES = ["theft", "fraud", "dispute", "assault", "traffic", "noise", "help_request", None]
CODES = [
    "SPEECH_PROFANITY",
    "SPEECH_THREAT",
    "SPEECH_IMPATIENT",
    "MISSING_RECEIPT",
    "REPORT_NOT_ACCEPTED",
]
LEVELS = ["low", "low", "low", "medium", "high"]
WEEK = "2026-W10"
WEEK_START = datetime(2026, 3, 1, 16, tzinfo=UTC)  # Monday 00:00 Asia/Shanghai


def seed(db: Database, n: int, rng: random.Random) -> None:
    """n incidents of UNIT in the week and n the week before, n/2 of other units; ~1.2 flags each."""
    recs: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    sheets: list[dict[str, Any]] = []
    plan = [(UNIT, 0, n), (UNIT, -7, n)] + [(u, 0, n // 4) for u in OTHER_UNITS]
    for unit, day_shift, count in plan:
        for _ in range(count):
            rid = uuid.uuid4()
            at = WEEK_START + timedelta(days=day_shift, seconds=rng.uniform(0, 7 * 86400 - 1))
            risk = rng.choice(LEVELS)
            codes = rng.sample(CODES, k=rng.choice([0, 1, 1, 2, 2]))
            recs.append(
                {
                    "id": rid,
                    "analysis_id": f"rec-{rid.hex[:16]}",
                    "source": rng.choice(SOURCES),
                    "unit": unit,
                    "officer": f"P{rng.randint(1000, 1100)}",
                    "recorded_at": at,
                    "status": "done",
                    "attempts": 1,
                    "risk_level": risk,
                    "risk_rank": {"low": 1, "medium": 2, "high": 3}[risk],
                    "risk_score": rng.random(),
                    "max_severity_rank": 2 if codes else 0,
                    "flag_count": len(codes),
                    "flag_codes": ",".join(sorted(codes)),
                    "review_status": "unreviewed" if codes else "clear",
                    "category": rng.choice(CATEGORIES),
                    "created_by": "bench",
                    "created_at": at,
                    "updated_at": at,
                }
            )
            for i, code in enumerate(codes):
                flags.append(
                    {
                        "id": uuid.uuid4(),
                        "recording_id": rid,
                        "flag_key": f"flag-{i:03d}",
                        "code": code,
                        "rule_id": f"rule.{code.lower()}",
                        "rule_version": "1",
                        "severity": "medium",
                        "severity_rank": 2,
                        "confidence": 0.8,
                        "start": 1.0,
                        "end": 2.0,
                        "current": True,
                        "latest_verdict": rng.choice(
                            [None, None, "confirm", "dismiss", "escalate"]
                        ),
                        "created_at": at,
                    }
                )
            if risk == "high" and rng.random() < 0.3:
                state = rng.choice(STATES)
                closed = state in CLOSED_STATES
                sheets.append(
                    {
                        "id": uuid.uuid4(),
                        "recording_id": rid,
                        "unit": unit,
                        "state": state,
                        "urgency": "urgent",
                        "deadline_at": at + timedelta(hours=24),
                        "triggers": ["risk:high"],
                        "content": {},
                        "measures": [],
                        "overdue": False,
                        "reopen_count": 0,
                        "created_by": "system",
                        "created_at": at,
                        "updated_at": at,
                        "completed_at": at + timedelta(hours=rng.uniform(2, 40))
                        if closed or state == "completed"
                        else None,
                        "verified_at": at + timedelta(hours=rng.uniform(40, 60))
                        if closed
                        else None,
                    }
                )
    with db.session() as s:
        for table, rows in ((Recording, recs), (Flag, flags), (TaskSheet, sheets)):
            for i in range(0, len(rows), 5000):
                s.execute(insert(table), rows[i : i + 5000])
        s.commit()
    logger.info("seeded %d recordings, %d flags, %d sheets", len(recs), len(flags), len(sheets))


def bench(url: str, n: int, repeats: int) -> dict[str, Any]:
    config = load_tasksheet_config()
    db = Database(url)
    try:
        migrate(db.engine)
        seed(db, n, random.Random(13))
        runs = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            with db.session() as s:
                report = build_weekly(session=s, config=config, week=WEEK, unit=UNIT)
            t1 = time.perf_counter()
            with_charts(report, config)
            t2 = time.perf_counter()
            html = render_weekly_html(report, config)
            t3 = time.perf_counter()
            pdf = html_to_pdf(html)
            t4 = time.perf_counter()
            runs.append(
                {
                    "queries_s": t1 - t0,
                    "charts_s": t2 - t1,
                    "html_s": t3 - t2,
                    "pdf_s": t4 - t3,
                    "total_s": t4 - t0,
                    "incidents": report.total,
                    "pdf_bytes": len(pdf),
                }
            )
        best = min(runs, key=lambda r: r["total_s"])
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in best.items()}
    finally:
        db.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="incidents in the unit-week")
    ap.add_argument("--repeats", type=int, default=3, help="report runs; the best is printed")
    ap.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    for noisy in ("weasyprint", "fontTools", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    results: dict[str, Any] = {"n": args.n, "cpus": os.cpu_count(), "load": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        results["sqlite"] = bench(f"sqlite:///{tmp}/bench.db", args.n, args.repeats)
        if args.postgres:
            with postgres_cluster({"fsync": "off", "synchronous_commit": "off"}) as server:
                name = server.create_database()
                results["postgresql"] = bench(f"{server.url}/{name}", args.n, args.repeats)
    sys.stdout.write(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    ok = all(results[k]["total_s"] < 10.0 for k in ("sqlite", "postgresql") if k in results)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
