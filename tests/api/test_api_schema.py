"""The OpenAPI schema in the repo is current, and schemathesis finds no 5xx anywhere in it (a few
generated examples per operation, authenticated as admin, on both databases)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from api import openapi_schema
from api.main import OPENAPI_PATH
from tests.utils.api_factories import UNIT_A, ApiHarness, seed


def test_exported_schema_is_current() -> None:
    assert OPENAPI_PATH.is_file(), "run api.export_openapi() to write schemas/openapi.json"
    on_disk = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    assert on_disk == json.loads(json.dumps(openapi_schema()))


@pytest.fixture(scope="module")
def st_schema(api: ApiHarness) -> Any:
    seed(api, name="fuzz", unit=UNIT_A, risk="high", flags=[("SPEECH_THREAT", "high")])
    return schemathesis.from_dict(api.client.app.openapi(), app=api.client.app)


schemathesis.experimental.OPEN_API_3_1.enable()  # FastAPI emits OpenAPI 3.1
schema = schemathesis.from_pytest_fixture("st_schema")


@schema.parametrize()
@settings(
    max_examples=4,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is reported as found
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, api: ApiHarness) -> None:
    response = case.call_asgi(headers=api.headers["admin"])
    case.validate_response(response, checks=(not_a_server_error,))
