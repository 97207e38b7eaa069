"""Intake: streamed uploads, registration of stored objects, sniffing, limits, case-record import and
linking (by incident id, by officer and time window, relinked when a late record arrives)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from api.models import Recording
from pipeline.store import sanitize_key
from tests.utils.api_factories import UNIT_A, ApiHarness, wav_bytes
from tests.utils.asgi import post_chunks

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _form(**over: str) -> dict[str, str]:
    data = {
        "source": "counter",
        "unit": UNIT_A,
        "officer": "P1001",
        "recorded_at": T0.isoformat(),
    }
    data.update(over)
    return data


def test_upload_streams_into_store_and_queues(api: ApiHarness) -> None:
    body = wav_bytes(0.5, seed=1)
    r = api.client.post(
        "/recordings",
        data=_form(),
        files={"file": ("../../etc/passwd evil.wav", body, "audio/wav")},
        headers=api.headers["ingest_key"],
    )
    assert r.status_code == 201, r.text
    rec = r.json()
    assert rec["status"] == "queued"
    assert r.headers["location"] == f"/recordings/{rec['id']}"
    key = rec["media_key"]
    assert sanitize_key(key) == key and key.startswith("raw/2026-03/rec-") and ".." not in key
    assert api.store.get_bytes(key) == body
    assert rec["size_bytes"] == len(body)
    # the same bytes again: no second copy, the existing recording comes back
    r2 = api.client.post(
        "/recordings",
        data=_form(),
        files={"file": ("x.wav", body, "audio/wav")},
        headers=api.headers["ingest"],
    )
    assert r2.status_code == 200 and r2.json()["id"] == rec["id"]


def test_text_named_mp4_is_refused(api: ApiHarness) -> None:
    r = api.client.post(
        "/recordings",
        data=_form(),
        files={"file": ("clip.mp4", "这不是视频，只是文字。\n" * 50, "video/mp4")},
        headers=api.headers["ingest"],
    )
    assert r.status_code == 415
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "content is not a supported audio or video container"


def test_upload_size_limit(api: ApiHarness) -> None:
    limit = api.ctx.settings.MAX_UPLOAD_BYTES
    big = b"RIFF\x00\x00\x00\x00WAVEfmt " + b"\x00" * limit
    r = api.client.post(
        "/recordings",
        data=_form(),
        files={"file": ("big.wav", big, "audio/wav")},
        headers=api.headers["ingest"],
    )
    assert r.status_code == 413
    assert r.json()["status"] == 413
    with api.ctx.db.session() as s:
        assert s.scalar(select(Recording).where(Recording.filename == "big.wav")) is None


def test_chunked_upload_without_length_is_cut_off(api: ApiHarness) -> None:
    """Driven at the ASGI level to count how much of the body the server actually pulled."""
    limit = api.ctx.settings.MAX_UPLOAD_BYTES
    mib = 1 << 20
    head = b'--xx\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n'
    chunks = [head + b"RIFF\x00\x00\x00\x00WAVEfmt "] + [b"\x00" * mib] * (4 * limit // mib)
    token = api.headers["ingest"]["Authorization"].encode()
    headers = [
        (b"content-type", b"multipart/form-data; boundary=xx"),
        (b"authorization", token),
        (b"transfer-encoding", b"chunked"),
    ]
    status, pulled = post_chunks(api.client.app, "/recordings", headers, chunks)
    assert status == 413
    assert pulled * mib < limit + 3 * mib  # stopped at the limit, not after all 4x of it


def test_register_object_already_in_store(api: ApiHarness) -> None:
    body = wav_bytes(0.3, seed=2)
    api.store.put_bytes("raw/2026-03/cam7-0001.wav", body, content_type="audio/wav")
    r = api.client.post(
        "/recordings",
        data=_form(media_key="raw/2026-03/cam7-0001.wav"),
        headers=api.headers["ingest"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["media_key"] == "raw/2026-03/cam7-0001.wav"
    for bad, status in [("../secrets.wav", 422), ("/etc/passwd", 422), ("raw/none.wav", 404)]:
        r = api.client.post("/recordings", data=_form(media_key=bad), headers=api.headers["ingest"])
        assert r.status_code == status, (bad, r.text)
    api.store.put_bytes("raw/2026-03/notes.mp4", b"hello, not a video " * 40)
    r = api.client.post(
        "/recordings", data=_form(media_key="raw/2026-03/notes.mp4"), headers=api.headers["ingest"]
    )
    assert r.status_code == 415


def test_exactly_one_of_file_or_key(api: ApiHarness) -> None:
    r = api.client.post("/recordings", data=_form(), headers=api.headers["ingest"])
    assert r.status_code == 422
    assert r.json()["detail"] == "send exactly one of file or media_key"
    r = api.client.post(
        "/recordings",
        data=_form(recorded_at="2026-03-02T09:30:00"),  # no offset
        files={"file": ("a.wav", wav_bytes(0.2, seed=3), "audio/wav")},
        headers=api.headers["ingest"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "recorded_at"


def _upload(api: ApiHarness, seed: int, **over: str) -> dict[str, object]:
    r = api.client.post(
        "/recordings",
        data=_form(**over),
        files={"file": (f"s{seed}.wav", wav_bytes(0.2, seed=seed), "audio/wav")},
        headers=api.headers["ingest"],
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_import_and_linking(api: ApiHarness) -> None:
    declared = _upload(api, 10, officer="P2001", incident_id="LINK-0001")
    windowed = _upload(
        api, 11, officer="P2002", recorded_at=(T0 + timedelta(minutes=10)).isoformat()
    )
    far = _upload(api, 12, officer="P2002", recorded_at=(T0 + timedelta(hours=5)).isoformat())
    assert declared["incident_id"] is None  # the record has not arrived yet

    records = [
        {
            "incident_id": "LINK-0001",
            "unit": UNIT_A,
            "officer_id": "P2001",
            "recorded_category": "theft",
            "recorded_disposition": "case_accepted",
            "recorded_at": T0.isoformat(),
            "caller_id": "C-1",
        },
        {
            "incident_id": "LINK-0002",
            "unit": UNIT_A,
            "officer_id": "P2002",
            "recorded_category": "dispute",
            "recorded_disposition": "mediated",
            "recorded_at": T0.isoformat(),
        },
    ]
    r = api.client.post("/incidents:import", json=records, headers=api.headers["ingest"])
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 0, "relinked": 2}

    def linked(rec: dict[str, object]) -> tuple[object, object]:
        got = api.client.get(f"/recordings/{rec['id']}", headers=api.headers["admin"]).json()
        return got["incident_id"], got["link_method"]

    assert linked(declared) == ("LINK-0001", "declared")
    assert linked(windowed) == ("LINK-0002", "window")
    assert linked(far) == (None, None)

    # a late, closer record (CSV this time) relinks the far recording
    csv = (
        "incident_id,unit,officer_id,recorded_category,recorded_disposition,recorded_at,caller_id\n"
        f"LINK-0003,{UNIT_A},P2002,noise,advised,{(T0 + timedelta(hours=5, minutes=3)).isoformat()},\n"
    )
    r = api.client.post(
        "/incidents:import",
        content=csv.encode(),
        headers={**api.headers["ingest"], "Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1 and r.json()["relinked"] == 1
    assert linked(far) == ("LINK-0003", "window")
    assert linked(windowed) == ("LINK-0002", "window")
    # re-importing updates, never duplicates
    r = api.client.post("/incidents:import", json=records[:1], headers=api.headers["ingest"])
    assert r.json() == {"created": 0, "updated": 1, "relinked": 0}


def test_import_bad_input(api: ApiHarness) -> None:
    h = api.headers["ingest"]
    cases = [
        (b"{not json", "application/json", 422),
        (b"[]", "application/json", 422),
        (b'[{"unit": "x"}]', "application/json", 422),
        (b'[{"incident_id": "A", "recorded_at": "yesterday"}]', "application/json", 422),
        (b'[{"incident_id": "A"}, {"incident_id": "A"}]', "application/json", 422),
        (b"\xff\xfe\x00", "text/csv", 422),
        (b"<xml/>", "application/xml", 415),
    ]
    for body, ctype, status in cases:
        r = api.client.post("/incidents:import", content=body, headers={**h, "Content-Type": ctype})
        assert r.status_code == status, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
