"""Writes dialogues-d5.jsonl and alternatives-d5.jsonl from the data modules beside it."""

import glob
import importlib.util
import json
import logging
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "configs" / "semantic" / "data"

CODES = {
    "P": "SPEECH_PROFANITY",
    "T": "SPEECH_THREAT",
    "S": "SPEECH_SHIRKING",
    "I": "SPEECH_IMPATIENT",
}
ROLE = {"O": "officer", "P": "party", "T": "third_party"}


def parse(txt):
    turns = []
    for line in txt.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        head, text = line.split(":", 1)
        r = head[0]
        t = {"role": ROLE[r], "text": text.strip()}
        if "|" in head:
            t["conduct"] = [CODES[c] for c in head.split("|")[1]]
        turns.append(t)
    return turns


allD = []
for f in sorted(glob.glob(str(HERE / "batch*.py"))):
    spec = importlib.util.spec_from_file_location("m", f)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    allD += m.D
out = open(DATA / "dialogues-d5.jsonl", "w", encoding="utf-8")
alt = open(DATA / "alternatives-d5.jsonl", "w", encoding="utf-8")
for i, d in enumerate(allD, 1):
    src, reg, cat, disp, cc, urg, risks, hn, txt = d[:9]
    ad = d[9] if len(d) > 9 else []
    ac = d[10] if len(d) > 10 else []
    did = f"dialogue-d5-{i:05d}"
    obj = {
        "id": did,
        "source": src,
        "turns": parse(txt),
        "labels": {
            "category": cat,
            "disposition": disp,
            "call_class": cc,
            "urgency": urg,
            "risk_factors": risks,
        },
        "register": reg,
        "hard_negative": hn,
        "provenance": {"author": "helper-d5", "method": "handwritten", "date": "2026-11-30"},
    }
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    alt.write(
        json.dumps(
            {
                "id": did,
                "disposition_also": ad,
                "category_also": ac,
                "doubt": False,
                "provenance": {
                    "annotator": "helper-d5",
                    "method": "handwritten",
                    "date": "2026-11-30",
                },
            },
            ensure_ascii=False,
        )
        + "\n"
    )
logging.basicConfig(level=logging.INFO)
logging.getLogger("vigil.scripts").info("%d dialogues", len(allD))
