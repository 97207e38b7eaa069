"""Audio-mode evaluation of a rules or heads change without re-running speech: dump once, replay often.

``dump SET OUT`` runs ``vigil eval --mode audio``'s runner (synthesis, Whisper, diarization, roles, the
semantic layer) on every scenario of SET and keeps the transcript the rules saw, one file per scenario, in OUT.
``replay SET OUT [--reannotate]`` runs today's rules on those transcripts and prints per-code tp / fp / fn
and micro P / R / F1 as ``vigil eval`` counts them; ``--reannotate`` first reads every utterance again with
today's semantic heads (needed when the heads changed: the roles and the speech stay as dumped). A replay of
unchanged code gives every scenario the flags its dump recorded (``same_as_dump``), which is how the README's
stop-22 audio figures were checked. A 60-scene dump takes ~10 min on 2 cores; a replay ~1 min.

The files are Python pickles of Vigil's own dataclasses, for this machine's scratch use: replay reads only
files that dump wrote; never point it at files from elsewhere.

    mkdir -p var/bl10 && cp tests/data/blind/bl10-*.json var/bl10/
    .venv/bin/python scripts/eval_replay.py dump var/bl10 var/replay/bl10
    .venv/bin/python scripts/eval_replay.py replay var/bl10 var/replay/bl10 --reannotate
"""

from __future__ import annotations

import argparse
import logging
import pickle
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

from evaluation.harness import _AudioRunner, _TextRunner, load_scenarios
from pipeline.config import load_config

logger = logging.getLogger("vigil.replay")


def _out(line: str) -> None:
    """The report goes to stdout (the logs to stderr), so it can be kept with `>`."""
    sys.stdout.write(line + "\n")


class _Capture:
    """Stands in for the pipeline's rule analyser and keeps the transcript of the final assessment."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.last: Any = None

    def assess(self, transcript: Any, *args: Any, **kwargs: Any) -> Any:
        self.last = transcript
        return self.inner.assess(transcript, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def dump(scenarios: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    run = _AudioRunner(load_config(None), False)
    cap = _Capture(run.pipeline.rules)
    run.pipeline.rules = cap  # type: ignore[assignment]
    for sc in load_scenarios(scenarios):
        f = out / f"{sc.id}.pkl"
        if f.exists():
            continue
        t0 = time.monotonic()
        assessment, _ = run(sc)
        flags = sorted({x.code for x in assessment.flags})
        f.write_bytes(pickle.dumps({"transcript": cap.last, "flags": flags}))
        logger.info("%s %.1f s", sc.id, time.monotonic() - t0)


def replay(scenarios: Path, saved: Path, *, reannotate: bool, verbose: bool) -> None:
    runner = _TextRunner(load_config(None), False)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    same = n = 0
    for sc in load_scenarios(scenarios):
        f = saved / f"{sc.id}.pkl"
        if not f.exists():
            continue
        rec = pickle.loads(f.read_bytes())  # noqa: S301 - files this script wrote (see the docstring)
        t = rec["transcript"]
        if reannotate:
            us = runner.semantic.annotate([replace(u, semantics=()) for u in t.utterances])
            t = runner.semantic.read_dialogue(replace(t, utterances=tuple(us), semantics=()))
        got = {x.code for x in runner.analyzer.assess(t).flags}
        exp = set(sc.expect.get("flags", []))
        n += 1
        same += got == set(rec["flags"])
        for code in got | exp:
            counts[code][0 if code in got and code in exp else 1 if code in got else 2] += 1
        if verbose and got != exp:
            _out(f"{sc.id} fp {sorted(got - exp)} fn {sorted(exp - got)}")
    tp, fp, fn = (sum(v[i] for v in counts.values()) for i in range(3))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    _out(
        f"{saved.name}: n={n} same_as_dump={same} tp {tp} fp {fp} fn {fn} P {p:.3f} R {r:.3f} F1 {f1:.3f}"
    )
    for code in sorted(counts):
        _out(
            f"   {code:28s} tp {counts[code][0]:2d} fp {counts[code][1]:2d} fn {counts[code][2]:2d}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("scenarios", type=Path)
    d.add_argument("out", type=Path)
    r = sub.add_parser("replay")
    r.add_argument("scenarios", type=Path)
    r.add_argument("saved", type=Path)
    r.add_argument("--reannotate", action="store_true")
    r.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name in ("vigil", "faster_whisper"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if args.cmd == "dump":
        dump(args.scenarios, args.out)
    else:
        replay(args.scenarios, args.saved, reannotate=args.reannotate, verbose=args.verbose)


if __name__ == "__main__":
    main()
