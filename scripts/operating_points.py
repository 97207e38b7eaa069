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
    if by_source:
        _per_source(p, y, owner, ids, {d.id: d.source for d in dialogues})
        return
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        per_code = []
        for j, code in enumerate(CONDUCT):
            hit, pos = p[turn, j] >= t, y[turn, j]
            tp = int((hit & pos).sum())
            per_code.append(
                f"{code}: P {tp / max(1, hit.sum()):.2f} R {tp / max(1, pos.sum()):.2f}"
            )
        tp = fp = fn = 0
        for d in ids:
            s = owner == d
            said, meant = (p[s] >= t).any(axis=0), y[s].any(axis=0)
            tp += int((said & meant).sum())
            fp += int((said & ~meant).sum())
            fn += int((~said & meant).sum())
        logger.info(
            "  t=%.2f per turn %s | per dialogue P %.3f R %.3f",
            t,
            " | ".join(per_code),
            tp / max(1, tp + fp),
            tp / max(1, tp + fn),
        )


def _per_source(
    p: np.ndarray, y: np.ndarray, owner: np.ndarray, ids: list[str], source_of: dict[str, str]
) -> None:
    """Per source and code, per dialogue P / R / F1 at each threshold, and the threshold of best F1.

    Why: whether a deflection was improper depends on where it was said (a counter officer may rightly
    send a civil matter to court; a 110 call-taker is meant to take every call), so one operating point
    for every source may be too strict for some and too loose for others.
    """
    grid = [round(0.3 + 0.05 * k, 2) for k in range(12)]
    for src in sorted({source_of[d] for d in ids}):
        mine = [d for d in ids if source_of[d] == src]
        for j, code in enumerate(CONDUCT):
            cells = []
            best = (0.0, 0.0)
            for t in grid:
                tp = fp = fn = 0
                for d in mine:
                    s = owner == d
                    said, meant = bool((p[s, j] >= t).any()), bool(y[s, j].any())
                    tp, fp, fn = (
                        tp + (said and meant),
                        fp + (said and not meant),
                        fn + (meant and not said),
                    )
                f1 = 2 * tp / max(1, 2 * tp + fp + fn)
                best = max(best, (f1, -t))
                cells.append(f"{t:.2f}: {tp}/{fp}/{fn}")
            logger.info(
                "%s %s (%d dialogues): best F1 %.3f at %.2f | tp/fp/fn %s",
                src,
                code,
                len(mine),
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
