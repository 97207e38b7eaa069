"""Authorization matrix: every role x every endpoint x own/other unit, plus anonymous and bad
credentials. Deny by default: an unguarded route stops the app from being built."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import Response

from api.main import _assert_every_route_guarded
from tests.utils.api_factories import UNIT_A, ApiHarness, seed, wav_bytes

PERSONAS = ["admin", "reviewer", "chief_a", "chief_b", "ingest", "ingest_key", "anonymous"]
_counter = itertools.count()


def _fresh(api: ApiHarness) -> tuple[str, str]:
    """A fresh incident in unit A with one flag: (recording id, flag id)."""
    rid, _ = seed(
        api,
        name=f"authz-{next(_counter)}",
        unit=UNIT_A,
        risk="high",
        flags=[("SPEECH_THREAT", "high")],
    )
    d = api.client.get(f"/incidents/{rid}", headers=api.headers["admin"]).json()
    return rid, d["flags"][0]["id"]


Call = Callable[[ApiHarness, dict[str, str]], Response]


def _upload(api: ApiHarness, h: dict[str, str]) -> Response:
    return api.client.post(
        "/recordings",
        data={
            "source": "phone",
            "unit": UNIT_A,
            "officer": "P9",
            "recorded_at": "2026-03-02T10:00:00+08:00",
        },
        files={"file": ("a.wav", wav_bytes(0.2, seed=1000 + next(_counter)), "audio/wav")},
        headers=h,
    )


ENDPOINTS: dict[str, tuple[Call, dict[str, int]]] = {
    "GET /users/me": (
        lambda a, h: a.client.get("/users/me", headers=h),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 200, "ingest": 200},
    ),
    "POST /users": (
        lambda a, h: a.client.post(
            "/users",
            json={
                "username": f"user{next(_counter)}",
                "password": "long-enough-pw",
                "role": "reviewer",
            },
            headers=h,
        ),
        {"admin": 201},
    ),
    "POST /users/{id}/api-keys": (
        lambda a, h: a.client.post(f"/users/{a.ids['reviewer']}/api-keys", json={}, headers=h),
        {"admin": 201},
    ),
    "POST /recordings": (_upload, {"admin": 201, "ingest": 201}),
    "GET /recordings/{id}": (
        lambda a, h: a.client.get(f"/recordings/{_fresh(a)[0]}", headers=h),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 404, "ingest": 200},
    ),
    "POST /recordings/{id}:reprocess": (
        lambda a, h: a.client.post(f"/recordings/{_fresh_with_media(a)}:reprocess", headers=h),
        {"admin": 202, "reviewer": 202},
    ),
    "POST /incidents:import": (
        lambda a, h: a.client.post(
            "/incidents:import",
            json=[{"incident_id": f"AZ-{next(_counter)}", "unit": UNIT_A}],
            headers=h,
        ),
        {"admin": 200, "ingest": 200},
    ),
    "GET /incidents": (
        lambda a, h: a.client.get("/incidents", headers=h),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 200},
    ),
    "GET /incidents?unit=A": (
        lambda a, h: a.client.get("/incidents", params={"unit": UNIT_A}, headers=h),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 403},
    ),
    "GET /incidents/{id}": (
        lambda a, h: a.client.get(f"/incidents/{_fresh(a)[0]}", headers=h),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 404},
    ),
    "POST /flags/{id}/decision": (
        lambda a, h: a.client.post(
            f"/flags/{_fresh(a)[1]}/decision", json={"verdict": "confirm"}, headers=h
        ),
        {"admin": 201, "reviewer": 201, "chief_a": 201, "chief_b": 404},
    ),
    "GET /metrics/rules": (
        lambda a, h: a.client.get("/metrics/rules", headers=h),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 200},
    ),
    "GET /audit/verify": (lambda a, h: a.client.get("/audit/verify", headers=h), {"admin": 200}),
    "GET /task-sheets": (
        lambda a, h: a.client.get("/task-sheets", headers=h),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 200},
    ),
    "GET /task-sheets/{id}": (
        lambda a, h: a.client.get(f"/task-sheets/{_fresh_sheet(a)}", headers=h),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 404},
    ),
    "POST /task-sheets/{id}/transitions review": (
        lambda a, h: a.client.post(
            f"/task-sheets/{_fresh_sheet(a)}/transitions", json={"action": "review"}, headers=h
        ),
        {"admin": 200, "reviewer": 200, "chief_a": 403, "chief_b": 404},
    ),
    "GET /reports/weekly?unit=A": (
        lambda a, h: a.client.get(
            "/reports/weekly", params={"week": "2026-W10", "unit": UNIT_A}, headers=h
        ),
        {"admin": 200, "reviewer": 200, "chief_a": 200, "chief_b": 403},
    ),
}


def _fresh_sheet(api: ApiHarness) -> str:
    """A fresh high-risk incident of unit A: the indexer opens its task sheet (draft)."""
    import uuid

    from api.models import Recording

    rid, _ = _fresh(api)
    with api.ctx.db.session() as s:
        rec = s.get(Recording, uuid.UUID(rid))
        assert rec is not None and rec.task_sheet_id is not None
        return str(rec.task_sheet_id)


def _fresh_with_media(api: ApiHarness) -> str:
    rid, _ = _fresh(api)
    from sqlalchemy import update

    from api.models import Recording

    with api.ctx.db.session() as s:
        import uuid

        s.execute(
            update(Recording)
            .where(Recording.id == uuid.UUID(rid))
            .values(media_key=f"raw/2026-03/x-{rid}.wav")  # one recording per raw object
        )
        s.commit()
    return rid


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("persona", PERSONAS)
def test_matrix(api: ApiHarness, endpoint: str, persona: str) -> None:
    call, allowed = ENDPOINTS[endpoint]
    role = "ingest" if persona == "ingest_key" else persona
    headers = {} if persona == "anonymous" else api.headers[persona]
    r = call(api, headers)
    if persona == "anonymous":
        expected = 401
    else:
        expected = allowed.get(role, 403)
    assert r.status_code == expected, (endpoint, persona, r.text)
    if expected >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == expected


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"X-API-Key": "vk_000000000000_forged"},
        {"X-API-Key": "garbage"},
    ],
)
def test_bad_credentials_are_401(api: ApiHarness, headers: dict[str, str]) -> None:
    r = api.client.get("/incidents", headers=headers)
    assert r.status_code == 401 and r.json()["detail"] == "not authenticated"


def test_token_signed_with_another_key_is_refused(api: ApiHarness) -> None:
    import jwt

    forged = jwt.encode({"sub": api.ids["admin"], "exp": 4102444800}, "other-key" * 5)
    r = api.client.get("/audit/verify", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_wrong_password(api: ApiHarness) -> None:
    r = api.client.post("/login/access-token", data={"username": "admin", "password": "nope"})
    assert r.status_code == 401 and r.json()["detail"] == "incorrect username or password"


def test_unguarded_route_is_refused() -> None:
    app = FastAPI()

    @app.get("/leak")
    def leak() -> dict[str, Any]:
        return {}

    with pytest.raises(RuntimeError, match="no role check"):
        _assert_every_route_guarded(app)


def test_cli_create_user_then_login(tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from api import Settings, create_app, create_user
    from pipeline.store import LocalStore

    settings = Settings(
        ENVIRONMENT="test",
        DATA_DIR=str(tmp_path / "data"),  # keys generated there
        DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}",
        WORKER_ENABLED=False,
        INDEXER_ENABLED=False,
    )
    uid = create_user("firstadmin", "a-long-password", "admin", settings=settings)
    with pytest.raises(ValueError, match="already exists"):
        create_user("firstadmin", "a-long-password", "admin", settings=settings)
    with pytest.raises(ValueError, match="a chief needs a unit"):
        create_user("chiefless", "a-long-password", "chief", settings=settings)
    app = create_app(settings, store=LocalStore(tmp_path / "store", fsync=False))
    with TestClient(app) as client:
        r = client.post(
            "/login/access-token", data={"username": "firstadmin", "password": "a-long-password"}
        )
        me = client.get(
            "/users/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
        )
        assert me.json()["id"] == uid and me.json()["role"] == "admin"
