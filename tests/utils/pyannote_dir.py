"""Build a community-1-style pyannote.audio 4 pipeline directory from UNTRAINED models.

The real community-1 weights are gated on the model hub and nothing may be downloaded, yet the
``pyannote`` backend's loading code must be exercised end to end. A directory with the same layout,
freshly initialised weights and a well-formed PLDA loads through exactly the same code path; its output
is meaningless, the adapter's handling of it is not.

Layout (what an operator would copy in)::

    <dir>/config.yaml                    pipeline class + params, models referenced as $model/<sub>
    <dir>/segmentation/pytorch_model.bin PyanNet, powerset (3 speakers, max 2 per frame), 10 s chunks
    <dir>/embedding/pytorch_model.bin    WeSpeakerResNet34 (256-d), 5 s chunks
    <dir>/plda/xvec_transform.npz        mean1 (256,), mean2 (128,), lda (256, 128)
    <dir>/plda/plda.npz                  mu (128,), tr (128, 128) invertible, psi (128,) positive

Checkpoints are saved the way pyannote's own converters do: ``state_dict``, ``hyper_parameters``,
``pytorch-lightning_version``, passed through ``model.on_save_checkpoint`` (which adds the
``pyannote.audio`` block with the specifications). The file name ``pytorch_model.bin`` is fixed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from detectors.offline import pin_offline

EMBEDDING_DIM = 256
PLDA_DIM = 128


def _save_checkpoint(model: Any, directory: Path) -> None:
    import lightning
    import torch

    directory.mkdir(parents=True, exist_ok=True)
    checkpoint: dict[str, Any] = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": lightning.__version__,
    }
    model.on_save_checkpoint(checkpoint)
    torch.save(checkpoint, directory / "pytorch_model.bin")


def build_pyannote_pipeline_dir(
    root: str | Path, *, segmentation_step: float = 1.0, seed: int = 0
) -> Path:
    """Write an untrained community-1-style pipeline directory under ``root`` and return it."""
    pin_offline(force=True)
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import WeSpeakerResNet34
    from pyannote.audio.models.segmentation import PyanNet

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)

    segmentation = PyanNet(sample_rate=16000, num_channels=1)
    segmentation.specifications = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION,
        resolution=Resolution.FRAME,
        duration=10.0,
        warm_up=(0.0, 0.0),
        classes=["speaker#1", "speaker#2", "speaker#3"],
        powerset_max_classes=2,
        permutation_invariant=True,
    )
    segmentation.build()  # adds the powerset classifier; without it the checkpoint lacks it
    _save_checkpoint(segmentation, root / "segmentation")

    embedding = WeSpeakerResNet34(sample_rate=16000, num_channels=1)
    embedding.specifications = Specifications(
        problem=Problem.REPRESENTATION,
        resolution=Resolution.CHUNK,
        duration=5.0,
    )
    embedding.build()
    _save_checkpoint(embedding, root / "embedding")

    rng = np.random.default_rng(seed)
    plda_dir = root / "plda"
    plda_dir.mkdir(parents=True, exist_ok=True)
    lda = rng.standard_normal((EMBEDDING_DIM, PLDA_DIM)) / np.sqrt(EMBEDDING_DIM)
    np.savez(
        plda_dir / "xvec_transform.npz",
        mean1=np.zeros(EMBEDDING_DIM),
        mean2=np.zeros(PLDA_DIM),
        lda=lda,
    )
    # An orthogonal transform is invertible by construction; psi must be positive.
    tr, _ = np.linalg.qr(rng.standard_normal((PLDA_DIM, PLDA_DIM)))
    np.savez(
        plda_dir / "plda.npz",
        mu=np.zeros(PLDA_DIM),
        tr=tr,
        psi=np.linspace(0.5, 2.0, PLDA_DIM),
    )

    config = {
        "dependencies": {"pyannote.audio": "4.0.0"},
        "pipeline": {
            "name": "pyannote.audio.pipelines.SpeakerDiarization",
            "params": {
                "clustering": "VBxClustering",
                "segmentation": "$model/segmentation",
                "segmentation_step": segmentation_step,
                "embedding": "$model/embedding",
                "embedding_exclude_overlap": True,
                "plda": "$model/plda",
                "segmentation_batch_size": 8,
                "embedding_batch_size": 8,
            },
        },
        "params": {
            "segmentation": {"min_duration_off": 0.0},
            "clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8},
        },
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return root
