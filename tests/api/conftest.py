"""Fixtures for the review API: a real PostgreSQL server (initdb'd per session), both databases as a
module-scoped parameter, a local object store, users of every role with their credentials.

A missing PostgreSQL binary fails the tests; it never skips them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.utils.api_factories import ApiHarness, harness


@pytest.fixture(scope="module")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHarness]:
    with harness(database_url, tmp_path_factory.mktemp("api")) as h:
        yield h
