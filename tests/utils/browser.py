"""A real ``vigil serve`` subprocess and Debian's Chromium driven by Playwright, for the page tests.

Playwright's own browser download is never used: the tests launch ``/usr/bin/chromium`` (installed by
``scripts/setup.sh``). A missing browser or a server that does not come up fails the test.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from api import Settings, create_user
from tests.utils.api_factories import PASSWORD, PERSONAS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]
VIEWPORT = {"width": 1366, "height": 768}


@dataclass
class LiveServer:
    url: str
    log: Path
    env: dict[str, str]

    def log_tail(self, n: int = 60) -> str:
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(lines[-n:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "VIGIL_API_ENVIRONMENT": "test",
        "VIGIL_API_SECRET_KEY": secrets.token_urlsafe(48),
        "VIGIL_API_DATABASE_URL": f"sqlite:///{tmp / 'vigil.db'}",
        "VIGIL_API_STORE_URL": str(tmp / "store"),
        "VIGIL_API_SPOOL_DIR": str(tmp / "spool"),
        "VIGIL_API_MAX_UPLOAD_BYTES": str(50 * 2**20),
        "VIGIL_API_WORKER_POLL_SECONDS": "0.5",
        "VIGIL_API_INDEXER_INTERVAL_SECONDS": "5",
        "HF_HUB_OFFLINE": "1",
        "PYANNOTE_METRICS_ENABLED": "false",
    }


@contextmanager
def live_server(tmp: Path, *, ready_timeout: float = 180.0) -> Iterator[LiveServer]:
    """``vigil serve`` on a free loopback port over a fresh SQLite file and local store, with one
    user per persona (same password); stopped (SIGTERM, then SIGKILL) at the end."""
    env = server_env(tmp)
    settings = Settings(
        **{k[len("VIGIL_API_") :]: v for k, v in env.items() if k.startswith("VIGIL_API_")}
    )
    for name, (role, unit) in PERSONAS.items():
        create_user(name, PASSWORD, role, unit, settings=settings)
    port = free_port()
    log = tmp / "server.log"
    vigil = Path(sys.executable).with_name("vigil")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(vigil), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", log=log, env=env)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"vigil serve exited {proc.returncode}:\n{server.log_tail()}")
            try:
                if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"vigil serve not ready in {ready_timeout} s:\n{server.log_tail()}"
                )
            time.sleep(0.5)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, with nothing that phones home."""
    if not Path(CHROMIUM).is_file():
        raise AssertionError(f"{CHROMIUM} missing: run scripts/setup.sh (Debian package chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/ui/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def htmx_settled(page: Any, timeout: float = 15_000) -> None:
    """Wait until htmx has finished every request and swap on ``page``.

    htmx 2 binds the ``hx-`` handlers of swapped-in content only when it settles (a 20 ms timer,
    longer on a loaded machine), so a change or key press sent before that is silently lost; a test
    that drives a freshly swapped form must wait for this first.
    """
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')",
        timeout=timeout,
    )
