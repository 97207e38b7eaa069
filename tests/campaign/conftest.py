"""The fault and security campaign of issue 14, as tests: bad inputs, fuzzing, full and read-only
stores, cross-unit probes. Each test asserts its own findings are zero; the session's tally (inputs
tried, 5xx, leaks, lost, duplicated) is printed at the end and written to ``var/campaign.json`` for
the README.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.store import S3Store
from tests.utils.api_factories import UNIT_A, ApiHarness, harness, wav_bytes
from tests.utils.s3_quota import s3_store
from tests.utils.seaweed import SeaweedServer

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Tally:
    inputs: int = 0
    server_errors: int = 0  # 5xx other than a documented 503 (dependency down, disk full)
    unavailable: int = 0  # the documented 503s
    leaks: int = 0
    lost: int = 0
    duplicated: int = 0


TALLY = Tally()


@pytest.fixture(scope="session")
def tally() -> Tally:
    return TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLY.inputs:
        return
    line = (
        f"campaign: inputs tried {TALLY.inputs}, 5xx {TALLY.server_errors} "
        f"(documented 503s {TALLY.unavailable}), leaks {TALLY.leaks}, lost {TALLY.lost}, "
        f"duplicated {TALLY.duplicated}"
    )
    terminalreporter.write_line(line)
    out = ROOT / "var" / "campaign.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(asdict(TALLY), indent=1) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHarness]:
    with harness(database_url, tmp_path_factory.mktemp("campaign")) as h:
        yield h
        h.ctx.db.dispose()


# An upload form the fault tests send again and again: only the file changes between attempts.
FORM = {"source": "counter", "unit": UNIT_A, "officer": "P1", "recorded_at": "2026-03-02T09:30:00Z"}


def upload(h: ApiHarness, seed: int) -> Any:
    """Upload 0.3 s of audio made from ``seed`` (the same seed is the same bytes: a client's retry)."""
    return h.client.post(
        "/recordings",
        data=FORM,
        files={"file": (f"s{seed}.wav", wav_bytes(0.3, seed=seed), "audio/wav")},
        headers=h.headers["ingest"],
    )


def assert_refused(r: Any, tally: Tally, detail: str | None = None) -> None:
    """Count the answer in the tally, then require the documented refusal of a store that cannot
    take a write: 503 problem+json with Retry-After (and ``detail``, where given), never a 500."""
    tally.inputs += 1
    if r.status_code == 503:
        tally.unavailable += 1
    elif r.status_code >= 500:
        tally.server_errors += 1
    assert r.status_code == 503, r.text
    assert r.headers["retry-after"] == "30"
    assert r.headers["content-type"].startswith("application/problem+json")
    if detail is not None:
        assert r.json()["detail"] == detail


@pytest.fixture
def full_bucket(
    seaweed: SeaweedServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SeaweedServer, S3Store]]:
    """A store on a new bucket of the session's SeaweedFS, for a test to fill (``fill_bucket``)."""
    store = s3_store(seaweed, f"full-{uuid.uuid4().hex[:10]}", monkeypatch)
    try:
        yield seaweed, store
    finally:  # never leave a read-only bucket behind on the session's server
        seaweed.shell(f"s3.bucket.quota -name={store.bucket} -op=remove")
