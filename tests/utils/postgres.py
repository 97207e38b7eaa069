"""A throwaway PostgreSQL cluster from the server binaries, for the API tests and the API benchmark.

Runs the real server (Debian's postgresql-15) on a free 127.0.0.1 port in a temporary directory; as root the
cluster runs as the ``postgres`` (or ``nobody``) user because initdb refuses root. Stopped and removed on
exit. A missing binary raises :class:`PostgresUnavailable`, which the tests turn into a failure.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

PG_BIN = Path(os.environ.get("VIGIL_PG_BIN", "/usr/lib/postgresql/15/bin"))


class PostgresUnavailable(RuntimeError):
    """The server binaries are missing or the cluster did not start."""


@dataclass
class PostgresServer:
    url: str  # postgresql+psycopg://user@host:port (no database)
    conninfo: str  # libpq form for admin commands
    data: Path
    run_as: list[str]

    def create_database(self, name: str | None = None) -> str:
        name = name or f"vigil_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.conninfo + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.conninfo + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextmanager
    def scratch_database(self) -> Iterator[str]:
        """The URL of a new, empty database, dropped afterwards (whether or not the test passed)."""
        name = self.create_database()
        try:
            yield f"{self.url}/{name}"
        finally:
            self.drop_database(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@contextmanager
def postgres_cluster(settings: Mapping[str, str] | None = None) -> Iterator[PostgresServer]:
    """Start a cluster with extra server ``settings`` (``-c name=value``), yield it, stop it."""
    for binary in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / binary).is_file():
            raise PostgresUnavailable(
                f"PostgreSQL binary {PG_BIN / binary} is missing (install postgresql-15)"
            )
    base = Path(tempfile.mkdtemp(prefix="vigil-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        owner = "postgres" if _user_exists("postgres") else "nobody"
        shutil.chown(base, owner)
        run_as = ["runuser", "-u", owner, "--"]
    data, port = base / "data", _free_port()
    extra = " ".join(f"-c {k}={v}" for k, v in (settings or {}).items())
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 {extra}".strip()
    try:
        subprocess.run(
            [*run_as, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
            + ["-E", "UTF8", "--no-locale"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        subprocess.run(
            [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-o", opts]
            + ["-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
            timeout=90,
        )
    except subprocess.CalledProcessError as e:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        shutil.rmtree(base, ignore_errors=True)
        raise PostgresUnavailable(
            f"PostgreSQL did not start: {e.stderr.decode(errors='replace')} {log}"
        ) from e
    try:
        yield PostgresServer(
            url=f"postgresql+psycopg://postgres@127.0.0.1:{port}",
            conninfo=f"host=127.0.0.1 port={port} user=postgres",
            data=data,
            run_as=run_as,
        )
    finally:
        subprocess.run(
            [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)
