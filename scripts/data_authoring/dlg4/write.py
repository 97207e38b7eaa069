"""Writer for helper dlg4's dialogue items: expands compact data files into dialogues-d4.jsonl.

Compact notation (kept terse so dialogues can be hand-written quickly):
each item is (source, register, category, disposition, call_class, urgency, risks, hard_negative, turns)
where turns is a multi-line string; each line starts with O/P/T (officer/party/third_party),
optionally followed by conduct codes in brackets, e.g. "O[SI]:" (S=SHIRKING, I=IMPATIENT, T=THREAT, P=PROFANITY).
"""

import importlib
import json
import logging
import pathlib
import sys

LOG = logging.getLogger("dlg4.write")

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parents[2] / "configs/semantic/data/dialogues-d4.jsonl"
ROLES = {"O": "officer", "P": "party", "T": "third_party"}
CODES = {
    "S": "SPEECH_SHIRKING",
    "I": "SPEECH_IMPATIENT",
    "T": "SPEECH_THREAT",
    "P": "SPEECH_PROFANITY",
}
BATCHES = ["b1", "b2", "b3", "b4", "b5"]


def parse_turns(block: str) -> list[dict]:
    turns = []
    for line in block.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        head, text = line.split(":", 1)
        turn = {"role": ROLES[head[0]], "text": text.strip()}
        if "[" in head:
            turn["conduct"] = [CODES[c] for c in head[head.index("[") + 1 : head.index("]")]]
        turns.append(turn)
    return turns


def main() -> None:
    items = []
    for name in BATCHES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        items.extend(mod.D)
    with OUT.open("w", encoding="utf-8") as fh:
        for i, (src, reg, cat, disp, cc, urg, risks, hn, block) in enumerate(items, 1):
            rec = {
                "id": f"dialogue-d4-{i:05d}",
                "source": src,
                "turns": parse_turns(block),
                "labels": {
                    "category": cat,
                    "disposition": disp,
                    "call_class": cc,
                    "urgency": urg,
                    "risk_factors": list(risks),
                },
                "register": reg,
                "hard_negative": hn,
                "provenance": {
                    "author": "helper-dlg4",
                    "method": "handwritten",
                    "date": "2026-11-30",
                },
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    LOG.info("wrote %d dialogues to %s", len(items), OUT)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.path.insert(0, str(HERE))
    main()
