"""What a user does with a task sheet, shared by the JSON routes and the reviewer pages: find a sheet
the caller may see, open one by hand, take a lifecycle action.

Like ``api.review`` these raise ``HTTPException`` with fixed texts, so the API and the pages agree on
who may see and do what: another unit's sheet is 404 (its existence is not revealed), a role the
lifecycle table does not name is 403, a state that does not allow the action is 409.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import HTTPException
from sqlalchemy.orm import Session

from ..deps import can_see
from ..models import Recording, TaskSheet, User
from ..storage import load_document
from .config import TaskSheetConfig
from .lifecycle import TRANSITIONS, IllegalTransition
from .service import (
    Actor,
    SheetInputError,
    TransitionInput,
    apply,
    create_sheet,
    sheet_for_incident,
)


def visible_sheet(*, session: Session, user: User, sheet_id: uuid.UUID) -> TaskSheet:
    sheet = session.get(TaskSheet, sheet_id)
    if sheet is None or not can_see(user, sheet.unit):
        raise HTTPException(status_code=404, detail="task sheet not found")
    return sheet


def open_sheet(
    *,
    session: Session,
    config: TaskSheetConfig,
    store: Any,
    user: User,
    recording_id: uuid.UUID,
    note: str | None,
    ip: str | None,
) -> TaskSheet:
    """A sheet opened by hand for an analysed incident that has none (not committed)."""
    rec = session.get(Recording, recording_id)
    if rec is None or not can_see(user, rec.unit):
        raise HTTPException(status_code=404, detail="incident not found")
    if rec.status != "done":
        raise HTTPException(status_code=409, detail="incident is not analysed yet")
    if sheet_for_incident(session=session, recording=rec) is not None:
        raise HTTPException(status_code=409, detail="incident already has a task sheet")
    return create_sheet(
        session=session,
        config=config,
        recording=rec,
        doc=load_document(store, rec.document_key),
        triggers=["manual"],
        actor=Actor(user.username, user.role, ip),
        note=note,
    )


def allowed_actions(user: User, sheet: TaskSheet) -> list[str]:
    """The actions this user may take on this sheet now (for the page's buttons)."""
    return [
        a
        for a, t in TRANSITIONS.items()
        if user.role in t.roles and sheet.state in t.sources and can_see(user, sheet.unit)
    ]


def take_action(
    *,
    session: Session,
    user: User,
    sheet: TaskSheet,
    action: str,
    body: TransitionInput,
    ip: str | None,
) -> TaskSheet:
    """Role check, then the transition (not committed; rolled back on refusal)."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise HTTPException(status_code=422, detail="unknown action")
    if user.role not in t.roles:
        raise HTTPException(status_code=403, detail="role not permitted for this action")
    try:
        return apply(
            session=session,
            sheet=sheet,
            action=action,
            actor=Actor(user.username, user.role, ip),
            body=body,
        )
    except IllegalTransition as e:
        session.rollback()
        raise HTTPException(
            status_code=409, detail=f"cannot {e.action} a sheet in state {e.state}"
        ) from None
    except SheetInputError as e:
        session.rollback()
        raise HTTPException(status_code=422, detail=str(e)) from None
