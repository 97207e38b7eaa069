"""Rules' time against transcript length: the dev scenes' utterances repeated to 500, 1,000 and 2,000
turns, semantic layer and roles first (as in the pipeline), then ``RuleAnalyzer.assess`` timed; the last
length is profiled (top 25 by cumulative time).

    .venv/bin/python scripts/bench_rules.py
"""

import sys
import time

sys.path.insert(0, ".")
import logging
from dataclasses import replace

from evaluation.harness import _TextRunner, _with_roles, load_scenarios, scenario_transcript
from pipeline.config import load_config

logging.basicConfig(level=logging.INFO, format="%(message)s")
logger = logging.getLogger("vigil.scripts")
cfg = load_config(None)
runner = _TextRunner(cfg, oracle_roles=False)
scs = load_scenarios("../shared/eval/dev")
base = []
for sc in scs:
    tr = scenario_transcript(sc, oracle_roles=False)
    base.extend(tr.utterances)
tr0 = scenario_transcript(scs[0], oracle_roles=False)


def make(n):
    us = []
    t = 0.0
    for k in range(n):
        u = base[k % len(base)]
        d = u.end - u.start
        us.append(replace(u, id=f"seg-{k:05d}", start=t, end=t + d))
        t += d + 0.3
    return replace(tr0, utterances=tuple(us))


for n in (500, 1000, 2000):
    tr = make(n)
    tr = replace(tr, utterances=tuple(runner.semantic.annotate(tr.utterances)))
    tr = _with_roles(tr, runner.roles)
    tr = runner.semantic.read_dialogue(tr)
    t = time.perf_counter()
    a = runner.analyzer.assess(tr)
    dt = time.perf_counter() - t
    logger.info("%d utterances: %.2f s, %d flags", n, dt, len(a.flags))
    if n == 2000:
        import cProfile
        import pstats

        cProfile.run("runner.analyzer.assess(tr)", "/tmp/rules.prof")
        pstats.Stats("/tmp/rules.prof").sort_stats("cumulative").print_stats(25)
