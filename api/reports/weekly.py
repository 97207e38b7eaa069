"""The weekly security report (治安周报) for one unit or one district and one ISO week.

Everything is aggregated in the database (GROUP BY over the unit-time index), never by loading a
week's rows into Python, so a unit-week of 10k incidents takes well under a second of queries; the
charts and the PDF layout are most of the time.

Definitions (printed in the report's footnotes too):
- the week runs Monday 00:00 to the next Monday 00:00 in the configured time zone;
- an incident is an analysed recording (status ``done``) recorded in the week;
- a flag's precision is confirmed / (confirmed + dismissed) over the latest verdict of each current
  flag of those incidents (escalations and undecided flags are counted, not scored);
- task sheets are those created in the week; a sheet is closed when its state is verified or closed
  (as of the report), time to close runs from creation to verification;
- the overdue list holds the scope's sheets that were still open at the end of the week (or now, if
  earlier) with their deadline already passed, longest overdue first (at most ``overdue_max``).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..models import Flag, Recording, TaskSheet, utcnow
from ..tasksheets.config import TaskSheetConfig
from ..tasksheets.lifecycle import CLOSED_STATES, OPEN_STATES

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
RISK_LEVELS = ("high", "medium", "low")


@dataclass(frozen=True, slots=True)
class IsoWeek:
    year: int
    week: int
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    def previous(self, config: TaskSheetConfig) -> IsoWeek:
        d = (self.start - timedelta(days=7)).date().isocalendar()
        return parse_week(f"{d.year}-W{d.week:02d}", config)


def parse_week(text: str, config: TaskSheetConfig) -> IsoWeek:
    """``2026-W10`` -> that week's bounds in the report's time zone; ValueError for anything else."""
    m = _WEEK.match(text.strip())
    if not m:
        raise ValueError(f"week must look like 2026-W10, not {text!r}")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{text} is not a week of {year}") from None
    tz = config.weekly_report.zone
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    return IsoWeek(year, week, start, start + timedelta(days=7))


@dataclass(frozen=True, slots=True)
class Scope:
    """A unit, or a district and its units."""

    kind: str
    name: str
    units: tuple[str, ...]


def resolve_scope(config: TaskSheetConfig, *, unit: str | None, district: str | None) -> Scope:
    if (unit is None) == (district is None):
        raise ValueError("give exactly one of unit or district")
    if unit is not None:
        return Scope("unit", unit, (unit,))
    districts = config.weekly_report.districts
    if district not in districts:
        known = ", ".join(sorted(districts)) or "none configured"
        raise ValueError(f"unknown district {district!r}; known: {known}")
    return Scope("district", str(district), tuple(districts[str(district)]))


@dataclass(slots=True)
class FlagRow:
    code: str
    count: int
    confirmed: int
    dismissed: int
    escalated: int
    undecided: int

    @property
    def precision(self) -> float | None:
        decided = self.confirmed + self.dismissed
        return self.confirmed / decided if decided else None


@dataclass(slots=True)
class WeekCounts:
    """The numbers compared week over week."""

    incidents: int
    high_risk: int
    flags: int
    confirmed: int
    sheets_created: int
    sheets_closed: int

    @property
    def closure_rate(self) -> float | None:
        return self.sheets_closed / self.sheets_created if self.sheets_created else None


@dataclass(slots=True)
class WeeklyReport:
    scope: Scope
    week: IsoWeek
    generated_at: datetime
    as_of: datetime
    by_source: dict[str, int]
    by_category: dict[str, int]
    flags: list[FlagRow]
    risk: dict[str, int]
    top_risk: list[dict[str, Any]]
    sheets_created: int
    sheets_closed: int
    median_hours_to_close: float | None
    overdue: list[dict[str, Any]]
    overdue_total: int
    current: WeekCounts
    previous: WeekCounts
    charts: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.current.incidents

    @property
    def closure_rate(self) -> float | None:
        return self.current.closure_rate

    def change(self) -> list[dict[str, Any]]:
        """Week-over-week rows: this week, last week, difference and relative change."""
        rows = []
        for key, label in (
            ("incidents", "警情总数"),
            ("high_risk", "高风险警情"),
            ("flags", "问题标记"),
            ("confirmed", "确认问题"),
            ("sheets_created", "新建任务单"),
            ("sheets_closed", "办结任务单"),
        ):
            this, prev = getattr(self.current, key), getattr(self.previous, key)
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "this": this,
                    "prev": prev,
                    "delta": this - prev,
                    "pct": (this - prev) / prev if prev else None,
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "scope": {"kind": self.scope.kind, "name": self.scope.name, "units": self.scope.units},
            "week": self.week.label,
            "start": self.week.start.isoformat(),
            "end": self.week.end.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "as_of": self.as_of.isoformat(),
            "total": self.total,
            "by_source": self.by_source,
            "by_category": self.by_category,
            "flags": [
                {
                    "code": f.code,
                    "count": f.count,
                    "confirmed": f.confirmed,
                    "dismissed": f.dismissed,
                    "escalated": f.escalated,
                    "undecided": f.undecided,
                    "precision": None if f.precision is None else round(f.precision, 4),
                }
                for f in self.flags
            ],
            "risk": self.risk,
            "top_risk": self.top_risk,
            "task_sheets": {
                "created": self.sheets_created,
                "closed": self.sheets_closed,
                "closure_rate": None if self.closure_rate is None else round(self.closure_rate, 4),
                "median_hours_to_close": None
                if self.median_hours_to_close is None
                else round(self.median_hours_to_close, 2),
                "overdue_total": self.overdue_total,
                "overdue": self.overdue,
            },
            "week_over_week": self.change(),
            "charts": [
                {"key": c.key, "title": c.title, "labels": c.labels, "values": c.values}
                for c in self.charts
            ],
        }


def _incident_conds(scope: Scope, week: IsoWeek) -> list[Any]:
    return [
        Recording.unit.in_(scope.units),
        Recording.recorded_at >= week.start,
        Recording.recorded_at < week.end,
        Recording.status == "done",
    ]


def _sheet_conds(scope: Scope, week: IsoWeek) -> list[Any]:
    return [
        TaskSheet.unit.in_(scope.units),
        TaskSheet.created_at >= week.start,
        TaskSheet.created_at < week.end,
    ]


def _counts(session: Session, scope: Scope, week: IsoWeek) -> WeekCounts:
    inc = _incident_conds(scope, week)
    incidents = int(session.scalar(select(func.count()).where(*inc)) or 0)
    high = int(
        session.scalar(select(func.count()).where(*inc, Recording.risk_level == "high")) or 0
    )
    flag_rows = session.execute(
        select(func.count(), func.count().filter(Flag.latest_verdict == "confirm"))
        .select_from(Flag)
        .join(Recording, Flag.recording_id == Recording.id)
        .where(*inc, Flag.current.is_(True))
    ).one()
    sheets = session.execute(
        select(func.count(), func.count().filter(TaskSheet.state.in_(sorted(CLOSED_STATES))))
        .select_from(TaskSheet)
        .where(*_sheet_conds(scope, week))
    ).one()
    return WeekCounts(
        incidents=incidents,
        high_risk=high,
        flags=int(flag_rows[0]),
        confirmed=int(flag_rows[1]),
        sheets_created=int(sheets[0]),
        sheets_closed=int(sheets[1]),
    )


def build_weekly(
    *,
    session: Session,
    config: TaskSheetConfig,
    week: str,
    unit: str | None = None,
    district: str | None = None,
    now: datetime | None = None,
) -> WeeklyReport:
    """Query everything the report shows (no charts yet: see :func:`api.reports.with_charts`)."""
    now = now or utcnow()
    iso = parse_week(week, config)
    scope = resolve_scope(config, unit=unit, district=district)
    inc = _incident_conds(scope, iso)
    by_source = {
        str(s): int(n)
        for s, n in session.execute(
            select(Recording.source, func.count()).where(*inc).group_by(Recording.source)
        )
    }
    by_category: dict[str, int] = {}
    for c, n in session.execute(
        select(Recording.category, func.count()).where(*inc).group_by(Recording.category)
    ):
        key = c or "unknown"
        by_category[key] = by_category.get(key, 0) + int(n)
    risk = dict.fromkeys((*RISK_LEVELS, "none"), 0)
    for level, n in session.execute(
        select(Recording.risk_level, func.count()).where(*inc).group_by(Recording.risk_level)
    ):
        risk[level if level in RISK_LEVELS else "none"] += int(n)
    flags: dict[str, FlagRow] = {}
    for code, verdict, n in session.execute(
        select(Flag.code, Flag.latest_verdict, func.count())
        .join(Recording, Flag.recording_id == Recording.id)
        .where(*inc, Flag.current.is_(True))
        .group_by(Flag.code, Flag.latest_verdict)
    ):
        row = flags.setdefault(code, FlagRow(code, 0, 0, 0, 0, 0))
        row.count += int(n)
        attr = {"confirm": "confirmed", "dismiss": "dismissed", "escalate": "escalated"}
        name = attr.get(verdict or "", "undecided")
        setattr(row, name, getattr(row, name) + int(n))
    top = session.execute(
        select(
            Recording.id,
            Recording.recorded_at,
            Recording.source,
            Recording.officer,
            Recording.incident_id,
            Recording.risk_level,
            Recording.risk_score,
            Recording.flag_codes,
        )
        .where(*inc)
        .order_by(Recording.risk_score.desc(), Recording.recorded_at.desc(), Recording.id)
        .limit(config.weekly_report.top_risk)
    ).all()
    top_risk = [
        {
            "id": str(r.id),
            "recorded_at": r.recorded_at.isoformat(),
            "source": r.source,
            "officer": r.officer,
            "incident_id": r.incident_id,
            "risk_level": r.risk_level,
            "risk_score": round(float(r.risk_score), 3),
            "flag_codes": [c for c in r.flag_codes.split(",") if c],
        }
        for r in top
    ]
    current = _counts(session, scope, iso)
    closed_rows = session.execute(
        select(TaskSheet.created_at, TaskSheet.verified_at, TaskSheet.closed_at).where(
            *_sheet_conds(scope, iso), TaskSheet.state.in_(sorted(CLOSED_STATES))
        )
    ).all()
    hours = [
        ((r.verified_at or r.closed_at) - r.created_at).total_seconds() / 3600
        for r in closed_rows
        if (r.verified_at or r.closed_at) is not None
    ]
    as_of = min(now, iso.end)
    overdue_conds = [
        TaskSheet.unit.in_(scope.units),
        TaskSheet.created_at < as_of,
        TaskSheet.deadline_at < as_of,
        or_(TaskSheet.state.in_(sorted(OPEN_STATES)), TaskSheet.completed_at > as_of),
    ]
    overdue_total = int(session.scalar(select(func.count()).where(*overdue_conds)) or 0)
    overdue_rows = session.scalars(
        select(TaskSheet)
        .where(*overdue_conds)
        .order_by(TaskSheet.deadline_at, TaskSheet.id)
        .limit(config.weekly_report.overdue_max)
    ).all()
    overdue = [
        {
            "id": str(s.id),
            "unit": s.unit,
            "incident_id": s.incident_id,
            "state": s.state,
            "urgency": s.urgency,
            "deadline_at": s.deadline_at.isoformat(),
            "responsible": s.responsible,
            "hours_over": round((as_of - s.deadline_at).total_seconds() / 3600, 1),
        }
        for s in overdue_rows
    ]
    return WeeklyReport(
        scope=scope,
        week=iso,
        generated_at=now,
        as_of=as_of,
        by_source=dict(sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))),
        by_category=dict(sorted(by_category.items(), key=lambda kv: (-kv[1], kv[0]))),
        flags=sorted(flags.values(), key=lambda f: (-f.count, f.code)),
        risk=risk,
        top_risk=top_risk,
        sheets_created=current.sheets_created,
        sheets_closed=current.sheets_closed,
        median_hours_to_close=statistics.median(hours) if hours else None,
        overdue=overdue,
        overdue_total=overdue_total,
        current=current,
        previous=_counts(session, scope, iso.previous(config)),
    )


def last_week(config: TaskSheetConfig, now: datetime) -> str:
    """The last complete ISO week before ``now`` in the report's time zone."""
    d = (now.astimezone(config.weekly_report.zone) - timedelta(days=7)).isocalendar()
    return f"{d.year}-W{d.week:02d}"


def weekly_scopes(*, session: Session, config: TaskSheetConfig, week: str) -> list[tuple[str, str]]:
    """(kind, name) of every unit with incidents in ``week`` and every configured district."""
    iso = parse_week(week, config)
    units = session.scalars(
        select(Recording.unit)
        .where(
            Recording.recorded_at >= iso.start,
            Recording.recorded_at < iso.end,
            Recording.status == "done",
            Recording.unit.is_not(None),
        )
        .distinct()
    ).all()
    scopes = [("unit", u) for u in sorted(str(u) for u in units if u)]
    return scopes + [("district", d) for d in sorted(config.weekly_report.districts)]
