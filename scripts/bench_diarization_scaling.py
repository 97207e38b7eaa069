"""Embedded diarization's cost against recording length, stage by stage (issue 15).

Why: on ``vigil bench --only memory`` the 3-hour file's diarization took 1,463 s, but a truncated
3-hour file with 108 readable minutes took 142 s. This script tells a stage whose cost grows faster
than the audio from machine load: it builds the bench's own audio (the shared real Mandarin samples
joined with one second of silence and looped, written as 16 kHz PCM16 WAV) at several lengths, loads
each as the pipeline does (spooled to a scratch file and mapped, its pages dropped every
``media.spool_release_s`` while it is analysed), runs only the embedded diarizer on it, and prints
wall and CPU seconds per audio minute for every stage in one run. A stage that is linear shows the
same seconds per minute at every length.

The stages are the diarizer's own methods, timed by wrapping them on the instance, so the code path
is the one the pipeline runs. ``_region_turns`` is called inside ``_resegment`` (its time is part of
``resegment``). Then the two passes that pair turns with ASR words are timed on the diarizer's turns
and synthetic ASR segments (one per turn, a word every 0.25 s): :func:`pipeline.attribution.attribute`
and speech recovery's per-turn word count; ``--tile`` repeats the turns to reach longer recordings.

    nice .venv/bin/python scripts/bench_diarization_scaling.py --lengths 10 20 40 80
    nice .venv/bin/python scripts/bench_diarization_scaling.py --lengths 10 --compare-threads 1 2

The second form times only the embedding pass with one and two torch threads, alternating.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import hashlib
import io
import json
import logging
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from detectors.offline import pin_offline  # noqa: E402

pin_offline()

logger = logging.getLogger("vigil.scripts")

# The diarizer's methods timed on the instance, in call order, and the names they are reported as.
STAGES = {
    "speech_regions": "vad",
    "windows": "windows",
    "embed": "embed",
    "cluster": "cluster",
    "_resegment": "resegment",
    "_region_turns": "region_turns",
}


def machine_busy_s() -> float:
    """CPU seconds all processes of the machine have run so far (``/proc/stat``: every state but
    idle and iowait), to tell how much of the machine other work took while a stage ran."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class StageClock:
    """Wall and CPU seconds accumulated per stage (CPU: the whole process, torch's threads included)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            w0, c0 = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - w0
                self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - c0

        return timed


def synthetic_segments(turns: Sequence[Any], word_s: float = 0.25) -> list[Any]:
    """One ASR segment per diarized turn's span of speech, a word every ``word_s`` seconds.

    Attribution's cost depends on how many words and turns there are, not on what the words say.
    """
    from detectors.types import Segment, Word

    segments = []
    for i, t in enumerate(turns):
        n = max(1, int((t.end - t.start) / word_s))
        words = tuple(
            Word(t.start + k * word_s, min(t.end, t.start + (k + 1) * word_s), "字", 0.9)
            for k in range(n)
        )
        segments.append(Segment(i, t.start, t.end, "字" * n, words))
    return segments


def word_passes(turns: Sequence[Any], tile: int, audio_s: float) -> dict[str, Any]:
    """Time the two passes after diarization that pair every turn with ASR words, on the turns
    repeated ``tile`` times (shifted by the audio's length: longer recordings without diarizing
    them): attribution, and speech recovery's count of the words inside each turn
    (``max_regions`` 0, so nothing is decoded again and no ASR model is needed)."""
    import numpy as np

    from detectors.types import SpeakerTurn
    from pipeline.attribution import attribute
    from pipeline.config import load_config
    from pipeline.recovery import RecoveryOptions, recover_speech

    tiled = [
        SpeakerTurn(t.start + k * audio_s, t.end + k * audio_s, t.speaker, t.channel, t.confidence)
        for k in range(tile)
        for t in turns
    ]
    segments = synthetic_segments(tiled)
    options = RecoveryOptions.from_config(load_config().section("analysis")["recovery"])
    options = options.model_copy(update={"max_regions": 0})
    t0 = time.perf_counter()
    attribute(segments, tiled)
    t1 = time.perf_counter()
    recover_speech(None, np.ones(1, np.float32), 16000, segments, tiled, options)
    t2 = time.perf_counter()
    return {
        "audio_min": round(audio_s * tile / 60, 1),
        "turns": len(tiled),
        "words": sum(len(s.words) for s in segments),
        "attribution_s": round(t1 - t0, 3),
        "recovery_count_s": round(t2 - t1, 3),
    }


def measure(diarizer: Any, wav: Path, profile: int, tiles: Sequence[int]) -> dict[str, Any]:
    """Load ``wav`` as the pipeline does and diarize it with every stage timed."""
    from pipeline.config import load_config
    from pipeline.media import MediaOptions, bounded_residency, load_audio

    media = MediaOptions.from_config(load_config().section("media"))
    clock = StageClock()
    originals = {m: getattr(diarizer, m) for m in STAGES}
    for method, name in STAGES.items():
        setattr(diarizer, method, clock.wrap(name, originals[method]))
    profiler = cProfile.Profile() if profile else None
    try:
        decoded = load_audio(wav, media)
        audio_s = decoded.samples.shape[1] / decoded.sample_rate
        with bounded_residency(decoded, media.spool_release_s):
            w0, c0, m0 = time.perf_counter(), time.process_time(), machine_busy_s()
            if profiler is not None:
                profiler.enable()
            result = diarizer.diarize(decoded.samples, decoded.sample_rate)
            if profiler is not None:
                profiler.disable()
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            others = max(0.0, machine_busy_s() - m0 - cpu)
    finally:
        for method in STAGES:
            delattr(diarizer, method)  # the class's own methods again
    segments = synthetic_segments(result.turns)
    passes = [word_passes(result.turns, k, audio_s) for k in tiles]
    row: dict[str, Any] = {
        "audio_min": round(audio_s / 60, 2),
        "spooled": decoded.spool is not None,
        "regions": result.info.get("regions"),
        "windows": result.info.get("windows"),
        "turns": len(result.turns),
        "speakers": result.num_speakers,
        "words": sum(len(s.words) for s in segments),
        # to tell whether two runs (another thread count, another commit) gave the same turns
        "turns_sha1": hashlib.sha1(
            json.dumps([t.to_dict() for t in result.turns]).encode()
        ).hexdigest()[:12],
        "torch_threads": diarizer.options.torch_threads,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        # cores' worth of CPU that other processes used meanwhile (2 = the whole machine here)
        "others_cores": round(others / wall, 2) if wall > 0 else 0.0,
        "stage_wall_s": {k: round(v, 3) for k, v in clock.wall.items()},
        "stage_cpu_s": {k: round(v, 3) for k, v in clock.cpu.items()},
        "word_passes": passes,
    }
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(profile)
        row["profile"] = out.getvalue()
    return row


def compare_threads(
    diarizer: Any, wav: Path, threads: Sequence[int], repeats: int
) -> list[dict[str, Any]]:
    """The embedding pass (the only stage on torch's thread pool) on the same windows with each
    thread count in turn, alternating, so that load drifting over the run hits every count alike.

    Why: two OpenMP threads on a 2-core machine that other processes share wait for each other at
    every parallel region; a stage on one thread only loses the CPU share the others take.
    ``max_abs_diff`` is the largest difference of an embedding from the first run's.
    """
    import numpy as np

    from detectors.blocks import downmix
    from pipeline.config import load_config
    from pipeline.media import MediaOptions, bounded_residency, load_audio

    media = MediaOptions.from_config(load_config().section("media"))
    decoded = load_audio(wav, media)
    audio_min = decoded.samples.shape[1] / decoded.sample_rate / 60
    torch = diarizer._torch
    runs: list[dict[str, Any]] = []
    reference: np.ndarray | None = None
    try:
        with bounded_residency(decoded, media.spool_release_s):
            mono = downmix(decoded.samples)
            windows = diarizer.windows(diarizer.speech_regions(mono))
            for _ in range(repeats):
                for k in threads:
                    torch.set_num_threads(k)
                    w0, c0, m0 = time.perf_counter(), time.process_time(), machine_busy_s()
                    emb = diarizer.embed(mono, windows)
                    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
                    others = max(0.0, machine_busy_s() - m0 - cpu)
                    if reference is None:
                        reference = emb
                    run = {
                        "threads": k,
                        "s_per_audio_min": round(wall / audio_min, 3),
                        "cpu_s_per_audio_min": round(cpu / audio_min, 3),
                        "others_cores": round(others / wall, 2),
                        "max_abs_diff": float(np.abs(emb - reference).max()),
                    }
                    logger.info("threads: %s", run)
                    runs.append(run)
    finally:
        torch.set_num_threads(diarizer.options.torch_threads)
    return runs


def table(rows: list[dict[str, Any]]) -> str:
    """Seconds per audio minute, wall (CPU), per stage and in total: one column per length."""
    names = ["total", *STAGES.values()]
    head = ["stage (s per audio min)"] + [f"{r['audio_min']:g} min" for r in rows]
    lines = [" | ".join(head)]
    for name in names:
        cells = [name]
        for r in rows:
            m = r["audio_min"]
            if name == "total":
                cells.append(f"{r['wall_s'] / m:.3f} ({r['cpu_s'] / m:.3f})")
            elif name in r["stage_wall_s"]:
                cpu = r["stage_cpu_s"].get(name)
                wall = r["stage_wall_s"][name] / m
                cells.append(f"{wall:.3f}" + (f" ({cpu / m:.3f})" if cpu is not None else ""))
            else:
                cells.append("-")
        lines.append(" | ".join(cells))
    for key in (
        "others_cores",
        "torch_threads",
        "turns_sha1",
        "regions",
        "windows",
        "turns",
        "speakers",
        "words",
    ):
        lines.append(" | ".join([key, *(str(r[key]) for r in rows)]))
    lines.append("")
    lines.append("audio min | turns | words | attribution s | recovery count s (per audio min)")
    for r in rows:
        for w in r["word_passes"]:
            m = w["audio_min"]
            lines.append(
                f"{m:g} | {w['turns']} | {w['words']} | {w['attribution_s']:.3f}"
                f" ({w['attribution_s'] / m:.4f}) | {w['recovery_count_s']:.3f}"
                f" ({w['recovery_count_s'] / m:.4f})"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    p.add_argument("--lengths", type=float, nargs="+", default=[10.0, 20.0, 40.0, 80.0])
    p.add_argument("--json", type=Path, help="also write the rows here")
    p.add_argument(
        "--profile", type=int, default=0, help="print the top N functions (tottime) of each length"
    )
    p.add_argument(
        "--workdir", type=Path, help="where the WAVs are written (default: a temp dir, removed)"
    )
    p.add_argument(
        "--compare-threads",
        type=int,
        nargs="+",
        metavar="N",
        help="instead: time the embedding pass with each torch thread count, alternating",
    )
    p.add_argument(
        "--tile",
        type=int,
        nargs="+",
        default=[1],
        help="also time attribution and recovery's word count on each length's turns repeated"
        " this many times",
    )
    p.add_argument("--repeats", type=int, default=3, help="rounds of --compare-threads")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    from detectors.diarization.base import DiarizationOptions
    from detectors.diarization.embedded import EmbeddedDiarizer
    from pipeline.bench import REAL_MANDARIN, _load_real, write_looped
    from pipeline.config import load_config

    options = DiarizationOptions.from_config(load_config().section("diarization"))
    t0 = time.perf_counter()
    diarizer = EmbeddedDiarizer(options.embedded)
    logger.info("embedded diarizer loaded in %.1f s", time.perf_counter() - t0)
    base = _load_real(REAL_MANDARIN)
    logger.info("base audio: %.1f s, looped", base.shape[0] / 16000)
    rows = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        if args.compare_threads:
            wav = write_looped(Path(tmp) / "threads.wav", base, args.lengths[0] * 60)
            runs = compare_threads(diarizer, wav, args.compare_threads, args.repeats)
            for k in args.compare_threads:
                mine = [r for r in runs if r["threads"] == k]
                logger.info(
                    "%d thread(s): s per audio min %s; others' cores %s; max |diff| %.2g",
                    k,
                    [r["s_per_audio_min"] for r in mine],
                    [r["others_cores"] for r in mine],
                    max(r["max_abs_diff"] for r in mine),
                )
            if args.json:
                args.json.write_text(json.dumps(runs, indent=1), encoding="utf-8")
            return 0
        for minutes in args.lengths:
            wav = write_looped(Path(tmp) / f"loop_{minutes:g}min.wav", base, minutes * 60)
            row = measure(diarizer, wav, args.profile, args.tile)
            os.unlink(wav)
            logger.info("%g min: %s", minutes, {k: v for k, v in row.items() if k != "profile"})
            if "profile" in row:
                logger.info("profile, %g min:\n%s", minutes, row["profile"])
            rows.append(row)
    logger.info("load average after: %s", os.getloadavg())
    logger.info("\n%s", table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
