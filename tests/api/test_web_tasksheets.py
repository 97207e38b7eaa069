"""The task-sheet and weekly-report pages over HTTP on both databases: opening a sheet from the incident
page, moving it with the forms (CSRF, roles, refusals explained in place), unit scope, the PDF, and
the weekly report page with the same numbers as the report itself."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest

from api.models import Recording, TaskSheet
from api.reports import build_weekly
from tests.api.test_web_pages import page_csrf, signed_in
from tests.utils.api_factories import UNIT_A, ApiHarness, seed

WEEK = "2026-W10"


@pytest.fixture(scope="module")
def incident(api: ApiHarness) -> str:
    rid, _ = seed(
        api,
        name="web_sheet_medium",
        unit=UNIT_A,
        risk="medium",
        flags=[("MISSING_RECEIPT", "medium")],
        recorded_at=datetime(2026, 3, 3, 2, tzinfo=UTC),
    )
    return rid


def _open_from_incident_page(api: ApiHarness, rid: str) -> str:
    reviewer = signed_in(api, "reviewer")
    page = reviewer.get(f"/ui/incidents/{rid}")
    assert page.status_code == 200 and 'id="task-sheet-open"' in page.text
    token = page_csrf(reviewer)
    r = reviewer.post(
        "/ui/task-sheets",
        data={"recording_id": rid, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    sid = r.headers["location"].rsplit("/", 1)[1]
    page = reviewer.get(f"/ui/incidents/{rid}")
    assert f'href="/ui/task-sheets/{sid}"' in page.text
    return sid


def test_sheet_loop_through_the_pages(api: ApiHarness, incident: str) -> None:
    sid = _open_from_incident_page(api, incident)
    reviewer = signed_in(api, "reviewer")
    chief = signed_in(api, "chief_a")
    page = reviewer.get(f"/ui/task-sheets/{sid}")
    assert page.status_code == 200
    assert 'data-state="draft"' in page.text and 'id="action-review"' in page.text
    assert 'id="action-issue"' not in page.text  # the command room does not issue
    assert "补开受案回执并当场交付或送达报案人" in page.text

    token = page_csrf(reviewer)
    # without the CSRF token the form is refused and nothing moves
    r = reviewer.post(f"/ui/task-sheets/{sid}/transitions", data={"action": "review"})
    assert r.status_code == 403
    r = reviewer.post(
        f"/ui/task-sheets/{sid}/transitions",
        data={"action": "review", "csrf_token": token, "note": "同意"},
        follow_redirects=False,
    )
    assert r.status_code == 303

    chief_token = page_csrf(chief)
    page = chief.get(f"/ui/task-sheets/{sid}")
    assert 'id="action-issue"' in page.text and 'id="action-review"' not in page.text
    # issuing without a responsible team is explained in place
    r = chief.post(
        f"/ui/task-sheets/{sid}/transitions",
        data={"action": "issue", "csrf_token": chief_token, "responsible": ""},
    )
    assert r.status_code == 422 and "下发需要指定责任人或责任组" in r.text
    measures = "补开受案回执并当场交付或送达报案人\n48小时内回访报案人"
    r = chief.post(
        f"/ui/task-sheets/{sid}/transitions",
        data={
            "action": "issue",
            "csrf_token": chief_token,
            "responsible": "案件队 李四",
            "measures": measures,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = chief.get(f"/ui/task-sheets/{sid}")
    assert 'data-state="issued"' in page.text and "案件队 李四" in page.text
    assert re.findall(r'data-measure="([a-z_0-9]+)"', page.text) == ["issue_receipt", "custom_1"]
    # a stale button (the sheet already moved on) is a 409 explained on the page
    r = reviewer.post(
        f"/ui/task-sheets/{sid}/transitions",
        data={"action": "verify", "csrf_token": token},
    )
    assert r.status_code == 409 and "当前状态不允许此操作" in r.text
    with api.ctx.db.session() as s:
        sheet = s.get(TaskSheet, uuid.UUID(sid))
        assert sheet is not None and sheet.state == "issued"
        assert [m["text"] for m in sheet.measures] == measures.splitlines()
    pdf = chief.get(f"/ui/task-sheets/{sid}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_other_unit_chief_sees_nothing(api: ApiHarness) -> None:
    rid, _ = seed(api, name="web_sheet_high", unit=UNIT_A, risk="high", flags=[])
    with api.ctx.db.session() as s:
        rec = s.get(Recording, uuid.UUID(rid))
        assert rec is not None and rec.task_sheet_id is not None
        sid = str(rec.task_sheet_id)
    chief_b = signed_in(api, "chief_b")
    assert chief_b.get(f"/ui/task-sheets/{sid}").status_code == 404
    assert chief_b.get(f"/ui/task-sheets/{sid}/pdf").status_code == 404
    r = chief_b.post(
        f"/ui/task-sheets/{sid}/transitions",
        data={"action": "issue", "csrf_token": page_csrf(chief_b), "responsible": "x"},
    )
    assert r.status_code == 404
    listing = chief_b.get("/ui/task-sheets").text
    assert sid not in listing
    own = signed_in(api, "chief_a").get("/ui/task-sheets").text
    assert f'data-sheet="{sid}"' in own
    assert UNIT_A not in listing  # not one row of the other unit (the header names chief_b's)


def test_weekly_report_page(api: ApiHarness, incident: str) -> None:
    chief = signed_in(api, "chief_a")
    form = chief.get("/ui/reports/weekly")
    assert form.status_code == 200 and 'id="weekly-form"' in form.text
    page = chief.get("/ui/reports/weekly", params={"week": WEEK})
    assert page.status_code == 200
    with api.ctx.db.session() as s:
        r = build_weekly(session=s, config=api.ctx.sheets, week=WEEK, unit=UNIT_A)
    m = re.search(r'id="weekly-total">(\d+)<', page.text)
    assert m is not None and int(m[1]) == r.total >= 1
    charts = 1 + bool(r.by_source) + bool(r.by_category) + bool(r.flags)
    assert page.text.count('data-chart="') == charts
    pdf = chief.get("/ui/reports/weekly.pdf", params={"week": WEEK})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    chief_b = signed_in(api, "chief_b")
    r2 = chief_b.get("/ui/reports/weekly", params={"week": WEEK, "unit": UNIT_A})
    assert r2.status_code == 403
    reviewer = signed_in(api, "reviewer")
    r3 = reviewer.get("/ui/reports/weekly", params={"week": WEEK, "district": "徐汇分局"})
    assert r3.status_code == 200 and 'id="weekly-scope"' in r3.text
    bad = reviewer.get("/ui/reports/weekly", params={"week": "2026-W99", "unit": UNIT_A})
    assert bad.status_code == 400
