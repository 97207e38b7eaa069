"""Checker for dialogues-d4.jsonl: codes from the shared vocabulary, call fields per source, unique ids."""

import collections
import json
import logging
import pathlib
import sys

LOG = logging.getLogger("dlg4.check")

PATH = pathlib.Path(__file__).resolve().parents[3] / "configs/semantic/data/dialogues-d4.jsonl"
SOURCES = {"bodycam", "counter", "phone", "dispatch"}
ROLES = {"officer", "party", "third_party"}
CONDUCT = {"SPEECH_PROFANITY", "SPEECH_THREAT", "SPEECH_SHIRKING", "SPEECH_IMPATIENT"}
CATS = {
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
DISPS = {"case_accepted", "mediated", "referred", "advised", "no_action", "pending"}
CC = {"consult", "complaint", "report", "other"}
URG = {"normal", "important", "urgent"}
RISK = {
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
REGS = {
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


def main() -> int:
    errs, ids = [], set()
    cnt = collections.defaultdict(collections.Counter)
    conduct_n = hn_n = 0
    for n, line in enumerate(PATH.read_text(encoding="utf-8").splitlines(), 1):
        r = json.loads(line)

        def e(m: str, n: int = n, r: dict = r) -> None:
            errs.append(f"line {n} {r.get('id')}: {m}")

        if r["id"] in ids:
            e("duplicate id")
        ids.add(r["id"])
        if r["source"] not in SOURCES:
            e("source")
        if not 4 <= len(r["turns"]) <= 12:
            e(f"{len(r['turns'])} turns")
        has_c = False
        for t in r["turns"]:
            if t["role"] not in ROLES or not t["text"]:
                e("turn")
            if "conduct" in t:
                has_c = True
                if t["role"] != "officer" or not t["conduct"] or not set(t["conduct"]) <= CONDUCT:
                    e("conduct")
        lab = r["labels"]
        if lab["category"] not in CATS or lab["disposition"] not in DISPS:
            e("cat/disp")
        if not set(lab["risk_factors"]) <= RISK:
            e("risk")
        call = r["source"] in {"phone", "dispatch"}
        if call and (lab["call_class"] not in CC or lab["urgency"] not in URG):
            e("call fields missing")
        if not call and (lab["call_class"] is not None or lab["urgency"] is not None):
            e("call fields on non-call")
        if r["register"] not in REGS:
            e("register")
        conduct_n += has_c
        hn_n += r["hard_negative"] is not None
        for k, v in (
            ("source", r["source"]),
            ("disposition", lab["disposition"]),
            ("category", lab["category"]),
            ("call_class", lab["call_class"]),
            ("urgency", lab["urgency"]),
            ("register", r["register"]),
        ):
            cnt[k][v] += 1
    for k, c in cnt.items():
        LOG.info("%s %s", k, dict(c.most_common()))
    LOG.info("total %d with conduct %d hard_negative %d", len(ids), conduct_n, hn_n)
    for m in errs:
        LOG.error("%s", m)
    return 1 if errs else 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())
