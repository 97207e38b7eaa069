"""Errors the rules layer raises (part of the one tree in :mod:`detectors.errors`)."""

from __future__ import annotations

from detectors.errors import ConfigError


class RulePackError(ConfigError, ValueError):
    """A rule pack (or the ``rules`` config section) is malformed; the message names the file and rule id.

    Raised at load time, never while a transcript is checked, so a bad pack stops a run before any
    recording is judged by half a rule set. Still a ``ValueError`` for callers that caught it as one.
    """
