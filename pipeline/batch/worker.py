"""The batch's Ray actor: one loaded :class:`~pipeline.analyzer.Pipeline` and a store handle, analysing
one raw object per call and writing document, then marker."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from detectors import errors
from detectors.errors import classify
from detectors.offline import pin_offline
from detectors.types import SOURCES

from ..config import VigilConfig
from ..errors import MediaError, StoreError
from ..faults import crash_point
from ..scratch import claim_scratch, sweep_scratch
from ..store import (
    ObjectNotFoundError,
    StoreOptions,
    markers,
    open_store,
)

logger = logging.getLogger("vigil.pipeline")
SCRATCH_PREFIX = "vigil-batch"


class RecordingWorker:
    """One Ray actor: a loaded Pipeline and a store handle, analysing one recording per call.

    Plain Python (wrapped with ``ray.remote`` by the driver) so it can be unit-run without Ray.
    """

    def __init__(
        self,
        config: Mapping[str, Any],
        store_url: str,
        cpu_threads: int | None,
        warm: bool = True,
        work_dir: str | None = None,
    ) -> None:
        if cpu_threads:
            # Ray starts actors with OMP_NUM_THREADS=1 unless told; make every pool explicit.
            for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
                os.environ[var] = str(cpu_threads)
        pin_offline()
        from ..analyzer import Pipeline

        cfg = VigilConfig(config)
        if cpu_threads:
            with contextlib.suppress(ImportError):
                import torch

                torch.set_num_threads(cpu_threads)
        self.pipeline = Pipeline.from_config(cfg)
        self.store = open_store(store_url, StoreOptions.from_config(cfg.section("store")))
        self.pid = os.getpid()
        # downloads go to this actor's own scratch directory; those of actors that were killed
        # (kill -9, OOM) are removed here, by the next actor to start on the machine
        base = work_dir or tempfile.gettempdir()
        sweep_scratch(base, SCRATCH_PREFIX)
        self.scratch = claim_scratch(base, SCRATCH_PREFIX)
        self.work_dir = str(self.scratch.path)
        if warm:
            t0 = time.perf_counter()
            _ = self.pipeline.asr  # load the models now, once, not inside the first file's timing
            logger.info("worker %d: models loaded in %.1fs", self.pid, time.perf_counter() - t0)

    def ping(self) -> int:
        return self.pid

    def process(
        self, key: str, etag: str, source: str | None, default_source: str
    ) -> dict[str, Any]:
        """Analyse the raw object ``key``; returns a small summary (never the document)."""
        t0 = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix="vigil-batch-", dir=self.work_dir))
        try:
            info = self.store.stat(key)
            if info is None:
                raise ObjectNotFoundError(f"raw object {key!r} vanished before it was processed")
            src = source or info.metadata.get("source") or default_source
            if src not in SOURCES:
                raise MediaError(f"{key}: unknown source tag {src!r}")
            local = self.store.download(key, tmp / PurePosixPath(key).name)
            doc = self.pipeline.process(local, self.store, source=src, media_key=key)
            rec_id = doc.recording.recording_id
            # The marker is written last: its presence means document and artifacts are stored.
            markers.write_done(
                self.store,
                key,
                etag=info.etag if info.etag else etag,
                recording_id=rec_id,
                version=self.pipeline.version,
                config_hash=self.pipeline.config_hash,
                duration=doc.recording.duration,
            )
            crash_point("batch.after_marker")
            return {
                "status": "ok",
                "key": key,
                "recording_id": rec_id,
                "duration": float(doc.recording.duration),
                "timings": dict(doc.timings),
                "wall": time.perf_counter() - t0,
                "pid": self.pid,
            }
        except Exception as e:
            # one classification for the batch and the API worker (detectors.errors.classify)
            reason = one_line(e, tmp, key)
            kind = classify(e)
            if kind == "setup":  # a bad config or a missing model fails every file: stop the batch
                return {"status": "fatal", "key": key, "reason": reason}
            if kind == "permanent":  # this recording only: recorded once, never retried
                return self._failure(key, etag, reason, permanent=True)
            logger.warning("worker %d: %s failed: %s", self.pid, key, reason)
            return {"status": "retry", "key": key, "reason": reason, "pid": self.pid}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def _failure(self, key: str, etag: str, reason: str, *, permanent: bool) -> dict[str, Any]:
        with contextlib.suppress(StoreError, ValueError):
            # Permanent failures get a marker too, so a rerun does not decode a corrupt file again
            # (unless --force); the reason stays with it.
            markers.write_failed(
                self.store,
                key,
                etag=etag,
                reason=reason,
                version=self.pipeline.version,
                config_hash=self.pipeline.config_hash,
            )
        return {"status": "failed", "key": key, "reason": reason, "permanent": permanent}


def one_line(e: BaseException, tmp: Path | None = None, key: str | None = None) -> str:
    """``Type: message`` on one line, naming the raw object instead of the worker's temp copy."""
    text = errors.one_line(e)
    if tmp is not None and key is not None:  # name the object, not the worker's temp copy
        text = text.replace(str(tmp / PurePosixPath(key).name), key).replace(str(tmp), "")
    return f"{type(e).__name__}: {text}"[:500]
