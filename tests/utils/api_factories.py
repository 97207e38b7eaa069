"""Factories and personas for the review API tests: real analysis documents written to the store and
indexed by the real indexer, short real WAV files, settings and logins."""

from __future__ import annotations

import hashlib
import io
import secrets
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select

from api import Settings
from api.context import AppContext
from api.models import Recording
from api.worker import Indexer
from pipeline.document import (
    AnalysisDocument,
    IncidentLink,
    PipelineInfo,
    RecordingMeta,
    SegmentOut,
    SpeakerInfo,
)
from pipeline.store import LocalStore, document_key
from rules.findings import (
    Assessment,
    CallTriage,
    Flag,
    Inference,
    RiskAssessment,
    Summary,
    SummaryItem,
)


def wav_bytes(seconds: float = 1.0, freq: float = 220.0, seed: int = 0) -> bytes:
    """A real 16 kHz mono PCM WAV; ``seed`` varies the content so each call can be unique."""
    sr = 16000
    t = np.arange(int(seconds * sr)) / sr
    rng = np.random.default_rng(seed)
    x = 0.2 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(t.size)
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(pcm)
    return buf.getvalue()


def make_document(
    *,
    name: str,
    unit: str,
    source: str = "counter",
    officer: str = "P1001",
    flags: list[tuple[str, str]] | None = None,
    risk: str = "low",
    risk_score: float = 0.1,
    recorded_at: datetime | None = None,
    incident_id: str | None = None,
    media_key: str | None = None,
    category: str | None = None,
    disposition: Inference | None = None,
    call: tuple[str, str] | None = None,
) -> AnalysisDocument:
    sha = hashlib.sha256(name.encode()).hexdigest()
    rec_id = f"rec-{sha[:16]}"
    at = recorded_at or datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    segments = [
        SegmentOut(
            id="seg-0",
            start=0.0,
            end=2.0,
            speaker="S1",
            role="officer",
            text="您好，请坐，有什么需要帮助的？",
            confidence=0.9,
        ),
        SegmentOut(
            id="seg-1",
            start=2.0,
            end=4.5,
            speaker="S2",
            role="party",
            text="我的电动车被偷了。",
            confidence=0.9,
        ),
    ]
    flag_models = [
        Flag(
            id=f"flag-{i:03d}",
            code=code,  # type: ignore[arg-type]
            rule_id=f"rule.{code.lower()}",
            rule_version="1.0",
            severity=sev,  # type: ignore[arg-type]
            confidence=0.8,
            start=1.0 + i,
            end=2.0 + i,
            segment_ids=["seg-0"],
            quote="有什么需要帮助的",
            speaker="S1",
            role="officer",
            explanation_zh="测试",
            explanation_en="test",
            evidence={"pattern": code.lower()},
        )
        for i, (code, sev) in enumerate(flags or [])
    ]
    return AnalysisDocument(
        recording=RecordingMeta(
            recording_id=rec_id,
            source=source,
            filename=f"{name}.wav",  # type: ignore[arg-type]
            sha256=sha,
            size_bytes=1000,
            duration=4.5,
            channels=1,
            sample_rate=16000,
            media_key=media_key,
        ),
        incident=IncidentLink(
            incident_id=incident_id or f"INC-{sha[:8]}",
            unit=unit,
            officer_id=officer,
            recorded_at=at.isoformat(),
        ),
        speakers=[
            SpeakerInfo(id="S1", role="officer", role_confidence=0.9),
            SpeakerInfo(id="S2", role="party", role_confidence=0.9),
        ],
        segments=segments,
        assessment=Assessment(
            flags=flag_models,
            risk=RiskAssessment(level=risk, score=risk_score),  # type: ignore[arg-type]
            category=Inference(value=category, confidence=0.9) if category else None,
            disposition=disposition,
            call=CallTriage(call_class=call[0], urgency=call[1], routing="open_case")  # type: ignore[arg-type]
            if call
            else None,
            summary=Summary(
                method="extractive", cause=SummaryItem(text="电动车被盗", segment_ids=["seg-1"])
            ),
        ),
        pipeline=PipelineInfo(version="test", config_hash="0" * 16),
    )


def seed(h: ApiHarness, **kwargs: Any) -> tuple[str, AnalysisDocument]:
    """Write a document where the Ray batch would, index it with the real indexer; -> recording id."""
    doc = make_document(**kwargs)
    h.store.put_bytes(
        document_key(doc.recording_id),
        doc.model_dump_json().encode(),
        content_type="application/json",
    )
    Indexer(h.ctx).run_once()
    with h.ctx.db.session() as session:
        rid = session.scalar(select(Recording.id).where(Recording.analysis_id == doc.recording_id))
    assert rid is not None
    return str(rid), doc


UNIT_A = "天平路派出所"
UNIT_B = "徐家汇派出所"
PASSWORD = "correct-horse-battery"


def make_settings(database_url: str, tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ENVIRONMENT": "test",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "AUDIT_KEY": secrets.token_urlsafe(48),
        "DATA_DIR": str(tmp / "data"),
        "DATABASE_URL": database_url,
        "SPOOL_DIR": str(tmp / "spool"),
        "MAX_UPLOAD_BYTES": 4 * 1024 * 1024,
        "WORKER_ENABLED": False,
        "INDEXER_ENABLED": False,
        "WORKER_RETRY_BACKOFF_SECONDS": 0.0,
        "LINK_BUFFER_SECONDS": 1800.0,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class ApiHarness:
    """One app on one database: its client, context and a credential per persona."""

    client: TestClient
    ctx: AppContext
    store: LocalStore
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def dialect(self) -> str:
        return self.ctx.db.dialect


PERSONAS = {
    "admin": ("admin", None),
    "reviewer": ("reviewer", None),
    "chief_a": ("chief", UNIT_A),
    "chief_b": ("chief", UNIT_B),
    "ingest": ("ingest", None),
}


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/login/access-token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@contextmanager
def harness(
    database_url: str, tmp: Path, *, store: Any = None, **overrides: Any
) -> Iterator[ApiHarness]:
    """A served app on ``database_url`` with a user and a login per persona (the ingest service
    also with an API key, as in production); the app shuts down on exit."""
    from api import create_app, crud

    store = store if store is not None else LocalStore(tmp / "store", fsync=False)
    app = create_app(make_settings(database_url, tmp, **overrides), store=store)
    with TestClient(app) as client:
        h = ApiHarness(client=client, ctx=app.state.ctx, store=store)
        with h.ctx.db.session() as session:
            for name, (role, unit) in PERSONAS.items():
                user = crud.create_user(
                    session=session, username=name, password=PASSWORD, role=role, unit=unit
                )
                h.ids[name] = str(user.id)
            session.commit()
        for name in PERSONAS:
            h.headers[name] = login(client, name)
        r = client.post(
            f"/users/{h.ids['ingest']}/api-keys",
            json={"name": "intake"},
            headers=h.headers["admin"],
        )
        assert r.status_code == 201, r.text
        h.headers["ingest_key"] = {"X-API-Key": r.json()["key"]}
        yield h
