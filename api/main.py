"""The app factory, the server entry point the ``vigil serve`` command calls, and the OpenAPI export.

``create_app(settings)`` migrates the database, anchors the audit log, opens the store, claims this
process's spool directory (removing those of dead processes) and, if enabled, starts the worker and
indexer threads for the app's lifetime. Every route but the public ones must carry a role check: the
factory refuses to build an app with an unguarded route (deny by default). Unknown or repeated query
parameters are refused on every route, so a misspelt filter cannot silently widen a listing.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from detectors.offline import pin_offline
from pipeline.config import load_config
from pipeline.scratch import claim_scratch, sweep_scratch

from . import audit as audit_log
from . import crud, errors, web
from .context import ApiMetrics, AppContext
from .core.config import Settings
from .db import Database, migrate
from .logs import uvicorn_log_config
from .routes import (
    audit,
    flags,
    health,
    incidents,
    login,
    media,
    metrics,
    recordings,
    reports,
    tasksheets,
    users,
)
from .storage import open_api_store
from .tasksheets.config import load_tasksheet_config
from .throttle import LoginThrottle
from .worker import Indexer, OverdueMonitor, WeeklyReporter, Worker

logger = logging.getLogger("vigil.api")

PUBLIC_PATHS = (
    frozenset({"/login/access-token", "/healthz", "/readyz", "/metrics"}) | web.PUBLIC_PATHS
)
ROUTERS = (
    login,
    users,
    recordings,
    incidents,
    flags,
    tasksheets,
    reports,
    metrics,
    audit,
    media,
    health,
)
OPENAPI_PATH = Path(__file__).resolve().parent.parent / "schemas" / "openapi.json"
UPLOAD_PATH = "/recordings"
UPLOAD_PATHS = frozenset({UPLOAD_PATH, web.UPLOAD_PATH})
IMPORT_PATH = "/incidents:import"
SCRATCH_PREFIX = "api"


class _BodyLimit:
    """Counts request body bytes as they arrive, so an upload without Content-Length (chunked) is
    cut off at the limit instead of being spooled whole before the route sees it."""

    def __init__(self, app: Any, limits: dict[str, int]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        limit = self.limits.get(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(status_code=413, detail="upload exceeds the size limit")
            return message

        await self.app(scope, limited, send)


def _allowed_query(route: APIRoute) -> frozenset[str]:
    cached: frozenset[str] | None = getattr(route, "vigil_query_names", None)
    if cached is None:
        names: set[str] = set()
        todo = [route.dependant]
        while todo:
            dep = todo.pop()
            names.update(p.alias for p in dep.query_params)
            todo.extend(dep.dependencies)
        cached = frozenset(names)
        route.vigil_query_names = cached  # type: ignore[attr-defined]
    return cached


def forbid_unknown_query(request: Request) -> None:
    """422 for a query parameter the route does not declare, or one given twice."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema or web.is_page(request):
        return  # the pages (and the docs) read their query strings themselves
    allowed = _allowed_query(route)
    seen: set[str] = set()
    problems = []
    for name, _ in request.query_params.multi_items():
        if name not in allowed:
            problems.append(
                {
                    "loc": ("query", name),
                    "msg": "unknown query parameter",
                    "type": "extra_forbidden",
                }
            )
        elif name in seen:
            problems.append(
                {
                    "loc": ("query", name),
                    "msg": "query parameter given more than once",
                    "type": "duplicate",
                }
            )
        seen.add(name)
    if problems:
        raise RequestValidationError(problems)


def _guarded(dep: Dependant) -> bool:
    if dep.call is not None and getattr(dep.call, "vigil_roles", None):
        return True
    return any(_guarded(d) for d in dep.dependencies)


def _assert_every_route_guarded(app: FastAPI) -> None:
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path not in PUBLIC_PATHS:
            if not _guarded(route.dependant):
                raise RuntimeError(f"route {route.path} has no role check (deny by default)")


def make_context(settings: Settings, *, store: Any = None) -> AppContext:
    """Database migrated, audit log anchored, store opened, this process's spool directory claimed
    (those of dead processes removed): what the app, and one-off commands, run on."""
    db = Database(settings.DATABASE_URL, audit_keys=audit_keys(settings))
    migrate(db.engine)
    with db.session() as session:
        audit_log.ensure_anchor(session)
    spool = Path(settings.SPOOL_DIR)
    sweep_scratch(spool, SCRATCH_PREFIX)
    return AppContext(
        settings=settings,
        db=db,
        store=store if store is not None else open_api_store(settings),
        metrics=ApiMetrics(),
        pipeline_config=load_config(settings.PIPELINE_CONFIG),
        scratch=claim_scratch(spool, SCRATCH_PREFIX),
        throttle=LoginThrottle(
            max_account=settings.LOGIN_MAX_FAILURES,
            max_client=settings.LOGIN_MAX_FAILURES_PER_CLIENT,
            window_s=settings.LOGIN_WINDOW_SECONDS,
            lockout_s=settings.LOGIN_LOCKOUT_SECONDS,
        ),
        sheets=load_tasksheet_config(settings.TASKSHEETS_CONFIG),
    )


def create_app(
    settings: Settings | None = None,
    *,
    store: Any = None,
    pipeline_factory: Callable[[], Any] | None = None,
) -> FastAPI:
    """A ready app: schema migrated, store opened; worker/indexer run while the app is served."""
    pin_offline()
    settings = settings or Settings()
    ctx = make_context(settings, store=store)
    db, spool = ctx.db, Path(settings.SPOOL_DIR)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if ctx.scratch.released:  # served again after a shutdown (tests run lifespans repeatedly)
            ctx.scratch = claim_scratch(spool, SCRATCH_PREFIX)
        if settings.WORKER_ENABLED:
            ctx.services.append(Worker(ctx, pipeline_factory))
        if settings.INDEXER_ENABLED:
            ctx.services.append(Indexer(ctx))
        if settings.OVERDUE_ENABLED:
            ctx.services.append(OverdueMonitor(ctx))
        if settings.WEEKLY_REPORTS_ENABLED:
            ctx.services.append(WeeklyReporter(ctx))
        for svc in ctx.services:
            svc.start()
        try:
            yield
        finally:
            for svc in ctx.services:
                svc.stop()
            ctx.services.clear()
            ctx.scratch.release()
            db.dispose()

    app = FastAPI(
        title="Vigil review API",
        version="1.0.0",
        description="Intake, triage queue, evidence, decisions and audit for legal-affairs reviewers.",
        lifespan=lifespan,
        dependencies=[Depends(forbid_unknown_query)],
        docs_url=None,  # served by api.web from local assets (the CDN default is blank offline)
        redoc_url=None,
    )
    app.state.ctx = ctx
    errors.install(app, retry_after=settings.RETRY_AFTER_SECONDS)
    for module in ROUTERS:
        app.include_router(module.router)
    web.install(app)
    _assert_every_route_guarded(app)
    upload_limit = settings.MAX_UPLOAD_BYTES + 1024 * 1024
    limits = {
        **dict.fromkeys(UPLOAD_PATHS, upload_limit),
        IMPORT_PATH: settings.IMPORT_MAX_BYTES,
    }
    app.add_middleware(_BodyLimit, limits=limits)
    # the API answers an oversized body before reading it; the upload page lets _BodyLimit cut
    # the body off instead, so its refusal comes back as a page the reviewer can read
    early = {UPLOAD_PATH: upload_limit, IMPORT_PATH: settings.IMPORT_MAX_BYTES}

    @app.middleware("http")
    async def guard_and_measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        t0 = time.perf_counter()
        response = _refuse_by_length(request, early)
        if response is None:
            try:
                response = await call_next(request)
            except Exception:  # counted like any other response, then the generic 500
                logger.exception("unhandled error on %s", request.url.path)
                response = errors.problem(500, "internal error", instance=request.url.path)
        route = request.scope.get("route")
        name = getattr(route, "path", "unmatched")
        ctx.metrics.requests.labels(request.method, name, str(response.status_code)).inc()
        ctx.metrics.latency.labels(request.method, name).observe(time.perf_counter() - t0)
        return response

    return app


def _refuse_by_length(request: Request, limits: dict[str, int]) -> Response | None:
    """413 from the declared Content-Length alone, before a byte of the body is read."""
    limit = limits.get(request.url.path)
    if limit is None or request.method != "POST":
        return None
    length = request.headers.get("content-length")
    if length is None:
        return None  # chunked: _BodyLimit counts as it arrives
    if not length.isdigit() or len(length) > 19:
        return errors.problem(400, "invalid Content-Length", instance=request.url.path)
    if int(length) > limit:
        return errors.problem(413, "request body exceeds the size limit", instance=request.url.path)
    return None


def audit_keys(settings: Settings) -> audit_log.AuditKeys:
    return audit_log.AuditKeys(
        key=settings.AUDIT_KEY.encode(), anchor=Path(settings.AUDIT_ANCHOR_FILE)
    )


def verify_audit(settings: Settings | None = None) -> audit_log.ChainReport:
    """Verify the audit log from the command line (``vigil audit verify``); not itself audited."""
    settings = settings or Settings()
    db = Database(settings.DATABASE_URL, audit_keys=audit_keys(settings))
    try:
        with db.session() as session:
            return audit_log.verify_chain(session)
    finally:
        db.dispose()


def openapi_schema(settings: Settings | None = None) -> dict[str, Any]:
    """The OpenAPI document, built without a database or store."""
    from fastapi.openapi.utils import get_openapi

    app = FastAPI(title="Vigil review API", version="1.0.0")
    for module in ROUTERS:
        app.include_router(module.router)
    return get_openapi(
        title="Vigil review API",
        version="1.0.0",
        description="Intake, triage queue, evidence, decisions and audit for legal-affairs reviewers.",
        routes=app.routes,
    )


def export_openapi(path: str | Path | None = None) -> Path:
    """Write ``schemas/openapi.json`` (for ``vigil``'s schema command); returns the path."""
    out = Path(path) if path is not None else OPENAPI_PATH
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(openapi_schema(), indent=1, ensure_ascii=False, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return out


def create_user(
    username: str,
    password: str,
    role: str,
    unit: str | None = None,
    settings: Settings | None = None,
) -> str:
    """Create a user from the command line (the first admin); returns the new id. Audited."""
    settings = settings or Settings()
    db = Database(settings.DATABASE_URL, audit_keys=audit_keys(settings))
    try:
        migrate(db.engine)
        with db.session() as session:
            user = crud.create_user(
                session=session, username=username, password=password, role=role, unit=unit
            )
            audit_log.append(
                session,
                actor="cli",
                role=None,
                action="user.create",
                resource=f"users/{user.id}",
                ip=None,
                detail={"username": username, "role": role, "unit": unit},
            )
            session.commit()
            return str(user.id)
    finally:
        db.dispose()


DEMO_USER = "demo"


def _read_demo_password(path: Path) -> str | None:
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "password" and value.strip():
                return value.strip()
    except OSError:
        return None
    return None


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by its owner only (0600 from the start, not chmod'ed afterwards)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def prepare_demo(
    credentials: Path, *, url: str, settings: Settings | None = None
) -> tuple[str, str, int]:
    """Make the demo ready to open: schema migrated, the store's documents indexed into the queue,
    and a reviewer ``demo`` whose random password lives in ``credentials`` (mode 0600).

    Idempotent: a second run keeps the password that still works, else sets a fresh one.
    Returns (username, password, documents newly indexed).
    """
    import secrets

    from sqlalchemy import select

    from . import audit as audit_log
    from .core.security import verify_secret
    from .models import User

    settings = settings or Settings()
    ctx = make_context(settings)
    db = ctx.db
    try:
        indexed = Indexer(ctx).run_once()
        password = _read_demo_password(credentials)
        with db.session() as session:
            user = session.scalar(select(User).where(User.username == DEMO_USER))
            fresh = (
                user is None
                or password is None
                or not verify_secret(password, user.password_hash)
                or user.role != "reviewer"
            )
            if fresh:
                password = secrets.token_urlsafe(12)
                if user is None:
                    user = crud.create_user(
                        session=session, username=DEMO_USER, password=password, role="reviewer"
                    )
                    action = "user.create"
                else:
                    crud.set_password(session=session, user=user, password=password)
                    user.role, user.is_active = "reviewer", True
                    action = "user.password"
                audit_log.append(
                    session,
                    actor="demo",
                    role=None,
                    action=action,
                    resource=f"users/{user.id}",
                    ip=None,
                    detail={"username": DEMO_USER, "role": "reviewer"},
                )
                session.commit()
                _write_private(
                    credentials, f"url: {url}\nusername: {DEMO_USER}\npassword: {password}\n"
                )
        assert password is not None
        return DEMO_USER, password, indexed
    finally:
        ctx.scratch.release()
        db.dispose()


def run_server(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Serve the API with its worker and indexer until interrupted (``vigil serve``)."""
    import uvicorn

    app = create_app(settings)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=False,
        log_config=uvicorn_log_config(),
    )
