"""Errors the pipeline raises; the CLI turns each into one line and a non-zero exit."""

from __future__ import annotations


class VigilError(Exception):
    """Base of every error Vigil reports to a user rather than as a bug."""


class ConfigError(VigilError):
    """The configuration is missing, malformed or contradictory."""


class MediaError(VigilError):
    """The input media is missing, empty, truncated, corrupt or of an unsupported kind."""


class StoreError(VigilError):
    """The object store cannot be reached or refused an operation; nothing was lost on our side."""
