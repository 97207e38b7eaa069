"""Vigil review API: intake, triage queue, evidence, decisions and a hash-chained audit log."""

from __future__ import annotations

from .core.config import Settings
from .main import create_app, create_user, export_openapi, openapi_schema, run_server

__all__ = [
    "Settings",
    "create_app",
    "create_user",
    "export_openapi",
    "openapi_schema",
    "run_server",
]
