"""The reviewer pages over HTTP on both databases: sign-in and its cookie, CSRF on every state change,
roles and unit scope, the queue's filters and counts, verdicts, uploads, and the message catalogue.
(The browser tests in ``test_web_browser.py`` drive the same pages in Chromium.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.crud import WINDOWS
from api.models import AuditEvent, Decision, Recording
from api.web.i18n import Catalogue, catalogue
from api.web.routes.incidents import SUMMARY_FIELDS
from rules.findings import FlagCode, Inference
from tests.utils.api_factories import PASSWORD, UNIT_A, UNIT_B, ApiHarness, seed, wav_bytes

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
WEB = Path(__file__).resolve().parents[2] / "api" / "web"


@pytest.fixture(scope="module")
def seeded(api: ApiHarness) -> dict[str, str]:
    ids = {}
    ids["threat_a"], _ = seed(
        api,
        name="web_threat_a",
        unit=UNIT_A,
        source="bodycam",
        officer="P2001",
        risk="high",
        risk_score=3.0,
        flags=[("SPEECH_THREAT", "high"), ("MISSING_SELF_ID", "medium")],
        recorded_at=T0 + timedelta(days=1),
    )
    ids["receipt_a"], _ = seed(
        api,
        name="web_receipt_a",
        unit=UNIT_A,
        source="counter",
        officer="P2002",
        risk="medium",
        flags=[("MISSING_RECEIPT", "medium")],
        recorded_at=T0 + timedelta(days=3),
    )
    ids["clear_a"], _ = seed(
        api, name="web_clear_a", unit=UNIT_A, flags=[], recorded_at=T0 + timedelta(days=2)
    )
    ids["profanity_b"], _ = seed(
        api,
        name="web_profanity_b",
        unit=UNIT_B,
        officer="P3001",
        risk="high",
        flags=[("SPEECH_PROFANITY", "high")],
        recorded_at=T0 + timedelta(days=1),
    )
    return ids


def browser(api: ApiHarness, base_url: str = "http://127.0.0.1") -> TestClient:
    """A second client on the same app with its own cookie jar (a loopback host by default)."""
    return TestClient(api.client.app, base_url=base_url)


def login_token(client: TestClient) -> str:
    r = client.get("/ui/login")
    assert r.status_code == 200
    m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert m is not None
    return m[1]


def signed_in(api: ApiHarness, username: str) -> TestClient:
    client = browser(api)
    r = client.post(
        "/ui/login",
        data={"username": username, "password": PASSWORD, "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def page_csrf(client: TestClient, path: str = "/ui/metrics") -> str:
    """The session's CSRF token as a page carries it (htmx sends it as a header)."""
    m = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get(path).text)
    assert m is not None
    return m[1]


def audit_count(api: ApiHarness, action: str) -> int:
    with api.ctx.db.session() as s:
        return int(s.scalar(select(func.count()).where(AuditEvent.action == action)) or 0)


def flag_ids(client: TestClient, incident: str) -> list[str]:
    return re.findall(r'data-flag-id="([^"]+)"', client.get(f"/ui/incidents/{incident}").text)


# -- sign-in -------------------------------------------------------------------------------------


def test_front_door_sends_strangers_to_login(api: ApiHarness) -> None:
    client = browser(api)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/login"
    r = client.get("/ui/queue?flag=SPEECH_THREAT", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/ui/login?next=%2Fui%2Fqueue%3Fflag%3DSPEECH_THREAT"
    r = client.get("/ui/queue", headers={"HX-Request": "true"}, follow_redirects=False)
    assert r.status_code == 401 and r.headers["HX-Redirect"].startswith("/ui/login")


def test_session_cookie_is_httponly_strict_and_secure_off_loopback(api: ApiHarness) -> None:
    client = browser(api)
    r = client.post(
        "/ui/login",
        data={"username": "reviewer", "password": PASSWORD, "csrf_token": login_token(client)},
        follow_redirects=False,
    )
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("vigil_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
    remote = browser(api, "http://station.example")
    r = remote.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert token is not None and "Secure" in r.headers["set-cookie"]


def test_login_needs_its_csrf_token_and_failures_are_audited(api: ApiHarness) -> None:
    client = browser(api)
    login_token(client)
    before = audit_count(api, "login")
    r = client.post("/ui/login", data={"username": "reviewer", "password": PASSWORD})
    assert r.status_code == 403
    r = client.post(
        "/ui/login", data={"username": "reviewer", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert r.status_code == 403
    assert audit_count(api, "login") == before
    failed = audit_count(api, "login.failed")
    r = client.post(
        "/ui/login",
        data={
            "username": "reviewer",
            "password": "wrong-password",
            "csrf_token": login_token(client),
        },
    )
    assert r.status_code == 401 and 'id="login-error"' in r.text
    assert audit_count(api, "login.failed") == failed + 1
    assert "vigil_session" not in client.cookies


def test_login_redirect_stays_on_this_site(api: ApiHarness) -> None:
    client = browser(api)
    for target, expected in [
        ("/ui/metrics", "/ui/metrics"),
        ("//evil.example/", "/ui/queue"),
        ("https://evil.example/", "/ui/queue"),
    ]:
        client.cookies.clear()
        r = client.post(
            "/ui/login",
            data={
                "username": "reviewer",
                "password": PASSWORD,
                "csrf_token": login_token(client),
                "next": target,
            },
            follow_redirects=False,
        )
        assert r.headers["location"] == expected


def test_page_session_and_api_token_are_not_interchangeable(api: ApiHarness) -> None:
    client = signed_in(api, "reviewer")
    assert client.get("/ui/queue").status_code == 200
    assert client.get("/incidents").status_code == 401  # the cookie is no API credential
    bearer = api.headers["reviewer"]["Authorization"].split()[1]
    stranger = browser(api)
    stranger.cookies.set("vigil_session", bearer)
    assert stranger.get("/ui/queue", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_on_the_server(api: ApiHarness) -> None:
    client = signed_in(api, "reviewer")
    token = client.cookies["vigil_session"]
    assert client.post("/ui/logout", follow_redirects=False).status_code == 403  # no CSRF token
    r = client.post(
        "/ui/logout", headers={"X-CSRF-Token": page_csrf(client)}, follow_redirects=False
    )
    assert r.status_code == 303
    replay = browser(api)
    replay.cookies.set("vigil_session", token)
    assert replay.get("/ui/queue", follow_redirects=False).status_code == 303


# -- roles and scope -----------------------------------------------------------------------------


def test_roles_open_only_their_pages(api: ApiHarness, seeded: dict[str, str]) -> None:
    ingest = signed_in(api, "ingest")
    assert ingest.get("/ui/queue").status_code == 403
    assert ingest.get(f"/ui/incidents/{seeded['threat_a']}").status_code == 403
    assert ingest.get("/ui/uploads").status_code == 200
    reviewer = signed_in(api, "reviewer")
    assert reviewer.get("/ui/uploads").status_code == 403
    assert "text/html" in reviewer.get("/ui/uploads").headers["content-type"]


def test_chief_sees_only_their_unit(api: ApiHarness, seeded: dict[str, str]) -> None:
    chief = signed_in(api, "chief_b")
    queue = chief.get("/ui/queue").text
    assert seeded["profanity_b"] in queue and seeded["threat_a"] not in queue
    r = chief.get(f"/ui/incidents/{seeded['threat_a']}")
    assert r.status_code == 404 and "transcript" not in r.text
    assert chief.get(f"/ui/incidents/{seeded['profanity_b']}").status_code == 200
    assert chief.get("/ui/queue", params={"unit": UNIT_A}).status_code == 403
    fid = flag_ids(signed_in(api, "reviewer"), seeded["threat_a"])[0]
    r = chief.post(
        f"/ui/flags/{fid}/decision",
        data={"verdict": "confirm"},
        headers={"X-CSRF-Token": page_csrf(chief), "HX-Request": "true"},
    )
    assert r.status_code == 404


# -- the queue -----------------------------------------------------------------------------------


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="queue-row"[^>]*data-id="([^"]+)"', html)


def test_queue_filters_order_and_counts(api: ApiHarness, seeded: dict[str, str]) -> None:
    client = signed_in(api, "reviewer")
    html = client.get("/ui/queue", params={"unit": UNIT_A}).text
    assert rows(html) == [seeded["threat_a"], seeded["receipt_a"], seeded["clear_a"]]
    counts = dict(re.findall(r'id="count-([a-z_]+)">(\d+)<', html))
    assert counts["unreviewed"] == "2" and counts["clear"] == "1"
    cases = [
        ({"flag": "MISSING_RECEIPT"}, [seeded["receipt_a"]]),
        ({"source": "bodycam", "unit": UNIT_A}, [seeded["threat_a"]]),
        ({"officer": "P3001"}, [seeded["profanity_b"]]),
        ({"risk_level": "high", "unit": UNIT_A}, [seeded["threat_a"]]),
        ({"review_status": "clear", "unit": UNIT_A}, [seeded["clear_a"]]),
        ({"unit": UNIT_A, "date_from": "2026-03-04", "date_to": "2026-03-04"}, [seeded["clear_a"]]),
        ({"unit": UNIT_A, "source": "", "flag": ""}, rows(html)),  # blank means "any"
    ]
    for params, expected in cases:
        r = client.get("/ui/queue", params=params)
        assert r.status_code == 200, (params, r.text[:300])
        assert rows(r.text) == expected, params
    partial = client.get("/ui/queue", params={"unit": UNIT_A}, headers={"HX-Target": "queue-view"})
    assert "<html" not in partial.text and rows(partial.text) == rows(html)


def test_queue_pages_by_cursor(
    api: ApiHarness, seeded: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = signed_in(api, "reviewer")
    everything = rows(client.get("/ui/queue").text)
    monkeypatch.setattr(api.ctx.settings, "PAGE_SIZE_DEFAULT", 2)
    seen: list[str] = []
    html = client.get("/ui/queue").text
    assert "回到第一页" not in html
    while True:
        page_rows = rows(html)
        assert 0 < len(page_rows) <= 2
        seen += page_rows
        nxt = re.search(r'<a href="(/ui/queue\?[^"]*cursor=[^"]+)"[^>]*id="next-page"', html)
        if nxt is None:
            break
        html = client.get(nxt[1].replace("&amp;", "&")).text
        assert "回到第一页" in html
    assert seen == everything and len(seen) == 4


def test_queue_refuses_bad_filters(api: ApiHarness) -> None:
    client = signed_in(api, "reviewer")
    for params in ({"risk_level": "extreme"}, {"date_from": "yesterday"}, {"cursor": "garbage"}):
        r = client.get("/ui/queue", params=params)
        assert r.status_code == 400 and "text/html" in r.headers["content-type"], params


def test_next_unreviewed_follows_the_queue(api: ApiHarness, seeded: dict[str, str]) -> None:
    client = signed_in(api, "reviewer")
    r = client.get("/ui/next", params={"unit": UNIT_A}, follow_redirects=False)
    assert r.headers["location"].startswith(f"/ui/incidents/{seeded['threat_a']}?")
    r = client.get(
        "/ui/next", params={"unit": UNIT_A, "skip": seeded["threat_a"]}, follow_redirects=False
    )
    assert r.headers["location"].startswith(f"/ui/incidents/{seeded['receipt_a']}?")
    r = client.get("/ui/next", params={"flag": "RECORDING_INCOMPLETE"}, follow_redirects=False)
    assert "done=1" in r.headers["location"]


# -- verdicts ------------------------------------------------------------------------------------


def decisions_on(api: ApiHarness, fid: str) -> list[Decision]:
    import uuid

    with api.ctx.db.session() as s:
        return list(s.scalars(select(Decision).where(Decision.flag_id == uuid.UUID(fid))))


def test_every_state_change_needs_the_csrf_token(api: ApiHarness, seeded: dict[str, str]) -> None:
    client = signed_in(api, "reviewer")
    fid = flag_ids(client, seeded["profanity_b"])[0]
    csrf = page_csrf(client)
    hx = {"HX-Request": "true"}
    refused = [
        {},
        {"X-CSRF-Token": "forged"},
        {"X-CSRF-Token": csrf, "Origin": "http://evil.example"},
        {"X-CSRF-Token": csrf, "Referer": "http://evil.example/page"},
    ]
    for headers in refused:
        r = client.post(
            f"/ui/flags/{fid}/decision", data={"verdict": "confirm"}, headers={**hx, **headers}
        )
        assert r.status_code == 403, headers
    assert decisions_on(api, fid) == []
    r = client.post(
        f"/ui/flags/{fid}/decision",
        data={"verdict": "escalate", "csrf_token": csrf},  # a plain form, no script
        headers={"Origin": "http://127.0.0.1"},
        follow_redirects=False,
    )
    assert (
        r.status_code == 303 and r.headers["location"] == f"/ui/incidents/{seeded['profanity_b']}"
    )
    assert [d.verdict for d in decisions_on(api, fid)] == ["escalate"]


def test_dismissal_needs_a_listed_reason(api: ApiHarness, seeded: dict[str, str]) -> None:
    client = signed_in(api, "reviewer")
    fid = flag_ids(client, seeded["receipt_a"])[0]
    headers = {"X-CSRF-Token": page_csrf(client), "HX-Request": "true"}
    url = f"/ui/flags/{fid}/decision"
    r = client.post(url, data={"verdict": "dismiss", "reason_code": ""}, headers=headers)
    assert r.status_code == 422 and "驳回必须选择理由" in r.text
    r = client.post(url, data={"verdict": "dismiss", "reason_code": "bored"}, headers=headers)
    assert r.status_code == 422 and "规定列表" in r.text
    r = client.post(url, data={"verdict": "maybe"}, headers=headers)
    assert r.status_code == 422
    assert decisions_on(api, fid) == []
    before = audit_count(api, "flag.decision")
    r = client.post(url, data={"verdict": "dismiss", "reason_code": "asr_error"}, headers=headers)
    assert r.status_code == 200
    assert 'data-verdict="dismiss"' in r.text
    assert 'id="review-status" hx-swap-oob="true"' in r.text and 'data-status="reviewed"' in r.text
    assert [(d.verdict, d.reason_code) for d in decisions_on(api, fid)] == [
        ("dismiss", "asr_error")
    ]
    assert audit_count(api, "flag.decision") == before + 1
    metrics = client.get("/ui/metrics").text
    assert re.search(r'data-rule="rule.missing_receipt">.*?class="num dismissed">1<', metrics, re.S)


# -- uploads -------------------------------------------------------------------------------------


def test_upload_page_accepts_media_and_explains_refusals(api: ApiHarness) -> None:
    client = signed_in(api, "ingest")
    headers = {"X-CSRF-Token": page_csrf(client, "/ui/uploads"), "HX-Request": "true"}
    meta = {
        "source": "counter",
        "unit": UNIT_A,
        "officer": "P1001",
        "recorded_at": "2026-03-02T09:30",
    }
    r = client.post("/ui/uploads", data=meta, headers=headers)
    assert r.status_code == 422 and 'id="upload-error"' in r.text
    r = client.post(
        "/ui/uploads", data=meta, files={"file": ("notes.txt", b"hello")}, headers=headers
    )
    assert r.status_code == 415 and "不是支持的音频或视频格式" in r.text
    r = client.post(
        "/ui/uploads",
        data={**meta, "source": "radio"},
        files={"file": ("a.wav", wav_bytes(seed=91))},
        headers=headers,
    )
    assert r.status_code == 422
    r = client.post(
        "/ui/uploads", data=meta, files={"file": ("visit.wav", wav_bytes(seed=92))}, headers=headers
    )
    assert r.status_code == 200
    rid = re.search(r'hx-get="/ui/uploads/([^/]+)/status"', r.text)
    assert rid is not None, "a queued upload's panel must poll"
    with api.ctx.db.session() as s:
        import uuid

        rec = s.get(Recording, uuid.UUID(rid[1]))
        assert rec is not None and rec.created_by == "ingest" and rec.unit == UNIT_A
        assert rec.recorded_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    status = client.get(f"/ui/uploads/{rid[1]}/status")
    assert status.status_code == 200 and 'data-status="queued"' in status.text
    assert rid[1] in client.get("/ui/uploads").text
    no_token = client.post("/ui/uploads", data=meta, files={"file": ("x.wav", wav_bytes(seed=93))})
    assert no_token.status_code == 403
    limit = api.ctx.settings.MAX_UPLOAD_BYTES
    big = wav_bytes(seconds=limit / 32000 + 40, seed=94)  # past the limit and its 1 MiB slack
    r = client.post("/ui/uploads", data=meta, files={"file": ("big.wav", big)}, headers=headers)
    assert r.status_code == 413 and "文件超过大小上限" in r.text


# -- pages and assets ----------------------------------------------------------------------------


def test_pages_carry_a_strict_content_security_policy(
    api: ApiHarness, seeded: dict[str, str]
) -> None:
    client = signed_in(api, "reviewer")
    r = client.get(f"/ui/incidents/{seeded['threat_a']}")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {template.name}"
        assert " hx-on" not in text and "style=" not in text, template.name


def test_docs_are_served_from_local_assets(api: ApiHarness) -> None:
    client = browser(api)
    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = client.get(path).text
        assert f"/docs-assets/{asset}" in html
        assert "cdn." not in html and "fonts.googleapis" not in html
        assert client.get(f"/docs-assets/{asset}").status_code == 200


# -- the message catalogue -----------------------------------------------------------------------


def test_catalogue_covers_every_key_and_code() -> None:
    cat = catalogue()
    used: set[str] = set()
    for path in [*(WEB / "templates").glob("*.html"), *WEB.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""", text))
        used |= set(re.findall(r'"((?:decision|error|upload|login|nav)\.(?!html")[a-z_]+)"', text))
    assert len(used) > 100, "message keys not found"
    # keys the templates build from a value
    used |= {f"incident.{k}" for k in ("category", "disposition")}
    used |= {f"summary.{k}" for k in SUMMARY_FIELDS}
    used |= {f"metrics.window.{w}" for w in WINDOWS}
    missing = sorted(k for k in used if not cat.has(k))
    assert not missing, missing
    for code in get_args(FlagCode):
        assert cat.code("zh", "flag", code) != code and cat.code("en", "flag", code) != code
    for key, msg in cat.messages.items():
        assert msg.zh.strip() and msg.en.strip(), key


def test_catalogue_rejects_a_missing_language(tmp_path: Path) -> None:
    bad = tmp_path / "messages.yaml"
    bad.write_text("queue.title: {zh: 审查队列}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="queue.title"):
        Catalogue.load(bad)
    bad.write_text('x: {zh: "共{n}条", en: "{count} rows"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="placeholders"):
        Catalogue.load(bad)


# -- case record against recording (runs last: it seeds recordings the queue tests would count) ------


def test_where_the_record_stands_the_page_shows_the_recordings_own_reading(api: ApiHarness) -> None:
    """A disposition the recording does not contradict reads as consistent with the record, and the
    reviewer still sees what the recording alone leaned to."""
    stands = Inference(
        value="advised", confidence=0.6, recorded="advised", basis="record", inferred="referred"
    )
    rid, _ = seed(api, name="web_record_stands", unit=UNIT_A, disposition=stands)
    html = signed_in(api, "reviewer").get(f"/ui/incidents/{rid}").text
    (row,) = re.findall(r'<tr class="([^"]*)" data-kind="disposition">(.*?)</tr>', html, re.S)
    assert "mismatch" not in row[0]
    assert "录音未否定记录" in row[1] and "移交其他部门" in row[1]
    reading = Inference(value="referred", confidence=0.8, recorded="advised")
    rid, _ = seed(api, name="web_record_contradicted", unit=UNIT_A, disposition=reading)
    html = signed_in(api, "reviewer").get(f"/ui/incidents/{rid}").text
    (row,) = re.findall(r'<tr class="([^"]*)" data-kind="disposition">(.*?)</tr>', html, re.S)
    assert "mismatch" in row[0] and "录音未否定记录" not in row[1]
