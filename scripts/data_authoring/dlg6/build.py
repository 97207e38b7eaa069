"""Writes dialogues-d6.jsonl and alternatives-d6.jsonl from the data modules beside it."""

import glob
import importlib
import json
import logging
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[2] / "configs" / "semantic" / "data"
sys.path.insert(0, os.path.dirname(__file__))
import lib  # noqa: E402 (the data modules beside this script)

mods = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "b*.py")))
for m in mods:
    n = os.path.basename(m)[:-3]
    if n == "build":
        continue
    importlib.import_module(n)
out = open(DATA / "dialogues-d6.jsonl", "w", encoding="utf-8")
alt = open(DATA / "alternatives-d6.jsonl", "w", encoding="utf-8")
for i, it in enumerate(lib.ITEMS, 1):
    id_ = f"dialogue-d6-{i:05d}"
    phone = it["src"] in ("phone", "dispatch")
    rec = {
        "id": id_,
        "source": it["src"],
        "turns": it["turns"],
        "labels": {
            "category": it["cat"],
            "disposition": it["disp"],
            "call_class": it["cc"] if phone else None,
            "urgency": it["urg"] if phone else None,
            "risk_factors": it["risks"],
        },
        "register": it["reg"],
        "hard_negative": it["hn"],
        "provenance": {"author": "helper-d6", "method": "handwritten", "date": "2026-11-30"},
    }
    out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    alt.write(
        json.dumps(
            {
                "id": id_,
                "disposition_also": it["ad"],
                "category_also": it["ac"],
                "doubt": False,
                "provenance": {
                    "annotator": "helper-d6",
                    "method": "handwritten",
                    "date": "2026-11-30",
                },
            },
            ensure_ascii=False,
        )
        + "\n"
    )
out.close()
alt.close()
logging.basicConfig(level=logging.INFO)
logging.getLogger("vigil.scripts").info("%d dialogues", len(lib.ITEMS))
