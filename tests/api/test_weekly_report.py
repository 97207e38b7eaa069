"""The weekly security report on both databases: a unit's ISO week (in the station's time zone) with
incidents seeded through the real indexer, decisions through the API and task sheets moved through
the real lifecycle at controlled times. The numbers are checked against the seeded facts and against
an independent count over the rows; the charts' drawn values and the PDF's text must agree with them.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from api import tasksheets
from api.models import Flag, Recording
from api.reports import build_weekly, render_weekly_pdf, with_charts
from api.reports.weekly import parse_week
from pipeline.cli import app as cli_app
from tests.utils.api_factories import UNIT_A, UNIT_B, ApiHarness, seed

WEEK = "2026-W10"  # Monday 2 March 2026 00:00 to Monday 9 March 00:00, Asia/Shanghai
DISTRICT = "徐汇分局"


def _utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


# (name, unit, source, category, risk, score, flags, recorded_at UTC)
SPEC: list[tuple[str, str, str, str | None, str, float, list[tuple[str, str]], datetime]] = [
    # 2026-03-01 17:00 UTC is Monday 01:00 in Shanghai: inside W10 although Sunday in UTC
    ("a-early", UNIT_A, "counter", "theft", "low", 0.10, [], _utc(1, 17)),
    ("a1", UNIT_A, "counter", "theft", "low", 0.20, [("MISSING_RECEIPT", "medium")], _utc(2, 2)),
    ("a2", UNIT_A, "counter", "fraud", "medium", 0.50, [("SPEECH_IMPATIENT", "low")], _utc(2, 3)),
    ("a3", UNIT_A, "counter", "dispute", "low", 0.15, [("SPEECH_IMPATIENT", "low")], _utc(3, 1)),
    ("a4", UNIT_A, "bodycam", "dispute", "high", 0.92, [("SPEECH_THREAT", "high")], _utc(3, 5)),
    ("a5", UNIT_A, "bodycam", "assault", "high", 0.88, [("SPEECH_THREAT", "high")], _utc(4, 6)),
    ("a6", UNIT_A, "bodycam", None, "medium", 0.40, [], _utc(4, 8)),
    ("a7", UNIT_A, "phone", "consultation", "low", 0.05, [("SPEECH_IMPATIENT", "low")], _utc(5, 2)),
    ("a8", UNIT_A, "phone", "theft", "low", 0.12, [("MISSING_RECEIPT", "medium")], _utc(6, 9)),
    ("a9", UNIT_A, "dispatch", "dispute", "medium", 0.61, [("SPEECH_THREAT", "high")], _utc(8, 3)),
    # 2026-03-08 16:30 UTC is Monday 9 March 00:30 in Shanghai: W11, not in the report
    (
        "a-late",
        UNIT_A,
        "counter",
        "theft",
        "high",
        0.99,
        [("SPEECH_THREAT", "high")],
        _utc(8, 16, 30),
    ),
    # the week before (W09)
    ("p1", UNIT_A, "counter", "theft", "low", 0.10, [], datetime(2026, 2, 24, 3, tzinfo=UTC)),
    (
        "p2",
        UNIT_A,
        "phone",
        "fraud",
        "high",
        0.80,
        [("SPEECH_THREAT", "high")],
        datetime(2026, 2, 25, 3, tzinfo=UTC),
    ),
    ("p3", UNIT_A, "counter", "noise", "low", 0.10, [], datetime(2026, 2, 26, 3, tzinfo=UTC)),
    # another unit of the same district, same week
    ("b1", UNIT_B, "counter", "theft", "low", 0.10, [("MISSING_RECEIPT", "medium")], _utc(3, 2)),
    ("b2", UNIT_B, "bodycam", "dispute", "high", 0.90, [], _utc(5, 2)),
]
IN_WEEK_A = [s for s in SPEC if s[1] == UNIT_A and s[0].startswith("a") and s[0] != "a-late"]
# reviewer verdicts on the week's flags: confirm THREAT twice, dismiss once; IMPATIENT 1 confirm 1 dismiss
VERDICTS = {
    "a4": "confirm",
    "a5": "confirm",
    "a9": "dismiss",
    "a2": "confirm",
    "a3": "dismiss",
    "a1": "confirm",
}


@dataclass
class Seeded:
    ids: dict[str, str]
    sheets: dict[str, str]


@pytest.fixture(scope="module")
def seeded(api: ApiHarness) -> Seeded:
    ids: dict[str, str] = {}
    for name, unit, source, category, risk, score, flags, at in SPEC:
        rid, _ = seed(
            api,
            name=f"weekly-{name}",
            unit=unit,
            source=source,
            category=category,
            risk=risk,
            risk_score=score,
            flags=flags,
            recorded_at=at,
            officer="P2001",
        )
        ids[name] = rid
    # task sheets created and moved at controlled times through the real lifecycle
    sheets: dict[str, str] = {}
    admin = tasksheets.Actor("admin", "admin")
    steps = {
        # closed after 24 h
        "a1": (
            _utc(2, 4),
            [("review", 1), ("issue", 2), ("acknowledge", 3), ("complete", 20), ("verify", 24)],
        ),
        # closed after 48 h
        "a3": (
            _utc(3, 2),
            [
                ("review", 1),
                ("issue", 2),
                ("acknowledge", 3),
                ("complete", 40),
                ("verify", 48),
                ("close", 50),
            ],
        ),
        # issued with a 12-hour deadline and never finished: overdue at the week's end
        "a7": (_utc(5, 3), [("review", 1), ("issue", 2)]),
        # open, its deadline (168 h) not reached by the week's end
        "a8": (_utc(6, 10), [("review", 1)]),
        # last week: created and closed then
        "p1": (
            datetime(2026, 2, 24, 4, tzinfo=UTC),
            [("review", 1), ("issue", 2), ("acknowledge", 3), ("complete", 4), ("verify", 5)],
        ),
    }
    with api.ctx.db.session() as s:
        for name, (created, moves) in steps.items():
            rec = s.get(Recording, uuid.UUID(ids[name]))
            assert rec is not None
            sheet = tasksheets.create_sheet(
                session=s,
                config=api.ctx.sheets,
                recording=rec,
                doc=None,
                triggers=["manual"],
                actor=admin,
                now=created,
            )
            for action, hours in moves:
                at = created + timedelta(hours=hours)
                body = tasksheets.TransitionInput(
                    responsible="值班组" if action == "issue" else None,
                    result="已处理" if action == "complete" else None,
                    deadline_at=created + timedelta(hours=12)
                    if name == "a7" and action == "issue"
                    else None,
                )
                tasksheets.apply(
                    session=s, sheet=sheet, action=action, actor=admin, body=body, now=at
                )
            sheets[name] = str(sheet.id)
        s.commit()
    # verdicts after the sheets exist (a confirmation would otherwise open a sheet of its own)
    for name, verdict in VERDICTS.items():
        with api.ctx.db.session() as s:
            fid = s.scalar(select(Flag.id).where(Flag.recording_id == uuid.UUID(ids[name])))
        body: dict[str, Any] = {"verdict": verdict}
        if verdict == "dismiss":
            body["reason_code"] = "context_lawful"
        r = api.client.post(f"/flags/{fid}/decision", json=body, headers=api.headers["reviewer"])
        assert r.status_code == 201, r.text
    return Seeded(ids=ids, sheets=sheets)


def _independent_counts(api: ApiHarness, units: set[str], week: str) -> dict[str, Counter[str]]:
    """Count the week's incidents from all rows in Python, by the local calendar (no GROUP BY)."""
    iso = parse_week(week, api.ctx.sheets)
    tz = api.ctx.sheets.weekly_report.zone
    out: dict[str, Counter[str]] = {"source": Counter(), "category": Counter(), "risk": Counter()}
    with api.ctx.db.session() as s:
        for rec in s.scalars(select(Recording)).all():
            local = rec.recorded_at.astimezone(tz).isocalendar()
            if rec.unit in units and (local.year, local.week) == (iso.year, iso.week):
                out["source"][rec.source] += 1
                out["category"][rec.category or "unknown"] += 1
                out["risk"][rec.risk_level or "none"] += 1
    return out


def test_unit_week_numbers(api: ApiHarness, seeded: Seeded) -> None:
    with api.ctx.db.session() as s:
        r = build_weekly(session=s, config=api.ctx.sheets, week=WEEK, unit=UNIT_A, now=_utc(20, 0))
    assert r.total == len(IN_WEEK_A) == 10
    assert r.by_source == {"counter": 4, "bodycam": 3, "phone": 2, "dispatch": 1}
    assert r.by_category == {
        "dispute": 3,
        "theft": 3,
        "assault": 1,
        "consultation": 1,
        "fraud": 1,
        "unknown": 1,
    }
    assert r.risk == {"high": 2, "medium": 3, "low": 5, "none": 0}
    flags = {f.code: (f.count, f.confirmed, f.dismissed, f.precision) for f in r.flags}
    assert flags == {
        "SPEECH_THREAT": (3, 2, 1, pytest.approx(2 / 3)),
        "SPEECH_IMPATIENT": (3, 1, 1, 0.5),
        "MISSING_RECEIPT": (2, 1, 0, 1.0),
    }
    assert [t["id"] for t in r.top_risk[:3]] == [
        seeded.ids["a4"],
        seeded.ids["a5"],
        seeded.ids["a9"],
    ]
    assert r.sheets_created == 4 and r.sheets_closed == 2 and r.closure_rate == 0.5
    assert r.median_hours_to_close == pytest.approx(36.0)
    assert [o["id"] for o in r.overdue] == [seeded.sheets["a7"]]
    assert r.overdue[0]["state"] == "issued" and r.overdue_total == 1
    change = {c["key"]: (c["this"], c["prev"], c["delta"]) for c in r.change()}
    assert change["incidents"] == (10, 3, 7)
    assert change["high_risk"] == (2, 1, 1)
    assert change["sheets_created"] == (4, 1, 3)
    assert change["sheets_closed"] == (2, 1, 1)
    # and the same as an independent count over every row by the local calendar
    ind = _independent_counts(api, {UNIT_A}, WEEK)
    assert r.by_source == dict(ind["source"])
    assert r.by_category == dict(ind["category"])
    assert {k: v for k, v in r.risk.items() if v} == dict(ind["risk"])


def test_charts_draw_the_queried_numbers(api: ApiHarness, seeded: Seeded) -> None:
    with api.ctx.db.session() as s:
        r = with_charts(
            build_weekly(session=s, config=api.ctx.sheets, week=WEEK, unit=UNIT_A),
            api.ctx.sheets,
        )
    charts = {c.key: c for c in r.charts}
    assert set(charts) == {"sources", "categories", "flags", "risk"}
    ind = _independent_counts(api, {UNIT_A}, WEEK)
    lab = api.ctx.sheets.labels
    drawn = dict(zip(charts["sources"].labels, charts["sources"].values, strict=True))
    assert drawn == {lab.sources[k]: float(n) for k, n in ind["source"].items()}
    drawn = dict(zip(charts["categories"].labels, charts["categories"].values, strict=True))
    expected = {
        (lab.categories[k] if k != "unknown" else "未研判"): float(n)
        for k, n in ind["category"].items()
    }
    assert drawn == expected
    with api.ctx.db.session() as s:
        week_ids = [uuid.UUID(seeded.ids[name]) for name, *_ in IN_WEEK_A]
        codes = Counter(
            s.scalars(
                select(Flag.code).where(Flag.recording_id.in_(week_ids), Flag.current.is_(True))
            ).all()
        )
    drawn = dict(zip(charts["flags"].labels, charts["flags"].values, strict=True))
    assert drawn == {lab.codes[k]: float(n) for k, n in codes.items()}  # type: ignore[index]
    drawn = dict(zip(charts["risk"].labels, charts["risk"].values, strict=True))
    assert drawn == {"高": 2.0, "中": 3.0, "低": 5.0, "未评估": 0.0}
    for c in charts.values():
        assert c.png.startswith(b"\x89PNG")


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "weekly.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


HEADINGS = (
    "治安周报",
    "一、总体情况",
    "二、警情来源与类别",
    "三、问题标记与确认准确率",
    "四、风险分布",
    "五、任务单办理",
    "六、环比变化",
)


def test_pdf_text_has_the_headings_and_the_database_numbers(
    api: ApiHarness, seeded: Seeded, tmp_path: Path
) -> None:
    with api.ctx.db.session() as s:
        r = with_charts(
            build_weekly(session=s, config=api.ctx.sheets, week=WEEK, unit=UNIT_A),
            api.ctx.sheets,
        )
    text = _pdf_text(render_weekly_pdf(r, api.ctx.sheets), tmp_path)
    for heading in HEADINGS:
        assert heading in text, heading
    assert re.search(rf"警情总数\s+{r.total}\b", text)
    assert re.search(rf"高风险警情\s+{r.risk['high']}\b", text)
    lab = api.ctx.sheets.labels
    for source, n in r.by_source.items():
        assert re.search(rf"{lab.sources[source]}\s+{n}\b", text), source
    for f in r.flags:
        pct = f"{f.precision * 100:.1f}%" if f.precision is not None else "—"
        row = rf"{lab.codes[f.code]}\s+{f.code}\s+{f.count}\s+{f.confirmed}\s+{f.dismissed}\s+{re.escape(pct)}"  # type: ignore[index]
        assert re.search(row, text), row
    assert re.search(r"办结率\s+50\.0%", text)
    assert re.search(r"办结中位用时（小时）\s+36\.0", text)
    assert "超期任务单（1）" in text
    assert re.search(r"警情总数\s+10\s+3\s+\+7", text)  # week over week


def test_district_report_covers_its_units(api: ApiHarness, seeded: Seeded) -> None:
    r = api.client.get(
        "/reports/weekly",
        params={"week": WEEK, "district": DISTRICT},
        headers=api.headers["reviewer"],
    )
    assert r.status_code == 200, r.text
    body = r.json()
    ind = _independent_counts(api, {UNIT_A, UNIT_B}, WEEK)
    assert body["total"] == 12 == sum(ind["source"].values())
    assert body["by_source"] == dict(ind["source"])
    assert body["scope"]["units"] == api.ctx.sheets.weekly_report.districts[DISTRICT]


def test_api_scoping_and_formats(api: ApiHarness, seeded: Seeded) -> None:
    own = api.client.get("/reports/weekly", params={"week": WEEK}, headers=api.headers["chief_a"])
    assert own.status_code == 200 and own.json()["scope"]["name"] == UNIT_A
    assert own.json()["total"] == 10
    for params in ({"week": WEEK, "unit": UNIT_A}, {"week": WEEK, "district": DISTRICT}):
        r = api.client.get("/reports/weekly", params=params, headers=api.headers["chief_b"])
        assert r.status_code == 403 and r.json()["detail"] == "unit not permitted"
    r = api.client.get(
        "/reports/weekly", params={"week": "2026-W60", "unit": UNIT_A}, headers=api.headers["admin"]
    )
    assert r.status_code == 422 and r.json()["detail"] == "2026-W60 is not a week of 2026"
    r = api.client.get(
        "/reports/weekly",
        params={"week": WEEK, "district": "无此分局"},
        headers=api.headers["admin"],
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("unknown district")
    r = api.client.get("/reports/weekly", params={"week": WEEK}, headers=api.headers["admin"])
    assert r.status_code == 422 and r.json()["detail"] == "give exactly one of unit or district"
    r = api.client.get(
        "/reports/weekly", params={"week": WEEK, "unit": UNIT_A}, headers=api.headers["ingest_key"]
    )
    assert r.status_code == 403
    html = api.client.get(
        "/reports/weekly",
        params={"week": WEEK, "unit": UNIT_A, "format": "html"},
        headers=api.headers["reviewer"],
    )
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assert html.text.count("data:image/png;base64,") == 4
    pdf = api.client.get(
        "/reports/weekly",
        params={"week": WEEK, "unit": UNIT_A, "format": "pdf"},
        headers=api.headers["reviewer"],
    )
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_cli_writes_html_and_pdf(
    api: ApiHarness, seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VIGIL_API_DATABASE_URL", api.ctx.settings.DATABASE_URL)
    monkeypatch.setenv("VIGIL_API_ENVIRONMENT", "development")
    result = CliRunner().invoke(
        cli_app, ["report", "weekly", "--unit", UNIT_A, "--week", WEEK, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert f"{UNIT_A} {WEEK}: 10 incidents" in result.output
    pdfs = list(tmp_path.glob("weekly-*-2026-W10.pdf"))
    htmls = list(tmp_path.glob("weekly-*-2026-W10.html"))
    assert len(pdfs) == 1 and len(htmls) == 1
    text = _pdf_text(pdfs[0].read_bytes(), tmp_path)
    assert "治安周报" in text and re.search(r"警情总数\s+10\b", text)
    bad = CliRunner().invoke(
        cli_app, ["report", "weekly", "--unit", UNIT_A, "--week", "W10", "--out", str(tmp_path)]
    )
    assert bad.exit_code == 2 and "week must look like 2026-W10" in bad.output


def test_sheet_in_week_of_a_quiet_unit_is_empty_report(api: ApiHarness, seeded: Seeded) -> None:
    with api.ctx.db.session() as s:
        r = build_weekly(session=s, config=api.ctx.sheets, week="2026-W30", unit=UNIT_A)
    assert r.total == 0 and r.flags == [] and r.closure_rate is None
    assert r.median_hours_to_close is None and r.by_source == {}
    assert r.week.start == datetime(2026, 7, 20, tzinfo=api.ctx.sheets.weekly_report.zone)
    assert {t.key for t in with_charts(r, api.ctx.sheets).charts} == {"risk"}


def test_scheduled_reports_land_in_the_store_once(
    api: ApiHarness, seeded: Seeded, tmp_path: Path
) -> None:
    from api.worker import WeeklyReporter

    tuesday_after = datetime(2026, 3, 10, 2, tzinfo=UTC)  # W11: last complete week is W10
    reporter = WeeklyReporter(api.ctx, clock=lambda: tuesday_after)
    reporter.run_once()
    prefix = f"{api.ctx.sheets.weekly_report.store_prefix}{WEEK}/"
    keys = sorted(i.key for i in api.store.list(prefix))
    pdfs = [k for k in keys if k.endswith(".pdf")]
    units_in_week = {UNIT_A, UNIT_B}
    assert len(pdfs) == len(units_in_week) + len(api.ctx.sheets.weekly_report.districts)
    assert len(keys) == 2 * len(pdfs)
    unit_a_pdf = next(k for k in pdfs if f"unit-weekly-{UNIT_A}-" in k)
    text = _pdf_text(api.store.get_bytes(unit_a_pdf), tmp_path)
    assert "治安周报" in text and re.search(r"警情总数\s+10\b", text)
    before = {k: api.store.stat(k) for k in keys}
    reporter.run_once()  # a second pass (another process, a restart) writes nothing again
    after = {i.key: api.store.stat(i.key) for i in api.store.list(prefix)}
    assert before == after
