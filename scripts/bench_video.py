"""Benchmark the video pass: real-time factor on generated 720p body-cam video, and peak memory for a
short clip vs one 4x longer (the pass streams, so memory must stay flat).

Usage: .venv/bin/python scripts/bench_video.py [--seconds 20] [--fps 30] [--workdir /tmp/vigil-bench]

Each analysis runs in its own child process so its peak RSS (ru_maxrss) is its own. The clip is the
scripted body-cam scene from tests/utils/video.py (calm, pans, shakes, black and frozen stretches),
encoded with libx264 preset ``veryfast`` (B-frames, CABAC: like a camera's main profile) plus AAC.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

logger = logging.getLogger("vigil.bench")


def _script(seconds: float, fps: float):  # noqa: ANN202 - test factory type lives in tests/
    from tests.utils.video import Script, Segment

    segs = []
    t = 0.0
    pattern = [
        ("calm", 4.0),
        ("pan", 4.0),
        ("shake", 3.0),
        ("calm", 3.0),
        ("black", 2.0),
        ("frozen", 3.0),
    ]
    while t < seconds:
        for kind, length in pattern:
            end = min(seconds, t + length)
            if end > t:
                segs.append(Segment(t, end, kind))
            t = end
    return Script(
        duration=seconds,
        segments=tuple(s for s in segs if s.kind != "calm"),
        silences=((seconds * 0.3, seconds * 0.3 + 2.0),),
        seed=42,
        width=1280,
        height=720,
        fps=fps,
    )


def _make(path: Path, seconds: float, fps: float) -> Path:
    from tests.utils.video import Renderer, write_video

    if path.is_file() and path.stat().st_size > 0:
        return path
    script = _script(seconds, fps)
    tmp = path.with_suffix(".tmp.mp4")
    t0 = time.perf_counter()
    # veryfast has B-frames and CABAC, like a camera's main-profile H.264
    write_video(tmp, script, frame_fn=Renderer(script).frame, crf=23, preset="veryfast")
    tmp.rename(path)
    logger.info(
        "generated %s (%.0fs of 720p) in %.1fs", path.name, seconds, time.perf_counter() - t0
    )
    return path


def _child(path: str) -> None:
    """Analyse one file with the default config; write one JSON line with timing and peak RSS."""
    from detectors.video import VideoDetector
    from pipeline.config import load_config

    detector = VideoDetector(load_config().section("video"))
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    result = detector.analyze(path, source="bodycam")
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.write(
        json.dumps(
            {
                "file": Path(path).name,
                "duration": result.duration,
                "wall_s": round(wall, 3),
                "rtf": round(result.duration / wall, 2),
                "cpu_s": round(cpu, 3),
                "rtf_cpu": round(result.duration / max(cpu, 1e-9), 2),
                "load": round(os.getloadavg()[0], 2),
                "frames_analyzed": result.frames_analyzed,
                "events": len(result.events),
                "keyframes": len(result.keyframes),
                "peak_rss_mb": round(peak_kb / 1024, 1),
                "timings": {k: round(v, 3) for k, v in result.timings.items()},
            }
        )
        + "\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the short clip")
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/vigil-bench"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return 0
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    args.workdir.mkdir(parents=True, exist_ok=True)
    short = _make(args.workdir / f"bench720_{int(args.seconds)}s.mp4", args.seconds, args.fps)
    long = _make(
        args.workdir / f"bench720_{int(args.seconds * 4)}s.mp4", args.seconds * 4, args.fps
    )
    rows = []
    for path in (short, long):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(path)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    for r in rows:
        sys.stdout.write(
            f"{r['file']}: {r['duration']:.1f}s 720p@{args.fps:g}fps analysed at 5 fps in "
            f"{r['wall_s']:.2f}s wall -> real-time factor {r['rtf']:.1f}x (load avg {r['load']}); "
            f"{r['cpu_s']:.2f} CPU-s -> {r['rtf_cpu']:.1f}x per CPU-second; "
            f"peak RSS {r['peak_rss_mb']:.0f} MB; "
            f"{r['frames_analyzed']} frames, {r['events']} events; timings {r['timings']}\n"
        )
    if args.json is not None:
        args.json.write_text(json.dumps({"runs": rows}, indent=1) + "\n", encoding="utf-8")
    growth = rows[1]["peak_rss_mb"] - rows[0]["peak_rss_mb"]
    sys.stdout.write(
        f"memory: 4x longer video -> peak RSS {rows[0]['peak_rss_mb']:.0f} -> "
        f"{rows[1]['peak_rss_mb']:.0f} MB ({growth:+.0f} MB); cpu cores: {os.cpu_count()}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
