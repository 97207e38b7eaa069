"""A full S3 bucket on the session's SeaweedFS server, for the fault campaign's tests.

SeaweedFS has no ENOSPC for a bucket: a bucket *quota* is how it is filled, and enforcing it
(``s3.bucket.quota.enforce -apply``, the operator's or the master's maintenance script) makes an
over-quota bucket read-only, so the S3 gateway refuses every write. The API tests and the batch test
fill and lift a bucket the same way, so the steps live here once.
"""

from __future__ import annotations

import os
import time

import pytest

from pipeline.config import load_config
from pipeline.errors import StoreError
from pipeline.store import S3Store, store_from_config
from tests.utils.seaweed import SeaweedServer


def s3_store(
    seaweed: SeaweedServer,
    bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    keys: tuple[str, str] | None = None,
) -> S3Store:
    """A store on ``bucket`` (created when missing), configured as production would be but with
    short retries; ``keys`` other credentials than the session's read-write ones."""
    assert seaweed.info is not None
    access, secret = keys or (seaweed.info.access_key, seaweed.info.secret_key)
    monkeypatch.setenv("VIGIL_S3_ACCESS_KEY", access)
    monkeypatch.setenv("VIGIL_S3_SECRET_KEY", secret)
    section = load_config().section("store")
    section.update(
        s3_endpoint=seaweed.info.endpoint,
        s3_secure=False,
        retries=1,
        retry_backoff_s=0.1,
        connect_timeout_s=2.0,
        read_timeout_s=10.0,
    )
    store = store_from_config(section, f"s3://{bucket}")
    assert isinstance(store, S3Store)
    return store


def fill_bucket(seaweed: SeaweedServer, store: S3Store) -> None:
    """Put the bucket over a 1 MiB quota and have SeaweedFS enforce it (read-only), then wait until
    the gateway really refuses writes. Usage reaches the master with the volume servers' heartbeats,
    so enforcing is repeated until it sees the bucket over its quota; on a loaded two-core machine
    that took more than a minute once (the master saw no usage yet), hence two."""
    store.put_bytes("ballast/earlier-recordings.bin", os.urandom(2 * 1024 * 1024))
    seaweed.shell(f"s3.bucket.quota -name={store.bucket} -op=set -sizeMB=1")
    deadline = time.monotonic() + 120
    while True:
        out = seaweed.shell("s3.bucket.quota.enforce -apply")
        if f"changing bucket {store.bucket} to read only" in out:
            break
        assert time.monotonic() < deadline, f"SeaweedFS never enforced the quota: {out}"
        time.sleep(1.0)
    _wait_writable(store, False)


def lift_quota(seaweed: SeaweedServer, store: S3Store) -> None:
    """The operator's fix: a larger quota, enforced again (the bucket becomes writable)."""
    seaweed.shell(
        f"s3.bucket.quota -name={store.bucket} -op=set -sizeMB=256",
        "s3.bucket.quota.enforce -apply",
    )
    _wait_writable(store, True)


def _wait_writable(store: S3Store, writable: bool) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:  # a write of our own, not the store's readiness check (that is under test)
            store.put_bytes("ballast/probe.bin", os.urandom(4096))
            now = True
        except StoreError:
            now = False
        if now == writable:
            return
        assert time.monotonic() < deadline, f"bucket never became writable={writable}"
        time.sleep(0.5)
