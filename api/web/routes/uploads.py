"""The ingest page: upload a recording with its metadata, then watch it through the queue until it is
processed (htmx polls the status panel, which stops polling once the status is final).

Acceptance is the API's own (``intake.accept_recording``): same size limit, same sniffing, same
de-duplication by content hash, same audit event.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.datastructures import UploadFile
from starlette.responses import Response

from ... import audit, crud, intake
from ...deps import CtxDep, SessionDep, can_see, client_ip
from ...models import Recording
from ...schemas import Source
from ..nav import INGESTERS
from ..session import PageSession, page_user
from ..templating import page_context, render
from .queue import SOURCES

router = APIRouter(prefix="/ui/uploads", include_in_schema=False)
Ingester = Annotated[PageSession, Depends(page_user(*INGESTERS))]
ANY_ROLE = ("reviewer", "chief", "admin", "ingest")
Viewer = Annotated[PageSession, Depends(page_user(*ANY_ROLE))]
RECENT = 20
FINAL = ("done", "failed")


class UploadForm(BaseModel):
    """The metadata fields; ``recorded_at`` is the station's local time (``WEB_TIMEZONE``)."""

    model_config = ConfigDict(extra="ignore")

    source: Source
    unit: str = Field(min_length=1, max_length=128)
    officer: str = Field(min_length=1, max_length=64)
    recorded_at: datetime
    incident_id: str | None = Field(default=None, max_length=64)

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("incident_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return value or None


def _form_page(
    request: Request,
    session: Any,
    ps: PageSession,
    *,
    values: dict[str, str],
    error: str | None = None,
    error_detail: str | None = None,
    status: int = 200,
) -> Response:
    recent = crud.recordings_by(session=session, username=ps.user.username, limit=RECENT)
    return render(
        request,
        "uploads.html",
        {
            "recent": recent,
            "sources": SOURCES,
            "values": values,
            "error": error,
            "error_detail": error_detail,
        },
        status_code=status,
    )


@router.get("")
def uploads_page(request: Request, session: SessionDep, ps: Ingester) -> Response:
    return _form_page(request, session, ps, values={})


@router.post("")
async def upload(request: Request, ctx: CtxDep, session: SessionDep, ps: Ingester) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return _form_page(request, session, ps, values=values, error="upload.no_file", status=422)
    try:
        meta = UploadForm.model_validate(values)
    except ValidationError as e:
        field = str(e.errors()[0]["loc"][0]) if e.errors()[0]["loc"] else "form"
        return _form_page(
            request,
            session,
            ps,
            values=values,
            error="upload.invalid",
            error_detail=field,
            status=422,
        )
    zone = page_context(request).zone
    recorded_at = meta.recorded_at
    if recorded_at.tzinfo is None:
        recorded_at = recorded_at.replace(tzinfo=zone)
    try:
        rec, created = await intake.accept_recording(
            ctx=ctx,
            session=session,
            user=ps.user,
            ip=client_ip(request),
            source=meta.source,
            unit=meta.unit,
            officer=meta.officer,
            recorded_at=recorded_at,
            incident_id=meta.incident_id,
            media_key=None,
            file=file,
        )
    except HTTPException as e:
        if e.status_code >= 500:
            raise
        key = {413: "upload.too_large", 415: "upload.not_media"}.get(
            e.status_code, "upload.invalid"
        )
        return _form_page(
            request,
            session,
            ps,
            values=values,
            error=key,
            error_detail=None if key != "upload.invalid" else str(e.detail),
            status=e.status_code,
        )
    if request.headers.get("HX-Request") != "true":
        return RedirectResponse(f"/ui/uploads/{rec.id}", status_code=303)
    return render(
        request, "_upload_status.html", {"rec": rec, "duplicate": not created, "final": FINAL}
    )


def _visible(session: Any, ps: PageSession, recording_id: uuid.UUID, request: Request) -> Recording:
    rec = session.get(Recording, recording_id)
    if rec is None or not can_see(ps.user, rec.unit):
        raise HTTPException(status_code=404, detail="recording not found")
    audit.append(
        session,
        actor=ps.user.username,
        role=ps.user.role,
        action="recording.read",
        resource=f"recordings/{rec.id}",
        ip=client_ip(request),
        detail={"via": "web"},
    )
    session.commit()
    return rec  # type: ignore[no-any-return]


@router.get("/{recording_id}")
def upload_page(
    request: Request, recording_id: uuid.UUID, session: SessionDep, ps: Viewer
) -> Response:
    rec = _visible(session, ps, recording_id, request)
    return render(request, "upload.html", {"rec": rec, "final": FINAL})


@router.get("/{recording_id}/status")
def upload_status(
    request: Request, recording_id: uuid.UUID, session: SessionDep, ps: Viewer
) -> Response:
    """The status panel alone; once final it is rendered without its polling trigger."""
    rec = _visible(session, ps, recording_id, request)
    return render(request, "_upload_status.html", {"rec": rec, "final": FINAL})
