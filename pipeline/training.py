"""``vigil train``: rebuild the semantic heads from the versioned training data, deterministically.

The data (``configs/semantic/data/*.jsonl``, one labelled utterance per line with its provenance) is an
asset of the project like the lexicons: reviewed, versioned, never drawn from an evaluation set. Each
head is a scikit-learn logistic regression over the e5 embedding of the utterance; its regularisation is
chosen by stratified cross-validation on the training data alone (fixed seed), and the weights are
exported to a plain ``.npz`` with a JSON manifest (data file digests, item counts, cross-validated
scores), so the same data and code always give the same file and nothing executable is ever loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, get_args

import numpy as np

from detectors.embeddings import EmbeddingOptions, TextEmbedder
from detectors.semantic import HEADS_FORMAT, Head, SemanticHeads, dialogue_vector
from rules.findings import CallClass, Category, Disposition, RiskFactor, Urgency

from .errors import ConfigError

logger = logging.getLogger("vigil.pipeline")

CONDUCT = ("SPEECH_PROFANITY", "SPEECH_THREAT", "SPEECH_SHIRKING", "SPEECH_IMPATIENT")
STATEMENTS = ("self_id", "recording_notice", "receipt", "report_accepted", "report_refused")
# the vocabulary's codes (shared/spec/vocabulary.md), as the rules layer types them
DISPOSITIONS: tuple[str, ...] = get_args(Disposition)
CATEGORIES: tuple[str, ...] = get_args(Category)
RISK_FACTORS: tuple[str, ...] = get_args(RiskFactor)
CALL_CLASSES: tuple[str, ...] = get_args(CallClass)
URGENCIES: tuple[str, ...] = get_args(Urgency)
_C_GRID = (8.0, 32.0)
# dialogue heads: ~10^3 standardised features from a few hundred dialogues want strong regularisation
_DIALOGUE_C_GRID = (0.003, 0.01, 0.03, 0.1)
DIALOGUE_FILES = "dialogues-*.jsonl"
NGRAM_RANGE = (1, 3)
NGRAM_MIN_DF = 2
NGRAM_MAX_FEATURES = 12000


@dataclass(frozen=True, slots=True)
class Item:
    """One labelled utterance as read from the data files."""

    id: str
    text: str
    role: str
    labels: dict[str, Any]
    origin: str  # data file stem
    context: tuple[tuple[str, str], ...] = ()  # (role, text) of the turns before it


@dataclass(frozen=True, slots=True)
class HeadSpec:
    """How one head's examples and targets are read from the items.

    ``balanced``: classes weighted inversely to their frequency. For the call heads: the callers
    written for training report far more often than they ask, complain or ring for nothing (1,334
    reports against 162 others), and unweighted the head read most consults and other calls as
    reports; the mix of a station's calls is not the mix of what was written."""

    name: str
    kind: str  # multiclass | multilabel
    labels: tuple[str, ...]
    balanced: bool = False

    def target(self, item: Item) -> list[str] | str | None:
        """The item's target for this head, or ``None`` when the item does not train this head."""
        lab = item.labels
        if self.name == "speaker":
            # who talks like the police: every item and every context turn has a role
            return ["officer"] if item.role == "officer" else []
        if self.name == "conduct":
            return list(lab["conduct"]) if "conduct" in lab and item.role == "officer" else None
        if self.name == "statement":
            return (
                list(lab["statements"]) if "statements" in lab and item.role == "officer" else None
            )
        if self.name == "disposition":
            if "statements" not in lab or item.role != "officer":
                return None
            return lab.get("disposition") or "none"
        if self.name == "category":
            return lab.get("category") or "none" if "category" in lab else None
        if self.name == "risk":
            return list(lab["risk_factors"]) if "risk_factors" in lab else None
        if self.name in ("call", "urgency"):
            key = "call_class" if self.name == "call" else "urgency"
            if key not in lab:
                return None
            if lab[key]:
                return str(lab[key])
            # "says nothing about the call" only where it says nothing about the incident either
            return "none" if lab.get("category") is None else None
        raise ConfigError(f"unknown head {self.name!r}")


HEADS: tuple[HeadSpec, ...] = (
    HeadSpec("speaker", "multilabel", ("officer",)),
    HeadSpec("conduct", "multilabel", CONDUCT),
    HeadSpec("statement", "multilabel", STATEMENTS),
    HeadSpec("disposition", "multiclass", ("none", *DISPOSITIONS)),
    HeadSpec("category", "multiclass", ("none", *CATEGORIES)),
    HeadSpec("risk", "multilabel", RISK_FACTORS),
    HeadSpec("call", "multiclass", ("none", *CALL_CLASSES), balanced=True),
    HeadSpec("urgency", "multiclass", ("none", *URGENCIES)),
)


@dataclass(frozen=True, slots=True)
class Dialogue:
    """One labelled encounter: its turns (role, text, the officer turn's conduct codes) and what the
    whole recording shows (category, disposition; call class and urgency for calls)."""

    id: str
    source: str
    turns: tuple[tuple[str, str, tuple[str, ...]], ...]
    labels: dict[str, Any]
    origin: str
    also: dict[str, tuple[str, ...]] | None = None
    """Per label key (``disposition``, ``category``), the other codes a second annotator judged a
    reviewer elsewhere could also record (``alternatives-*.jsonl``); ``None``: not annotated."""


@dataclass(frozen=True, slots=True)
class DialogueHeadSpec:
    """A head over :func:`detectors.semantic.dialogue_vector`, trained on dialogues of ``sources``
    (all when ``None``) whose ``key`` label is set.

    ``multiclass``: which code the author gave. ``multilabel`` ("plausible" heads): whether a code
    is one a reviewer could record for the exchange (the author's code or an annotated alternative);
    trained on the annotated dialogues only. The rules ask it whether a case record that differs
    from the reading is a different convention or a contradiction.
    """

    name: str
    key: str
    labels: tuple[str, ...]
    sources: tuple[str, ...] | None = None
    kind: str = "multiclass"
    balanced: bool = False  # as HeadSpec.balanced

    def target(self, dialogue: Dialogue) -> list[str] | str | None:
        """The dialogue's target for this head, or ``None`` when it does not train it."""
        value = dialogue.labels.get(self.key)
        if value not in self.labels or (
            self.sources is not None and dialogue.source not in self.sources
        ):
            return None
        if self.kind == "multiclass":
            return str(value)
        if dialogue.also is None:
            return None
        return [str(value), *dialogue.also.get(self.key, ())]


DIALOGUE_HEADS: tuple[DialogueHeadSpec, ...] = (
    DialogueHeadSpec("dialogue_disposition", "disposition", DISPOSITIONS),
    DialogueHeadSpec("dialogue_category", "category", CATEGORIES),
    DialogueHeadSpec(
        "dialogue_call", "call_class", CALL_CLASSES, ("phone", "dispatch"), balanced=True
    ),
    DialogueHeadSpec("dialogue_urgency", "urgency", URGENCIES, ("phone", "dispatch")),
    DialogueHeadSpec(
        "dialogue_disposition_plausible", "disposition", DISPOSITIONS, kind="multilabel"
    ),
    DialogueHeadSpec("dialogue_category_plausible", "category", CATEGORIES, kind="multilabel"),
)
ALTERNATIVE_FILES = "alternatives-*.jsonl"


def load_dialogues(data_dir: str | Path) -> tuple[list[Dialogue], dict[str, str]]:
    """Every dialogue of the ``dialogues-*.jsonl`` files (sorted by name), and each file's SHA-256."""
    d = Path(data_dir)
    out: list[Dialogue] = []
    digests: dict[str, str] = {}
    seen: set[str] = set()
    for f in sorted(d.glob(DIALOGUE_FILES)):
        raw = f.read_bytes()
        digests[f.name] = hashlib.sha256(raw).hexdigest()
        for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                dlg = Dialogue(
                    id=str(obj["id"]),
                    source=str(obj["source"]),
                    turns=tuple(
                        (str(t["role"]), str(t["text"]).strip(), tuple(t.get("conduct") or ()))
                        for t in obj["turns"]
                    ),
                    labels=dict(obj["labels"]),
                    origin=f.stem,
                )
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise ConfigError(f"{f.name}:{n}: not a training dialogue: {e}") from e
            if dlg.id in seen:
                raise ConfigError(f"{f.name}:{n}: duplicate dialogue id {dlg.id!r}")
            bad = {c for _, _, cs in dlg.turns for c in cs} - set(CONDUCT)
            if bad:
                raise ConfigError(f"{f.name}:{n}: unknown conduct codes {sorted(bad)}")
            seen.add(dlg.id)
            if any(text for _, text, _ in dlg.turns):
                out.append(dlg)
    also = _load_alternatives(d, seen, digests)
    return [replace(x, also=also.get(x.id)) for x in out], digests


_ALTERNATIVE_CODES: dict[str, tuple[str, ...]] = {
    "disposition": DISPOSITIONS,
    "category": CATEGORIES,
}


def _load_alternatives(
    d: Path, ids: set[str], digests: dict[str, str]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """``alternatives-*.jsonl``: per dialogue id, the other codes a second annotator allows.

    Why a file of its own: the dialogues' authors' labels stay as they wrote them, and the
    annotation (by someone else, with its own provenance) can be redone without touching them.
    """
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for f in sorted(d.glob(ALTERNATIVE_FILES)):
        raw = f.read_bytes()
        digests[f.name] = hashlib.sha256(raw).hexdigest()
        for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                key = str(obj["id"])
                entry = {
                    k: tuple(str(c) for c in obj.get(f"{k}_also") or ()) for k in _ALTERNATIVE_CODES
                }
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise ConfigError(f"{f.name}:{n}: not an alternatives entry: {e}") from e
            if key not in ids:
                raise ConfigError(f"{f.name}:{n}: no training dialogue {key!r}")
            if key in out:
                raise ConfigError(f"{f.name}:{n}: dialogue {key!r} annotated twice")
            for k, codes in entry.items():
                bad = set(codes) - set(_ALTERNATIVE_CODES[k])
                if bad:
                    raise ConfigError(f"{f.name}:{n}: unknown {k} codes {sorted(bad)}")
            out[key] = entry
    return out


def dialogue_items(dialogues: Sequence[Dialogue]) -> list[Item]:
    """The dialogues' turns as utterance items: each officer turn with its conduct codes (``[]`` when
    acceptable) and its two preceding turns as context, each other turn for the speaker head only.

    Why: single-utterance data is mostly about misconduct, while in a real encounter nearly every
    officer turn is ordinary; these turns teach the conduct head what ordinary speech in context
    looks like, labelled by an author who saw the whole exchange.
    """
    out: list[Item] = []
    for d in dialogues:
        for k, (role, text, conduct) in enumerate(d.turns):
            if not text:
                continue
            context = tuple((r, t) for r, t, _ in d.turns[max(0, k - 2) : k] if t)
            labels: dict[str, Any] = {"conduct": list(conduct)} if role == "officer" else {}
            out.append(
                Item(
                    id=f"{d.id}#t{k}",
                    text=text,
                    role=role,
                    labels=labels,
                    origin=d.origin,
                    context=context,
                )
            )
    return out


def load_items(data_dir: str | Path) -> tuple[list[Item], dict[str, str]]:
    """Every item of every utterance ``*.jsonl`` file (sorted by name; dialogue files are read by
    :func:`load_dialogues`), and each file's SHA-256."""
    d = Path(data_dir)
    files = sorted(
        f for f in d.glob("*.jsonl") if not (f.match(DIALOGUE_FILES) or f.match(ALTERNATIVE_FILES))
    )
    if not files:
        raise ConfigError(f"no training data (*.jsonl) in {d}")
    items: list[Item] = []
    digests: dict[str, str] = {}
    seen: set[str] = set()
    for f in files:
        raw = f.read_bytes()
        digests[f.name] = hashlib.sha256(raw).hexdigest()
        for n, line in enumerate(raw.decode("utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                item = Item(
                    id=str(obj["id"]),
                    text=str(obj["text"]).strip(),
                    role=str(obj["role"]),
                    labels=dict(obj["labels"]),
                    origin=f.stem,
                    context=tuple(
                        (str(t["role"]), str(t["text"]).strip()) for t in obj.get("context") or ()
                    ),
                )
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise ConfigError(f"{f.name}:{n}: not a training item: {e}") from e
            if item.id in seen:
                raise ConfigError(f"{f.name}:{n}: duplicate item id {item.id!r}")
            seen.add(item.id)
            if item.text:
                items.append(item)
    return items, digests


def context_items(items: Sequence[Item]) -> list[Item]:
    """The context turns as unlabelled items of their own, for the heads that need only a role.

    A context turn says who spoke (officer or party) as surely as a target utterance does, and the
    speaker head needs many ordinary turns of both sides; they carry no family labels, so no other
    head trains on them. A text already present as an item, or seen with both roles, is left out.
    """
    known = {it.text for it in items}
    roles: dict[str, set[str]] = {}
    first: dict[str, Item] = {}
    for it in items:
        for k, (role, text) in enumerate(it.context):
            if not text or text in known:
                continue
            roles.setdefault(text, set()).add(role)
            first.setdefault(
                text, Item(id=f"{it.id}#c{k}", text=text, role=role, labels={}, origin=it.origin)
            )
    return [first[t] for t in sorted(first, key=lambda t: first[t].id) if len(roles[t]) == 1]


def _fit(x: Any, y: np.ndarray, c: float, seed: int, balanced: bool = False) -> Any:
    from sklearn.linear_model import LogisticRegression

    # liblinear is an order of magnitude faster than lbfgs on sparse n-gram features for a binary
    # label; a one-of head needs the multinomial model (lbfgs) for probabilities that sum to one
    binary = len(np.unique(y)) == 2
    clf = LogisticRegression(
        C=c,
        solver="liblinear" if binary else "lbfgs",
        max_iter=1000,
        tol=1e-4 if binary else 1e-3,
        random_state=seed,
        class_weight="balanced" if balanced else None,
    )
    return clf.fit(x, y)


def _choose_c(
    x: Any,
    y: np.ndarray,
    seed: int,
    folds: int,
    grid: Sequence[float] = _C_GRID,
    balanced: bool = False,
) -> tuple[float, float, float]:
    """The C with the best cross-validated log-loss, that loss, and the cross-validated F1 of the
    chosen C (macro over classes; the positive class alone for a binary label). The F1 is reported in
    the manifest and never used to choose anything."""
    from sklearn.metrics import f1_score, log_loss
    from sklearn.model_selection import StratifiedKFold

    counts = Counter(y.tolist())
    k = min(folds, min(counts.values()))
    if k < 2 or len(counts) < 2:
        return grid[0], float("nan"), float("nan")
    splits = list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(x, y))
    classes = np.unique(y)
    best = (grid[0], float("inf"), float("nan"))
    for c in grid:
        proba = np.zeros((len(y), len(classes)))
        for tr, te in splits:
            clf = _fit(x[tr], y[tr], c, seed, balanced)
            proba[np.ix_(te, np.searchsorted(classes, clf.classes_))] = clf.predict_proba(x[te])
        loss = float(log_loss(y, proba, labels=classes))
        if loss < best[1]:
            pred = classes[proba.argmax(axis=1)]
            binary = set(counts) == {0, 1}
            f1 = float(f1_score(y, pred, average="binary" if binary else "macro"))
            best = (c, loss, f1)
    return best


def _train_head(
    spec: HeadSpec,
    x: Any,
    targets: Sequence[list[str] | str],
    seed: int,
    folds: int,
    grid: Sequence[float] = _C_GRID,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    dim = x.shape[1]
    w = np.zeros((len(spec.labels), dim), dtype=np.float32)
    b = np.zeros(len(spec.labels), dtype=np.float32)
    report: dict[str, Any] = {"items": len(targets)}
    if spec.balanced:
        report["class_weight"] = "balanced"
    if spec.kind == "multiclass":
        index = {lab: i for i, lab in enumerate(spec.labels)}
        y = np.array([index[str(t)] for t in targets])
        c, loss, f1 = _choose_c(x, y, seed, folds, grid, spec.balanced)
        clf = _fit(x, y, c, seed, spec.balanced)
        for row, cls in enumerate(clf.classes_):
            if len(clf.classes_) == 2:
                # sklearn keeps one row for a binary problem: softmax over (0, z) is the same model
                if row == 1:
                    w[int(cls)] = clf.coef_[0]
                    b[int(cls)] = clf.intercept_[0]
            else:
                w[int(cls)] = clf.coef_[row]
                b[int(cls)] = clf.intercept_[row]
        missing = [lab for i, lab in enumerate(spec.labels) if i not in set(clf.classes_.tolist())]
        for lab in missing:  # a label with no example can never win
            b[index[lab]] = -30.0
        report.update(
            C=c,
            cv_log_loss=round(loss, 4),
            cv_macro_f1=round(f1, 4),
            counts={spec.labels[k]: v for k, v in sorted(Counter(y.tolist()).items())},
        )
        return w, b, report
    per_label: dict[str, Any] = {}
    for j, lab in enumerate(spec.labels):
        y = np.array([1 if lab in t else 0 for t in targets])
        if y.sum() == 0:
            b[j] = -30.0
            per_label[lab] = {"positives": 0}
            continue
        c, loss, f1 = _choose_c(x, y, seed, folds, grid, spec.balanced)
        clf = _fit(x, y, c, seed, spec.balanced)
        w[j] = clf.coef_[0]
        b[j] = clf.intercept_[0]
        per_label[lab] = {
            "positives": int(y.sum()),
            "C": c,
            "cv_log_loss": round(loss, 4),
            "cv_f1": round(f1, 4),
        }
    report["labels"] = per_label
    return w, b, report


def char_ngrams(texts: Sequence[str], max_features: int = NGRAM_MAX_FEATURES) -> Any:
    """The character n-gram TF-IDF the utterance heads read beside the embedding, fitted on ``texts``.

    Why not ``TfidfVectorizer(max_features=...)``: scikit-learn keeps the most frequent n-grams by
    numpy's unstable argsort, whose order among equally frequent n-grams follows the CPU's SIMD sort.
    On the same data two machines kept different n-grams (195 of 12,000, all at the cut-off frequency,
    where 1,013 tie for 757 places), so ``vigil train`` was not reproducible from one machine to the
    next. Here a tie is broken by the n-gram itself.
    """
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    counts = CountVectorizer(analyzer="char", ngram_range=NGRAM_RANGE, min_df=NGRAM_MIN_DF)
    tf = np.asarray(counts.fit_transform(texts).sum(axis=0)).ravel()
    grams = counts.get_feature_names_out().tolist()
    ranked = sorted(range(len(grams)), key=lambda j: (-int(tf[j]), grams[j]))
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=NGRAM_RANGE,
        vocabulary=sorted(grams[j] for j in ranked[:max_features]),
        sublinear_tf=True,
    ).fit(texts)


def train_heads(
    data_dir: str | Path,
    out_path: str | Path,
    embeddings: EmbeddingOptions,
    *,
    seed: int = 0,
    folds: int = 3,
    heads: Iterable[HeadSpec] = HEADS,
    cache_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Train every head and write the ``.npz``; returns the manifest (also stored inside the file).

    ``cache_dir`` keeps the training texts' embeddings between runs (keyed by the embedding model's
    digest): embedding is most of a training run, and the vectors of a text never change.
    """
    labelled, digests = load_items(data_dir)
    dialogues, dialogue_digests = load_dialogues(data_dir)
    digests.update(dialogue_digests)
    labelled += dialogue_items(dialogues)
    contexts = context_items(labelled)
    items = [*labelled, *contexts]
    embedder = TextEmbedder(embeddings)
    logger.info("embedding %d training utterances", len(items))
    from scipy.sparse import csr_matrix, hstack

    texts = [it.text for it in items]
    emb = _embed_cached(embedder, texts, cache_dir)
    tfidf = char_ngrams(texts)
    grams = tfidf.transform(texts)
    vocab = sorted(tfidf.vocabulary_, key=lambda g: tfidf.vocabulary_[g])
    x_all = hstack([csr_matrix(emb), grams]).tocsr()
    arrays: dict[str, np.ndarray] = {
        "ngrams.vocabulary": np.frombuffer(
            json.dumps(vocab, ensure_ascii=False).encode("utf-8"), dtype=np.uint8
        ),
        "ngrams.idf": np.asarray(tfidf.idf_, dtype=np.float64),
    }
    specs: list[dict[str, Any]] = []
    reports: dict[str, Any] = {}
    for spec in heads:
        rows = [(i, t) for i, it in enumerate(items) if (t := spec.target(it)) is not None]
        if not rows:
            raise ConfigError(f"no training items for head {spec.name!r} in {data_dir}")
        idx = np.array([i for i, _ in rows])
        w, b, report = _train_head(spec, x_all[idx], [t for _, t in rows], seed, folds)
        arrays[f"{spec.name}.W"] = w
        arrays[f"{spec.name}.b"] = b
        specs.append({"name": spec.name, "kind": spec.kind, "labels": list(spec.labels)})
        reports[spec.name] = report
        logger.info("head %s: %d items", spec.name, len(rows))
    dialogue_dim = 0
    if dialogues:
        pooled = SemanticHeads(
            tuple(
                Head(
                    s["name"],
                    s["kind"],
                    tuple(s["labels"]),
                    arrays[f"{s['name']}.W"],
                    arrays[f"{s['name']}.b"],
                )
                for s in specs
            ),
            {},
        )
        vectors = _dialogue_vectors(dialogues, pooled, embedder, tfidf, cache_dir)
        dialogue_dim = vectors.shape[1]
        for dspec in DIALOGUE_HEADS:
            if dspec.kind == "multilabel" and all(dspec.target(d) is None for d in dialogues):
                logger.info("dialogue head %s: no annotated alternatives, not trained", dspec.name)
                continue
            w, b, report = _train_dialogue_head(dspec, dialogues, vectors, seed, folds)
            arrays[f"{dspec.name}.W"] = w
            arrays[f"{dspec.name}.b"] = b
            specs.append(
                {
                    "name": dspec.name,
                    "kind": dspec.kind,
                    "labels": list(dspec.labels),
                    "input": "dialogue",
                }
            )
            reports[dspec.name] = report
            logger.info("dialogue head %s: %d dialogues", dspec.name, report["items"])
    manifest: dict[str, Any] = {
        "format": HEADS_FORMAT,
        "embedding_model": embeddings.model_file,
        "embedding_sha256": embeddings.sha256,
        "embedding_dim": int(emb.shape[1]),
        "ngrams": {"min_n": NGRAM_RANGE[0], "max_n": NGRAM_RANGE[1], "size": len(vocab)},
        "seed": seed,
        "folds": folds,
        "data": digests,
        "items": len(labelled),
        "context_items": len(contexts),
        "items_by_file": dict(sorted(Counter(it.origin for it in labelled).items())),
        "dialogues": len(dialogues),
        "dialogue_dim": dialogue_dim,
        "heads": specs,
        "training": reports,
    }
    weights_digest = hashlib.sha256()
    for k in sorted(arrays):
        weights_digest.update(k.encode())
        weights_digest.update(np.ascontiguousarray(arrays[k]).tobytes())
    manifest["sha256"] = weights_digest.hexdigest()
    blob = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    arrays["__manifest__"] = np.frombuffer(blob, dtype=np.uint8)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(_npz_bytes(arrays))
    tmp.replace(out)
    return manifest


def _dialogue_vectors(
    dialogues: Sequence[Dialogue],
    pooled: SemanticHeads,
    embedder: TextEmbedder,
    tfidf: Any,
    cache_dir: str | Path | None,
) -> np.ndarray:
    """Every dialogue's :func:`~detectors.semantic.dialogue_vector`, from the utterance heads just
    trained, exactly as :meth:`detectors.semantic.SemanticDetector.read_dialogue` builds it."""
    from scipy.sparse import csr_matrix, hstack

    turns = [[(r, t) for r, t, _ in d.turns if t] for d in dialogues]
    texts = [t for ts in turns for _, t in ts]
    emb = _embed_cached(embedder, texts, cache_dir)
    probs = pooled.pooled(hstack([csr_matrix(emb), tfidf.transform(texts)]).tocsr())
    rows: list[np.ndarray] = []
    at = 0
    for d, ts in zip(dialogues, turns, strict=True):
        sl = slice(at, at + len(ts))
        at += len(ts)
        rows.append(
            dialogue_vector(
                emb[sl], [r for r, _ in ts], {k: v[sl] for k, v in probs.items()}, d.source
            )
        )
    return np.stack(rows)


def _train_dialogue_head(
    spec: DialogueHeadSpec,
    dialogues: Sequence[Dialogue],
    vectors: np.ndarray,
    seed: int,
    folds: int,
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """One dialogue head, on standardised features (embedding means and probabilities differ in
    scale by an order of magnitude); the scaling is folded back into the exported weights, so
    inference multiplies the raw vector."""
    targets = [spec.target(d) for d in dialogues]
    idx = [i for i, t in enumerate(targets) if t is not None]
    if not idx:
        raise ConfigError(f"no training dialogues for head {spec.name!r}")
    x = vectors[idx]
    mu = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd < 1e-6] = 1.0
    w, b, report = _train_head(
        HeadSpec(spec.name, spec.kind, spec.labels, spec.balanced),
        (x - mu) / sd,
        [t for t in targets if t is not None],
        seed,
        folds,
        _DIALOGUE_C_GRID,
    )
    w_raw = (w / sd).astype(np.float32)
    b_raw = (b - w_raw @ mu).astype(np.float32)
    return w_raw, b_raw, report


def _embed_cached(
    embedder: TextEmbedder, texts: list[str], cache_dir: str | Path | None
) -> np.ndarray:
    if cache_dir is None:
        return embedder.embed(texts)
    path = Path(cache_dir).expanduser() / f"train-embeddings-{embedder.options.sha256[:12]}.npz"
    known: dict[str, np.ndarray] = {}
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                keys = json.loads(bytes(data["texts"]).decode("utf-8"))
                known = dict(zip(keys, np.asarray(data["vectors"]), strict=True))
        except (OSError, ValueError, KeyError) as e:
            logger.warning("ignoring unreadable embedding cache %s: %s", path, e)
    missing = sorted({t for t in texts if t not in known})
    if missing:
        logger.info("embedding %d texts not in the cache", len(missing))
        known.update(zip(missing, embedder.embed(missing), strict=True))
        keys = sorted(known)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        blob = json.dumps(keys, ensure_ascii=False).encode("utf-8")
        tmp.write_bytes(
            _npz_bytes(
                {
                    "texts": np.frombuffer(blob, dtype=np.uint8),
                    "vectors": np.stack([known[k] for k in keys]),
                }
            )
        )
        tmp.replace(path)
    return np.stack([known[t] for t in texts]) if texts else np.zeros((0, embedder.dim), np.float32)


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An ``.npz`` with fixed member order and timestamps: same weights, same bytes (``np.savez``
    stamps the current time into the zip)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            member = io.BytesIO()
            np.lib.format.write_array(
                member, np.ascontiguousarray(arrays[name]), allow_pickle=False
            )
            zf.writestr(info, member.getvalue())
    return buf.getvalue()
