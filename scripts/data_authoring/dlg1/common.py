"""Compact dialogue notation shared by the dlg1 data files (data only; the writer expands it)."""

from __future__ import annotations

from dataclasses import dataclass, field

CONDUCT = {
    "PRO": "SPEECH_PROFANITY",
    "THR": "SPEECH_THREAT",
    "SHI": "SPEECH_SHIRKING",
    "IMP": "SPEECH_IMPATIENT",
}
ROLES = {"O": "officer", "P": "party", "T": "third_party"}


@dataclass(frozen=True)
class Dialogue:
    """One handwritten dialogue before it gets an id; `script` holds one `X: text` or `O[IMP,SHI]: text` per line."""

    source: str
    register: str
    category: str
    disposition: str
    call_class: str | None
    urgency: str | None
    risks: list[str] = field(default_factory=list)
    hard_negative: str | None = None
    script: str = ""


def D(  # noqa: N802 - short constructor keeps the data files readable
    source: str,
    register: str,
    category: str,
    disposition: str,
    call_class: str | None = None,
    urgency: str | None = None,
    risks: list[str] | None = None,
    hn: str | None = None,
    script: str = "",
) -> Dialogue:
    """Build a Dialogue with defaults, keeping the batch files terse."""
    return Dialogue(
        source, register, category, disposition, call_class, urgency, risks or [], hn, script
    )


def parse_turns(script: str) -> list[dict[str, object]]:
    """Expand `O: ...` / `O[IMP]: ...` lines into schema turns; conduct only on officer turns."""
    turns: list[dict[str, object]] = []
    for raw in script.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        head, sep, text = line.partition(":")
        if not sep:
            raise ValueError(f"turn without 'X:' prefix: {line!r}")
        head = head.strip()
        conduct: list[str] = []
        if "[" in head:
            who, _, codes = head.partition("[")
            conduct = [CONDUCT[c.strip()] for c in codes.rstrip("]").split(",") if c.strip()]
            head = who.strip()
        if head not in ROLES:
            raise ValueError(f"unknown role {head!r} in {line!r}")
        turn: dict[str, object] = {"role": ROLES[head], "text": text.strip()}
        if conduct:
            if head != "O":
                raise ValueError(f"conduct on a non-officer turn: {line!r}")
            turn["conduct"] = conduct
        turns.append(turn)
    return turns
