"""``vigil serve`` as a real child process, for the kill -9 tests: the environment that points it at a
test harness's database, store and keys, a start, a wait for readiness and a wait for its death.

The campaign's crash tests all start the server this way, so the settings a killed process and its
restart share are written once, here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.utils.api_factories import ApiHarness

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(
    h: ApiHarness, store_env: dict[str, str] | None = None, **settings: str
) -> dict[str, str]:
    """The environment of a ``vigil serve`` on ``h``'s database, keys, data and spool directories;
    its store is ``h``'s local store unless ``store_env`` names another (an S3 bucket and its
    credentials). ``settings`` are further API settings by name (``WORKER_MAX_ATTEMPTS="3"``)."""
    s = h.ctx.settings
    store = store_env if store_env is not None else {"VIGIL_API_STORE_URL": str(h.store.root)}
    return {
        **os.environ,
        **store,
        "PYTHONPATH": str(ROOT),
        "VIGIL_API_DATABASE_URL": s.DATABASE_URL,
        "VIGIL_API_SECRET_KEY": s.SECRET_KEY,
        "VIGIL_API_AUDIT_KEY": s.AUDIT_KEY,
        "VIGIL_API_DATA_DIR": s.DATA_DIR,
        "VIGIL_API_AUDIT_ANCHOR_FILE": s.AUDIT_ANCHOR_FILE,
        "VIGIL_API_SPOOL_DIR": s.SPOOL_DIR,
        "VIGIL_API_ENVIRONMENT": "test",
        **{f"VIGIL_API_{name}": value for name, value in settings.items()},
    }


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start ``vigil serve`` on ``port``; its output (uvicorn's access log too) is appended to
    ``log``."""
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 300) -> str:
    """Wait until the server answers ``/readyz`` with 200; its base URL. A server that dies first
    fails the test with the end of its log."""
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_tail(log)
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"vigil serve not ready: {log_tail(log)}")


def stop(proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """A clean shutdown (SIGTERM), then wait for it."""
    proc.terminate()
    proc.wait(timeout=timeout)


def log_size(log: Path) -> int:
    """Where the next process's output will start in ``log``."""
    return log.stat().st_size if log.exists() else 0


def wait_killed(
    proc: subprocess.Popen[bytes], log: Path, start: int, timeout: float = 300
) -> tuple[int, str]:
    """Wait for a started server to die at its crash point: its exit status and what it logged
    from ``start`` on. One still alive after ``timeout`` is killed and the wait raises."""
    try:
        code = proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with log.open("rb") as f:
        f.seek(start)
        return code, f.read().decode(errors="replace")


def until_killed(env: dict[str, str], log: Path, timeout: float = 300) -> tuple[int, str]:
    """Start ``vigil serve`` and wait for it to die; its exit status and what it logged."""
    start = log_size(log)
    return wait_killed(serve(env, free_port(), log), log, start, timeout)
