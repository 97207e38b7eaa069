"""Configuration: one YAML file of sections, environment overrides, and a hash that goes into every
document so a result can always be traced to the exact settings that produced it.

Each component owns the schema of its own section (an ``XxxOptions`` pydantic model with
``extra="forbid"`` in the component's module); this module only loads, overrides, resolves paths and hashes.
Thresholds and lexicons therefore live in YAML, never as defaults in code.

Environment overrides use ``VIGIL__<SECTION>__<KEY>[__<KEY>...]=<yaml scalar>``, e.g.
``VIGIL__ASR__DEVICE=cuda`` or ``VIGIL__STORE__URL=s3://vigil``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from detectors.resources import resource_dir

from .errors import ConfigError

logger = logging.getLogger("vigil.pipeline")

CONFIG_DIR = resource_dir("configs")
DEFAULT_CONFIG = CONFIG_DIR / "default.yaml"
ENV_PREFIX = "VIGIL__"


# Sections and keys that say where and how work runs, not what the analysis computes: moving to another
# MinIO endpoint, changing the worker count, the threads, the device or a batch size that only bounds
# memory must not make an archive of documents look stale. The batch sets the thread keys per actor, so
# without this `vigil analyze` and `vigil batch` would hash the same YAML differently.
OPERATIONAL_SECTIONS = ("store", "batch")
OPERATIONAL_KEYS = (
    "asr.cpu_threads",
    "asr.num_workers",
    "asr.device",
    "asr.cache_dir",
    "embeddings.num_threads",
    "embeddings.batch_size",
    "embeddings.cache_size",
    "diarization.embedded.torch_threads",
    "diarization.embedded.device",
    "diarization.embedded.batch_size",
    "diarization.pyannote.torch_threads",
    "diarization.pyannote.device",
    "diarization.pyannote.segmentation_batch_size",
    "diarization.pyannote.embedding_batch_size",
    "diarization.spectral.torch_threads",
    "diarization.spectral.batch_threads",
    "diarization.spectral.device",
    "diarization.spectral.segmentation_batch_size",
    "diarization.spectral.embedding_batch_size",
    "diarization.spectral.cache_dir",
    "prosody.block_frames",
    "media.spool_min_seconds",
    "media.spool_dir",
    "media.spool_release_s",
    "analysis.overlap_max_seconds",
    "video.decode_threads",
)


def analysis_hash(data: Mapping[str, Any]) -> str:
    """The identity of the analysis a config describes: every section and key except the
    operational ones (:data:`OPERATIONAL_SECTIONS`, :data:`OPERATIONAL_KEYS`)."""
    analysis = {k: copy.deepcopy(v) for k, v in data.items() if k not in OPERATIONAL_SECTIONS}
    for dotted in OPERATIONAL_KEYS:
        *parents, leaf = dotted.split(".")
        node: Any = analysis
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return hashlib.sha256(
        json.dumps(_by_content(analysis), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:16]


class VigilConfig:
    """The resolved configuration: read-only sections plus ``hash``, the identity of the analysis.

    ``hash`` covers every analysis section (asr, diarization, roles, rules, ...) and leaves out the
    operational sections and keys (see :func:`analysis_hash`); documents carry it and the batch and
    the API skip on it.
    """

    def __init__(self, data: Mapping[str, Any], source: Path | None = None) -> None:
        self._data = copy.deepcopy(dict(data))
        self.source = source
        self.hash = analysis_hash(self._data)

    def section(self, name: str) -> dict[str, Any]:
        """A deep copy of one section, for the component that owns it to validate."""
        if name not in self._data:
            raise ConfigError(f"config has no section {name!r}; sections: {sorted(self._data)}")
        return copy.deepcopy(self._data[name])

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    def with_overrides(self, overrides: Mapping[str, Any]) -> VigilConfig:
        """A new config with dotted-key overrides applied (``{"asr.device": "cuda"}``)."""
        data = self.to_dict()
        for key, value in overrides.items():
            _set_path(data, key.split("."), value)
        return VigilConfig(data, self.source)


def load_config(
    path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    env_prefix: str = ENV_PREFIX,
) -> VigilConfig:
    """Load YAML (default: ``configs/default.yaml``), apply ``VIGIL__`` env overrides, then ``overrides``.

    Relative paths in values under keys ending in ``_path``/``_dir``/``_file``/``packs`` are resolved
    against the config file's directory, so a config can be moved together with its lexicons.
    ``env_prefix`` lets another file (the evaluation config) take overrides of its own.
    """
    cfg_path = Path(path) if path is not None else DEFAULT_CONFIG
    if not cfg_path.is_file():
        raise ConfigError(f"config file not found: {cfg_path}")
    try:
        data = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{cfg_path}: invalid YAML: {e}") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{cfg_path}: top level must be a mapping of sections")
    env = os.environ if environ is None else environ
    for key, raw in env.items():
        if key.startswith(env_prefix):
            parts = [p.lower() for p in key[len(env_prefix) :].split("__") if p]
            if parts:
                _set_path(data, parts, yaml.safe_load(raw) if raw != "" else "")
                logger.info("config override from environment: %s", ".".join(parts))
    for key, value in (overrides or {}).items():
        _set_path(data, key.split("."), value)
    _resolve_paths(data, cfg_path.resolve().parent)
    return VigilConfig(data, cfg_path)


def _by_content(node: Any, key: str = "") -> Any:
    """A copy for hashing in which every referenced file (lexicons, rule packs, the semantic heads)
    stands as the SHA-256 of its content: retraining the heads or editing a lexicon changes the
    analysis, and the checkout's location must not."""
    if isinstance(node, dict):
        return {k: _by_content(v, str(k)) for k, v in node.items()}
    if isinstance(node, list):
        return [_by_content(v, key) for v in node]
    if isinstance(node, str) and key.endswith(_PATH_SUFFIXES) and os.path.isfile(node):
        with open(node, "rb") as fh:
            return "sha256:" + hashlib.sha256(fh.read()).hexdigest()
    return node


def _set_path(data: dict[str, Any], parts: list[str], value: Any) -> None:
    node = data
    for part in parts[:-1]:
        nxt = node.setdefault(part, {})
        if not isinstance(nxt, dict):
            raise ConfigError(f"cannot override {'.'.join(parts)}: {part!r} is not a section")
        node = nxt
    node[parts[-1]] = value


_PATH_SUFFIXES = ("_path", "_dir", "_file", "packs", "lexicon", "lexicons")


def _resolve_paths(node: Any, base: Path) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.endswith(_PATH_SUFFIXES):
                node[key] = _resolve_value(value, base)
            else:
                _resolve_paths(value, base)
    elif isinstance(node, list):
        for item in node:
            _resolve_paths(item, base)


def _resolve_value(value: Any, base: Path) -> Any:
    if (
        isinstance(value, str)
        and value
        and "://" not in value
        and not value.startswith("embedded:")
    ):
        p = Path(os.path.expanduser(value))
        return str(p if p.is_absolute() else (base / p).resolve())
    if isinstance(value, list):
        return [_resolve_value(v, base) for v in value]
    return value
