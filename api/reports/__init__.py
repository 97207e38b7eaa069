"""Printable outputs for station chiefs: the task sheet as an A4 PDF, and the weekly security report
(治安周报) as JSON, HTML and PDF with matplotlib charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from ..models import TaskSheet, TaskSheetEvent, utcnow
from ..tasksheets.config import TaskSheetConfig
from ..tasksheets.lifecycle import STATE_ZH
from .charts import Chart, bar_chart
from .render import html_to_pdf, render_html
from .weekly import (
    IsoWeek,
    Scope,
    WeeklyReport,
    build_weekly,
    last_week,
    parse_week,
    resolve_scope,
    weekly_scopes,
)

ACTION_ZH = {
    "create": "创建",
    "review": "指挥室审核",
    "issue": "所长下发",
    "acknowledge": "签收",
    "complete": "办结",
    "verify": "核验",
    "close": "关闭",
    "reopen": "重新打开",
    "add_recording": "新增录音",
}
VERDICT_ZH = {"confirm": "已确认", "dismiss": "已排除", "escalate": "已上报"}


def render_task_sheet_html(
    sheet: TaskSheet, events: Sequence[TaskSheetEvent], config: TaskSheetConfig, base_url: str = ""
) -> str:
    content = sheet.content or {}
    return render_html(
        "task_sheet.html",
        sheet=sheet,
        events=events,
        facts=content.get("facts", {}),
        summary=content.get("summary", []),
        findings=content.get("findings", []),
        history=content.get("history", []),
        labels=config.labels,
        state_zh=STATE_ZH,
        action_zh=ACTION_ZH,
        verdict_zh=VERDICT_ZH,
        tz=config.weekly_report.zone,
        font_family=config.weekly_report.cjk_font_family,
        printed_at=utcnow(),
        base_url=base_url,
    )


def render_task_sheet_pdf(
    sheet: TaskSheet, events: Sequence[TaskSheetEvent], config: TaskSheetConfig, base_url: str = ""
) -> bytes:
    """The A4 print; ``base_url`` (the deployment's public address) makes the findings' links absolute."""
    return html_to_pdf(render_task_sheet_html(sheet, events, config, base_url))


def with_charts(report: WeeklyReport, config: TaskSheetConfig) -> WeeklyReport:
    """Draw the report's charts from its own numbers (sources, categories, flags, risk)."""
    font = config.weekly_report.cjk_font
    lab = config.labels
    charts: list[Chart] = []
    if report.by_source:
        charts.append(
            bar_chart(
                "sources",
                "警情来源",
                [lab.sources.get(k, k) for k in report.by_source],
                list(report.by_source.values()),
                font_path=font,
            )
        )
    if report.by_category:
        charts.append(
            bar_chart(
                "categories",
                "警情类别",
                [
                    lab.categories.get(k, "未研判" if k == "unknown" else k)
                    for k in report.by_category
                ],
                list(report.by_category.values()),
                font_path=font,
            )
        )
    if report.flags:
        charts.append(
            bar_chart(
                "flags",
                "问题标记",
                [lab.codes.get(f.code, f.code) for f in report.flags],  # type: ignore[call-overload]
                [f.count for f in report.flags],
                font_path=font,
                horizontal=True,
            )
        )
    levels = ("high", "medium", "low", "none")
    charts.append(
        bar_chart(
            "risk",
            "风险分布",
            [lab.risk_levels.get(k, "未评估") for k in levels],  # type: ignore[call-overload]
            [report.risk[k] for k in levels],
            font_path=font,
        )
    )
    report.charts = charts
    return report


def render_weekly_html(report: WeeklyReport, config: TaskSheetConfig) -> str:
    return render_html(
        "weekly.html",
        r=report,
        charts=report.charts,
        labels=config.labels,
        state_zh=STATE_ZH,
        tz=config.weekly_report.zone,
        font_family=config.weekly_report.cjk_font_family,
    )


def render_weekly_pdf(report: WeeklyReport, config: TaskSheetConfig) -> bytes:
    return html_to_pdf(render_weekly_html(report, config))


@dataclass(frozen=True, slots=True)
class WeeklyFiles:
    html: Path
    pdf: Path
    report: WeeklyReport


def report_stem(report: WeeklyReport) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in report.scope.name)
    return f"weekly-{safe}-{report.week.label}"


def write_weekly(
    *,
    session: Session,
    config: TaskSheetConfig,
    week: str,
    out_dir: Path,
    unit: str | None = None,
    district: str | None = None,
) -> WeeklyFiles:
    """Build the report and write its HTML and PDF into ``out_dir``."""
    report = with_charts(
        build_weekly(session=session, config=config, week=week, unit=unit, district=district),
        config,
    )
    html = render_weekly_html(report, config)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(report)
    html_path, pdf_path = out_dir / f"{stem}.html", out_dir / f"{stem}.pdf"
    html_path.write_text(html, encoding="utf-8")
    pdf_path.write_bytes(html_to_pdf(html))
    return WeeklyFiles(html=html_path, pdf=pdf_path, report=report)


def weekly_from_settings(
    *,
    week: str,
    out_dir: Path,
    unit: str | None = None,
    district: str | None = None,
    settings: Any = None,
) -> WeeklyFiles:
    """The ``vigil report weekly`` entry point: open the configured database, write the files."""
    from ..core.config import Settings
    from ..db import Database, migrate
    from ..tasksheets.config import load_tasksheet_config

    settings = settings or Settings()
    config = load_tasksheet_config(settings.TASKSHEETS_CONFIG)
    db = Database(settings.DATABASE_URL)
    try:
        migrate(db.engine)
        with db.session() as session:
            return write_weekly(
                session=session,
                config=config,
                week=week,
                out_dir=out_dir,
                unit=unit,
                district=district,
            )
    finally:
        db.dispose()


__all__ = [
    "Chart",
    "IsoWeek",
    "Scope",
    "WeeklyFiles",
    "WeeklyReport",
    "build_weekly",
    "parse_week",
    "render_task_sheet_html",
    "render_task_sheet_pdf",
    "render_weekly_html",
    "render_weekly_pdf",
    "report_stem",
    "resolve_scope",
    "weekly_from_settings",
    "with_charts",
    "weekly_scopes",
    "write_weekly",
    "last_week",
]
