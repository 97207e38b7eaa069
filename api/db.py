"""Engine, sessions and migrations. SQLite (a file) is the embedded default, PostgreSQL production.

The schema is only ever created by Alembic (``migrate``), never by ``create_all``, so the database a
test runs against is exactly the one production gets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from . import audit

logger = logging.getLogger("vigil.api")

ALEMBIC_INI = Path(__file__).resolve().parent / "alembic.ini"


def make_engine(url: str) -> Engine:
    """An engine with the settings each dialect needs for a threaded server plus a worker thread."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_timeout=5)
        if parsed.get_backend_name() == "postgresql":
            kwargs["connect_args"] = {"connect_timeout": 5}
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (idempotent)."""
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    logger.info("database schema at %s (%s)", revision, engine.url.get_backend_name())


def downgrade(engine: Engine, revision: str) -> None:
    """Step the schema back to ``revision`` (``base`` drops everything); for operators and tests."""
    cfg = Config(str(ALEMBIC_INI))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


class Database:
    """The engine and session factory one app instance uses; ``audit`` keys its audit log (without
    them a session can read the log but not append to it)."""

    def __init__(self, url: str, *, audit_keys: audit.AuditKeys | None = None) -> None:
        self.engine = make_engine(url)
        info = audit.session_info(audit_keys) if audit_keys is not None else {}
        self.sessions = sessionmaker(self.engine, expire_on_commit=False, info=info)
        if audit_keys is not None:
            audit.bind(self.sessions, audit_keys)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
