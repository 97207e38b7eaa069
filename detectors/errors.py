"""Errors raised by detectors."""

from __future__ import annotations


class DetectorError(Exception):
    """A detector could not load its model or process its input."""


class ModelIntegrityError(DetectorError):
    """A model file on disk does not match its expected checksum."""
