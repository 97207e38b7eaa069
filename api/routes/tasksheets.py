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
from ..deps import CtxDep, CurrentReader, SessionDep, can_see, client_ip, unit_scope
from ..models import Recording, TaskSheet, User
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
from ..storage import load_document

router = APIRouter(prefix="/task-sheets", tags=["task-sheets"])
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem},
    403: {"model": Problem},
    422: {"model": Problem},
    503: {"model": Problem},
}
_NOT_FOUND = HTTPException(status_code=404, detail="task sheet not found")
CREATORS = frozenset({"reviewer", "chief", "admin"})


def _actor(user: User, request: Request) -> tasksheets.Actor:
    return tasksheets.Actor(user.username, user.role, client_ip(request))


def _visible(session: Session, user: User, sheet_id: uuid.UUID) -> TaskSheet:
    sheet = session.get(TaskSheet, sheet_id)
    if sheet is None or not can_see(user, sheet.unit):
        raise _NOT_FOUND
    return sheet


def _detail(session: Session, sheet: TaskSheet) -> TaskSheetPublic:
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
    rec = session.get(Recording, body.recording_id)
    if rec is None or not can_see(user, rec.unit):
        raise HTTPException(status_code=404, detail="incident not found")
    if rec.status != "done":
        raise HTTPException(status_code=409, detail="incident is not analysed yet")
    if tasksheets.sheet_for_incident(session=session, recording=rec) is not None:
        raise HTTPException(status_code=409, detail="incident already has a task sheet")
    sheet = tasksheets.create_sheet(
        session=session,
        config=ctx.sheets,
        recording=rec,
        doc=load_document(ctx.store, rec.document_key),
        triggers=["manual"],
        actor=_actor(user, request),
        note=body.note,
    )
    session.commit()
    return _detail(session, sheet)


@router.get(
    "/{sheet_id}", response_model=TaskSheetPublic, responses={**_ERRORS, 404: {"model": Problem}}
)
def read_task_sheet(
    request: Request, sheet_id: uuid.UUID, session: SessionDep, user: CurrentReader
) -> TaskSheetPublic:
    sheet = _visible(session, user, sheet_id)
    audit.append(
        session,
        actor=user.username,
        role=user.role,
        action="tasksheet.read",
        resource=f"task-sheets/{sheet.id}",
        ip=client_ip(request),
    )
    session.commit()
    return _detail(session, sheet)


@router.get(
    "/{sheet_id}/pdf",
    response_class=Response,
    responses={**_ERRORS, 404: {"model": Problem}, 200: {"content": {"application/pdf": {}}}},
)
def task_sheet_pdf(
    request: Request, sheet_id: uuid.UUID, ctx: CtxDep, session: SessionDep, user: CurrentReader
) -> Response:
    """The sheet as a printable A4 PDF in Chinese."""
    sheet = _visible(session, user, sheet_id)
    pdf = render_task_sheet_pdf(
        sheet, tasksheets.events_of(session=session, sheet_id=sheet.id), ctx.sheets
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
    sheet = _visible(session, user, sheet_id)
    if user.role not in tasksheets.TRANSITIONS[body.action].roles:
        raise HTTPException(status_code=403, detail="role not permitted for this action")
    try:
        tasksheets.apply(
            session=session,
            sheet=sheet,
            action=body.action,
            actor=_actor(user, request),
            body=tasksheets.TransitionInput(
                note=body.note,
                measures=[m.model_dump() for m in body.measures]
                if body.measures is not None
                else None,
                responsible=body.responsible,
                deadline_at=body.deadline_at,
                result=body.result,
            ),
        )
    except tasksheets.IllegalTransition as e:
        session.rollback()
        raise HTTPException(
            status_code=409, detail=f"cannot {e.action} a sheet in state {e.state}"
        ) from None
    except tasksheets.SheetInputError as e:
        session.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
    session.commit()
    return _detail(session, sheet)
