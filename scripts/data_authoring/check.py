"""The one checker of the semantic training data (``configs/semantic/data``), for every author's files.

The files are read the way ``vigil train`` reads them (:func:`pipeline.training.load_dialogues`, which
also reads the ``alternatives-*.jsonl`` annotations, and :func:`pipeline.training.load_items`), so what
this passes is what training accepts. On top of the loaders' schema checks it holds the authoring rules
of ``SCHEMA.md`` that training does not enforce but a wrong value would silently teach the heads: every
code one of the vocabulary's (taken from the code's own types, never repeated here), call class and
urgency set on phone/110 dialogues and null elsewhere, 4-12 turns with both officer and party speaking,
conduct codes on officer turns only, unique ids and dialogue texts, a known register, a provenance.
A line a loader refuses (not JSON, a missing key, an unknown conduct code, a duplicate id) stops that
loader as it would stop training, so that one line is reported and the files it covers are not checked
further until it is fixed.

Prints each file's label spread (so an author can steer towards the quotas) and one line per problem
(``file:line (id): what is wrong``); exits 1 when there is any.

    .venv/bin/python scripts/data_authoring/check.py [--data configs/semantic/data]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from detectors.types import ROLES, SOURCES
from pipeline.config import CONFIG_DIR
from pipeline.errors import ConfigError
from pipeline.training import (
    CALL_CLASSES,
    CATEGORIES,
    CONDUCT,
    DIALOGUE_FILES,
    DIALOGUE_HEADS,
    DISPOSITIONS,
    RISK_FACTORS,
    STATEMENTS,
    URGENCIES,
    Dialogue,
    Item,
    load_dialogues,
    load_items,
)

logger = logging.getLogger("vigil.scripts.check")

DATA_DIR = CONFIG_DIR / "semantic" / "data"
# the sources whose dialogues train the call-class head: the ones whose labels must carry a call class
CALL_SOURCES: tuple[str, ...] = next(
    h.sources for h in DIALOGUE_HEADS if h.key == "call_class" and h.sources is not None
)
# SCHEMA.md's registers: authoring metadata that no code reads, so this is their one list
REGISTERS = (
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
    "regional",
)
MIN_TURNS, MAX_TURNS = 4, 12
MAX_CONTEXT = 2
DIALOGUE_KEYS = frozenset(
    {"id", "source", "turns", "labels", "register", "hard_negative", "provenance"}
)
DIALOGUE_LABELS = frozenset({"category", "disposition", "call_class", "urgency", "risk_factors"})
TURN_KEYS = frozenset({"role", "text", "conduct"})
ITEM_KEYS = frozenset(
    {"id", "text", "role", "context", "source", "labels", "register", "hard_negative", "provenance"}
)
# an utterance item carries the labels of exactly one family (SCHEMA.md); {} = speaker only
ITEM_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset({"conduct"}),
    frozenset({"statements", "disposition"}),
    frozenset({"category", "risk_factors", "call_class", "urgency"}),
)
# utterance families whose codes are about what the officer says
OFFICER_LABELS = ("conduct", "statements")


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each non-blank line; called only after a loader accepted the file."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            yield n, json.loads(line)


def _codes(value: object, allowed: Sequence[str], what: str) -> list[str]:
    """Problems of a list of codes: not a list, unknown codes, a code twice."""
    if not isinstance(value, list):
        return [f"{what} {value!r} is not a list"]
    out: list[str] = []
    bad = sorted({str(c) for c in value} - set(allowed))
    if bad:
        out.append(f"unknown {what} {bad}")
    if len(set(map(str, value))) != len(value):
        out.append(f"{what} {value} repeats a code")
    return out


def _code(value: object, allowed: Sequence[str], what: str, nullable: bool = False) -> list[str]:
    """Problems of a single code (``None`` allowed when ``nullable``)."""
    if value is None and nullable:
        return []
    return [] if value in allowed else [f"unknown {what} {value!r}"]


def _metadata_problems(rec: dict[str, Any]) -> list[str]:
    """Authoring fields shared by dialogues and items that the loaders do not keep."""
    out: list[str] = []
    if rec.get("register") not in REGISTERS:
        out.append(f"unknown register {rec.get('register')!r}")
    hn = rec.get("hard_negative")
    if hn is not None and (not isinstance(hn, str) or not hn.strip()):
        out.append(f"hard_negative {hn!r} is neither null nor a kind")
    prov = rec.get("provenance")
    if not isinstance(prov, dict) or not prov.get("method"):
        out.append(f"provenance {prov!r} names no method")
    elif prov["method"] == "handwritten" and not (prov.get("author") and prov.get("date")):
        out.append(f"handwritten provenance {prov!r} names no author or date")
    return out


def _call_problems(labels: dict[str, Any], source: object, required: bool) -> list[str]:
    """Call class and urgency: null off calls; on calls set (``required``) or null-or-valid."""
    cc, urg = labels.get("call_class"), labels.get("urgency")
    if source in CALL_SOURCES:
        out: list[str] = []
        for key, value, allowed in (("call_class", cc, CALL_CLASSES), ("urgency", urg, URGENCIES)):
            if value is None and required:
                out.append(f"no {key} on a {source} call")
            else:
                out += _code(value, allowed, key, nullable=not required)
        return out
    if source is not None and (cc is not None or urg is not None):
        return [f"call_class/urgency {cc!r}/{urg!r} set on a {source} recording (calls only)"]
    return []


def _dialogue_problems(d: Dialogue) -> list[str]:
    """What is wrong with one dialogue as training reads it."""
    out: list[str] = []
    if d.source not in SOURCES:
        out.append(f"unknown source {d.source!r}")
    if not MIN_TURNS <= len(d.turns) <= MAX_TURNS:
        out.append(f"{len(d.turns)} turns (want {MIN_TURNS}-{MAX_TURNS})")
    for k, (role, text, conduct) in enumerate(d.turns):
        if role not in ROLES:
            out.append(f"turn {k}: unknown role {role!r}")
        if not text:
            out.append(f"turn {k}: no text")
        if conduct and role != "officer":
            out.append(f"turn {k}: conduct codes on a {role} turn (officer turns only)")
        if len(set(conduct)) != len(conduct):
            out.append(f"turn {k}: conduct {list(conduct)} repeats a code")
    if not {"officer", "party"} <= {role for role, _, _ in d.turns}:
        out.append("needs both officer and party turns")
    lab = d.labels
    if set(lab) != DIALOGUE_LABELS:
        return [*out, f"label keys {sorted(lab)} (want {sorted(DIALOGUE_LABELS)})"]
    out += _code(lab["category"], CATEGORIES, "category")
    out += _code(lab["disposition"], DISPOSITIONS, "disposition")
    out += _call_problems(lab, d.source, required=True)
    out += _codes(lab["risk_factors"], RISK_FACTORS, "risk_factors")
    for key, codes in (d.also or {}).items():
        if lab[key] in codes:
            out.append(f"alternatives repeat the author's own {key} {lab[key]!r}")
    return out


def _dialogue_record_problems(rec: dict[str, Any], stem: str) -> list[str]:
    """The raw line's fields the loader does not keep (keys, id scheme, turn keys, metadata)."""
    out: list[str] = []
    if set(rec) != DIALOGUE_KEYS:
        out.append(f"keys {sorted(rec)} (want {sorted(DIALOGUE_KEYS)})")
    prefix = f"dialogue-{stem.removeprefix('dialogues-')}-"
    if not str(rec["id"]).startswith(prefix):
        out.append(f"id does not start with {prefix!r}")
    for k, t in enumerate(rec["turns"]):
        if set(t) - TURN_KEYS:
            out.append(f"turn {k}: keys {sorted(t)}")
        if "conduct" in t and not t["conduct"]:
            out.append(f"turn {k}: empty conduct list (leave the key out)")
    return out + _metadata_problems(rec)


def check_dialogues(data: Path) -> tuple[list[str], list[Dialogue]]:
    """Problems of every dialogue file (and its alternatives), and the dialogues training reads."""
    try:
        dialogues, _ = load_dialogues(data)
    except ConfigError as e:
        return [str(e)], []
    by_id = {d.id: d for d in dialogues}
    problems: list[str] = []
    first_of_text: dict[tuple[str, ...], str] = {}
    for f in sorted(data.glob(DIALOGUE_FILES)):
        for n, rec in _records(f):
            rid = str(rec["id"])
            where = f"{f.name}:{n} ({rid})"
            found = _dialogue_record_problems(rec, f.stem)
            d = by_id.get(rid)
            if d is None:
                found.append("no turn has text, so training drops it")
            else:
                found += _dialogue_problems(d)
                text = tuple(t for _, t, _ in d.turns)
                if text in first_of_text:
                    found.append(f"same turns as {first_of_text[text]}")
                first_of_text.setdefault(text, rid)
            problems += [f"{where}: {p}" for p in found]
    return problems, dialogues


def _item_problems(it: Item) -> list[str]:
    """What is wrong with one utterance item as training reads it."""
    out: list[str] = []
    if it.role not in ("officer", "party"):
        out.append(f"role {it.role!r} (officer or party)")
    if len(it.context) > MAX_CONTEXT:
        out.append(f"{len(it.context)} context turns (at most {MAX_CONTEXT})")
    for k, (role, text) in enumerate(it.context):
        if role not in ROLES or not text:
            out.append(f"context turn {k}: role {role!r}, text {text!r}")
    lab = it.labels
    if frozenset(lab) not in ITEM_FAMILIES:
        return [*out, f"label keys {sorted(lab)} are not one family's"]
    for key in OFFICER_LABELS:
        if key in lab and it.role != "officer":
            out.append(f"{key} labels on a {it.role} utterance (officer speech only)")
    if "conduct" in lab:
        out += _codes(lab["conduct"], CONDUCT, "conduct")
    if "statements" in lab:
        out += _codes(lab["statements"], STATEMENTS, "statements")
        out += _code(lab["disposition"], DISPOSITIONS, "disposition", nullable=True)
    if "category" in lab:
        out += _code(lab["category"], CATEGORIES, "category", nullable=True)
        out += _codes(lab["risk_factors"], RISK_FACTORS, "risk_factors")
    return out


def check_items(data: Path) -> tuple[list[str], list[Item]]:
    """Problems of every utterance file, and the items training reads."""
    try:
        items, digests = load_items(data)
    except ConfigError as e:
        return [str(e)], []
    by_id = {it.id: it for it in items}
    problems: list[str] = []
    for name in digests:
        first_of_text: dict[str, str] = {}
        for n, rec in _records(data / name):
            rid = str(rec["id"])
            found = [f"keys {sorted(rec)}"] if set(rec) != ITEM_KEYS else []
            found += _metadata_problems(rec)
            if rec.get("source") not in (None, *SOURCES):
                found.append(f"unknown source {rec.get('source')!r}")
            it = by_id.get(rid)
            if it is None:
                found.append("no text, so training drops it")
            else:
                found += _item_problems(it)
                if "category" in it.labels:
                    found += _call_problems(it.labels, rec.get("source"), required=False)
                if it.text in first_of_text:
                    found.append(f"same text as {first_of_text[it.text]}")
                first_of_text.setdefault(it.text, rid)
            problems += [f"{name}:{n} ({rid}): {p}" for p in found]
    return problems, items


def _spread(values: Iterator[object]) -> str:
    """A counter as ``code=n`` pairs, most frequent first."""
    return ", ".join(f"{k}={v}" for k, v in Counter(values).most_common())


def _metadata_spread(path: Path) -> str:
    """A file's registers and hard-negative count (authoring fields the loaders do not keep)."""
    recs = [rec for _, rec in _records(path)]
    return (
        f"register: {_spread(r.get('register') for r in recs)}; "
        f"hard negatives: {sum(r.get('hard_negative') is not None for r in recs)}"
    )


def log_dialogue_counts(data: Path, dialogues: Sequence[Dialogue]) -> None:
    """Per dialogue file: how many, and how sources, labels, registers and conduct turns spread."""
    by_file: dict[str, list[Dialogue]] = defaultdict(list)
    for d in dialogues:
        by_file[d.origin].append(d)
    for origin, ds in sorted(by_file.items()):
        logger.info("%s.jsonl: %d dialogues", origin, len(ds))
        logger.info("  source: %s", _spread(d.source for d in ds))
        for key in ("disposition", "category", "call_class", "urgency"):
            logger.info("  %s: %s", key, _spread(d.labels.get(key) for d in ds))
        logger.info("  risk: %s", _spread(r for d in ds for r in d.labels.get("risk_factors", ())))
        logger.info(
            "  with conduct turns: %d; alternatives annotated: %d",
            sum(any(c for _, _, c in d.turns) for d in ds),
            sum(d.also is not None for d in ds),
        )
        logger.info("  %s", _metadata_spread(data / f"{origin}.jsonl"))


def log_item_counts(data: Path, items: Sequence[Item]) -> None:
    """Per utterance file: how many items, of which roles, label families and registers."""
    by_file: dict[str, list[Item]] = defaultdict(list)
    for it in items:
        by_file[it.origin].append(it)
    for origin, its in sorted(by_file.items()):
        logger.info(
            "%s.jsonl: %d items; role: %s; labels: %s",
            origin,
            len(its),
            _spread(it.role for it in its),
            _spread("+".join(sorted(it.labels)) or "speaker-only" for it in its),
        )
        logger.info("  %s", _metadata_spread(data / f"{origin}.jsonl"))


def main(argv: Sequence[str] | None = None) -> int:
    """Check the data directory; 0 when clean, 1 with one logged line per problem."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA_DIR, help="the training data directory")
    args = ap.parse_args(argv)
    data: Path = args.data
    if not any(data.glob(DIALOGUE_FILES)):
        logger.warning("%s: no dialogue files", data)
    dialogue_problems, dialogues = check_dialogues(data)
    item_problems, items = check_items(data)
    log_dialogue_counts(data, dialogues)
    log_item_counts(data, items)
    problems = dialogue_problems + item_problems
    for p in problems:
        logger.error("%s", p)
    if problems:
        logger.error("%d problems in %s", len(problems), data)
        return 1
    logger.info(
        "%s: %d dialogues, %d utterance items, no problems", data, len(dialogues), len(items)
    )
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sys.exit(main())
