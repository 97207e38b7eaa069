"""Task sheets (处置意见任务单): the chief's list, a sheet's detail and printable PDF, creation by hand,
and lifecycle actions. Chiefs see and move only their own unit's sheets; who may take which action is
the lifecycle table's (``api.tasksheets.lifecycle``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, tasksheets
from ..deps import CtxDep, CurrentReader, SessionDep, client_ip, unit_scope
from ..models import Recording, TaskSheet
from ..reports import render_task_sheet_pdf
from ..schemas import (
    Problem,
    SheetState,
    TaskSheetCreate,
    TaskSheetEventPublic,
    TaskSheetPublic,
    TaskSheetsPublic,
    TaskSheetSummary,
    TaskSheetTransition,
)
from ..tasksheets import actions

router = APIRouter(prefix="/task-sheets", tags=["task-sheets"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}


def sheet_detail(session: Session, sheet: TaskSheet) -> TaskSheetPublic:
    out = TaskSheetPublic.model_validate(sheet)
    out.recordings = list(
        session.scalars(
            select(Recording.id)
            .where(Recording.task_sheet_id == sheet.id)
            .order_by(Recording.recorded_at)
        ).all()
    )
    out.events = [
        TaskSheetEventPublic.model_validate(e)
        for e in tasksheets.events_of(session=session, sheet_id=sheet.id)
    ]
    return out


@router.get("", response_model=TaskSheetsPublic, responses=_ERRORS)
def list_task_sheets(
    request: Request,
    session: SessionDep,
    user: CurrentReader,
    unit: Annotated[str | None, Query(max_length=128)] = None,
    state: SheetState | None = None,
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TaskSheetsPublic:
    """Sheets, overdue first and then by nearest deadline; a chief sees only their unit's."""
    scope = unit_scope(user)
    if scope is not None:
        if unit is not None and unit != scope:
            raise HTTPException(status_code=403, detail="unit not permitted")
        unit = scope
    rows, total = tasksheets.list_sheets(
        session=session, unit=unit, state=state, overdue=overdue, limit=limit, offset=offset
    )
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="tasksheet.list",
        resource="task-sheets",
        ip=client_ip(request),
        detail={"unit": unit, "count": len(rows)},
    )
    session.commit()
    data = [TaskSheetSummary.model_validate(r) for r in rows]
    return TaskSheetsPublic(data=data, count=len(data), total=total)


@router.post(
    "",
    response_model=TaskSheetPublic,
    status_code=201,
    responses={**_ERRORS, 404: {"model": Problem}, 409: {"model": Problem}},
)
def create_task_sheet(
    request: Request, body: TaskSheetCreate, ctx: CtxDep, session: SessionDep, user: CurrentReader
) -> TaskSheetPublic:
    """Open a sheet by hand for an analysed incident that has none."""
    sheet = actions.open_sheet(
        session=session,
        config=ctx.sheets,
        store=ctx.store,
        user=user,
        recording_id=body.recording_id,
        note=body.note,
        ip=client_ip(request),
    )
    session.commit()
    return sheet_detail(session, sheet)


@router.get(
    "/{sheet_id}", response_model=TaskSheetPublic, responses={**_ERRORS, 404: {"model": Problem}}
)
def read_task_sheet(
    request: Request, sheet_id: uuid.UUID, session: SessionDep, user: CurrentReader
) -> TaskSheetPublic:
    sheet = actions.visible_sheet(session=session, user=user, sheet_id=sheet_id)
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="tasksheet.read",
        resource=f"task-sheets/{sheet.id}",
        ip=client_ip(request),
    )
    session.commit()
    return sheet_detail(session, sheet)


@router.get(
    "/{sheet_id}/pdf",
    response_class=Response,
    responses={**_ERRORS, 404: {"model": Problem}, 200: {"content": {"application/pdf": {}}}},
)
def task_sheet_pdf(
    request: Request, sheet_id: uuid.UUID, ctx: CtxDep, session: SessionDep, user: CurrentReader
) -> Response:
    """The sheet as a printable A4 PDF in Chinese."""
    sheet = actions.visible_sheet(session=session, user=user, sheet_id=sheet_id)
    pdf = render_task_sheet_pdf(
        sheet,
        tasksheets.events_of(session=session, sheet_id=sheet.id),
        ctx.sheets,
        ctx.settings.PUBLIC_BASE_URL.rstrip("/"),
    )
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="tasksheet.pdf",
        resource=f"task-sheets/{sheet.id}",
        ip=client_ip(request),
    )
    session.commit()
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="task-sheet-{sheet.id}.pdf"'},
    )


@router.post(
    "/{sheet_id}/transitions",
    response_model=TaskSheetPublic,
    responses={**_ERRORS, 404: {"model": Problem}, 409: {"model": Problem}},
)
def transition_task_sheet(
    request: Request,
    sheet_id: uuid.UUID,
    body: TaskSheetTransition,
    session: SessionDep,
    user: CurrentReader,
) -> TaskSheetPublic:
    """review | issue | acknowledge | complete | verify | close | reopen; 409 when the sheet's state
    does not allow the action, 403 when the caller's role may not take it."""
    sheet = actions.visible_sheet(session=session, user=user, sheet_id=sheet_id)
    actions.take_action(
        session=session,
        user=user,
        sheet=sheet,
        action=body.action,
        body=tasksheets.TransitionInput(
            note=body.note,
            measures=[m.model_dump() for m in body.measures] if body.measures is not None else None,
            responsible=body.responsible,
            deadline_at=body.deadline_at,
            result=body.result,
        ),
        ip=client_ip(request),
    )
    session.commit()
    return sheet_detail(session, sheet)
