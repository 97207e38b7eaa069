"""Share of speech time covered by words, before and after re-decoding word-less speech regions.

Body-cam scenes from the dev set plus the demo body-cam sample, synthesised with the party (every
far voice) 10 and 20 dB quieter than the wearer. For each scene: ASR over the mix, diarization (the
source's configured backend), then :func:`pipeline.recovery.recover_speech`. Coverage is measured on
the REFERENCE turns (where speech really is), overall and for the far voices alone.

    .venv/bin/python scripts/bench_recovery.py [--per-source 3] [--gains 10 20]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

logger = logging.getLogger("vigil.scripts")
EVAL_DIR = ROOT.parent / "shared" / "eval" / "dev"
DEMO = ROOT / "samples" / "bodycam-parking-dispute.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-source", type=int, default=3)
    parser.add_argument("--gains", type=float, nargs="+", default=[10.0, 20.0])
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)

    from detectors.types import SpeakerTurn
    from evaluation.synthesis import SynthesisOptions, synthesize_scenario
    from pipeline.analyzer import Pipeline
    from pipeline.recovery import recover_speech, word_coverage

    pipe = Pipeline.from_config()
    base = SynthesisOptions.from_config(None)
    paths = [DEMO, *sorted(EVAL_DIR.glob("dev-bodycam-*.json"))[: args.per_source]]
    scenarios = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    out = sys.stdout
    out.write(
        f"{'scene':28} {'far dB':>6} {'all before':>10} {'all after':>9} "
        f"{'far before':>10} {'far after':>9} {'redecoded':>9} {'left':>4}\n"
    )
    totals: dict[float, list[tuple[float, float, float, float]]] = {g: [] for g in args.gains}
    for gain in args.gains:
        scene = base.scenes["bodycam"].model_copy(update={"far_gain_db": -gain})
        opts = base.model_copy(update={"scenes": {**base.scenes, "bodycam": scene}})
        for path, sc in zip(paths, scenarios, strict=True):
            rec = synthesize_scenario(sc["turns"], "bodycam", options=opts)
            mono = rec.audio[0]
            segments, _ = pipe.asr.transcribe(mono, sample_rate=rec.sample_rate)
            segments = list(segments)
            diar = pipe.diarization.diarize(rec.audio, rec.sample_rate, source="bodycam")
            result = recover_speech(
                pipe.asr, mono, rec.sample_rate, segments, diar.turns, pipe._recovery_options
            )
            after = [*segments, *result.segments]
            ref = [SpeakerTurn(t.start, t.end, t.speaker) for t in rec.reference]
            far = [
                SpeakerTurn(t.start, t.end, t.speaker) for t in rec.reference if t.role != "officer"
            ]
            row = (
                word_coverage(ref, segments),
                word_coverage(ref, after),
                word_coverage(far, segments),
                word_coverage(far, after),
            )
            totals[gain].append(row)
            out.write(
                f"{path.stem[:28]:28} {-gain:6.0f} {row[0]:10.3f} {row[1]:9.3f} {row[2]:10.3f} "
                f"{row[3]:9.3f} {len(result.redecoded):9d} {len(result.unrecovered):4d}\n"
            )
            out.flush()
    for gain, rows in totals.items():
        m = np.mean(np.array(rows), axis=0)
        out.write(f"{'MEAN':28} {-gain:6.0f} {m[0]:10.3f} {m[1]:9.3f} {m[2]:10.3f} {m[3]:9.3f}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
