"""Validate dialogues-d1.jsonl against the vocabulary and the dialogue schema, then print the label spread."""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
PATH = HERE.parents[2] / "configs" / "semantic" / "data" / "dialogues-d1.jsonl"

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
PROVENANCE = {"author": "helper-dlg1", "method": "handwritten", "date": "2026-11-30"}

log = logging.getLogger("dlg1.check")


def check(rec: dict[str, object], seen: set[str]) -> list[str]:
    """Return the problems of one record (empty when it is valid)."""
    errs: list[str] = []
    rid = rec.get("id")
    if not isinstance(rid, str) or not rid.startswith("dialogue-d1-"):
        errs.append(f"bad id {rid!r}")
    elif rid in seen:
        errs.append(f"duplicate id {rid}")
    else:
        seen.add(rid)
    if set(rec) != {"id", "source", "turns", "labels", "register", "hard_negative", "provenance"}:
        errs.append(f"keys {sorted(rec)}")
    src = rec.get("source")
    if src not in SOURCES:
        errs.append(f"source {src!r}")
    turns = rec.get("turns")
    if not isinstance(turns, list) or not 4 <= len(turns) <= 12:
        errs.append(f"turn count {len(turns) if isinstance(turns, list) else turns!r}")
        turns = []
    roles = set()
    for t in turns:
        roles.add(t.get("role"))
        if (
            t.get("role") not in ROLES
            or not isinstance(t.get("text"), str)
            or not t["text"].strip()
        ):
            errs.append(f"bad turn {t!r}")
        if "conduct" in t:
            c = t["conduct"]
            if (
                t.get("role") != "officer"
                or not c
                or not set(c) <= CONDUCT
                or len(set(c)) != len(c)
            ):
                errs.append(f"bad conduct {t!r}")
        if set(t) - {"role", "text", "conduct"}:
            errs.append(f"turn keys {sorted(t)}")
    if not {"officer", "party"} <= roles:
        errs.append("needs both officer and party turns")
    lab = rec.get("labels")
    if not isinstance(lab, dict) or set(lab) != {
        "category",
        "disposition",
        "call_class",
        "urgency",
        "risk_factors",
    }:
        errs.append(f"labels {lab!r}")
        return errs
    if lab["category"] not in CATEGORIES:
        errs.append(f"category {lab['category']!r}")
    if lab["disposition"] not in DISPOSITIONS:
        errs.append(f"disposition {lab['disposition']!r}")
    if src in {"phone", "dispatch"}:
        if lab["call_class"] not in CALL_CLASSES or lab["urgency"] not in URGENCIES:
            errs.append(f"call labels {lab['call_class']!r}/{lab['urgency']!r} on {src}")
    elif lab["call_class"] is not None or lab["urgency"] is not None:
        errs.append(f"call labels set on {src}")
    rf = lab["risk_factors"]
    if not isinstance(rf, list) or not set(rf) <= RISKS or len(set(rf)) != len(rf):
        errs.append(f"risk_factors {rf!r}")
    if rec.get("register") not in REGISTERS:
        errs.append(f"register {rec.get('register')!r}")
    hn = rec.get("hard_negative")
    if hn is not None and (not isinstance(hn, str) or not hn.strip()):
        errs.append(f"hard_negative {hn!r}")
    if rec.get("provenance") != PROVENANCE:
        errs.append(f"provenance {rec.get('provenance')!r}")
    return errs


def main() -> int:
    """Check every line; print the spread; exit 1 on any problem."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    seen: set[str] = set()
    bad = 0
    counts: dict[str, Counter[str]] = {
        k: Counter()
        for k in ("source", "disposition", "category", "call_class", "urgency", "register", "risk")
    }
    conduct_dialogues = hn_dialogues = 0
    texts: Counter[str] = Counter()
    lines = PATH.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            log.error("line %d: not JSON: %s", i, exc)
            bad += 1
            continue
        errs = check(rec, seen)
        if errs:
            bad += 1
            log.error("line %d (%s): %s", i, rec.get("id"), "; ".join(errs))
            continue
        lab = rec["labels"]
        counts["source"][rec["source"]] += 1
        counts["disposition"][lab["disposition"]] += 1
        counts["category"][lab["category"]] += 1
        counts["register"][rec["register"]] += 1
        if lab["call_class"]:
            counts["call_class"][lab["call_class"]] += 1
            counts["urgency"][lab["urgency"]] += 1
        for r in lab["risk_factors"]:
            counts["risk"][r] += 1
        conduct_dialogues += any("conduct" in t for t in rec["turns"])
        hn_dialogues += rec["hard_negative"] is not None
        texts["\n".join(t["text"] for t in rec["turns"])] += 1
    dups = sum(1 for v in texts.values() if v > 1)
    if dups:
        log.error("%d duplicated dialogue texts", dups)
        bad += 1
    log.info("%d dialogues, %d bad", len(lines), bad)
    for k, c in counts.items():
        log.info("%s: %s", k, dict(sorted(c.items(), key=lambda kv: -kv[1])))
    log.info("with conduct turns: %d; hard negatives: %d", conduct_dialogues, hn_dialogues)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
