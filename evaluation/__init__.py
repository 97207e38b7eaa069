"""Evaluation and test tooling, kept out of the product's analysis path.

* :mod:`.harness` - ``vigil eval``: scores the analysis against scripted scenarios with ground truth.
* :mod:`.synthesis` and :mod:`.fastspeech` - offline Mandarin test speech (scripted scenarios rendered
  to body-cam, counter, phone and dispatch audio) for the audio-mode evaluation, ``vigil demo`` and the
  speech tests.
* :mod:`.config` - their own config file (``configs/evaluation.yaml``), outside the analysis config hash.

This package sits on top of the product (it may import ``pipeline``, ``rules`` and ``detectors``);
nothing in the product imports it except the CLI, the one composition root.
"""

from __future__ import annotations
