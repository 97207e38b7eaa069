import re

CONDUCT = {
    "P": "SPEECH_PROFANITY",
    "T": "SPEECH_THREAT",
    "S": "SPEECH_SHIRKING",
    "I": "SPEECH_IMPATIENT",
}
ROLES = {"O": "officer", "P": "party", "T": "third_party"}
ITEMS = []


def D(src, reg, cat, disp, cc, urg, risks, hn, body, ad="", ac=""):
    turns = []
    for line in body.strip().split("\n"):
        line = line.strip()
        if not line:
            continue
        m = re.match(r"^([OPT])(?:\[([PTSI]+)\])?:(.*)$", line)
        assert m, line
        t = {"role": ROLES[m.group(1)], "text": m.group(3).strip()}
        if m.group(2):
            assert m.group(1) == "O"
            t["conduct"] = [CONDUCT[c] for c in m.group(2)]
        turns.append(t)
    ITEMS.append(
        {
            "src": src,
            "reg": reg,
            "cat": cat,
            "disp": disp,
            "cc": cc,
            "urg": urg,
            "risks": risks.split() if isinstance(risks, str) else list(risks),
            "hn": hn,
            "turns": turns,
            "ad": ad.split(),
            "ac": ac.split(),
        }
    )
