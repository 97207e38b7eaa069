"""Triage queue, evidence view, decisions, rule metrics and the audit chain, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from pipeline.store import document_key
from tests.utils.api_factories import UNIT_A, UNIT_B, ApiHarness, seed

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(api: ApiHarness) -> dict[str, str]:
    ids = {}
    ids["high_a"], _ = seed(
        api,
        name="high_a",
        unit=UNIT_A,
        source="bodycam",
        risk="high",
        risk_score=3.0,
        flags=[("SPEECH_THREAT", "high"), ("MISSING_SELF_ID", "medium")],
        recorded_at=T0 + timedelta(hours=1),
    )
    ids["med_a"], _ = seed(
        api,
        name="med_a",
        unit=UNIT_A,
        source="counter",
        risk="medium",
        risk_score=1.5,
        flags=[("MISSING_RECEIPT", "medium")],
        recorded_at=T0 + timedelta(hours=2),
    )
    ids["low_a"], _ = seed(
        api,
        name="low_a",
        unit=UNIT_A,
        source="phone",
        risk="low",
        flags=[],
        recorded_at=T0 + timedelta(hours=3),
    )
    ids["high_b"], _ = seed(
        api,
        name="high_b",
        unit=UNIT_B,
        source="counter",
        risk="high",
        risk_score=2.0,
        flags=[("SPEECH_PROFANITY", "high")],
        recorded_at=T0,
    )
    ids["med_b"], _ = seed(
        api,
        name="med_b",
        unit=UNIT_B,
        source="bodycam",
        risk="medium",
        flags=[("SPEECH_IMPATIENT", "low")],
        recorded_at=T0 + timedelta(days=3),
    )
    return ids


def _ids(api: ApiHarness, who: str, **params: object) -> list[str]:
    r = api.client.get("/incidents", params=params, headers=api.headers[who])
    assert r.status_code == 200, r.text
    return [row["id"] for row in r.json()["data"]]


def test_queue_sorted_by_risk_then_severity(api: ApiHarness, seeded: dict[str, str]) -> None:
    got = _ids(api, "reviewer")
    # risk high first (newest first among equal risk and severity), then medium, then low
    assert got == [
        seeded["high_a"],
        seeded["high_b"],
        seeded["med_a"],
        seeded["med_b"],
        seeded["low_a"],
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"unit": UNIT_B}, ["high_b", "med_b"]),
        ({"source": "bodycam"}, ["high_a", "med_b"]),
        ({"flag": "MISSING_RECEIPT"}, ["med_a"]),
        ({"flag": "SPEECH_THREAT", "unit": UNIT_B}, []),
        ({"severity": "high"}, ["high_a", "high_b"]),
        ({"severity": "medium"}, ["high_a", "high_b", "med_a"]),
        ({"risk_level": "medium"}, ["med_a", "med_b"]),
        ({"review_status": "clear"}, ["low_a"]),
        (
            {
                "recorded_from": (T0 + timedelta(minutes=90)).isoformat(),
                "recorded_to": (T0 + timedelta(days=1)).isoformat(),
            },
            ["med_a", "low_a"],
        ),
    ],
)
def test_queue_filters(
    api: ApiHarness, seeded: dict[str, str], params: dict[str, str], expected: list[str]
) -> None:
    assert _ids(api, "reviewer", **params) == [seeded[n] for n in expected]


def test_cursor_pagination_walks_the_whole_queue(api: ApiHarness, seeded: dict[str, str]) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.client.get("/incidents", params=params, headers=api.headers["admin"]).json()
        seen += [row["id"] for row in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == _ids(api, "admin") and len(seen) == 5
    r = api.client.get("/incidents", params={"cursor": "garbage!"}, headers=api.headers["admin"])
    assert r.status_code == 400 and r.json()["detail"] == "invalid cursor"


def test_chief_sees_only_own_unit(api: ApiHarness, seeded: dict[str, str]) -> None:
    assert set(_ids(api, "chief_a")) == {seeded["high_a"], seeded["med_a"], seeded["low_a"]}
    r = api.client.get("/incidents", params={"unit": UNIT_B}, headers=api.headers["chief_a"])
    assert r.status_code == 403 and r.json()["detail"] == "unit not permitted"
    r = api.client.get(f"/incidents/{seeded['high_b']}", headers=api.headers["chief_a"])
    assert r.status_code == 404 and r.json()["detail"] == "incident not found"


def test_detail_has_evidence_and_playable_media(api: ApiHarness, seeded: dict[str, str]) -> None:
    # give the recording real media, then read the detail
    media = b"RIFF" + b"\x00" * 4 + b"WAVEfmt " + b"\x01" * 100
    api.store.put_bytes("raw/2026-03/high_a.wav", media, content_type="audio/wav")
    with api.ctx.db.session() as s:
        s.execute(
            text("UPDATE recordings SET media_key = 'raw/2026-03/high_a.wav' WHERE id = :i"),
            {"i": _db_id(api, seeded["high_a"])},
        )
        s.commit()
    r = api.client.get(f"/incidents/{seeded['high_a']}", headers=api.headers["reviewer"])
    assert r.status_code == 200, r.text
    d = r.json()
    assert [seg["role"] for seg in d["transcript"]] == ["officer", "party"]
    assert d["risk"]["level"] == "high"
    assert d["summary"]["cause"]["text"] == "电动车被盗"
    assert [f["code"] for f in d["flags"]] == ["SPEECH_THREAT", "MISSING_SELF_ID"]
    f0 = d["flags"][0]
    assert f0["evidence"] == {"pattern": "speech_threat"} and f0["quote"]
    assert f0["media_url"].endswith(f"#t={f0['start']:.3f}")
    parts = urlsplit(f0["media_url"])
    url, mine = f"{parts.path}?{parts.query}", api.headers["reviewer"]
    got = api.client.get(url, headers=mine)
    assert got.status_code == 200 and got.content == media
    assert got.headers["accept-ranges"] == "bytes"
    part = api.client.get(url, headers={**mine, "Range": "bytes=4-11"})
    assert part.status_code == 206 and part.content == media[4:12]
    assert part.headers["content-range"] == f"bytes 4-11/{len(media)}"
    tail = api.client.get(url, headers={**mine, "Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == media[-10:]
    bad = api.client.get(url, headers={**mine, "Range": "bytes=9999-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{len(media)}"
    with api.ctx.db.session() as s:
        actor, action = s.execute(
            text("SELECT actor, action FROM audit_events ORDER BY seq DESC LIMIT 1")
        ).one()
    assert (actor, action) == ("reviewer", "media.read")  # audited as the authenticated caller
    # the URL is bound to the reviewer: useless anonymously or in anyone else's hands
    assert api.client.get(url).status_code == 401
    assert api.client.get(url, headers=api.headers["admin"]).status_code == 403
    assert api.client.get(url, headers=api.headers["chief_a"]).status_code == 403
    tampered = parts.query.replace("signature=", "signature=0")[:-1]
    assert api.client.get(f"{parts.path}?{tampered}", headers=mine).status_code == 403
    other_user = parts.query.replace("user=reviewer", "user=admin")
    assert (
        api.client.get(f"{parts.path}?{other_user}", headers=api.headers["admin"]).status_code
        == 403
    )
    assert api.client.get(f"{parts.path}", headers=mine).status_code == 422


def _db_id(api: ApiHarness, rid: str) -> object:
    import uuid

    u = uuid.UUID(rid)
    return u.hex if api.dialect == "sqlite" else u


def test_decisions_append_and_feed_metrics(api: ApiHarness, seeded: dict[str, str]) -> None:
    detail = api.client.get(
        f"/incidents/{seeded['high_a']}", headers=api.headers["reviewer"]
    ).json()
    threat, self_id = (f["id"] for f in detail["flags"])
    doc_key = document_key(detail["recording"]["analysis_id"])
    before = api.store.get_bytes(doc_key)

    post = api.client.post
    h = api.headers["reviewer"]
    r = post(f"/flags/{threat}/decision", json={"verdict": "dismiss"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"] == "dismiss needs a reason_code"
    r = post(
        f"/flags/{threat}/decision", json={"verdict": "dismiss", "reason_code": "nope"}, headers=h
    )
    assert r.status_code == 422
    r = post(
        f"/flags/{threat}/decision",
        json={"verdict": "confirm", "reason_code": "asr_error"},
        headers=h,
    )
    assert r.status_code == 422 and r.json()["detail"] == "reason_code is only for dismiss"

    r = post(
        f"/flags/{threat}/decision",
        json={"verdict": "dismiss", "reason_code": "asr_error", "comment": "听错了"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    r = post(
        f"/flags/{threat}/decision",
        json={"verdict": "confirm", "comment": "复听确认"},
        headers=api.headers["chief_a"],
    )
    assert r.status_code == 201
    r = post(f"/flags/{self_id}/decision", json={"verdict": "escalate"}, headers=h)
    assert r.status_code == 201

    detail = api.client.get(f"/incidents/{seeded['high_a']}", headers=h).json()
    flag = detail["flags"][0]
    assert [d["verdict"] for d in flag["decisions"]] == ["dismiss", "confirm"]  # both kept
    assert flag["latest_verdict"] == "confirm"
    assert detail["review_status"] == "escalated"
    assert api.store.get_bytes(doc_key) == before  # verdicts never touch the analysis

    # the other unit's chief cannot decide here
    r = post(
        f"/flags/{threat}/decision", json={"verdict": "confirm"}, headers=api.headers["chief_b"]
    )
    assert r.status_code == 404

    b = api.client.get(f"/incidents/{seeded['high_b']}", headers=h).json()["flags"][0]["id"]
    assert (
        post(
            f"/flags/{b}/decision",
            json={"verdict": "dismiss", "reason_code": "context_lawful"},
            headers=h,
        ).status_code
        == 201
    )

    m = api.client.get("/metrics/rules", params={"window": "day"}, headers=h)
    assert m.status_code == 200, m.text
    rows = {row["rule_id"]: row for row in m.json()["data"]}
    assert rows["rule.speech_threat"]["confirmed"] == 1  # latest verdict per flag counts
    assert rows["rule.speech_threat"]["dismissed"] == 0
    assert rows["rule.speech_threat"]["precision"] == 1.0
    assert rows["rule.missing_self_id"]["escalated"] == 1
    assert rows["rule.missing_self_id"]["precision"] is None
    assert rows["rule.speech_profanity"]["precision"] == 0.0
    # a chief's metrics cover only their unit's decisions
    mine = api.client.get("/metrics/rules", headers=api.headers["chief_a"]).json()["data"]
    assert "rule.speech_profanity" not in {row["rule_id"] for row in mine}
    bad = api.client.get(
        "/metrics/rules",
        params={"since": "2026-03-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"},
        headers=h,
    )
    assert bad.status_code == 422


def test_audit_chain_records_reads_and_detects_tampering(
    api: ApiHarness, seeded: dict[str, str]
) -> None:
    api.client.get(f"/incidents/{seeded['med_a']}", headers=api.headers["chief_a"])
    with api.ctx.db.session() as s:
        row = s.execute(
            text("SELECT actor, action, resource, ip FROM audit_events ORDER BY seq DESC LIMIT 1")
        ).one()
    assert tuple(row) == ("chief_a", "incident.read", f"incidents/{seeded['med_a']}", "testclient")

    r = api.client.get("/audit/verify", headers=api.headers["admin"])
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["events"] > 10
    assert api.client.get("/audit/verify", headers=api.headers["reviewer"]).status_code == 403

    # the database itself refuses edits of the log and of decisions
    with api.ctx.db.session() as s, pytest.raises(Exception, match="append-only"):
        s.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3"))
    with api.ctx.db.session() as s, pytest.raises(Exception, match="append-only"):
        s.execute(text("DELETE FROM decisions"))

    # someone with DDL rights disables the guard and edits an old event: verify names it
    _without_guard(api, "UPDATE audit_events SET actor = 'mallory' WHERE seq = 3")
    r = api.client.get("/audit/verify", headers=api.headers["admin"]).json()
    assert r["ok"] is False and r["first_bad_seq"] == 3
    assert r["reason"] == "event content does not match its hash"


def _without_guard(api: ApiHarness, sql: str) -> None:
    with api.ctx.db.engine.begin() as conn:
        if api.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER audit_events_no_update"))
            conn.execute(text(sql))
        else:
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            conn.execute(text(sql))
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
