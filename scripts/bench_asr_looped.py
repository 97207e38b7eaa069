"""CER and time of Vigil's ASR on ``vigil bench``'s looped real-Mandarin file.

The 8 real samples joined (one second of silence after each) and looped to 240 s, as ``vigil bench
--only asr`` builds it; the words of the first three whole loops are scored against the references
repeated three times (CER on Simplified characters without punctuation). Unlike
``scripts/bench_asr.py`` (one short file at a time), the 25-30 s windows here hold several
utterances, which is where the batched decoder's window checks (``stopped early``) and their
fallbacks act.

    .venv/bin/python scripts/bench_asr_looped.py [asr.unheard_tail='"window"' ...]

Each argument is a config override ``dotted.key=JSON``.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from detectors.asr import AsrDetector, AsrOptions, to_simplified  # noqa: E402
from pipeline.bench import REAL_MANDARIN, SR, _load_real  # noqa: E402
from pipeline.config import load_config  # noqa: E402

logger = logging.getLogger("vigil.bench")
SECONDS = 240
LOOPS_SCORED = 3


def normalise(text: str) -> str:
    return re.sub(r"[\W_]+", "", to_simplified(text))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    overrides = {}
    for arg in args:
        key, _, value = arg.partition("=")
        overrides[key] = json.loads(value)
    base = _load_real(REAL_MANDARIN)
    loop_s = base.shape[0] / SR
    audio = np.tile(base, int(np.ceil(SECONDS / loop_s)))[: SECONDS * SR]
    with open(REAL_MANDARIN / "references.tsv", encoding="utf-8") as fh:
        refs = [row["reference"] for row in csv.DictReader(fh, delimiter="\t")]
    reference = normalise("".join(refs) * LOOPS_SCORED)
    asr = AsrDetector(AsrOptions.from_config(load_config(overrides=overrides).section("asr")))
    list(asr.transcribe(audio[: 20 * SR])[0])  # warm-up, untimed
    t0 = time.perf_counter()
    segments = list(asr.transcribe(audio)[0])
    elapsed = time.perf_counter() - t0
    words = [w for s in segments for w in s.words if (w.start + w.end) / 2 < LOOPS_SCORED * loop_s]
    hypothesis = normalise("".join(w.text for w in words))
    errors = Levenshtein.distance(hypothesis, reference)
    logger.info(
        "overrides %s: CER %.4f (%d/%d chars), ASR %.2f s for %d s, load average %.1f",
        overrides,
        errors / len(reference),
        errors,
        len(reference),
        elapsed,
        SECONDS,
        os.getloadavg()[0],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
