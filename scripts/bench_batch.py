"""Benchmark the Ray batch: audio hours per wall hour with 1 and 2 workers, scaling efficiency, and
full-pipeline time against ASR-only time on the same files, plus a sizing projection.

The files are synthetic two-speaker Mandarin body-cam clips (the test voice, as in the tests) placed in a
temporary local store. Throughput is steady state: Ray start-up and model loading are timed
separately and excluded (an actor loads once and then runs for hours). ASR-only is decode + Whisper on
the same files in one process with the same thread count as one worker.

    .venv/bin/python scripts/bench_batch.py --clips 8 --out var/bench_batch.json
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.offline import pin_offline  # noqa: E402
from pipeline.batch import run_batch  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.store import LocalStore, raw_key  # noqa: E402

logger = logging.getLogger("vigil.bench")

LINES = [
    ("你好，我是城关派出所民警，这是我的警官证。", "好的，警官，有什么事吗？"),
    ("有人报警说这里有人打架，请你说一下情况。", "是他先动手的，我只是推了他一下。"),
    ("请出示一下你的身份证，我们需要登记。", "身份证在车里，我去拿一下。"),
    ("你的电动车是什么时候丢的？", "昨天晚上十点左右，停在小区门口。"),
    ("现在对你进行询问，你要如实回答。", "我知道了，我会配合的。"),
    ("请你冷静一点，不要大声喧哗。", "我很冷静，是他们太过分了。"),
    ("这个事情我们会调查清楚，请留下电话。", "我的电话是一三八零零一二三四五六。"),
    ("你现在可以离开了，有情况再联系你。", "谢谢警官，麻烦你们了。"),
]


def make_clips(n: int, out: Path) -> list[Path]:
    from evaluation.synthesis import synthesize_scenario, write_wav

    paths = []
    for i in range(n):
        a, b = LINES[i % len(LINES)]
        c, d = LINES[(i + 3) % len(LINES)]
        turns = [
            {"speaker": "A", "role": "officer", "text": a},
            {"speaker": "B", "role": "party", "text": b},
            {"speaker": "A", "role": "officer", "text": c},
            {"speaker": "B", "role": "party", "text": d},
        ]
        rec = synthesize_scenario(turns, "bodycam", seed=100 + i)
        paths.append(write_wav(out / f"bench{i:03d}.wav", rec.audio, rec.sample_rate))
    return paths


def asr_only(paths: list[Path], threads: int) -> dict[str, float]:
    """Decode + Whisper only, one process, ``threads`` CPU threads, model loaded beforehand."""
    import numpy as np

    from detectors.asr import AsrDetector, AsrOptions
    from pipeline.media import MediaOptions, load_audio

    cfg = load_config(overrides={"asr.cpu_threads": threads})
    media = MediaOptions.from_config(cfg.section("media"))
    asr = AsrDetector(AsrOptions.from_config(cfg.section("asr")))
    warm = np.zeros(16000, dtype=np.float32)
    list(asr.transcribe(warm)[0])
    decode = transcribe = audio = 0.0
    for p in paths:
        t0 = time.perf_counter()
        decoded = load_audio(p, media)
        t1 = time.perf_counter()
        x = decoded.samples
        mono = x.mean(axis=0) if x.shape[0] > 1 else x[0]
        list(asr.transcribe(np.ascontiguousarray(mono, dtype=np.float32))[0])
        t2 = time.perf_counter()
        decode += t1 - t0
        transcribe += t2 - t1
        audio += x.shape[1] / decoded.sample_rate
    return {
        "audio_s": audio,
        "decode_s": decode,
        "asr_s": transcribe,
        "total_s": decode + transcribe,
    }


def batch_run(store_url: str, workers: int, threads: int) -> dict[str, object]:
    cfg = load_config(
        overrides={"batch.cpu_threads": threads, "batch.progress": False, "batch.workers": workers}
    )
    t0 = time.perf_counter()
    report = run_batch("raw/", config=cfg, store_url=store_url, workers=workers, force=True)
    total = time.perf_counter() - t0
    if report.failed:
        raise SystemExit(f"bench: {len(report.failed)} recordings failed: {report.failed[0]}")
    return {
        "workers": workers,
        "threads_per_worker": threads,
        "files": report.processed,
        "audio_s": report.audio_seconds,
        "wall_s": report.wall_seconds,
        "startup_s": round(total - report.wall_seconds, 2),
        "audio_h_per_wall_h": report.audio_hours_per_wall_hour,
        "real_time_factor": report.real_time_factor,
        "stage_s": dict(report.stage_seconds),
    }


def projection(per_core_ahpwh: float, gpu_ahpwh_assumed: float) -> dict[str, object]:
    """Nodes for a district (95 audio h/day) and a city (16 districts), at 70 % utilisation."""
    util = 0.7
    out: dict[str, object] = {"utilisation": util, "assumptions": {}}
    for name, daily in (("district", 95.0), ("city_16_districts", 95.0 * 16)):
        need_per_hour = daily / 24.0
        cpu_node = per_core_ahpwh * 16 * util  # a 16-core node, actors of 1 core
        gpu_node = gpu_ahpwh_assumed * util
        out[name] = {
            "audio_h_per_day": daily,
            "cpu_16core_nodes": math.ceil(need_per_hour / cpu_node),
            "gpu_nodes": math.ceil(need_per_hour / gpu_node),
        }
    out["assumptions"] = {
        "cpu_node": "16 cores, one 1-thread actor per core, per-core rate measured here",
        "gpu_node_audio_h_per_wall_h": gpu_ahpwh_assumed,
        "gpu_note": "NOT measured (no GPU here): assumed for one GPU running Whisper in float16",
    }
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clips", type=int, default=8, help="synthetic clips (~10 s each)")
    p.add_argument("--threads", type=int, default=1, help="threads per worker")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument(
        "--gpu-ahpwh",
        type=float,
        default=300.0,
        help="assumed audio hours per wall hour of one GPU node, for the projection only",
    )
    p.add_argument("--out", type=Path, default=None, help="write the results JSON here")
    args = p.parse_args(argv)

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    logger.setLevel(logging.INFO)
    pin_offline()

    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as tmp:
        tmpd = Path(tmp)
        clips = make_clips(args.clips, tmpd)
        store = LocalStore(tmpd / "store")
        for c in clips:
            store.put_file(raw_key(c.stem, c.name), c, "audio/wav", {"source": "bodycam"})
        runs = []
        for w in args.workers:
            r = batch_run(str(tmpd / "store"), w, args.threads)
            logger.info(
                "%d worker(s) x %d thread(s): %.1f audio s in %.1f s wall -> %.1f audio h/h",
                w,
                args.threads,
                r["audio_s"],
                r["wall_s"],
                r["audio_h_per_wall_h"],
            )
            runs.append(r)
        asr = asr_only(clips, args.threads)
    one = next((r for r in runs if r["workers"] == 1), runs[0])
    many = max(runs, key=lambda r: r["workers"])
    eff = None
    if many is not one:
        eff = many["audio_h_per_wall_h"] / (many["workers"] * one["audio_h_per_wall_h"])
    ratio = one["wall_s"] / asr["total_s"]
    per_core = many["audio_h_per_wall_h"] / (many["workers"] * args.threads)
    results = {
        "machine": {"cpus": os.cpu_count()},
        "clips": len(clips),
        "runs": runs,
        "scaling_efficiency": eff,
        "asr_only": asr,
        "full_over_asr_only": ratio,
        "projection": projection(per_core, args.gpu_ahpwh),
    }
    logger.info("scaling efficiency %s, full pipeline / ASR-only = %.2f", eff, ratio)
    text = json.dumps(results, indent=1, ensure_ascii=False)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    logger.info("%s", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
