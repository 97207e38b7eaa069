"""Checker for dialogues-d2.jsonl: every code from the vocabulary, call fields only on calls, unique ids.

Prints the label spread so the authoring can be steered towards the quotas (each disposition >= 30,
each category >= 10, every source and register present). Exits non-zero on any invalid line.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from pathlib import Path

PATH = Path(__file__).resolve().parents[3] / "configs" / "semantic" / "data" / "dialogues-d2.jsonl"
SOURCES = {"bodycam", "counter", "phone", "dispatch"}
ROLES = {"officer", "party", "third_party"}
CONDUCT = {"SPEECH_PROFANITY", "SPEECH_THREAT", "SPEECH_SHIRKING", "SPEECH_IMPATIENT"}
CATEGORIES = {
    "theft",
    "fraud",
    "dispute",
    "assault",
    "domestic_violence",
    "traffic",
    "noise",
    "lost_property",
    "help_request",
    "consultation",
    "other",
}
DISPOSITIONS = {"case_accepted", "mediated", "referred", "advised", "no_action", "pending"}
CALL_CLASSES = {"consult", "complaint", "report", "other"}
URGENCIES = {"normal", "important", "urgent"}
RISKS = {
    "fraud",
    "terror",
    "enterprise",
    "dispute",
    "mental_health",
    "injury",
    "weapon",
    "self_harm",
    "domestic_violence",
    "mass_incident",
}
REGISTERS = {
    "plain",
    "polite",
    "brusque",
    "sarcastic",
    "shanghai",
    "northern",
    "sichuan",
    "cantonese",
    "filler",
    "fragment",
    "numbers",
    "formal",
}
KEYS = {"id", "source", "turns", "labels", "register", "hard_negative", "provenance"}

log = logging.getLogger("dlg2.check")


def check(item: dict[str, object]) -> list[str]:
    """Return the problems of one dialogue (empty when valid)."""
    errs: list[str] = []
    if set(item) != KEYS:
        errs.append(f"keys {sorted(item)}")
    if item.get("source") not in SOURCES:
        errs.append("source")
    turns = item.get("turns")
    if not isinstance(turns, list) or not 4 <= len(turns) <= 12:
        errs.append(f"turn count {len(turns) if isinstance(turns, list) else turns}")
    else:
        roles = {t["role"] for t in turns}
        if "officer" not in roles or "party" not in roles:
            errs.append("needs officer and party")
        for t in turns:
            if t["role"] not in ROLES or not t["text"]:
                errs.append(f"turn {t}")
            if "conduct" in t and (
                t["role"] != "officer" or not t["conduct"] or not set(t["conduct"]) <= CONDUCT
            ):
                errs.append(f"conduct {t}")
    lab = item["labels"]
    assert isinstance(lab, dict)
    if set(lab) != {"category", "disposition", "call_class", "urgency", "risk_factors"}:
        errs.append("label keys")
    if lab.get("category") not in CATEGORIES:
        errs.append(f"category {lab.get('category')}")
    if lab.get("disposition") not in DISPOSITIONS:
        errs.append(f"disposition {lab.get('disposition')}")
    if item.get("source") in ("phone", "dispatch"):
        if lab.get("call_class") not in CALL_CLASSES or lab.get("urgency") not in URGENCIES:
            errs.append("call fields on a call")
    elif lab.get("call_class") is not None or lab.get("urgency") is not None:
        errs.append("call fields must be null off calls")
    if not set(lab.get("risk_factors") or []) <= RISKS:
        errs.append(f"risk {lab.get('risk_factors')}")
    if item.get("register") not in REGISTERS:
        errs.append(f"register {item.get('register')}")
    return errs


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    items = [
        json.loads(line) for line in PATH.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    bad = 0
    ids = Counter(i["id"] for i in items)
    for dup, n in ids.items():
        if n > 1:
            log.error("duplicate id %s", dup)
            bad += 1
    texts = Counter(json.dumps(i["turns"], ensure_ascii=False) for i in items)
    for n in texts.values():
        if n > 1:
            log.error("duplicate dialogue text")
            bad += 1
    for item in items:
        for err in check(item):
            log.error("%s: %s", item.get("id"), err)
            bad += 1
    n = len(items)
    log.info("dialogues: %d", n)
    for key in ("source", "register"):
        log.info("%s: %s", key, dict(Counter(i[key] for i in items).most_common()))
    for key in ("disposition", "category", "call_class", "urgency"):
        log.info("%s: %s", key, dict(Counter(i["labels"][key] for i in items).most_common()))
    log.info(
        "risk: %s",
        dict(Counter(r for i in items for r in i["labels"]["risk_factors"]).most_common()),
    )
    log.info(
        "source x disposition: %s",
        dict(Counter((i["source"], i["labels"]["disposition"]) for i in items)),
    )
    conduct = sum(1 for i in items if any("conduct" in t for t in i["turns"]))
    hard = sum(1 for i in items if i["hard_negative"])
    log.info("with conduct turns: %d; hard negatives: %d", conduct, hard)
    if bad:
        log.error("%d problems", bad)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
