"""The evaluation's own configuration (``configs/evaluation.yaml``): test-speech synthesis settings.

Kept apart from the analysis config on purpose: its contents are not part of the analysis config hash,
so tuning a test voice never marks a stored document stale. Overrides come from
``VIGIL_EVAL__<SECTION>__<KEY>`` (the analysis config's ``VIGIL__`` prefix does not reach it).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import CONFIG_DIR, VigilConfig, load_config

EVAL_CONFIG = CONFIG_DIR / "evaluation.yaml"
EVAL_ENV_PREFIX = "VIGIL_EVAL__"


def load_evaluation_config(path: str | Path | None = None) -> VigilConfig:
    """``configs/evaluation.yaml`` (or ``path``) with ``VIGIL_EVAL__`` overrides applied."""
    return load_config(path if path is not None else EVAL_CONFIG, env_prefix=EVAL_ENV_PREFIX)
