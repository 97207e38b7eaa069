"""Checker for dialogues-d3.jsonl: codes from the vocabulary, call fields by source, unique ids, counts."""

import collections
import json
import pathlib
import sys

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
CONDUCT = {"SPEECH_PROFANITY", "SPEECH_THREAT", "SPEECH_SHIRKING", "SPEECH_IMPATIENT"}


def main() -> int:
    path = pathlib.Path(__file__).parents[3] / "configs/semantic/data/dialogues-d3.jsonl"
    ids, errs = set(), []
    cnt = collections.defaultdict(collections.Counter)
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        d = json.loads(line)
        lab = d["labels"]
        e = errs.append
        if d["id"] in ids:
            e(f"{i} dup id")
        ids.add(d["id"])
        if d["source"] not in {"bodycam", "counter", "phone", "dispatch"}:
            e(f"{i} source")
        if lab["category"] not in CATS:
            e(f"{i} cat {lab['category']}")
        if lab["disposition"] not in DISPS:
            e(f"{i} disp {lab['disposition']}")
        if not set(lab["risk_factors"]) <= RISKS:
            e(f"{i} risk {lab['risk_factors']}")
        if d["register"] not in REGS:
            e(f"{i} reg {d['register']}")
        call = d["source"] in {"phone", "dispatch"}
        if call != (lab["call_class"] in {"consult", "complaint", "report", "other"}):
            e(f"{i} call_class {lab['call_class']}")
        if call != (lab["urgency"] in {"normal", "important", "urgent"}):
            e(f"{i} urgency {lab['urgency']}")
        if not 4 <= len(d["turns"]) <= 12:
            e(f"{i} turns {len(d['turns'])}")
        has_c = False
        for t in d["turns"]:
            if t["role"] not in {"officer", "party", "third_party"} or not t["text"]:
                e(f"{i} turn")
            if "conduct" in t:
                has_c = True
                if t["role"] != "officer" or not t["conduct"] or not set(t["conduct"]) <= CONDUCT:
                    e(f"{i} conduct")
        for k in ("source", "register"):
            cnt[k][d[k]] += 1
        for k in ("category", "disposition", "call_class", "urgency"):
            cnt[k][lab[k]] += 1
        cnt["conduct"][has_c] += 1
        cnt["hard_negative"][d["hard_negative"] is not None] += 1
    for k, c in cnt.items():
        sys.stdout.write(f"{k} {dict(c.most_common())}\n")
    sys.stdout.write(f"total {len(ids)}\n")
    for x in errs:
        sys.stdout.write(f"ERR {x}\n")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
