"""Errors the rules layer raises."""

from __future__ import annotations


class RulePackError(ValueError):
    """A rule pack (or the ``rules`` config section) is malformed; the message names the file and rule id.

    Raised at load time, never while a transcript is checked, so a bad pack stops a run before any
    recording is judged by half a rule set.
    """
