"""Hypothesis fuzzing of the case-record import parsers and the query parameters: whatever comes in,
the answer is a record list or a 4xx with a reason, never an exception or a 5xx."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi import HTTPException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.routes.incidents import parse_import
from tests.campaign.conftest import Tally
from tests.utils.api_factories import ApiHarness

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
FIELDS = ["incident_id", "unit", "officer_id", "recorded_category", "recorded_at", "caller_id", "x"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
records = st.lists(
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=7)
    | st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    max_size=6,
)


def _parse(tally: Tally, body: bytes, ctype: str) -> None:
    tally.inputs += 1
    try:
        out = parse_import(body, ctype)
    except HTTPException as e:
        assert 400 <= e.status_code < 500 and isinstance(e.detail, str) and e.detail
        return
    assert out and all(r.incident_id for r in out)


@FUZZ
@given(
    body=st.binary(max_size=2048),
    ctype=st.sampled_from(["application/json", "text/csv", "", "text/plain"]),
)
def test_import_parser_on_arbitrary_bytes(tally: Tally, body: bytes, ctype: str) -> None:
    _parse(tally, body, ctype)


@FUZZ
@given(rows=records)
def test_import_parser_on_json_records(tally: Tally, rows: list[dict[str, Any]]) -> None:
    _parse(tally, json.dumps(rows, allow_nan=True).encode(), "application/json")


@FUZZ
@given(rows=st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=7), max_size=6))
def test_import_parser_on_csv(tally: Tally, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(FIELDS[:6])
    for row in rows:
        writer.writerow(row)
    _parse(tally, buf.getvalue().encode("utf-8", "surrogatepass"), "text/csv")


QUERY_NAMES = [
    "unit",
    "source",
    "flag",
    "severity",
    "risk_level",
    "review_status",
    "status",
    "recorded_from",
    "recorded_to",
    "cursor",
    "limit",
    "flag_code",
    "since",
    "until",
    "window",
]
query_values = (
    st.text(max_size=30)
    | st.sampled_from(
        [
            "high",
            "done",
            "counter",
            "SPEECH_THREAT",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-03-02T09:30:00Z",
            "1e400",
            "-1",
            "week",
            "",
        ]
    )
    | st.integers().map(str)
)


@FUZZ
@given(
    path=st.sampled_from(["/incidents", "/metrics/rules"]),
    params=st.lists(st.tuples(st.sampled_from(QUERY_NAMES), query_values), max_size=5),
    who=st.sampled_from(["reviewer", "chief_a"]),
)
def test_query_parameters(
    served: ApiHarness, tally: Tally, path: str, params: list[tuple[str, str]], who: str
) -> None:
    r = served.client.get(path, params=params, headers=served.headers[who])
    tally.inputs += 1
    if r.status_code >= 500:
        tally.server_errors += 1
    assert r.status_code in (200, 400, 403, 422), (params, r.status_code, r.text[:200])
    if r.status_code != 200:
        assert r.headers["content-type"].startswith("application/problem+json")
