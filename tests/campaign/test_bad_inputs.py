"""The bad-input corpus: every input issue 14 found giving a 500, and more, against a served app on
SQLite and PostgreSQL. Each must get a 4xx (or a documented 503) as problem+json, leak nothing
about another unit, and be counted in the request metrics."""

from __future__ import annotations

import base64
import itertools
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import text

from pipeline.store import document_key
from tests.campaign.conftest import Tally
from tests.utils.api_factories import UNIT_A, UNIT_B, ApiHarness, seed, wav_bytes
from tests.utils.asgi import post_chunks

FORM = {"source": "phone", "unit": UNIT_A, "officer": "P1", "recorded_at": "2026-03-02T09:30:00Z"}
SECRET_TEXT = "我的电动车被偷了"  # a transcript line of unit A's incident: must never reach chief_b


def _cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def _post_json(path: str, raw: bytes, who: str = "ingest") -> Callable[[ApiHarness], Response]:
    return lambda h: h.client.post(
        path, content=raw, headers={**h.headers[who], "Content-Type": "application/json"}
    )


def _import_csv(raw: bytes) -> Callable[[ApiHarness], Response]:
    return lambda h: h.client.post(
        "/incidents:import",
        content=raw,
        headers={**h.headers["ingest"], "Content-Type": "text/csv"},
    )


def _register(**over: str) -> Callable[[ApiHarness], Response]:
    return lambda h: h.client.post(
        "/recordings", data={**FORM, **over}, headers=h.headers["ingest"]
    )


def _upload(name: str, body: bytes, **over: str) -> Callable[[ApiHarness], Response]:
    return lambda h: h.client.post(
        "/recordings",
        data={**FORM, **over},
        files={"file": (name, body, "application/octet-stream")},
        headers=h.headers["ingest"],
    )


def _raw_upload(body: bytes, ctype: str) -> Callable[[ApiHarness], Response]:
    return lambda h: h.client.post(
        "/recordings", content=body, headers={**h.headers["ingest"], "Content-Type": ctype}
    )


def _get(path: str, who: str = "reviewer", **params: Any) -> Callable[[ApiHarness], Response]:
    return lambda h: h.client.get(path, params=params or None, headers=h.headers[who])


def _part(name: str, value: str) -> bytes:
    return f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()


MULTIPART = "multipart/form-data; boundary=b"
FIELDS = b"".join(_part(k, v) for k, v in FORM.items())
CSV_HEAD = b"incident_id,unit,recorded_at\n"

# (name, request, allowed statuses)
CASES: list[tuple[str, Callable[[ApiHarness], Response], set[int]]] = [
    # -- registration and upload
    (
        "media_key under the store's internal prefix",
        _register(media_key=".vigil/meta/raw/a.wav"),
        {422},
    ),
    ("media_key of a document", _register(media_key="documents/rec-x.json"), {422}),
    ("media_key of a batch marker", _register(media_key="index/raw/0.json"), {422}),
    ("media_key escaping the root", _register(media_key="../../etc/passwd"), {422}),
    ("absolute media_key", _register(media_key="/etc/passwd"), {422}),
    ("media_key with an empty segment", _register(media_key="raw//a.wav"), {422}),
    ("media_key with a NUL", _register(media_key="raw/a\x00.wav"), {422}),
    ("media_key of 2000 characters", _register(media_key="raw/" + "a" * 2000), {422}),
    ("media_key not in the store", _register(media_key="raw/2026-03/absent.wav"), {404}),
    (
        "year 0001 with an offset",
        _register(media_key="raw/x.wav", recorded_at="0001-01-01T00:00:00+01:00"),
        {422},
    ),
    (
        "year 9999 with an offset",
        _register(media_key="raw/x.wav", recorded_at="9999-12-31T23:59:59-01:00"),
        {422},
    ),
    (
        "recorded_at without a zone",
        _register(media_key="raw/x.wav", recorded_at="2026-03-02T09:30:00"),
        {422},
    ),
    ("recorded_at not a time", _register(media_key="raw/x.wav", recorded_at="yesterday"), {422}),
    ("unit with a NUL byte", _register(media_key="raw/x.wav", unit="A\x00B"), {422}),
    ("unit with a newline", _register(media_key="raw/x.wav", unit="A\nB"), {422}),
    ("unknown source", _register(media_key="raw/x.wav", source="cctv"), {422}),
    ("unknown form field", _register(media_key="raw/x.wav", priority="high"), {422}),
    ("neither file nor key", _register(), {422}),
    ("text named .mp4", _upload("clip.mp4", "这不是视频。\n".encode() * 200), {415}),
    ("empty file", _upload("a.wav", b""), {415}),
    ("12 bytes of nothing", _upload("a.wav", b"\0" * 12), {415}),
    (
        "corrupt mp4 container",
        _upload("b.mp4", b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom" + bytes(range(256)) * 8),
        {422},
    ),
    ("RIFF header of a truncated WAV", _upload("t.wav", wav_bytes(0.5, seed=77)[:600]), {422}),
    (
        "upload with a naive time",
        _upload("a.wav", wav_bytes(0.2, seed=78), recorded_at="2026-03-02T09:30:00"),
        {422},
    ),
    ("form that is JSON", _raw_upload(b'{"source": "phone"}', "application/json"), {415}),
    ("multipart without a boundary", _raw_upload(FIELDS, "multipart/form-data"), {415}),
    (
        "multipart garbage",
        _raw_upload(b"--b\r\nnot a header line at all\r\n\r\n--x--", MULTIPART),
        {400, 422},
    ),
    (
        "multipart cut inside the file",
        _raw_upload(
            FIELDS
            + b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF',
            MULTIPART,
        ),
        {400},
    ),
    (
        "two files",
        _raw_upload(
            b"".join(
                b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
                + wav_bytes(0.1, seed=s)
                + b"\r\n"
                for s in (1, 2)
            )
            + b"--b--\r\n",
            MULTIPART,
        ),
        {422},
    ),
    (
        "a form field of 8 KiB",
        _raw_upload(_part("officer", "x" * 8192) + b"--b--\r\n", MULTIPART),
        {422},
    ),
    (
        "forty form fields",
        _raw_upload(b"".join(_part(f"f{i}", "x") for i in range(40)) + b"--b--\r\n", MULTIPART),
        {422},
    ),
    (
        "a field repeated",
        _raw_upload(FIELDS + _part("unit", UNIT_B) + b"--b--\r\n", MULTIPART),
        {422},
    ),
    (
        "urlencoded form that is not UTF-8",
        _raw_upload(b"unit=%ff%fe&source=phone", "application/x-www-form-urlencoded"),
        {422},
    ),
    # -- case-record import
    ("JSON nested 100k deep", _post_json("/incidents:import", _deep(100_000)), {422}),
    (
        "JSON nested 5k deep inside a record",
        _post_json("/incidents:import", b'[{"incident_id": "D", "x": ' + _deep(5000) + b"}]"),
        {422},
    ),
    (
        "a nested extra field",
        _post_json("/incidents:import", b'[{"incident_id": "D", "x": {"y": 1}}]'),
        {422},
    ),
    (
        "NaN in a record",
        _post_json("/incidents:import", b'[{"incident_id": "D", "x": NaN}]'),
        {422},
    ),
    (
        "1e400 in a record",
        _post_json("/incidents:import", b'[{"incident_id": "D", "x": 1e400}]'),
        {422},
    ),
    (
        "record time in year 0001",
        _post_json(
            "/incidents:import",
            b'[{"incident_id": "D", "recorded_at": "0001-01-01T00:00:00+01:00"}]',
        ),
        {422},
    ),
    (
        "record time in year 9999",
        _post_json(
            "/incidents:import",
            b'[{"incident_id": "D", "recorded_at": "9999-12-31T23:59:59-01:00"}]',
        ),
        {422},
    ),
    (
        "incident id with a NUL",
        _post_json("/incidents:import", b'[{"incident_id": "D\\u0000"}]'),
        {422},
    ),
    (
        "lone surrogate in an extra field",
        _post_json("/incidents:import", b'[{"incident_id": "D", "n": "\\ud800"}]'),
        {422},
    ),
    ("records not a list", _post_json("/incidents:import", b'{"records": "x"}'), {422}),
    ("empty body", _post_json("/incidents:import", b""), {422}),
    ("not UTF-8", _post_json("/incidents:import", b"\xff\xfe[]"), {422}),
    ("CSV field over 128 KiB", _import_csv(CSV_HEAD + b"A," + b"x" * (200 * 1024) + b",\n"), {422}),
    ("CSV with a NUL byte", _import_csv(CSV_HEAD + b"A\0,u,\n"), {422}),
    (
        "CSV with a year-0001 time",
        _import_csv(CSV_HEAD + b"A,u,0001-01-01T00:00:00+01:00\n"),
        {422},
    ),
    ("CSV with an unterminated quote", _import_csv(CSV_HEAD + b'"A,u,\n'), {200, 422}),
    (
        "XML",
        lambda h: h.client.post(
            "/incidents:import",
            content=b"<a/>",
            headers={**h.headers["ingest"], "Content-Type": "application/xml"},
        ),
        {415},
    ),
    # -- the queue
    (
        "cursor holding 1e400",
        _get(
            "/incidents", cursor=_cursor([1e400, 0, "2026-03-02T09:30:00+00:00", str(uuid.uuid4())])
        ),
        {400},
    ),
    (
        "cursor with a boolean rank",
        _get(
            "/incidents", cursor=_cursor([True, 0, "2026-03-02T09:30:00+00:00", str(uuid.uuid4())])
        ),
        {400},
    ),
    (
        "cursor with a year-0001 offset time",
        _get("/incidents", cursor=_cursor([1, 1, "0001-01-01T00:00:00+01:00", str(uuid.uuid4())])),
        {400},
    ),
    (
        "cursor with a naive time",
        _get("/incidents", cursor=_cursor([1, 1, "2026-03-02T09:30:00", str(uuid.uuid4())])),
        {400},
    ),
    ("cursor of garbage", _get("/incidents", cursor="%%%not-base64"), {400}),
    ("cursor of JSON null", _get("/incidents", cursor=_cursor(None)), {400}),  # type: ignore[arg-type]
    (
        "recorded_from year 0001 with offset",
        _get("/incidents", recorded_from="0001-01-01T00:00:00+01:00"),
        {422},
    ),
    (
        "recorded_to year 9999 with offset",
        _get("/incidents", recorded_to="9999-12-31T23:59:59-01:00"),
        {422},
    ),
    ("unknown filter flag_code", _get("/incidents", flag_code="SPEECH_THREAT"), {422}),
    ("empty flag filter", _get("/incidents", flag=""), {422}),
    ("limit 0", _get("/incidents", limit=0), {422}),
    ("limit 1e3", _get("/incidents", limit="1e3"), {422}),
    ("limit 10^30", _get("/incidents", limit=10**30), {200}),
    ("unit with a NUL", _get("/incidents", unit="A\x00"), {422}),
    ("status bogus", _get("/incidents", status="bogus"), {422}),
    ("metrics since year 0001", _get("/metrics/rules", since="0001-01-01T00:00:00+01:00"), {422}),
    ("metrics window year", _get("/metrics/rules", window="year"), {422}),
    (
        "metrics since after until",
        _get("/metrics/rules", since="2026-03-02T00:00:00Z", until="2026-01-01T00:00:00Z"),
        {422},
    ),
    ("incident id not a UUID", _get("/incidents/not-a-uuid"), {422}),
    ("incident that does not exist", _get(f"/incidents/{uuid.uuid4()}"), {404}),
    # -- decisions
    (
        "decision on a missing flag",
        _post_json(f"/flags/{uuid.uuid4()}/decision", b'{"verdict": "confirm"}', "reviewer"),
        {404},
    ),
    (
        "decision nested 100k deep",
        _post_json(f"/flags/{uuid.uuid4()}/decision", _deep(100_000), "reviewer"),
        {400, 422},
    ),
    (
        "decision body not JSON",
        _post_json(f"/flags/{uuid.uuid4()}/decision", b"verdict=confirm", "reviewer"),
        {422},
    ),
    # -- login and users
    (
        "login with JSON",
        lambda h: h.client.post("/login/access-token", json={"username": "a", "password": "b"}),
        {415},
    ),
    (
        "login user name with a NUL",
        lambda h: h.client.post(
            "/login/access-token", data={"username": "adm\x00in", "password": "x"}
        ),
        {401},
    ),
    (
        "login user name of 10 KB",
        lambda h: h.client.post(
            "/login/access-token", data={"username": "a" * 10_000, "password": "x"}
        ),
        {401},
    ),
    (
        "login without password",
        lambda h: h.client.post("/login/access-token", data={"username": "admin"}),
        {422},
    ),
    (
        "user with a NUL unit",
        _post_json(
            "/users",
            b'{"username": "nul1", "password": "long-enough-pw", "role": "chief", "unit": "A\\u0000"}',
            "admin",
        ),
        {422},
    ),
    (
        "user with a lone surrogate password",
        _post_json(
            "/users",
            b'{"username": "sur1", "password": "long\\ud800enough", "role": "reviewer"}',
            "admin",
        ),
        {422},
    ),
    # -- media
    ("media without a signature", _get("/media/raw/x.wav"), {422}),
    (
        "media with a non-hex signature",
        _get("/media/raw/x.wav", expires=1, user="reviewer", signature="zz"),
        {422},
    ),
    (
        "media with a huge expiry",
        _get("/media/raw/x.wav", expires=2**60, user="reviewer", signature="0" * 64),
        {422},
    ),
]


@pytest.mark.parametrize("name, call, allowed", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_4xx(
    served: ApiHarness,
    tally: Tally,
    name: str,
    call: Callable[[ApiHarness], Response],
    allowed: set[int],
) -> None:
    if name.startswith("year") or "recorded_at" in name or "unit with" in name:
        served.store.put_bytes("raw/x.wav", wav_bytes(0.2, seed=5), content_type="audio/wav")
    r = call(served)
    tally.inputs += 1
    if r.status_code >= 500:
        tally.server_errors += 1
    assert r.status_code in allowed, (name, r.status_code, r.text[:300])
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), name
        assert r.json()["status"] == r.status_code and r.json()["detail"]
        assert "Traceback" not in r.text and "/tmp/" not in r.text


def test_damaged_documents_are_409_not_5xx(served: ApiHarness, tally: Tally) -> None:
    for how in ("deleted", "truncated", "not JSON"):
        rid, doc = seed(served, name=f"damaged-{how}-{uuid.uuid4().hex[:6]}", unit=UNIT_A)
        key = document_key(doc.recording_id)
        if how == "deleted":
            served.store.delete(key)
        else:
            raw = served.store.get_bytes(key)
            served.store.put_bytes(key, raw[: len(raw) // 2] if how == "truncated" else b"\0\1")
        for _ in range(2):  # and it stays a clear answer, not 503 for ever
            r = served.client.get(f"/incidents/{rid}", headers=served.headers["reviewer"])
            tally.inputs += 1
            assert r.status_code == 409 and "reprocess" in r.json()["detail"], r.text


def test_declared_length_is_refused_before_reading(served: ApiHarness, tally: Tally) -> None:
    """Content-Length 10^12: answered 413 without a single receive() of the body."""
    token = served.headers["ingest"]["Authorization"].encode()
    for path in ("/incidents:import", "/recordings"):
        headers = [
            (b"content-type", b"application/json"),
            (b"authorization", token),
            (b"content-length", str(10**12).encode()),
        ]
        endless = itertools.repeat(b"[" * 65536)
        status, pulled = post_chunks(served.client.app, path, headers, endless)
        tally.inputs += 1
        assert status == 413 and pulled == 0, (path, status, pulled)


def test_non_media_is_refused_after_its_first_bytes(served: ApiHarness, tally: Tally) -> None:
    """A 3 MiB text upload, streamed: refused once the first 512 bytes are in, not at the limit."""
    token = served.headers["ingest"]["Authorization"].encode()
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n'
    chunks = [head + b"plain text, not a video\n" * 40] + [b"more text\n" * 6554] * 48
    headers = [(b"content-type", MULTIPART.encode()), (b"authorization", token)]
    status, pulled = post_chunks(served.client.app, "/recordings", headers, chunks)
    tally.inputs += 1
    assert status == 415
    assert pulled == 1, f"read {pulled} chunks of {len(chunks)} before refusing"
    spool = served.ctx.scratch.path
    assert [p.name for p in spool.iterdir()] == [".lock"]  # nothing spooled


def test_other_units_learn_nothing(served: ApiHarness, tally: Tally) -> None:
    rid, doc = seed(
        served, name=f"leak-{uuid.uuid4().hex[:6]}", unit=UNIT_A, flags=[("SPEECH_THREAT", "high")]
    )
    media = f"raw/2026-03/leak-{uuid.uuid4().hex[:6]}.wav"
    served.store.put_bytes(media, wav_bytes(0.3, seed=9), content_type="audio/wav")
    with served.ctx.db.session() as s:
        s.execute(
            text("UPDATE recordings SET media_key = :m WHERE analysis_id = :a"),
            {"m": media, "a": doc.recording_id},
        )
        s.commit()
    detail = served.client.get(f"/incidents/{rid}", headers=served.headers["chief_a"]).json()
    flag = detail["flags"][0]["id"]
    url_a = detail["media_url"]
    b = served.headers["chief_b"]
    probes: list[Response] = [
        served.client.get(f"/incidents/{rid}", headers=b),
        served.client.get(f"/recordings/{rid}", headers=b),
        served.client.get("/incidents", params={"unit": UNIT_A}, headers=b),
        served.client.get("/incidents", headers=b),
        served.client.post(f"/flags/{flag}/decision", json={"verdict": "confirm"}, headers=b),
        served.client.get(url_a, headers=b),
        served.client.get(url_a),
        served.client.get(url_a, headers=served.headers["reviewer"]),
        served.client.post(
            "/recordings",
            data={**FORM, "unit": UNIT_B, "media_key": media},
            headers=served.headers["ingest"],
        ),
    ]
    leaks = 0
    for r in probes:
        tally.inputs += 1
        body = r.text
        if r.status_code < 300 and (SECRET_TEXT in body or rid in body or body[:4] == "RIFF"):
            leaks += 1
    tally.leaks += leaks
    assert leaks == 0, [(r.request.url.path, r.status_code) for r in probes]
    assert [r.status_code for r in probes[:3]] == [404, 404, 403]
    assert rid not in probes[3].text


def test_every_response_is_counted_and_a_real_500_too(served: ApiHarness, tally: Tally) -> None:
    """A row the API cannot render (a status no code path writes) is a genuine 500: it is still
    problem+json and it shows up in the request metrics."""
    rid, _ = seed(served, name=f"bad-row-{uuid.uuid4().hex[:6]}", unit=UNIT_A)
    with served.ctx.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE recordings SET status = 'exploded' WHERE id = :i"),
            {"i": uuid.UUID(rid).hex if served.dialect == "sqlite" else rid},
        )
    r = served.client.get(f"/recordings/{rid}", headers=served.headers["admin"])
    assert r.status_code == 500 and r.headers["content-type"].startswith("application/problem+json")
    metrics = served.client.get("/metrics").text
    line = next(
        ln
        for ln in metrics.splitlines()
        if ln.startswith("vigil_api_requests_total")
        and 'route="/recordings/{recording_id}"' in ln
        and 'status="500"' in ln
    )
    assert float(line.rsplit(" ", 1)[1]) >= 1.0
    with served.ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE recordings SET status = 'done' WHERE status = 'exploded'"))
