"""The error tree, re-exported for pipeline callers; it is defined once, in :mod:`detectors.errors`,
so that detectors and rules can raise the same types without importing upward."""

from __future__ import annotations

from detectors.errors import *  # noqa: F403 - the same names, one definition
from detectors.errors import __all__ as __all__
