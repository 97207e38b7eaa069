"""``vigil demo-user`` (``api.main.prepare_demo``): the demo's documents reach the queue and the demo
reviewer's random password is kept owner-readable only, reused while it works, replaced when lost."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import func, select

from api import Settings
from api.crud import authenticate
from api.db import Database
from api.main import prepare_demo
from api.models import Recording
from pipeline.store import LocalStore, document_key
from tests.utils.api_factories import UNIT_A, make_document


def test_prepare_demo_is_idempotent_and_private(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store", fsync=False)
    doc = make_document(name="demo-sample", unit=UNIT_A, flags=[("SPEECH_SHIRKING", "medium")])
    store.put_bytes(document_key(doc.recording_id), doc.model_dump_json().encode())
    settings = Settings(
        ENVIRONMENT="test",
        DATA_DIR=str(tmp_path / "data"),  # keys generated there
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}",
        SPOOL_DIR=str(tmp_path / "spool"),
        STORE_URL=str(tmp_path / "store"),
    )
    creds = tmp_path / "var" / "demo-credentials.txt"
    user, password, indexed = prepare_demo(creds, url="http://127.0.0.1:8000/", settings=settings)
    assert (user, indexed) == ("demo", 1)
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert f"password: {password}" in creds.read_text(encoding="utf-8")
    db = Database(settings.DATABASE_URL)
    try:
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Recording)) == 1
            found = authenticate(session=s, username="demo", password=password)
            assert found is not None and found.role == "reviewer"
        again = prepare_demo(creds, url="http://127.0.0.1:8000/", settings=settings)
        assert again == ("demo", password, 0)
        creds.unlink()
        _, fresh, _ = prepare_demo(creds, url="http://127.0.0.1:8000/", settings=settings)
        assert fresh != password
        with db.session() as s:
            assert authenticate(session=s, username="demo", password=password) is None
            assert authenticate(session=s, username="demo", password=fresh) is not None
    finally:
        db.dispose()
