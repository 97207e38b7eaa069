"""Expand the dlg1 batch files into configs/semantic/data/dialogues-d1.jsonl (ids follow batch order, so append only)."""

from __future__ import annotations

import importlib
import json
import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Dialogue, parse_turns  # noqa: E402

BATCHES = ["batch1", "batch2", "batch3", "batch4", "batch5", "batch6", "batch7"]
OUT = HERE.parents[2] / "configs" / "semantic" / "data" / "dialogues-d1.jsonl"
PROVENANCE = {"author": "helper-dlg1", "method": "handwritten", "date": "2026-11-30"}

log = logging.getLogger("dlg1.write")


def to_record(n: int, d: Dialogue) -> dict[str, object]:
    """One JSONL record in the dialogue schema."""
    return {
        "id": f"dialogue-d1-{n:05d}",
        "source": d.source,
        "turns": parse_turns(d.script),
        "labels": {
            "category": d.category,
            "disposition": d.disposition,
            "call_class": d.call_class,
            "urgency": d.urgency,
            "risk_factors": list(d.risks),
        },
        "register": d.register,
        "hard_negative": d.hard_negative,
        "provenance": dict(PROVENANCE),
    }


def main() -> None:
    """Write every dialogue from the batches that exist."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    records: list[dict[str, object]] = []
    for name in BATCHES:
        if not (HERE / f"{name}.py").exists():
            continue
        mod = importlib.import_module(name)
        for d in mod.DIALOGUES:
            records.append(to_record(len(records) + 1, d))
    with OUT.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    log.info("wrote %d dialogues to %s", len(records), OUT)


if __name__ == "__main__":
    main()
