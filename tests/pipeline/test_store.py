"""The object store: both implementations through the same tests, against a real S3 server."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError, StoreError
from pipeline.store import (
    LocalStore,
    ObjectNotFoundError,
    ObjectStore,
    S3Store,
    StoreOptions,
    artifact_key,
    document_key,
    index_key,
    open_store,
    raw_key,
    report_key,
    sanitize_key,
)
from tests.utils.seaweed import S3ServerInfo, SeaweedServer


@pytest.fixture(scope="module")
def base_options() -> StoreOptions:
    return StoreOptions.from_config(load_config().section("store"))


def _opts(base: StoreOptions, **kw: object) -> StoreOptions:
    return base.model_copy(update=kw)


@pytest.fixture
def s3_env(s3_server: S3ServerInfo, monkeypatch: pytest.MonkeyPatch) -> S3ServerInfo:
    monkeypatch.setenv("VIGIL_S3_ACCESS_KEY", s3_server.access_key)
    monkeypatch.setenv("VIGIL_S3_SECRET_KEY", s3_server.secret_key)
    return s3_server


@pytest.fixture(params=["local", "s3"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, base_options: StoreOptions
) -> Iterator[ObjectStore]:
    if request.param == "local":
        yield open_store(str(tmp_path / "store"), base_options)
        return
    server = request.getfixturevalue("s3_env")
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    opts = _opts(base_options, s3_endpoint=server.endpoint, part_size_mb=5)
    yield open_store(f"s3://{bucket}/vigil", opts)


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# -- round trips -----------------------------------------------------------------------------------


def test_bytes_round_trip_with_metadata(store: ObjectStore) -> None:
    data = "警情 110: 你好".encode() + bytes(range(256))
    meta = {"recording-id": "rec-0123456789abcdef", "filename": "执法记录仪 01.mp4"}
    before = datetime.now(UTC) - timedelta(seconds=5)
    put = store.put_bytes("documents/a.json", data, "application/json", meta)
    assert put.size == len(data)
    assert put.etag == _md5(data)
    assert store.get_bytes("documents/a.json") == data
    info = store.stat("documents/a.json")
    assert info is not None
    assert info.key == "documents/a.json"
    assert info.size == len(data)
    assert info.etag == _md5(data)
    assert info.content_type == "application/json"
    assert dict(info.metadata) == meta
    assert info.last_modified.tzinfo is not None
    assert info.last_modified.utcoffset() == timedelta(0)
    assert before <= info.last_modified <= datetime.now(UTC) + timedelta(seconds=5)
    # overwrite replaces content and metadata
    store.put_bytes("documents/a.json", b"{}", "application/json")
    assert store.get_bytes("documents/a.json") == b"{}"
    assert dict(store.stat("documents/a.json").metadata) == {}  # type: ignore[union-attr]


def test_file_round_trip_multipart(store: ObjectStore, tmp_path: Path) -> None:
    # 11 MiB with 5 MiB parts: the S3 path goes multipart, the local path streams in chunks.
    src = tmp_path / "big.bin"
    block = os.urandom(1 << 20)
    with src.open("wb") as f:
        for i in range(11):
            f.write(block[i:] + block[:i])
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    info = store.put_file("raw/2026-03/rec-big.mp4", src, "video/mp4", {"source": "bodycam"})
    assert info.size == src.stat().st_size
    out = store.download("raw/2026-03/rec-big.mp4", tmp_path / "out" / "big.bin")
    assert hashlib.sha256(out.read_bytes()).hexdigest() == digest
    assert not [p for p in out.parent.iterdir() if p.name != "big.bin"]  # no temp files left
    with store.open("raw/2026-03/rec-big.mp4") as f:
        h = hashlib.sha256()
        while chunk := f.read(300_000):
            h.update(chunk)
    assert h.hexdigest() == digest
    st = store.stat("raw/2026-03/rec-big.mp4")
    assert st is not None and st.size == info.size and st.content_type == "video/mp4"
    assert st.metadata["source"] == "bodycam"


class _OneShot(io.RawIOBase):
    """A non-seekable stream (a socket, a pipe): the store must not need length or seeking."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        return self._buf.readinto(b)


@pytest.mark.parametrize("known_length", [True, False])
def test_stream_round_trip(store: ObjectStore, known_length: bool) -> None:
    data = os.urandom(300_000)
    stream = _OneShot(data)
    info = store.put_stream(
        "derived/rec-1/audio.pcm", stream, len(data) if known_length else None, "audio/L16"
    )
    assert info.size == len(data)
    assert store.get_bytes("derived/rec-1/audio.pcm") == data
    assert store.stat("derived/rec-1/audio.pcm").size == len(data)  # type: ignore[union-attr]


def test_list_prefix_sorted(store: ObjectStore) -> None:
    keys = [
        "raw/2026-03/rec-b.wav",
        "raw/2026-03/rec-a.wav",
        "raw/2026-03/sub/rec-c.wav",
        "raw/2026-03-x.wav",  # '-' sorts before '/': must come first under prefix "raw/2026-03"
        "raw/2026-04/rec-d.wav",
        "documents/rec-a.json",
    ]
    for k in keys:
        store.put_bytes(k, k.encode(), "audio/wav")
    listed = [o.key for o in store.list("raw/2026-03/")]
    assert listed == ["raw/2026-03/rec-a.wav", "raw/2026-03/rec-b.wav", "raw/2026-03/sub/rec-c.wav"]
    assert [o.key for o in store.list("raw/2026-03")] == [
        "raw/2026-03-x.wav",
        "raw/2026-03/rec-a.wav",
        "raw/2026-03/rec-b.wav",
        "raw/2026-03/sub/rec-c.wav",
    ]
    shallow = [o.key for o in store.list("raw/2026-03/", recursive=False)]
    assert shallow == ["raw/2026-03/rec-a.wav", "raw/2026-03/rec-b.wav"]
    everything = list(store.list(""))
    assert [o.key for o in everything] == sorted(keys)
    first = everything[0]
    assert first.size == len(first.key.encode())
    assert first.etag == _md5(first.key.encode())
    assert first.last_modified.tzinfo is not None
    assert list(store.list("nothing/here/")) == []


def test_stat_exists_delete(store: ObjectStore) -> None:
    assert store.stat("documents/missing.json") is None
    assert not store.exists("documents/missing.json")
    with pytest.raises(ObjectNotFoundError):
        store.get_bytes("documents/missing.json")
    with pytest.raises(ObjectNotFoundError), store.open("documents/missing.json"):
        pass
    store.put_bytes("documents/x.json", b"1")
    assert store.exists("documents/x.json")
    store.delete("documents/x.json")
    assert not store.exists("documents/x.json")
    assert list(store.list("documents/")) == []
    store.delete("documents/x.json")  # deleting a missing key is not an error


def test_json_helpers(store: ObjectStore) -> None:
    store.put_json("index/raw/x.json", {"recording_id": "rec-1", "文本": "你好"})
    assert store.get_json("index/raw/x.json") == {"recording_id": "rec-1", "文本": "你好"}
    assert store.stat("index/raw/x.json").content_type == "application/json"  # type: ignore[union-attr]


def test_presigned_url(store: ObjectStore) -> None:
    data = b"presigned body \x00\xff"
    store.put_bytes("derived/rec-1/frame.jpg", data, "image/jpeg")
    url = store.presigned_get_url("derived/rec-1/frame.jpg", timedelta(minutes=5))
    if isinstance(store, LocalStore):
        assert url is None  # the API signs its own URLs for local stores
        return
    assert url is not None and "X-Amz-Signature=" in url
    resp = httpx.get(url, timeout=10)
    assert resp.status_code == 200
    assert resp.content == data
    # tampering with the signature is refused by the server
    bad = httpx.get(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), timeout=10)
    assert bad.status_code == 403


def test_check_ready(store: ObjectStore) -> None:
    store.check()


def test_invalid_keys_rejected_by_store(store: ObjectStore) -> None:
    for key in ["../etc/passwd", "/abs", "a//b", "a/./b", "a\x00b", ""]:
        with pytest.raises(ValueError):
            store.put_bytes(key, b"x")
        with pytest.raises(ValueError):
            store.stat(key)


# -- key layout ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["raw/2026-03/rec-1.mp4", "documents/rec-1.json", "a", "报警/录音 1.wav", "a/b.c/d..e"],
)
def test_sanitize_accepts(key: str) -> None:
    assert sanitize_key(key) == key


@pytest.mark.parametrize(
    "key",
    [
        "",
        "..",
        "../x",
        "a/../../x",
        "a/..",
        "./a",
        "/etc/passwd",
        "C:/windows",
        "a\\..\\b",
        "a//b",
        "a/",
        "a\nb",
        "a\x7fb",
        "a\tb",
        "x" * 1025,
    ],
)
def test_sanitize_rejects(key: str) -> None:
    with pytest.raises(ValueError):
        sanitize_key(key)


def test_sanitize_rejects_non_string() -> None:
    with pytest.raises(TypeError):
        sanitize_key(b"raw/x")  # type: ignore[arg-type]


def test_layout_helpers() -> None:
    when = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert raw_key("rec-00ff", "执法 记录.MP4", when) == "raw/2026-03/rec-00ff.mp4"
    assert raw_key("rec-00ff", "noext", when) == "raw/2026-03/rec-00ff"
    assert raw_key("rec-00ff", "evil.mp4/../../x", when) == "raw/2026-03/rec-00ff"
    assert raw_key("rec-1", "a.wav").startswith(f"raw/{datetime.now(UTC):%Y-%m}/")
    assert document_key("rec-00ff") == "documents/rec-00ff.json"
    assert artifact_key("rec-00ff", "keyframes/0001.jpg") == "derived/rec-00ff/keyframes/0001.jpg"
    assert index_key("raw/2026-03/rec-00ff.mp4") == (
        "index/raw/" + hashlib.sha1(b"raw/2026-03/rec-00ff.mp4").hexdigest() + ".json"
    )
    assert report_key(when) == "reports/batch-20260331T233000000000Z.json"
    for bad in ["../x", "a/b", "", "-x"]:
        with pytest.raises(ValueError):
            document_key(bad)
    with pytest.raises(ValueError):
        artifact_key("rec-1", "../../documents/rec-2.json")


# -- local specifics -------------------------------------------------------------------------------


def test_local_store_is_contained_and_atomic(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    store.put_bytes("raw/a.wav", b"abc")
    assert (tmp_path / "s" / "raw" / "a.wav").read_bytes() == b"abc"
    with pytest.raises(ValueError):
        store.put_bytes(".vigil/meta/x", b"x")  # the reserved area is not addressable
    # a symlink inside the tree that points out cannot be used to escape
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", tmp_path / "s" / "link")
    with pytest.raises(ValueError):
        store.put_bytes("link/x", b"x")
    assert not (tmp_path / "outside" / "x").exists()
    # temp files never linger and never show in listings
    assert list((tmp_path / "s" / ".vigil" / "tmp").iterdir()) == []
    assert [o.key for o in store.list()] == ["raw/a.wav"]
    # a file dropped in by hand is an object too (an operator copying recordings in)
    (tmp_path / "s" / "raw" / "b.wav").write_bytes(b"hand")
    info = store.stat("raw/b.wav")
    assert info is not None and info.size == 4 and info.etag
    assert [o.key for o in store.list("raw/")] == ["raw/a.wav", "raw/b.wav"]


def test_local_store_short_stream_refused(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s")
    with pytest.raises(StoreError, match="short"):
        store.put_stream("raw/x.wav", io.BytesIO(b"abc"), 10)
    assert not store.exists("raw/x.wav")
    assert list((tmp_path / "s" / ".vigil" / "tmp").iterdir()) == []


# -- open_store ------------------------------------------------------------------------------------


def test_open_store_urls(
    tmp_path: Path, base_options: StoreOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(open_store(str(tmp_path / "a"), base_options), LocalStore)
    file_store = open_store(f"file://{tmp_path / 'b'}", base_options)
    assert isinstance(file_store, LocalStore) and file_store.root == tmp_path / "b"
    default = open_store(None, _opts(base_options, url=str(tmp_path / "c")))
    assert isinstance(default, LocalStore) and default.root == tmp_path / "c"
    monkeypatch.delenv("VIGIL_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("VIGIL_S3_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="VIGIL_S3_ACCESS_KEY"):
        open_store("s3://vigil-bucket", base_options)
    with pytest.raises(ConfigError, match="unsupported store URL"):
        open_store("ftp://host/x", base_options)
    with pytest.raises(ConfigError, match="invalid bucket"):
        open_store("s3://Bad_Bucket", base_options)
    with pytest.raises(ConfigError):
        StoreOptions.from_config({**base_options.model_dump(), "bogus": 1})


def test_s3_prefix_and_bucket_creation(s3_env: S3ServerInfo, base_options: StoreOptions) -> None:
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    opts = _opts(base_options, s3_endpoint=s3_env.endpoint)
    a = open_store(f"s3://{bucket}/tenant-a", opts)
    b = open_store(f"s3://{bucket}/tenant-b", opts)
    whole = open_store(f"s3://{bucket}", opts)
    assert isinstance(a, S3Store)
    a.put_bytes("documents/x.json", b"a")
    b.put_bytes("documents/x.json", b"b")
    assert a.get_bytes("documents/x.json") == b"a"
    assert [o.key for o in a.list()] == ["documents/x.json"]
    assert [o.key for o in whole.list()] == [
        "tenant-a/documents/x.json",
        "tenant-b/documents/x.json",
    ]


# -- outages ---------------------------------------------------------------------------------------


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _fast_fail(base: StoreOptions, endpoint: str) -> StoreOptions:
    return _opts(
        base,
        s3_endpoint=endpoint,
        retries=2,
        retry_backoff_s=0.1,
        connect_timeout_s=1.0,
        read_timeout_s=1.0,
    )


def test_unreachable_store_fails_fast(s3_env: S3ServerInfo, base_options: StoreOptions) -> None:
    opts = _fast_fail(base_options, f"127.0.0.1:{_closed_port()}")
    t0 = time.monotonic()
    with pytest.raises(StoreError, match="unreachable.*retry"):
        open_store("s3://vigil-outage", opts)
    assert time.monotonic() - t0 < 5


def test_silent_store_times_out(s3_env: S3ServerInfo, base_options: StoreOptions) -> None:
    # a server that accepts the connection and never answers (a hung proxy): read timeout, no hang
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    try:
        opts = _fast_fail(base_options, f"127.0.0.1:{silent.getsockname()[1]}")
        t0 = time.monotonic()
        with pytest.raises(StoreError, match="unreachable"):
            open_store("s3://vigil-outage", opts)
        assert time.monotonic() - t0 < 10
    finally:
        silent.close()


def test_server_stopped_mid_session(
    base_options: StoreOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SeaweedServer()
    info = server.start()
    try:
        monkeypatch.setenv("VIGIL_S3_ACCESS_KEY", info.access_key)
        monkeypatch.setenv("VIGIL_S3_SECRET_KEY", info.secret_key)
        store = open_store("s3://vigil-stop", _fast_fail(base_options, info.endpoint))
        store.put_bytes("documents/a.json", b"{}")
        store.check()
    finally:
        server.stop()
    for op in (
        lambda: store.get_bytes("documents/a.json"),
        lambda: store.put_bytes("documents/b.json", b"{}"),
        lambda: list(store.list("documents/")),
        lambda: store.stat("documents/a.json"),
        store.check,
    ):
        t0 = time.monotonic()
        with pytest.raises(StoreError, match="unreachable"):
            op()
        assert time.monotonic() - t0 < 5
