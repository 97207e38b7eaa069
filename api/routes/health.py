"""Liveness, readiness (database reachable, store and spool writable with room left) and Prometheus
metrics."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from .. import crud
from ..deps import CtxDep
from ..schemas import Health
from ..worker import publish_sheet_metrics

logger = logging.getLogger("vigil.api")
router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
def readyz(ctx: CtxDep) -> Response:
    checks: dict[str, str] = {}
    try:
        with ctx.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as e:  # any failure means not ready; the reason goes to the body
        checks["database"] = f"error: {type(e).__name__}"
    floor = ctx.settings.READY_MIN_FREE_BYTES
    try:
        ctx.store.check()
        free = ctx.store.free_bytes()
        checks["store"] = "ok" if free is None or free >= floor else f"error: {free} bytes free"
    except Exception as e:
        checks["store"] = f"error: {type(e).__name__}"
    checks["spool"] = _spool_check(str(ctx.scratch.path), floor)
    ok = all(v == "ok" for v in checks.values())
    body = Health(status="ok" if ok else "unavailable", checks=checks).model_dump()
    headers = None if ok else {"Retry-After": str(ctx.settings.RETRY_AFTER_SECONDS)}
    return JSONResponse(body, status_code=200 if ok else 503, headers=headers)


def _spool_check(path: str, floor: int) -> str:
    """Uploads and the worker's media copies go through the spool: it must take a file and have
    room for more."""
    try:
        fd, name = tempfile.mkstemp(dir=path, prefix="ready-")
        os.close(fd)
        os.unlink(name)
        free = shutil.disk_usage(path).free
    except OSError as e:
        return f"error: {e.strerror or type(e).__name__}"
    return "ok" if free >= floor else f"error: {free} bytes free"


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
def prometheus_metrics(ctx: CtxDep) -> Response:
    try:
        with ctx.db.session() as session:
            counts = crud.status_counts(session=session)
            publish_sheet_metrics(ctx, session)
        for status in ("queued", "running", "done", "failed"):
            ctx.metrics.queue.labels(status=status).set(counts.get(status, 0))
    except Exception as e:  # metrics must still be served when the database is down
        logger.warning("recording counts unavailable: %s", type(e).__name__)
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)
