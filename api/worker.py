"""Background services of ``vigil serve``: the worker that analyses queued recordings, the indexer
that brings documents written by the Ray batch (``documents/`` in the store) into the queue, and the
overdue monitor that flags task sheets past their deadline.

Both are plain threads over the database, so several API processes may run them: a recording is
claimed with a conditional UPDATE, and indexing is idempotent: a document is attached to the
recording it belongs to (by document key, analysis id, raw object or content hash), so a worker killed
between writing the document and committing never leaves a second row behind. Attempts are counted
when a recording is claimed, so a recording that crashes its worker is failed after
``WORKER_MAX_ATTEMPTS`` starts instead of looping for ever.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select

from detectors.errors import classify
from detectors.types import IncidentRecord, Source
from pipeline.analyzer import Pipeline
from pipeline.document import AnalysisDocument
from pipeline.faults import crash_point
from pipeline.store import DOCUMENTS_PREFIX, document_key

from . import audit, crud, tasksheets
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
        self.recover()
        super().start()

    def recover(self) -> int:
        """Requeue recordings a dead process left ``running``; its attempt still counts, and one
        that has used all its attempts is failed (it keeps killing workers). Returns how many."""
        settings = self.ctx.settings
        with self.ctx.db.session() as session:
            stale = session.scalars(select(Recording).where(Recording.status == "running")).all()
            for rec in stale:
                if rec.attempts >= settings.WORKER_MAX_ATTEMPTS:
                    rec.status, rec.review_status = "failed", "failed"
                    rec.reason = f"interrupted {rec.attempts} times (the worker died processing it)"
                    rec.next_attempt_at = None
                else:
                    delay = settings.WORKER_RETRY_BACKOFF_SECONDS * 2 ** max(rec.attempts - 1, 0)
                    rec.status, rec.reason = "queued", "interrupted"
                    rec.next_attempt_at = utcnow() + timedelta(seconds=delay)
                logger.warning("recording %s was interrupted: %s", rec.id, rec.status)
            session.commit()
            return len(stale)

    def run_once(self) -> int:
        """Process at most one due recording; returns how many were processed."""
        with self.ctx.db.session() as session:
            rec = crud.claim_next(
                session=session, max_attempts=self.ctx.settings.WORKER_MAX_ATTEMPTS
            )
            if rec is None:
                return 0
            crash_point("worker.after_claim")
            record = session.get(CaseRecord, rec.incident_id) if rec.incident_id else None
            self._process(session, rec, _incident_for(record))
        return 1

    def _process(self, session: Any, rec: Recording, incident: IncidentRecord | None) -> None:
        settings, store = self.ctx.settings, self.ctx.store
        suffix = Path(rec.filename or rec.media_key or "").suffix[:16]
        tmp: Path | None = None
        try:
            fd, name = tempfile.mkstemp(prefix="work-", suffix=suffix, dir=self.ctx.scratch.path)
            tmp = Path(name)
            with store.open(rec.media_key) as src, open(fd, "wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
            crash_point("worker.after_copy")
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
            _, carried = crud.index_document(
                session=session,
                doc=doc,
                document_key=key,
                recording=rec,
                buffer_s=settings.LINK_BUFFER_SECONDS,
                etag=info.etag if info is not None else None,
            )
            _audit_analysis(session, rec.id, key, carried, actor="worker")
            tasksheets.on_indexed(session=session, config=self.ctx.sheets, recording=rec, doc=doc)
            session.commit()
            crash_point("worker.after_commit")
            self.ctx.metrics.processed.labels(outcome="done").inc()
            logger.info("processed recording %s", rec.id)
        except Exception as e:
            # one classification for the batch and this worker (detectors.errors.classify): bad
            # media or a bad config is permanent; a store or database outage, a dead socket or an
            # unknown error is retried until the attempts run out
            session.rollback()
            if classify(e) == "retryable":
                self._fail(session, rec.id, f"{type(e).__name__}: {e}", permanent=False)
            else:  # name the object, not this worker's temporary copy of it
                reason = str(e).replace(str(tmp), rec.media_key or "") if tmp else str(e)
                self._fail(session, rec.id, reason, permanent=True)
        finally:
            if tmp is not None:
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
        # an analysis that exists stays reviewable; one that never existed is not "clear"
        if rec.document_key is None:
            rec.review_status = "pending" if retry else "failed"
        crash_point("worker.before_fail_commit")  # claimed and attempted; the failure not recorded
        session.commit()
        crash_point("worker.after_fail_commit")  # recorded, before the process reports it
        outcome = "retry" if retry else "failed"
        self.ctx.metrics.processed.labels(outcome=outcome).inc()
        logger.warning("recording %s %s: %s", rec_id, outcome, reason)


def _audit_analysis(
    session: Any, rec_id: uuid.UUID, key: str, counts: dict[str, int], *, actor: str
) -> None:
    """One event per indexed analysis: which document, and how much review work it carried over."""
    audit.append(
        session,
        actor=actor,
        role=None,
        action="recording.analysed",
        resource=f"recordings/{rec_id}",
        ip=None,
        detail={"document": key, **counts},
    )


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
                if crud.holds_newer_analysis(session=session, doc=doc, document_key=key):
                    logger.debug("skipping %s: its recording holds a newer analysis", key)
                    continue
                rec, carried = crud.index_document(
                    session=session,
                    doc=doc,
                    document_key=key,
                    buffer_s=settings.LINK_BUFFER_SECONDS,
                    etag=etag,
                )
                _audit_analysis(session, rec.id, key, carried, actor="indexer")
                tasksheets.on_indexed(
                    session=session, config=self.ctx.sheets, recording=rec, doc=doc
                )
                session.commit()
                self.ctx.metrics.indexed.inc()
                done += 1
        if done:
            logger.info("indexed %d documents", done)
        return done


class OverdueMonitor(_Service):
    """Flags open task sheets whose deadline has passed and keeps the Prometheus gauges current.

    ``clock`` is injectable so tests move time instead of waiting for it.
    """

    name = "overdue"

    def __init__(self, ctx: AppContext, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(ctx.settings.OVERDUE_INTERVAL_SECONDS)
        self.ctx = ctx
        self.clock = clock

    def run_once(self) -> int:
        """One pass, then sleep a whole interval (returns 0); each newly overdue sheet is audited."""
        with self.ctx.db.session() as session:
            newly = tasksheets.mark_overdue(session=session, now=self.clock())
            session.commit()
            publish_sheet_metrics(self.ctx, session)
        if newly:
            logger.info("%d task sheets became overdue", len(newly))
        return 0


def publish_sheet_metrics(ctx: AppContext, session: Any) -> None:
    """Set the task-sheet gauges from the database (every process sees the same numbers)."""
    counts = tasksheets.state_counts(session=session)
    for state in tasksheets.STATES:
        ctx.metrics.sheets.labels(state=state).set(counts.get(state, 0))
    ctx.metrics.sheets_overdue.clear()
    for unit, n in tasksheets.overdue_counts(session=session).items():
        ctx.metrics.sheets_overdue.labels(unit=unit or "").set(n)


class WeeklyReporter(_Service):
    """Writes last week's report of every unit that had incidents, and of every configured district,
    into the object store (HTML and PDF under ``weekly_report.store_prefix``), once: a report already
    there is left alone, so several API processes and restarts write each one once."""

    name = "weekly-reports"

    def __init__(self, ctx: AppContext, clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(ctx.settings.WEEKLY_REPORTS_INTERVAL_SECONDS)
        self.ctx = ctx
        self.clock = clock

    def run_once(self) -> int:
        """Write the missing reports of the last complete week; returns how many were written."""
        from .reports import render_weekly_html, report_stem, weekly_scopes, with_charts
        from .reports.render import html_to_pdf
        from .reports.weekly import build_weekly, last_week

        config, store = self.ctx.sheets, self.ctx.store
        week = last_week(config, self.clock())
        prefix = f"{config.weekly_report.store_prefix}{week}/"
        written = 0
        with self.ctx.db.session() as session:
            for kind, name in weekly_scopes(session=session, config=config, week=week):
                report = build_weekly(
                    session=session,
                    config=config,
                    week=week,
                    unit=name if kind == "unit" else None,
                    district=name if kind == "district" else None,
                    now=self.clock(),
                )
                key = f"{prefix}{kind}-{report_stem(report)}"
                if store.stat(f"{key}.pdf") is not None:
                    continue
                html = render_weekly_html(with_charts(report, config), config)
                store.put_bytes(f"{key}.html", html.encode(), content_type="text/html")
                store.put_bytes(f"{key}.pdf", html_to_pdf(html), content_type="application/pdf")
                written += 1
        if written:
            logger.info("wrote %d weekly reports for %s", written, week)
        return 0
