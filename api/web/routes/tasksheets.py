"""Task-sheet pages: the list (a chief's own unit; overdue first), one sheet with the actions the
user's role may take now, opening a sheet from the incident page, and the printable PDF.

Visibility, roles and transitions are ``api.tasksheets.actions`` — the same as the JSON routes — so
a page can never let a chief see or move another unit's sheet that the API would refuse.
"""

from __future__ import annotations

import uuid
from typing import Annotated, get_args

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.responses import Response

from ... import audit, tasksheets
from ...deps import READERS, CtxDep, SessionDep, client_ip, unit_scope
from ...reports import render_task_sheet_pdf
from ...routes.tasksheets import sheet_detail
from ...schemas import SheetState
from ...tasksheets import actions
from ..session import PageSession, page_user
from ..templating import render

router = APIRouter(prefix="/ui/task-sheets", include_in_schema=False)
Reader = Annotated[PageSession, Depends(page_user(*READERS))]
STATES: tuple[str, ...] = get_args(SheetState)

# the fixed refusal texts -> catalogue keys the page shows
REFUSALS = {
    "issue needs a responsible team or person": "sheets.need_responsible",
    "complete needs the result": "sheets.need_result",
    "role not permitted for this action": "sheets.role_refused",
    "incident already has a task sheet": "sheets.exists",
    "incident is not analysed yet": "sheets.not_analysed",
}


class ActionForm(BaseModel):
    """A lifecycle action from the sheet page; measures come one per line (issue)."""

    model_config = ConfigDict(extra="ignore")

    action: str = Field(max_length=32)
    note: str | None = Field(default=None, max_length=2000)
    responsible: str | None = Field(default=None, max_length=128)
    measures: str | None = Field(default=None, max_length=20000)
    result: str | None = Field(default=None, max_length=8000)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value

    def measure_list(self, current: list[dict[str, object]]) -> list[dict[str, object]] | None:
        """Edited measure lines; a line equal to a current measure's text keeps its id and hours."""
        if self.measures is None:
            return None
        by_text = {str(m.get("text")): m for m in current}
        out: list[dict[str, object]] = []
        for i, line in enumerate(x.strip() for x in self.measures.splitlines()):
            if line:
                kept = by_text.get(line)
                out.append(
                    dict(kept) if kept else {"id": f"custom_{i}", "text": line, "hours": None}
                )
        return out


@router.get("")
def sheets_page(
    request: Request,
    session: SessionDep,
    ps: Reader,
    state: str | None = None,
    overdue: str | None = None,
) -> Response:
    if state and state not in STATES:
        raise HTTPException(status_code=400, detail="invalid state")
    only_overdue = overdue == "1"
    rows, total = tasksheets.list_sheets(
        session=session,
        unit=unit_scope(ps.user),
        state=state or None,
        overdue=True if only_overdue else None,
        limit=200,
        offset=0,
    )
    audit.append(
        session,
        actor=ps.user.username,
        role=ps.user.role,
        action="tasksheet.list",
        resource="task-sheets",
        ip=client_ip(request),
        detail={"unit": unit_scope(ps.user), "count": len(rows), "via": "web"},
    )
    session.commit()
    return render(
        request,
        "task_sheets.html",
        {
            "rows": rows,
            "total": total,
            "states": STATES,
            "state": state or "",
            "only_overdue": only_overdue,
        },
    )


def _sheet_page(
    request: Request,
    session: SessionDep,
    ps: PageSession,
    sheet_id: uuid.UUID,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    sheet = actions.visible_sheet(session=session, user=ps.user, sheet_id=sheet_id)
    detail = sheet_detail(session, sheet)
    return render(
        request,
        "task_sheet.html",
        {
            "s": detail,
            "facts": detail.content.get("facts", {}),
            "summary": detail.content.get("summary", []),
            "findings": detail.content.get("findings", []),
            "history": detail.content.get("history", []),
            "actions": actions.allowed_actions(ps.user, sheet),
            "error": error,
        },
        status_code=status,
    )


@router.get("/{sheet_id}")
def sheet_page(request: Request, sheet_id: uuid.UUID, session: SessionDep, ps: Reader) -> Response:
    response = _sheet_page(request, session, ps, sheet_id)
    audit.append(
        session,
        actor=ps.user.username,
        role=ps.user.role,
        action="tasksheet.read",
        resource=f"task-sheets/{sheet_id}",
        ip=client_ip(request),
        detail={"via": "web"},
    )
    session.commit()
    return response


@router.post("/{sheet_id}/transitions")
async def sheet_action(
    request: Request, sheet_id: uuid.UUID, session: SessionDep, ps: Reader
) -> Response:
    form = await request.form()
    sheet = actions.visible_sheet(session=session, user=ps.user, sheet_id=sheet_id)
    try:
        data = ActionForm.model_validate({k: v for k, v in form.items() if isinstance(v, str)})
    except ValidationError:
        return _sheet_page(request, session, ps, sheet_id, error="sheets.invalid", status=422)
    try:
        actions.take_action(
            session=session,
            user=ps.user,
            sheet=sheet,
            action=data.action,
            body=tasksheets.TransitionInput(
                note=data.note,
                responsible=data.responsible,
                measures=data.measure_list(sheet.measures) if data.action == "issue" else None,
                result=data.result,
            ),
            ip=client_ip(request),
        )
    except HTTPException as e:
        if e.status_code == 404:
            raise
        detail = str(e.detail)
        key = REFUSALS.get(detail, "sheets.state_refused" if e.status_code == 409 else None)
        return _sheet_page(
            request, session, ps, sheet_id, error=key or "sheets.invalid", status=e.status_code
        )
    session.commit()
    return RedirectResponse(f"/ui/task-sheets/{sheet_id}", status_code=303)


@router.post("")
async def open_sheet_page(
    request: Request, ctx: CtxDep, session: SessionDep, ps: Reader
) -> Response:
    """Open a sheet by hand from the incident page."""
    form = await request.form()
    try:
        rid = uuid.UUID(str(form.get("recording_id", "")))
    except ValueError:
        raise HTTPException(status_code=400, detail="invalid recording id") from None
    note = str(form.get("note") or "").strip()[:2000] or None
    sheet = actions.open_sheet(
        session=session,
        config=ctx.sheets,
        store=ctx.store,
        user=ps.user,
        recording_id=rid,
        note=note,
        ip=client_ip(request),
    )
    session.commit()
    return RedirectResponse(f"/ui/task-sheets/{sheet.id}", status_code=303)


@router.get("/{sheet_id}/pdf")
def sheet_pdf(
    request: Request, sheet_id: uuid.UUID, ctx: CtxDep, session: SessionDep, ps: Reader
) -> Response:
    sheet = actions.visible_sheet(session=session, user=ps.user, sheet_id=sheet_id)
    pdf = render_task_sheet_pdf(
        sheet,
        tasksheets.events_of(session=session, sheet_id=sheet.id),
        ctx.sheets,
        ctx.settings.PUBLIC_BASE_URL.rstrip("/"),
    )
    audit.append(
        session,
        actor=ps.user.username,
        role=ps.user.role,
        action="tasksheet.pdf",
        resource=f"task-sheets/{sheet.id}",
        ip=client_ip(request),
        detail={"via": "web"},
    )
    session.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="task-sheet-{sheet.id}.pdf"'},
    )
