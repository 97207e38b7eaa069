"""Writer: turns the compact dialogue blocks in data_*.py into dialogues-d3.jsonl.

Block format: header line `src|register|category|disposition|call_class|urgency|risks|hard_negative`
(src b/c/p/d; '-' = null/empty), then turns `O: ...`, `P: ...`, `T: ...`; `O!SI:` marks conduct
(S shirking, I impatient, T threat, P profanity).
"""

import importlib
import json
import pathlib
import sys

SRC = {"b": "bodycam", "c": "counter", "p": "phone", "d": "dispatch"}
ROLE = {"O": "officer", "P": "party", "T": "third_party"}
CONDUCT = {
    "S": "SPEECH_SHIRKING",
    "I": "SPEECH_IMPATIENT",
    "T": "SPEECH_THREAT",
    "P": "SPEECH_PROFANITY",
}


def parse(block: str, n: int) -> dict:
    lines = [x.strip() for x in block.strip().splitlines() if x.strip()]
    src, reg, cat, disp, cc, urg, risks, hn = lines[0].split("|")
    turns = []
    for ln in lines[1:]:
        head, text = ln.split(":", 1)
        role = ROLE[head[0]]
        t: dict = {"role": role, "text": text.strip()}
        if "!" in head:
            t["conduct"] = [CONDUCT[c] for c in head.split("!")[1]]
        turns.append(t)
    return {
        "id": f"dialogue-d3-{n:05d}",
        "source": SRC[src],
        "turns": turns,
        "labels": {
            "category": cat,
            "disposition": disp,
            "call_class": None if cc == "-" else cc,
            "urgency": None if urg == "-" else urg,
            "risk_factors": [] if risks == "-" else risks.split(","),
        },
        "register": reg,
        "hard_negative": None if hn == "-" else hn,
        "provenance": {"author": "helper-dlg3", "method": "handwritten", "date": "2026-11-30"},
    }


def main() -> None:
    here = pathlib.Path(__file__).parent
    out = here.parents[2] / "configs/semantic/data/dialogues-d3.jsonl"
    items = []
    for mod in sorted(p.stem for p in here.glob("data_*.py")):
        m = importlib.import_module(mod)
        for block in m.D.split("\n---\n"):
            if block.strip():
                items.append(parse(block, len(items) + 1))
    with out.open("w", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")
    sys.stdout.write(f"{len(items)} dialogues -> {out}\n")


if __name__ == "__main__":
    main()
