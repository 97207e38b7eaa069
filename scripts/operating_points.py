"""Operating points of the semantic heads, read off out-of-fold predictions on the TRAINING data only.

Thresholds chosen on an evaluation set would be tuned to it; these come from the training dialogues,
split five ways by dialogue, each fold predicted by heads refitted on the rest (with the regularisation
the committed heads chose). Two readings, printed as tables:

- ``plausible``: for the plausible-record heads, how many annotated alternatives and how many codes
  nobody allowed reach each threshold (``max_plausible_prob`` in ``configs/rules/inference.yaml``);
- ``conduct``: for the conduct head, precision and recall per code on the dialogues' officer turns
  (most of them ordinary, as in a real encounter) and per dialogue (any turn at or above the
  threshold), for the thresholds in ``configs/rules/conduct.yaml``.

    .venv/bin/python scripts/operating_points.py plausible|conduct [--heads configs/semantic/heads.npz] [--by-source]
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.model_selection import KFold

from detectors.embeddings import EmbeddingOptions, TextEmbedder
from detectors.semantic import SemanticHeads
from pipeline.config import CONFIG_DIR, load_config
from pipeline.training import (
    CATEGORIES,
    CONDUCT,
    DISPOSITIONS,
    HEADS,
    _dialogue_vectors,
    _embed_cached,
    _fit,
    char_ngrams,
    context_items,
    dialogue_items,
    load_dialogues,
    load_items,
)

logger = logging.getLogger("vigil.scripts")
DATA = CONFIG_DIR / "semantic" / "data"
FOLDS = 5


def plausible(heads: SemanticHeads, embedder: TextEmbedder) -> None:
    """Alternatives kept vs codes nobody allowed, per threshold, for both plausible-record heads."""
    dialogues, _ = load_dialogues(DATA)
    dialogues = [d for d in dialogues if d.also is not None]
    cache = load_config(environ={}).section("asr")["cache_dir"]
    v = _dialogue_vectors(dialogues, heads, embedder, heads.ngrams, cache)
    training = heads.manifest["training"]
    for key, codes in (("disposition", DISPOSITIONS), ("category", CATEGORIES)):
        name = f"dialogue_{key}_plausible"
        also = [d.also or {} for d in dialogues]
        y = np.array(
            [
                [c == d.labels[key] or c in a[key] for c in codes]
                for d, a in zip(dialogues, also, strict=True)
            ]
        )
        alt = np.array([[c in a[key] for c in codes] for a in also])
        p = np.zeros(y.shape)
        for tr, te in KFold(FOLDS, shuffle=True, random_state=0).split(v):
            mu, sd = v[tr].mean(axis=0), v[tr].std(axis=0)
            sd[sd < 1e-6] = 1.0
            for j, c in enumerate(codes):
                clf = _fit(
                    (v[tr] - mu) / sd, y[tr, j].astype(int), training[name]["labels"][c]["C"], 0
                )
                p[te, j] = clf.predict_proba((v[te] - mu) / sd)[:, 1]
        logger.info("%s: %d dialogues, %d annotated alternatives", name, len(dialogues), alt.sum())
        for t in (0.15, 0.2, 0.25, 0.3, 0.4, 0.5):
            kept, wrong = np.mean(p[alt] >= t), np.mean(p[~y] >= t)
            logger.info(
                "  t=%.2f alternatives kept %.3f, codes nobody allowed kept %.3f, J %.3f",
                t,
                kept,
                wrong,
                kept - wrong,
            )


def conduct(heads: SemanticHeads, embedder: TextEmbedder, *, by_source: bool = False) -> None:
    """Precision and recall of the conduct head on the dialogues' officer turns, out of fold; with
    ``by_source``, per dialogue and per recording source (see :func:`_per_source`)."""
    labelled, _ = load_items(DATA)
    dialogues, _ = load_dialogues(DATA)
    items = [*labelled, *dialogue_items(dialogues)]
    items += context_items(items)
    cache = load_config(environ={}).section("asr")["cache_dir"]
    emb = _embed_cached(embedder, [it.text for it in items], cache)
    texts = [it.text for it in items]
    x = hstack([csr_matrix(emb), char_ngrams(texts).transform(texts)]).tocsr()
    spec = next(h for h in HEADS if h.name == "conduct")
    rows = [(k, lab) for k, it in enumerate(items) if (lab := spec.target(it)) is not None]
    idx = np.array([k for k, _ in rows])
    y = np.array([[c in lab for c in CONDUCT] for _, lab in rows])
    # a dialogue turn's id is "<dialogue id>#t<k>"; single-utterance items always stay in training
    owner = np.array([items[k].id.split("#t")[0] if "#t" in items[k].id else "" for k in idx])
    ids = sorted(set(owner) - {""})
    fold_of = {d: n % FOLDS for n, d in enumerate(ids)}
    fold = np.array([fold_of.get(d, -1) for d in owner])
    c_of: dict[str, Any] = heads.manifest["training"]["conduct"]["labels"]
    p = np.zeros(y.shape)
    for k in range(FOLDS):
        tr, te = fold != k, fold == k
        for j, code in enumerate(CONDUCT):
            clf = _fit(x[idx[tr]], y[tr, j].astype(int), c_of[code]["C"], 0)
            p[te, j] = clf.predict_proba(x[idx[te]])[:, 1]
    turn = fold >= 0
    logger.info(
        "%d officer turns of %d dialogues, positives %s", turn.sum(), len(ids), y[turn].sum(axis=0)
    )
    strongest, meant = _per_dialogue(p, y, owner, ids)
    if by_source:
        source_of = {d.id: d.source for d in dialogues}
        _per_source(strongest, meant, np.array([source_of[d] for d in ids]))
        return
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        per_code = []
        for j, code in enumerate(CONDUCT):
            hit, pos = p[turn, j] >= t, y[turn, j]
            tp = int((hit & pos).sum())
            per_code.append(
                f"{code}: P {tp / max(1, hit.sum()):.2f} R {tp / max(1, pos.sum()):.2f}"
            )
        tp, fp, fn = (int(n.sum()) for n in _counts(strongest, meant, t))
        logger.info(
            "  t=%.2f per turn %s | per dialogue P %.3f R %.3f",
            t,
            " | ".join(per_code),
            tp / max(1, tp + fp),
            tp / max(1, tp + fn),
        )


def _per_dialogue(
    p: np.ndarray, y: np.ndarray, owner: np.ndarray, ids: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Per dialogue of ``ids`` and per code, the strongest turn's probability and whether any turn
    carries the code: a dialogue is flagged at threshold t exactly when its strongest turn reaches t,
    so every threshold is read off these two arrays instead of the turns again."""
    strongest = np.array([p[owner == d].max(axis=0) for d in ids])
    meant = np.array([y[owner == d].any(axis=0) for d in ids])
    return strongest, meant


def _counts(
    strongest: np.ndarray, meant: np.ndarray, t: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per code, the dialogues flagged rightly, flagged wrongly and missed at threshold ``t``."""
    said = strongest >= t
    return (said & meant).sum(axis=0), (said & ~meant).sum(axis=0), (~said & meant).sum(axis=0)


def _per_source(strongest: np.ndarray, meant: np.ndarray, source: np.ndarray) -> None:
    """Per source and code, per dialogue tp / fp / fn at each threshold, and the threshold of best F1.

    Why: whether a deflection was improper depends on where it was said (a counter officer may rightly
    send a civil matter to court; a 110 call-taker is meant to take every call), so one operating point
    for every source may be too strict for some and too loose for others.
    """
    grid = [round(0.3 + 0.05 * k, 2) for k in range(12)]
    for src in sorted(set(source)):
        mine = source == src
        counts = [_counts(strongest[mine], meant[mine], t) for t in grid]
        for j, code in enumerate(CONDUCT):
            cells = []
            best = (0.0, 0.0)
            for t, (tp, fp, fn) in zip(grid, counts, strict=True):
                f1 = 2 * tp[j] / max(1, 2 * tp[j] + fp[j] + fn[j])
                best = max(best, (f1, -t))
                cells.append(f"{t:.2f}: {tp[j]}/{fp[j]}/{fn[j]}")
            logger.info(
                "%s %s (%d dialogues): best F1 %.3f at %.2f | tp/fp/fn %s",
                src,
                code,
                int(mine.sum()),
                best[0],
                -best[1],
                "  ".join(cells),
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("reading", choices=["plausible", "conduct"])
    ap.add_argument("--heads", default=str(CONFIG_DIR / "semantic" / "heads.npz"))
    ap.add_argument(
        "--by-source", action="store_true", help="conduct: per dialogue, per recording source"
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    heads = SemanticHeads.load(args.heads)
    embedder = TextEmbedder(
        EmbeddingOptions.model_validate(load_config(environ={}).section("embeddings"))
    )
    if args.reading == "plausible":
        plausible(heads, embedder)
    else:
        conduct(heads, embedder, by_source=args.by_source)


if __name__ == "__main__":
    main()
