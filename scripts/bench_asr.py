"""Benchmark ASR: CER per file and overall on the real Mandarin samples, and the real-time factor.

CER follows shared/data/real/MANIFEST.md: Simplified characters, punctuation and spaces removed,
Levenshtein distance over reference length. RTF is transcription wall time / audio duration (model
load and decoding excluded), measured for each requested ``batch_size`` on ``--threads`` CPU threads.

Each run also reports CER with the hypothesis' Arabic numerals read out as spoken Chinese (the
references spell numbers; ``evaluation.speech_text.number_to_chinese``, the reading the test voice uses),
so a right number written as digits is not counted as an error. ``--prompts config none`` compares the
configured ``initial_prompt`` with none.

    .venv/bin/python scripts/bench_asr.py --threads 2 --batch-sizes 1 8 [--prompts config none]
"""

from __future__ import annotations

import argparse
import csv
import logging
import re
import sys
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.asr import AsrDetector, AsrOptions, to_simplified  # noqa: E402
from detectors.offline import pin_offline  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.media import MediaOptions, load_audio  # noqa: E402

logger = logging.getLogger("vigil.bench")
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "real" / "mandarin"


def normalise(text: str) -> str:
    """Simplified characters only: punctuation, spaces and underscores removed."""
    return re.sub(r"[\W_]+", "", to_simplified(text))


def spoken_numerals(text: str, units: str) -> str:
    """Arabic numerals read as spoken Chinese (四平市, not 4平市), as the references write them."""
    from evaluation.speech_text import number_to_chinese

    return re.sub(
        r"\d+(?:\.\d+)?",
        lambda m: number_to_chinese(m.group(0), text[m.end() : m.end() + 1], units),
        text,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder with references.tsv"
    )
    parser.add_argument("--config", type=Path, default=None, help="pipeline YAML (default config)")
    parser.add_argument("--threads", type=int, default=2, help="asr.cpu_threads for the run")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], default=None)
    parser.add_argument("--compute-type", default=None, help="override asr.compute_type")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes; the fastest is kept")
    parser.add_argument(
        "--prompts",
        nargs="+",
        choices=["config", "none"],
        default=["config"],
        help="initial prompt: the configured one, none, or both",
    )
    args = parser.parse_args(argv)

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    logger.setLevel(logging.INFO)
    pin_offline()

    cfg = load_config(args.config)
    media = MediaOptions.from_config(cfg.section("media"))
    base = AsrOptions.from_config(cfg.section("asr"))
    update: dict[str, object] = {"cpu_threads": args.threads}
    if args.device:
        update["device"] = args.device
    if args.compute_type:
        update["compute_type"] = args.compute_type

    with open(args.data / "references.tsv", encoding="utf-8") as fh:
        refs = [(r["file"], r["reference"]) for r in csv.DictReader(fh, delimiter="\t")]
    audio = {name: load_audio(args.data / name, media).mono() for name, _ in refs}
    total_audio = sum(len(a) for a in audio.values()) / media.sample_rate
    logger.info(
        "%d files, %.1f s of audio; model %s, %d threads",
        len(refs),
        total_audio,
        base.model_path,
        args.threads,
    )

    from evaluation.synthesis import SynthesisOptions

    units = SynthesisOptions.from_config(None).cardinal_units
    runs = [(b, p) for b in args.batch_sizes for p in args.prompts]
    for batch_size, prompt in runs:
        prompt_update = {} if prompt == "config" else {"initial_prompt": None}
        opts = base.model_copy(update={**update, **prompt_update, "batch_size": batch_size})
        t0 = time.perf_counter()
        detector = AsrDetector(opts)
        load_s = time.perf_counter() - t0
        detector.transcribe(audio[refs[0][0]])[0].__iter__().__next__()  # warm-up, untimed
        best = float("inf")
        hyps: dict[str, str] = {}
        for _ in range(args.repeat):
            elapsed = 0.0
            for name, _ref in refs:
                t = time.perf_counter()
                segments, _info = detector.transcribe(audio[name])
                hyps[name] = "".join(s.text for s in segments)
                elapsed += time.perf_counter() - t
            best = min(best, elapsed)
        logger.info(
            "\nbatch_size=%d prompt=%s device=%s compute_type=%s (load %.1fs)",
            batch_size,
            prompt,
            detector.device,
            opts.compute_type,
            load_s,
        )
        errors = chars = spoken_errors = 0
        for name, ref in refs:
            r, h = normalise(ref), normalise(hyps[name])
            dist = Levenshtein.distance(h, r)
            errors += dist
            spoken_errors += Levenshtein.distance(normalise(spoken_numerals(hyps[name], units)), r)
            chars += len(r)
            logger.info("  %-30s CER %.3f  ref=%s  hyp=%s", name, dist / len(r), r, h)
        logger.info(
            "  overall CER %.3f (%d/%d chars); %.2fs for %.1fs audio: RTF %.3f (%.1fx real time)",
            errors / chars,
            errors,
            chars,
            best,
            total_audio,
            best / total_audio,
            total_audio / best,
        )
        logger.info(
            "  overall CER with numerals read as spoken: %.3f (%d/%d chars)",
            spoken_errors / chars,
            spoken_errors,
            chars,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
