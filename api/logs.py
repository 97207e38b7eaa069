"""Access-log hygiene: signed media URLs are credentials for minutes, so their signatures never
reach a log file."""

from __future__ import annotations

import logging
import re
from typing import Any

_SECRET_PARAMS = re.compile(
    r"(?i)\b(signature|x-amz-signature|x-amz-credential|x-amz-security-token|access_token)=[^&\s\"]*"
)


def redact(text: str) -> str:
    """``text`` with the values of signature-like query parameters replaced."""
    return _SECRET_PARAMS.sub(r"\1=REDACTED", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message arguments (uvicorn's access log passes the path with its query
    string as one of them) and its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging set-up with :class:`RedactSecrets` on every handler."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    cfg = copy.deepcopy(LOGGING_CONFIG)
    cfg.setdefault("filters", {})["redact"] = {"()": "api.logs.RedactSecrets"}
    for handler in cfg["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return cfg
