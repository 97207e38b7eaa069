"""A POST driven at the ASGI level, below the test client: the tests that prove the server refuses a
body before reading it (or after its first bytes) count how many chunks it pulled, which no HTTP
client can observe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any


def post_chunks(
    app: Any, path: str, headers: list[tuple[bytes, bytes]], chunks: Iterable[bytes]
) -> tuple[int, int]:
    """POST ``chunks`` to ``path``, one per ``receive()``, then disconnect (an endless iterable never
    does): the response status and how many chunks the server pulled."""
    source = iter(chunks)
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(source, None)
        if chunk is None:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "headers": headers,
        "state": {},
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return int(start["status"]), pulled
