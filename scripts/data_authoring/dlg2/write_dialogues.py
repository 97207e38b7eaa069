"""Writer for dialogues-d2.jsonl: parses the compact hand-written blocks in ``batch*.py`` into JSONL.

Why a compact block format: the dialogues are hand-written; a terse header plus one line per turn keeps the
authoring readable and leaves the JSON layout to code, so no line can be malformed by hand.

Block format (blocks separated by blank lines)::

    @ source | register | category | disposition | call_class | urgency | risk,risk | hard_negative
    O: officer text
    O!IMP,SHK: officer text with conduct flags
    P: party text
    T: third-party text

``-`` stands for an empty field (null call_class/urgency, no risk factors, no hard negative).
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OUT = ROOT / "configs" / "semantic" / "data" / "dialogues-d2.jsonl"

CONDUCT = {
    "PRO": "SPEECH_PROFANITY",
    "THR": "SPEECH_THREAT",
    "SHK": "SPEECH_SHIRKING",
    "IMP": "SPEECH_IMPATIENT",
}
ROLES = {"O": "officer", "P": "party", "T": "third_party"}

log = logging.getLogger("dlg2.writer")


def _field(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", "-") else value


def parse_block(block: str) -> dict[str, object]:
    """Turn one hand-written block into a dialogue dict (without id and provenance)."""
    lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
    header = lines[0]
    if not header.startswith("@"):
        raise ValueError(f"block does not start with a header: {header!r}")
    parts = [p.strip() for p in header[1:].split("|")]
    if len(parts) != 8:
        raise ValueError(f"header needs 8 fields, got {len(parts)}: {header!r}")
    source, register, category, disposition, call_class, urgency, risk, hard_negative = parts
    turns: list[dict[str, object]] = []
    for ln in lines[1:]:
        tag, sep, text = ln.partition(":")
        if not sep:
            tag, sep, text = ln.partition("：")
        if not sep or not tag or tag[0] not in ROLES:
            raise ValueError(f"bad turn line: {ln!r}")
        turn: dict[str, object] = {"role": ROLES[tag[0]], "text": text.strip()}
        if "!" in tag:
            if tag[0] != "O":
                raise ValueError(f"conduct on a non-officer turn: {ln!r}")
            turn["conduct"] = [CONDUCT[c.strip()] for c in tag.split("!", 1)[1].split(",")]
        turns.append(turn)
    risk_field = _field(risk)
    return {
        "source": source,
        "turns": turns,
        "labels": {
            "category": category,
            "disposition": disposition,
            "call_class": _field(call_class),
            "urgency": _field(urgency),
            "risk_factors": [r.strip() for r in risk_field.split(",")] if risk_field else [],
        },
        "register": register,
        "hard_negative": _field(hard_negative),
    }


def load_all() -> list[dict[str, object]]:
    """Parse every data module in a fixed order and number the dialogues."""
    sys.path.insert(0, str(HERE))
    items: list[dict[str, object]] = []
    # Batches are numbered and only ever appended, so earlier ids stay stable across commits.
    for path in sorted(HERE.glob("batch*.py")):
        module = importlib.import_module(path.stem)
        for block in module.DATA.strip().split("\n\n"):
            if block.strip():
                items.append(parse_block(block))
    out = []
    for n, item in enumerate(items, start=1):
        out.append(
            {
                "id": f"dialogue-d2-{n:05d}",
                **item,
                "provenance": {
                    "author": "helper-dlg2",
                    "method": "handwritten",
                    "date": "2026-11-30",
                },
            }
        )
    return out


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    items = load_all()
    with OUT.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    log.info("wrote %d dialogues to %s", len(items), OUT)


if __name__ == "__main__":
    main()
