"""Per-stage real-time factor of the full pipeline on this machine.

Synthesises scenario scripts (default: the bundled samples plus a few shared dev scenarios of each
source), runs ``Pipeline.run`` on each after a warm-up (models loaded once, as in a worker), and prints
for every stage the seconds spent per second of audio and how many times faster than real time it runs.

    .venv/bin/python scripts/bench_pipeline.py [--dev ../shared/eval/dev] [--per-source 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.types import IncidentRecord  # noqa: E402
from evaluation.synthesis import synthesize_scenario, write_wav  # noqa: E402
from pipeline.analyzer import Pipeline  # noqa: E402

logger = logging.getLogger("vigil.bench")


def _scenarios(dev: Path | None, per_source: int) -> list[dict]:
    out = [
        json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "samples").glob("*.json"))
    ]
    if dev is not None and dev.is_dir():
        counts: dict[str, int] = {}
        for p in sorted(dev.glob("*.json")):
            sc = json.loads(p.read_text(encoding="utf-8"))
            if counts.get(sc["source"], 0) < per_source:
                counts[sc["source"]] = counts.get(sc["source"], 0) + 1
                out.append(sc)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    ap.add_argument("--per-source", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)

    pipe = Pipeline.from_config()
    scenarios = _scenarios(args.dev, args.per_source)
    stages: dict[str, float] = {}
    audio_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        wavs = []
        for sc in scenarios:
            rec = synthesize_scenario(sc["turns"], sc["source"], options=None)
            wavs.append((write_wav(Path(tmp) / f"{sc['id']}.wav", rec.audio, rec.sample_rate), sc))
        # warm-up: load every model once, as a long-lived worker does
        for src in sorted({sc["source"] for _, sc in wavs}):
            wav, sc = next((w, s) for w, s in wavs if s["source"] == src)
            pipe.run(wav, source=sc["source"])
        t0 = time.perf_counter()
        for wav, sc in wavs:
            inc = sc.get("incident")
            doc = pipe.run(
                wav, source=sc["source"], incident=IncidentRecord.from_dict(inc) if inc else None
            )
            audio_s += doc.recording.duration
            for k, v in doc.timings.items():
                stages[k] = stages.get(k, 0.0) + v
        wall = time.perf_counter() - t0
    logger.info("%d recordings, %.1f s of audio, %.1f s wall", len(wavs), audio_s, wall)
    logger.info("%-12s %10s %12s %14s", "stage", "seconds", "s per audio s", "x real time")
    for k, v in sorted(stages.items(), key=lambda kv: -kv[1]):
        logger.info(
            "%-12s %10.2f %12.4f %14.1f", k, v, v / audio_s, audio_s / v if v else float("inf")
        )
    logger.info("%-12s %10.2f %12.4f %14.1f", "total", wall, wall / audio_s, audio_s / wall)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
