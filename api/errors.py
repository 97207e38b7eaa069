"""Every error leaves as RFC 9457 problem details (``application/problem+json``), never a bare 500.

Database and object-store outages are 503 with ``Retry-After``: the client keeps its upload and tries
again; nothing was acknowledged, so nothing is lost.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.errors import StoreError

logger = logging.getLogger("vigil.api")

PROBLEM_JSON = "application/problem+json"


class ServiceUnavailable(Exception):
    """A dependency (database, object store) is down; the request may be retried."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _clean_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        out.append(
            {
                "loc": [str(p) for p in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
        )
    return out


def install(app: FastAPI, *, retry_after: int) -> None:
    """Register the handlers on ``app``."""

    unavailable = {"Retry-After": str(retry_after)}

    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return problem(
            exc.status_code,
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(
            422,
            "request validation failed",
            instance=request.url.path,
            errors=_clean_errors(exc.errors()),
        )

    async def store_down(request: Request, exc: Exception) -> JSONResponse:
        logger.warning("object store unavailable on %s: %s", request.url.path, exc)
        return problem(
            503,
            "object store unavailable; retry later",
            instance=request.url.path,
            headers=unavailable,
        )

    async def db_down(request: Request, exc: Exception) -> JSONResponse:
        logger.warning("database unavailable on %s: %s", request.url.path, type(exc).__name__)
        return problem(
            503, "database unavailable; retry later", instance=request.url.path, headers=unavailable
        )

    async def dependency_down(request: Request, exc: ServiceUnavailable) -> JSONResponse:
        return problem(503, exc.detail, instance=request.url.path, headers=unavailable)

    async def conflict(request: Request, exc: Exception) -> JSONResponse:
        return problem(409, "conflicts with existing data", instance=request.url.path)

    async def bad_value(request: Request, exc: Exception) -> JSONResponse:
        # the database refused a value (PostgreSQL: NUL in text, a number out of range): the
        # request's fault, not an outage; the schemas should have caught it first
        logger.warning("database refused a value on %s: %s", request.url.path, type(exc).__name__)
        return problem(422, "a value was refused by the database", instance=request.url.path)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error on %s", request.url.path)
        return problem(500, "internal error", instance=request.url.path)

    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StoreError, store_down)
    app.add_exception_handler(OperationalError, db_down)
    app.add_exception_handler(PoolTimeout, db_down)
    app.add_exception_handler(IntegrityError, conflict)
    app.add_exception_handler(DataError, bad_value)
    app.add_exception_handler(DBAPIError, db_down)
    app.add_exception_handler(ServiceUnavailable, dependency_down)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, unexpected)
