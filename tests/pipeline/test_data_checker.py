"""The training-data checker (scripts/data_authoring/check.py): the committed data passes, and each kind
of authoring mistake in a small data directory fails with a line naming the file, line and problem."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import CONFIG_DIR
from scripts.data_authoring.check import main

DATA = CONFIG_DIR / "semantic" / "data"


def _first(name: str, n: int) -> list[dict[str, Any]]:
    """The first ``n`` records of a committed data file."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()[:n]
    return [json.loads(x) for x in lines]


def _write(path: Path, records: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture()
def small(tmp_path: Path) -> Path:
    """Four committed dialogues (two of them phone/110 calls) and a few items of each family."""
    dialogues = _first("dialogues-d2.jsonl", 1000)
    calls = [d for d in dialogues if d["source"] in ("phone", "dispatch")][:2]
    others = [d for d in dialogues if d["source"] in ("bodycam", "counter")][:2]
    assert len(others) == len(calls) == 2
    _write(tmp_path / "dialogues-d2.jsonl", others + calls)
    _write(
        tmp_path / "items-x.jsonl",
        _first("conduct-c1.jsonl", 3)
        + _first("statements-s1.jsonl", 3)
        + _first("incident-i2.jsonl", 3),
    )
    return tmp_path


def test_committed_data_passes_and_counts_every_file(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert main(["--data", str(DATA)]) == 0, _errors(caplog)
    assert _errors(caplog) == []
    text = caplog.text
    for f in sorted(DATA.glob("*.jsonl")):
        if f.name.startswith("alternatives-"):
            continue
        n = sum(1 for line in f.read_text(encoding="utf-8").splitlines() if line.strip())
        unit = "dialogues" if f.name.startswith("dialogues-") else "items"
        assert f"{f.name}: {n} {unit}" in text


def test_small_copy_passes(small: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert main(["--data", str(small)]) == 0, _errors(caplog)


def _break(path: Path, line: int, change: Any) -> str:
    """Apply ``change`` to the record on (1-based) ``line``; return the record's id."""
    recs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    change(recs[line - 1])
    _write(path, recs)
    return str(recs[line - 1]["id"])


def _set_labels(**kw: Any) -> Any:
    return lambda r: r["labels"].update(kw)


@pytest.mark.parametrize(
    ("line", "change", "expected"),
    [
        # a bodycam/counter dialogue (lines 1-2) with call fields, a call (lines 3-4) without
        (1, _set_labels(call_class="report", urgency="urgent"), "set on a"),
        (3, _set_labels(call_class=None), "no call_class on a"),
        (4, _set_labels(urgency="very"), "unknown urgency 'very'"),
        (2, _set_labels(disposition="arrested"), "unknown disposition 'arrested'"),
        (2, _set_labels(category="murder"), "unknown category 'murder'"),
        (2, _set_labels(risk_factors=["injury", "injury"]), "repeats a code"),
        (2, _set_labels(risk_factors=["aliens"]), "unknown risk_factors ['aliens']"),
        (1, lambda r: r.update(register="shouting"), "unknown register 'shouting'"),
        (1, lambda r: r.update(hard_negative=""), "hard_negative ''"),
        (1, lambda r: r.update(provenance={"author": "x"}), "names no method"),
        (1, lambda r: r.update(turns=r["turns"][:3]), "3 turns (want 4-12)"),
        (1, lambda r: r.update(turns=r["turns"] * 4), "turns (want 4-12)"),
        (1, lambda r: r.update(id="dialogue-d9-00001"), "id does not start with 'dialogue-d2-'"),
        (1, lambda r: r.update(extra=1), "keys"),
        (
            1,
            lambda r: r.update(turns=[t for t in r["turns"] if t["role"] != "party"] * 2),
            "needs both officer and party turns",
        ),
        (
            1,
            lambda r: [
                t.update(conduct=["SPEECH_THREAT"]) for t in r["turns"] if t["role"] == "party"
            ],
            "conduct codes on a party turn",
        ),
        (1, lambda r: r["turns"][0].update(conduct=[]), "empty conduct list"),
        (1, lambda r: r["turns"][0].update(text="  "), "turn 0: no text"),
        (1, lambda r: r["turns"][0].update(role="judge"), "unknown role 'judge'"),
        (1, lambda r: r.update(source="radio"), "unknown source 'radio'"),
    ],
)
def test_bad_dialogue_is_named_by_file_and_line(
    small: Path, caplog: pytest.LogCaptureFixture, line: int, change: Any, expected: str
) -> None:
    rid = _break(small / "dialogues-d2.jsonl", line, change)
    assert main(["--data", str(small)]) == 1
    errors = _errors(caplog)
    want = f"dialogues-d2.jsonl:{line} ({rid}): "
    assert any(e.startswith(want) and expected in e for e in errors), errors


def test_duplicate_dialogue_and_loader_errors_are_reported(
    small: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = small / "dialogues-d2.jsonl"
    recs = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    copy = dict(recs[0], id="dialogue-d2-99999")
    _write(path, [*recs, copy])
    assert main(["--data", str(small)]) == 1
    assert any(
        e.startswith("dialogues-d2.jsonl:5 (dialogue-d2-99999): same turns as")
        for e in _errors(caplog)
    )
    caplog.clear()
    # what the loader refuses (here an unknown conduct code) is reported as the loader words it
    _break(path, 2, lambda r: r["turns"][0].update(role="officer", conduct=["SPEECH_RUDE"]))
    assert main(["--data", str(small)]) == 1
    assert any(e.startswith("dialogues-d2.jsonl:2: unknown conduct codes") for e in _errors(caplog))
    caplog.clear()
    (small / "alternatives-d2.jsonl").write_text(
        json.dumps({"id": recs[0]["id"], "disposition_also": [recs[0]["labels"]["disposition"]]})
        + "\n",
        "utf-8",
    )
    _write(path, recs)
    assert main(["--data", str(small)]) == 1
    assert any("alternatives repeat the author's own disposition" in e for e in _errors(caplog))


@pytest.mark.parametrize(
    ("line", "change", "expected"),
    [
        (
            1,
            lambda r: r["labels"].update(conduct=["SPEECH_RUDE"]),
            "unknown conduct ['SPEECH_RUDE']",
        ),
        (2, lambda r: r.update(role="party"), "conduct labels on a party utterance"),
        (4, lambda r: r["labels"].update(statements=["confession"]), "unknown statements"),
        (5, lambda r: r["labels"].update(disposition="jailed"), "unknown disposition 'jailed'"),
        (
            7,
            lambda r: r.update(source="counter", labels=dict(r["labels"], call_class="report")),
            "set on a counter",
        ),
        (8, lambda r: r["labels"].update(category="murder"), "unknown category 'murder'"),
        (9, lambda r: r["labels"].update(conduct=[]), "are not one family's"),
        (9, lambda r: r.update(context=[{"role": "party", "text": "x"}] * 3), "3 context turns"),
        (3, lambda r: r.update(register=None), "unknown register None"),
        (3, lambda r: r.update(text="   "), "no text"),
    ],
)
def test_bad_item_is_named_by_file_and_line(
    small: Path, caplog: pytest.LogCaptureFixture, line: int, change: Any, expected: str
) -> None:
    rid = _break(small / "items-x.jsonl", line, change)
    assert main(["--data", str(small)]) == 1
    errors = _errors(caplog)
    want = f"items-x.jsonl:{line} ({rid}): "
    assert any(e.startswith(want) and expected in e for e in errors), errors


def test_item_that_is_not_json_is_named_by_line(
    small: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with (small / "items-x.jsonl").open("a", encoding="utf-8") as f:
        f.write("{not json\n")
    assert main(["--data", str(small)]) == 1
    assert any(e.startswith("items-x.jsonl:10: not a training item") for e in _errors(caplog))
