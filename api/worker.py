"""Background services of ``vigil serve``: the worker that analyses queued recordings and the indexer
that brings documents written by the Ray batch (``documents/`` in the store) into the queue.

Both are plain threads over the database, so several API processes may run them: a recording is
claimed with a conditional UPDATE, and the indexer's upsert is keyed by document key.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select

from detectors.errors import classify
from detectors.types import IncidentRecord, Source
from pipeline.analyzer import Pipeline
from pipeline.document import AnalysisDocument
from pipeline.store import DOCUMENTS_PREFIX, document_key

from . import crud
from .context import AppContext
from .models import CaseRecord, Recording, utcnow

logger = logging.getLogger("vigil.api")


def default_pipeline_factory(ctx: AppContext) -> Callable[[], Pipeline]:
    def make() -> Pipeline:
        return Pipeline.from_config(ctx.settings.PIPELINE_CONFIG)

    return make


def _incident_for(record: CaseRecord | None) -> IncidentRecord | None:
    if record is None:
        return None
    return IncidentRecord(
        incident_id=record.incident_id,
        unit=record.unit,
        officer_id=record.officer_id,
        recorded_category=record.recorded_category,
        recorded_disposition=record.recorded_disposition,
        recorded_at=record.recorded_at.isoformat() if record.recorded_at else None,
        caller_id=record.caller_id,
        extra=dict(record.extra or {}),
    )


class _Service:
    name = "service"

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        raise NotImplementedError

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"vigil-{self.name}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a service thread must outlive a bad iteration
                logger.exception("%s iteration failed", self.name)
                busy = 0
            if not busy:
                self._stop.wait(self.interval)


class Worker(_Service):
    """Claims queued recordings and runs ``Pipeline.process``; retries transient failures."""

    name = "worker"

    def __init__(
        self, ctx: AppContext, pipeline_factory: Callable[[], Pipeline] | None = None
    ) -> None:
        super().__init__(ctx.settings.WORKER_POLL_SECONDS)
        self.ctx = ctx
        self._factory = pipeline_factory or default_pipeline_factory(ctx)
        self._pipeline: Pipeline | None = None

    @property
    def pipeline(self) -> Pipeline:
        if self._pipeline is None:
            self._pipeline = self._factory()
        return self._pipeline

    def start(self) -> None:
        with self.ctx.db.session() as session:
            stale = session.scalars(select(Recording).where(Recording.status == "running")).all()
            for rec in stale:  # a previous process died mid-run; its attempt still counts
                rec.status, rec.reason = "queued", "interrupted"
            session.commit()
        super().start()

    def run_once(self) -> int:
        """Process at most one due recording; returns how many were processed."""
        with self.ctx.db.session() as session:
            rec = crud.claim_next(session=session)
            if rec is None:
                return 0
            record = session.get(CaseRecord, rec.incident_id) if rec.incident_id else None
            self._process(session, rec, _incident_for(record))
        return 1

    def _process(self, session: Any, rec: Recording, incident: IncidentRecord | None) -> None:
        settings, store = self.ctx.settings, self.ctx.store
        spool = Path(settings.SPOOL_DIR)
        spool.mkdir(parents=True, exist_ok=True)
        suffix = Path(rec.filename or rec.media_key or "").suffix[:16]
        tmp = Path(tempfile.mkstemp(prefix="work-", suffix=suffix, dir=spool)[1])
        try:
            with store.open(rec.media_key) as src, tmp.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
            doc = self.pipeline.process(
                tmp,
                store,
                source=cast(Source, rec.source),  # the column only holds validated sources
                incident=incident,
                media_key=rec.media_key,
                recorded_at=rec.recorded_at,
            )
            key = document_key(doc.recording.recording_id)
            info = store.stat(key)
            crud.index_document(
                session=session,
                doc=doc,
                document_key=key,
                recording=rec,
                buffer_s=settings.LINK_BUFFER_SECONDS,
                etag=info.etag if info is not None else None,
            )
            session.commit()
            self.ctx.metrics.processed.labels(outcome="done").inc()
            logger.info("processed recording %s", rec.id)
        except Exception as e:
            # one classification for the batch and this worker (detectors.errors.classify): bad
            # media or a bad config is permanent; a store or database outage, a dead socket or an
            # unknown error is retried until the attempts run out
            session.rollback()
            if classify(e) == "retryable":
                self._fail(session, rec.id, f"{type(e).__name__}: {e}", permanent=False)
            else:
                self._fail(session, rec.id, str(e), permanent=True)
        finally:
            tmp.unlink(missing_ok=True)

    def _fail(self, session: Any, rec_id: Any, reason: str, *, permanent: bool) -> None:
        settings = self.ctx.settings
        rec = session.get(Recording, rec_id)
        if rec is None:
            return
        retry = not permanent and rec.attempts < settings.WORKER_MAX_ATTEMPTS
        rec.reason = reason[:2000]
        if retry:
            delay = settings.WORKER_RETRY_BACKOFF_SECONDS * 2 ** max(rec.attempts - 1, 0)
            rec.status, rec.next_attempt_at = "queued", utcnow() + timedelta(seconds=delay)
        else:
            rec.status, rec.next_attempt_at = "failed", None
        session.commit()
        outcome = "retry" if retry else "failed"
        self.ctx.metrics.processed.labels(outcome=outcome).inc()
        logger.warning("recording %s %s: %s", rec_id, outcome, reason)


def _key_of(item: Any) -> str:
    if isinstance(item, str):
        return item
    for attr in ("key", "name", "object_name"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    raise TypeError(f"unexpected store listing item {type(item).__name__}")


class Indexer(_Service):
    """Upserts analysis documents found under the store's documents prefix into the queue."""

    name = "indexer"

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx.settings.INDEXER_INTERVAL_SECONDS)
        self.ctx = ctx

    @staticmethod
    def prefix() -> str:
        return DOCUMENTS_PREFIX

    def run_once(self) -> int:
        """Index every document not yet in the database; returns how many were indexed."""
        store, settings = self.ctx.store, self.ctx.settings
        listing = {_key_of(i): getattr(i, "etag", None) for i in store.list(self.prefix())}
        listing = {k: v for k, v in listing.items() if k.endswith(".json")}
        if not listing:
            return 0
        done = 0
        with self.ctx.db.session() as session:
            rows = session.execute(
                select(Recording.document_key, Recording.document_etag).where(
                    Recording.document_key.is_not(None)
                )
            )
            known: dict[str | None, str | None] = {row[0]: row[1] for row in rows}
            for key, etag in sorted(listing.items()):
                if key in known and (etag is None or known[key] == etag):
                    continue  # indexed, and unchanged since (a batch re-run rewrites the object)
                try:
                    doc = AnalysisDocument.model_validate_json(store.get_bytes(key))
                except ValueError as e:
                    logger.warning("skipping unreadable document %s: %s", key, e)
                    continue
                existing = session.scalar(select(Recording).where(Recording.document_key == key))
                crud.index_document(
                    session=session,
                    doc=doc,
                    document_key=key,
                    recording=existing,
                    buffer_s=settings.LINK_BUFFER_SECONDS,
                    etag=etag,
                )
                session.commit()
                self.ctx.metrics.indexed.inc()
                done += 1
        if done:
            logger.info("indexed %d documents", done)
        return done
