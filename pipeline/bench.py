"""``vigil bench``: throughput and memory figures from one run on the same files.

Why one command: ratios are only comparable when measured side by side on the same machine under the
same load (this project's machines are shared), so every part of the report comes from one run and
the report records the load average. Parts:

- ``asr``: raw faster-whisper on a real Mandarin file (the shared real samples joined and looped to
  ``--seconds``), batched and greedy, without and with word timestamps; then Vigil's full pipeline on
  the same file, warm; ratio full / raw and per-stage seconds.
- ``memory``: peak RSS of the full pipeline, each length in a fresh process, against recording length
  (5, 20, 60 and 180 minutes by default), with its anonymous and file-backed parts.
- ``video``, ``batch``, ``api``: ``scripts/bench_video.py`` (720p x real time),
  ``scripts/bench_batch.py`` (Ray 1 -> 2 workers) and ``scripts/bench_api.py`` (queue p95 at 100k
  incidents) run as child processes; the API benchmark lives above the pipeline in the import order,
  so it is run, not imported.

Not a test: CI never runs it (minutes of CPU; the figures depend on the machine).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import VigilError

logger = logging.getLogger("vigil.bench")

ROOT = Path(__file__).resolve().parent.parent
REAL_MANDARIN = ROOT.parent / "shared" / "data" / "real" / "mandarin"
PARTS = ("asr", "memory", "video", "batch", "api")
# 5, 20, 60 and 180 minutes: issue 15's target is a 3-hour file within 2 GB
MEMORY_LENGTHS = (300.0, 1200.0, 3600.0, 10800.0)
SR = 16000
# what the defaults were before batched decoding and overlapped diarization (issue 15)
BEFORE: dict[str, Any] = {"asr.batch_size": 1, "analysis.overlap_diarization": False}


def _load_real(data: Path) -> np.ndarray:
    """The shared real Mandarin samples, joined with one second of silence after each."""
    from .config import load_config
    from .media import MediaOptions, load_audio

    media = MediaOptions.from_config(load_config().section("media"))
    with open(data / "references.tsv", encoding="utf-8") as fh:
        names = [row["file"] for row in csv.DictReader(fh, delimiter="\t")]
    if not names:
        raise ValueError(f"no files listed in {data / 'references.tsv'}")
    gap = np.zeros(SR, dtype=np.float32)
    return np.concatenate([x for n in names for x in (load_audio(data / n, media).mono(), gap)])


def write_looped(path: Path, base: np.ndarray, seconds: float) -> Path:
    """``base`` repeated to ``seconds`` as 16 kHz PCM16 mono WAV, written piece by piece (flat memory)."""
    pcm = (np.clip(base, -1.0, 1.0) * 32767.0).round().astype("<i2")
    left = int(seconds * SR)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        while left > 0:
            piece = pcm[:left]
            w.writeframes(piece.tobytes())
            left -= piece.shape[0]
    return path


@dataclass
class _Clock:
    """Wall and process CPU seconds of one timed block (set when the block ends).

    Why CPU beside the wall: the pipeline cannot finish before its CPU divided by the cores, whatever
    overlaps, so the CPU split says which part to make cheaper (threads that spin while they wait
    count too: it is not a load-free figure)."""

    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def _clock() -> Iterator[_Clock]:
    c = _Clock()
    c0, t0 = time.process_time(), time.perf_counter()
    try:
        yield c
    finally:
        c.wall, c.cpu = time.perf_counter() - t0, time.process_time() - c0


def _raw_asr(model: Any, audio: np.ndarray, asr: Any, *, words: bool) -> tuple[_Clock, int]:
    """faster-whisper alone: batched, greedy, VAD as configured; its clock and segment count."""
    from faster_whisper import BatchedInferencePipeline

    o = asr.options
    with _clock() as c:
        segs, _ = BatchedInferencePipeline(model=model).transcribe(
            audio,
            batch_size=o.batch_size if o.batch_size > 1 else 8,
            language=o.language,
            beam_size=1,
            temperature=0.0,
            word_timestamps=words,
            vad_filter=True,
            vad_parameters={
                "threshold": o.vad_threshold,
                "min_silence_duration_ms": o.vad_min_silence_ms,
                "speech_pad_ms": o.vad_speech_pad_ms,
            },
        )
        n = len(list(segs))
    return c, n


def bench_asr(data: Path, seconds: float, workdir: Path) -> dict[str, Any]:
    """Raw batched ASR against the full pipeline on one real file, models warm."""
    from .analyzer import Pipeline

    base = _load_real(data)
    path = write_looped(workdir / f"real_mandarin_{int(seconds)}s.wav", base, seconds)
    audio = np.concatenate([base] * int(np.ceil(seconds * SR / base.shape[0])))[: int(seconds * SR)]
    pipe = Pipeline.from_config()
    warm = write_looped(workdir / "warm.wav", base, min(20.0, seconds))
    pipe.run(warm, source="bodycam")  # loads every model once, as a long-lived worker does
    model = pipe.asr.model
    raw, raw_n = _raw_asr(model, audio, pipe.asr, words=False)
    raw_words, _ = _raw_asr(model, audio, pipe.asr, words=True)
    with _clock() as vigil_asr:
        vigil_asr_n = len(list(pipe.asr.transcribe(audio)[0]))
    with _clock() as full:
        doc = pipe.run(path, source="bodycam")
    timings = dict(doc.timings)
    # the diarizer on its own, nothing beside it: what it costs when it does not share the cores
    # with Whisper (in the pipeline it runs beside ASR, so its own wall time there is mostly waiting)
    with _clock() as diarizer:
        pipe.diarization.diarize(audio, SR, source="bodycam")
    # the previous defaults (sequential decoding, diarization after ASR) on the same file, same run
    before = Pipeline.from_config(overrides=BEFORE)
    before.run(warm, source="bodycam")
    with _clock() as earlier:
        before_doc = before.run(path, source="bodycam")
    return {
        "file": path.name,
        "audio_s": round(seconds, 1),
        "raw_batched_asr_s": round(raw.wall, 2),
        "raw_batched_asr_words_s": round(raw_words.wall, 2),
        "word_timestamps_cost": round(raw_words.wall / raw.wall, 3),
        "vigil_asr_s": round(vigil_asr.wall, 2),
        "vigil_asr_over_raw": round(vigil_asr.wall / raw.wall, 3),
        "full_pipeline_s": round(full.wall, 2),
        "full_over_raw": round(full.wall / raw.wall, 3),
        "full_x_real_time": round(seconds / full.wall, 2),
        "raw_x_real_time": round(seconds / raw.wall, 2),
        "diarization_share": round(timings.get("diarization", 0.0) / full.wall, 3),
        "diarization_alone_s": round(diarizer.wall, 2),
        "diarization_alone_share": round(diarizer.wall / full.wall, 3),
        "cpu": {
            "raw_batched_asr_s": round(raw.cpu, 2),
            "vigil_asr_s": round(vigil_asr.cpu, 2),
            "vigil_asr_over_raw": round(vigil_asr.cpu / raw.cpu, 3),
            "full_pipeline_s": round(full.cpu, 2),
            "full_over_raw": round(full.cpu / raw.cpu, 3),
            "diarization_alone_s": round(diarizer.cpu, 2),
            "diarization_share": round(diarizer.cpu / full.cpu, 3),
            "cores": os.cpu_count(),
        },
        "not_asr_share": round((full.wall - timings.get("asr", 0.0)) / full.wall, 3),
        "segments": {"raw": raw_n, "vigil_asr": vigil_asr_n, "pipeline": len(doc.segments)},
        "stages": timings,
        "before": {
            "settings": BEFORE,
            "full_pipeline_s": round(earlier.wall, 2),
            "full_over_raw": round(earlier.wall / raw.wall, 3),
            "diarization_share": round(
                before_doc.timings.get("diarization", 0.0) / earlier.wall, 3
            ),
            "stages": dict(before_doc.timings),
        },
    }


def _rss_child(path: str) -> None:
    """Run the full pipeline on one file in this (fresh) process; print one JSON line.

    Besides the kernel's peak RSS, the peaks of its two parts are sampled every 50 ms from
    ``/proc/self/status``: ``RssAnon`` (the process's own memory) and ``RssFile`` (mapped files:
    the libraries and the spooled audio of a long recording, all of it reclaimable page cache).
    """
    import threading

    from .analyzer import Pipeline

    peaks = {"RssAnon": 0, "RssFile": 0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            with open("/proc/self/status", encoding="ascii") as fh:
                for line in fh:
                    key = line.split(":", 1)[0]
                    if key in peaks:
                        peaks[key] = max(peaks[key], int(line.split()[1]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    doc = Pipeline.from_config().run(path, source="bodycam")
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = {
        "audio_s": doc.recording.duration,
        "wall_s": round(wall, 2),
        "x_real_time": round(doc.recording.duration / wall, 2),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "peak_anon_mb": round(peaks["RssAnon"] / 1024, 1),
        "peak_file_mb": round(peaks["RssFile"] / 1024, 1),
        "segments": len(doc.segments),
        "truncated": doc.recording.truncated,
        "declared_s": doc.recording.declared_duration,
        "stages": dict(doc.timings),
    }
    sys.stdout.write(json.dumps(out) + "\n")


def cut_wav(path: Path, keep: float) -> Path:
    """Cut ``path``'s audio data to its first ``keep`` share, leaving the RIFF header's declared
    length as it was: a recording whose last part was lost (a camera whose battery died mid-write)."""
    with wave.open(str(path), "rb") as w:
        frames = w.getnframes()
        header = path.stat().st_size - frames * w.getsampwidth() * w.getnchannels()
        frame_bytes = w.getsampwidth() * w.getnchannels()
    with path.open("r+b") as fh:
        fh.truncate(header + int(frames * keep) * frame_bytes)
    return path


def bench_memory(
    data: Path, lengths: Sequence[float], workdir: Path, *, keep: float = 1.0
) -> dict[str, Any]:
    """Peak RSS of the full pipeline against recording length, one fresh process per length;
    ``keep`` < 1 cuts each file's data to that share (a truncated recording, header intact)."""
    base = _load_real(data)
    rows = []
    for seconds in lengths:
        path = write_looped(workdir / f"rss_{int(seconds)}s.wav", base, seconds)
        if keep < 1.0:
            cut_wav(path, keep)
        out = subprocess.run(
            [sys.executable, "-m", "pipeline.bench", "--rss-child", str(path)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if out.returncode != 0:
            # the child's own error is the finding (a 3-hour run that dies must say why, not
            # only that it exited 1); its last lines name the exception
            path.unlink(missing_ok=True)
            tail = " | ".join(line.strip() for line in out.stderr.strip().splitlines()[-4:])
            raise VigilError(
                f"memory run of {seconds:.0f} s failed (exit {out.returncode}): {tail}"
            )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        path.unlink()
        logger.info("memory: %s", rows[-1])
    # between the two longest runs: a short recording is analysed differently (in RAM, diarization
    # beside ASR), so the slope from the shortest one would mix two regimes
    slope = None
    if len(rows) > 1:
        d_audio = rows[-1]["audio_s"] - rows[-2]["audio_s"]
        slope = (rows[-1]["peak_rss_mb"] - rows[-2]["peak_rss_mb"]) / (d_audio / 3600.0)
    return {
        "runs": rows,
        "mb_per_audio_hour": round(slope, 1) if slope is not None else None,
        "max_peak_rss_mb": max((r["peak_rss_mb"] for r in rows), default=None),
    }


def _script(name: str, args: Sequence[str], json_path: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(ROOT / "scripts" / name), *args]
    logger.info("running %s", " ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    result: dict[str, Any] = json.loads(json_path.read_text(encoding="utf-8"))
    return result


def run_bench(
    parts: Sequence[str],
    *,
    seconds: float = 240.0,
    lengths: Sequence[float] = MEMORY_LENGTHS,
    data: Path = REAL_MANDARIN,
    api_n: int = 100_000,
    keep: float = 1.0,
) -> dict[str, Any]:
    """Run the requested parts in order; the report carries the load average before and after."""
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise ValueError(f"unknown bench parts {unknown}; choose from {list(PARTS)}")
    report: dict[str, Any] = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        work = Path(tmp)
        if "asr" in parts:
            report["asr"] = bench_asr(data, seconds, work)
        if "memory" in parts:
            report["memory"] = bench_memory(data, lengths, work, keep=keep)
        if "video" in parts:
            report["video"] = _script(
                "bench_video.py", ["--json", str(work / "v.json")], work / "v.json"
            )
        if "batch" in parts:
            report["batch"] = _script(
                "bench_batch.py", ["--out", str(work / "b.json")], work / "b.json"
            )
        if "api" in parts:
            report["api"] = _script(
                "bench_api.py",
                ["--n", str(api_n), "--db", "sqlite", "--json", str(work / "a.json")],
                work / "a.json",
            )
    report["load_after"] = os.getloadavg()
    return report


def format_table(report: dict[str, Any]) -> str:
    """The report as the README's table: one line per figure."""
    rows: list[tuple[str, str]] = [
        (
            "cpus / load before -> after",
            f"{report['cpus']} / {report['load_before'][0]:.1f} -> {report['load_after'][0]:.1f}",
        )
    ]
    if a := report.get("asr"):
        rows += [
            ("file", f"{a['file']} ({a['audio_s']} s, real Mandarin)"),
            (
                "raw batched ASR (no words)",
                f"{a['raw_batched_asr_s']} s ({a['raw_x_real_time']}x rt)",
            ),
            (
                "raw batched ASR + word times",
                f"{a['raw_batched_asr_words_s']} s (x{a['word_timestamps_cost']})",
            ),
            ("Vigil ASR / raw", f"{a['vigil_asr_over_raw']}"),
            ("full pipeline", f"{a['full_pipeline_s']} s ({a['full_x_real_time']}x rt)"),
            ("full pipeline / raw batched ASR", f"{a['full_over_raw']}"),
            ("diarization share (in its thread)", f"{a['diarization_share']}"),
            (
                "diarization alone / full wall",
                f"{a['diarization_alone_s']} s / {a['diarization_alone_share']}",
            ),
            (
                "diarization wait after ASR / wall",
                f"{a['stages'].get('diarization_wait', 0.0) / a['full_pipeline_s']:.3f}",
            ),
            ("non-ASR share of wall", f"{a['not_asr_share']}"),
            (
                "process CPU: raw ASR / full pipeline",
                f"{a['cpu']['raw_batched_asr_s']} s / {a['cpu']['full_pipeline_s']} s "
                f"(full / raw {a['cpu']['full_over_raw']})",
            ),
            (
                "process CPU: Vigil ASR alone / raw",
                f"{a['cpu']['vigil_asr_s']} s / {a['cpu']['vigil_asr_over_raw']}",
            ),
            (
                "process CPU: diarization alone / share of full",
                f"{a['cpu']['diarization_alone_s']} s / {a['cpu']['diarization_share']}",
            ),
        ]
        rows += [(f"  stage {k}", f"{v:.2f} s") for k, v in sorted(a["stages"].items())]
        b = a["before"]
        rows += [
            ("before: full pipeline", f"{b['full_pipeline_s']} s ({b['settings']})"),
            ("before: full pipeline / raw", f"{b['full_over_raw']}"),
            ("before: diarization share", f"{b['diarization_share']}"),
        ]
    if m := report.get("memory"):
        rows += [
            (
                f"peak RSS at {r['audio_s'] / 60:.0f} min",
                f"{r['peak_rss_mb']} MB (anon {r['peak_anon_mb']}, files {r['peak_file_mb']}; "
                f"{r['wall_s']} s wall, {r['x_real_time']}x rt)"
                + (f"; truncated, {r['declared_s']:.0f} s declared" if r.get("truncated") else ""),
            )
            for r in m["runs"]
        ]
        rows.append(("RSS growth per audio hour (two longest)", f"{m['mb_per_audio_hour']} MB"))
    if v := report.get("video"):
        rows += [
            (f"video {r['file']}", f"{r['rtf']}x rt, {r['peak_rss_mb']} MB") for r in v["runs"]
        ]
    if b := report.get("batch"):
        rows.append(("Ray 1 -> 2 worker efficiency", f"{b['scaling_efficiency']}"))
    if p := report.get("api"):
        rows += [
            (f"API {k} p95 ms ({p['n']} incidents)", f"{v[1]:.1f}") for k, v in p["sqlite"].items()
        ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def main(argv: Sequence[str] | None = None) -> int:
    """Child-process entry for the memory part (``python -m pipeline.bench --rss-child FILE``)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) == 2 and args[0] == "--rss-child":
        logging.basicConfig(level=logging.WARNING)
        _rss_child(args[1])
        return 0
    raise SystemExit("usage: python -m pipeline.bench --rss-child FILE (use `vigil bench`)")


if __name__ == "__main__":
    raise SystemExit(main())
