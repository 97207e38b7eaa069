"""Vigil's rules layer: reads a transcript the way a legal-affairs reviewer would.

Rules are pure functions of :class:`detectors.types.Transcript`; the only entry point most callers need
is :class:`RuleAnalyzer` (``RuleAnalyzer.from_config(cfg).assess(transcript)`` -> :class:`Assessment`).
"""

from __future__ import annotations

from rules.analysis import RuleAnalyzer
from rules.engine import RuleEngine, Screening
from rules.errors import RulePackError
from rules.findings import Assessment, CallTriage, Flag, Inference, RiskAssessment, Summary, Tag
from rules.matching import Matcher, normalize

__all__ = [
    "Assessment",
    "CallTriage",
    "Flag",
    "Inference",
    "Matcher",
    "RiskAssessment",
    "RuleAnalyzer",
    "RuleEngine",
    "RulePackError",
    "Screening",
    "Summary",
    "Tag",
    "normalize",
]
