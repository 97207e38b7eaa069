"""`vigil train`: the semantic heads are rebuilt deterministically from versioned data, and the
committed heads file is the one the committed data and code produce (its manifest names the data)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from detectors.embeddings import EmbeddingOptions
from detectors.semantic import SemanticHeads
from pipeline.config import CONFIG_DIR, load_config
from pipeline.errors import ConfigError
from pipeline.training import (
    Item,
    char_ngrams,
    context_items,
    dialogue_items,
    load_dialogues,
    load_items,
    train_heads,
)

DATA = CONFIG_DIR / "semantic" / "data"


def _subset(dest: Path, per_file: int) -> None:
    """The first ``per_file`` items of every committed data file (each family keeps all its heads)."""
    dest.mkdir()
    kept: set[str] = set()
    for f in sorted(DATA.glob("*.jsonl")):
        if f.name.startswith("alternatives-"):
            continue
        every = f.read_text(encoding="utf-8").splitlines()
        lines = every[:: max(1, len(every) // per_file)]
        kept.update(json.loads(x)["id"] for x in lines if x.strip())
        (dest / f.name).write_text("\n".join(lines) + "\n", "utf-8")
    for f in sorted(DATA.glob("alternatives-*.jsonl")):  # only those of the dialogues kept
        lines = f.read_text(encoding="utf-8").splitlines()
        (dest / f.name).write_text(
            "\n".join(x for x in lines if x.strip() and json.loads(x)["id"] in kept) + "\n",
            "utf-8",
        )


def test_same_data_and_seed_give_the_same_file(tmp_path: Path) -> None:
    emb = EmbeddingOptions.model_validate(load_config(environ={}).section("embeddings"))
    _subset(tmp_path / "data", 60)
    a = train_heads(tmp_path / "data", tmp_path / "a.npz", emb, cache_dir=tmp_path / "cache")
    b = train_heads(tmp_path / "data", tmp_path / "b.npz", emb, cache_dir=tmp_path / "cache")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert a["sha256"] == b["sha256"]
    heads = SemanticHeads.load(tmp_path / "a.npz")
    assert {h.name for h in heads.heads} == {
        "speaker",
        "conduct",
        "statement",
        "disposition",
        "category",
        "risk",
        "call",
        "urgency",
        "dialogue_disposition",
        "dialogue_category",
        "dialogue_call",
        "dialogue_urgency",
        "dialogue_disposition_plausible",
        "dialogue_category_plausible",
    }
    assert {h.name for h in heads.dialogue_heads} == {
        "dialogue_disposition",
        "dialogue_category",
        "dialogue_call",
        "dialogue_urgency",
        "dialogue_disposition_plausible",
        "dialogue_category_plausible",
    }
    with (tmp_path / "a.npz").open("rb") as fh:
        assert b"pickle" not in fh.read()


def test_committed_heads_match_the_committed_data() -> None:
    heads = SemanticHeads.load(CONFIG_DIR / "semantic" / "heads.npz")
    for name, digest in heads.manifest["data"].items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, name
    items, _ = load_items(DATA)
    dialogues, _ = load_dialogues(DATA)
    assert len(items) >= 3000 and len(dialogues) >= 500
    assert heads.manifest["items"] == len(items) + len(dialogue_items(dialogues))
    assert heads.manifest["dialogues"] == len(dialogues)


def test_context_turns_train_only_the_speaker_head() -> None:
    """Context turns become role-only items: no family label, no text already an item, and a text
    seen with both roles is dropped rather than taught both ways."""
    items, _ = load_items(DATA)
    items += dialogue_items(load_dialogues(DATA)[0])
    extra = context_items(items)
    assert len(extra) > 1000
    texts = {it.text for it in items}
    assert all(not it.labels and it.text not in texts for it in extra)
    # a context turn may be a third party's (a bystander, the other side of a quarrel): not the police
    assert {"officer", "party"} <= {it.role for it in extra} <= {"officer", "party", "third_party"}
    assert len({it.text for it in extra}) == len(extra)
    both = [
        Item("a", "好的", "officer", {}, "x", (("party", "你们管不管"),)),
        Item("b", "再说一遍", "party", {}, "x", (("officer", "你们管不管"),)),
        Item("c", "行", "officer", {}, "x", (("party", "我要报警"), ("party", "行"))),
    ]
    assert [it.text for it in context_items(both)] == ["我要报警"]
    heads = SemanticHeads.load(CONFIG_DIR / "semantic" / "heads.npz")
    assert heads.manifest["context_items"] == len(extra)
    assert heads.manifest["training"]["speaker"]["items"] == len(items) + len(extra)


def test_no_training_sentence_is_an_evaluation_turn() -> None:
    """Training data is written apart from every evaluation set (dev, the 60 independent scenarios,
    the blind set): no sentence of 12+ characters, target or context, may appear in one of them.
    Stock phrases ("110，请讲。", "您好，有什么可以帮您？") are said by everyone and are allowed."""
    import re

    root = Path(__file__).resolve().parents[2]

    def norm(t: str) -> str:
        return re.sub(r"[\s，。！？、,.!?…~～：:；;“”\"'（）()]+", "", t)

    train: dict[str, str] = {}
    items, _ = load_items(DATA)
    items += dialogue_items(load_dialogues(DATA)[0])  # every turn of every training dialogue
    for it in items:
        for text in (it.text, *(t for _, t in it.context)):
            if len(norm(text)) >= 12:
                train[norm(text)] = it.id
    folders = [
        root / "tests/data/blind",
        root / "tests/data/scenarios",
        root.parent / "shared/eval/dev",
    ]
    leaks = []
    for folder in folders:
        files = sorted(folder.glob("*.json"))
        assert files, folder
        for f in files:
            for turn in json.loads(f.read_text(encoding="utf-8"))["turns"]:
                if norm(turn["text"]) in train:
                    leaks.append((f.name, turn["text"], train[norm(turn["text"])]))
    assert not leaks, leaks


def test_bad_training_data_is_refused_with_the_line(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    (d / "x.jsonl").write_text(json.dumps({"id": "a", "text": "你好"}) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="x.jsonl:1"):
        load_items(d)
    with pytest.raises(ConfigError, match="no training data"):
        load_items(tmp_path / "empty")


def test_dialogue_turns_train_the_conduct_head_in_context() -> None:
    """A training dialogue's officer turns become conduct items (acceptable ones with ``[]``), with
    the two turns before them as context; the other turns only say who spoke."""
    dialogues, _ = load_dialogues(DATA)
    items = dialogue_items(dialogues)
    assert len(items) == sum(1 for d in dialogues for _, t, _ in d.turns if t)
    officer = [it for it in items if it.role == "officer"]
    assert officer and all(set(it.labels) == {"conduct"} for it in officer)
    assert any(it.labels["conduct"] for it in officer)
    assert sum(1 for it in officer if not it.labels["conduct"]) > len(officer) // 2
    assert all(not it.labels for it in items if it.role != "officer")
    d = dialogues[0]
    k = next(i for i, (r, t, _) in enumerate(d.turns) if r == "officer" and i >= 2 and t)
    it = next(x for x in items if x.id == f"{d.id}#t{k}")
    assert it.context == tuple((r, t) for r, t, _ in d.turns[k - 2 : k])


def test_bad_training_dialogue_is_refused_with_the_line(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    good = {
        "id": "dialogue-x-1",
        "source": "counter",
        "turns": [{"role": "party", "text": "我手机丢了"}, {"role": "officer", "text": "好的"}],
        "labels": {"category": "lost_property", "disposition": "advised"},
    }
    bad_turn = dict(good, id="dialogue-x-2", turns=[{"role": "party"}])
    bad_code = dict(
        good, id="dialogue-x-3", turns=[{"role": "officer", "text": "滚", "conduct": ["RUDE"]}]
    )
    for n, bad in ((2, bad_turn), (2, bad_code), (2, good)):
        (d / "dialogues-x.jsonl").write_text(
            "\n".join(json.dumps(x, ensure_ascii=False) for x in (good, bad)) + "\n", "utf-8"
        )
        with pytest.raises(ConfigError, match=f"dialogues-x.jsonl:{n}"):
            load_dialogues(d)
    # utterance files never read a dialogue file as items
    (d / "dialogues-x.jsonl").write_text(json.dumps(good, ensure_ascii=False) + "\n", "utf-8")
    with pytest.raises(ConfigError, match="no training data"):
        load_items(d)
    assert [x.id for x in load_dialogues(d)[0]] == ["dialogue-x-1"]


def test_alternatives_are_read_beside_the_dialogues_and_checked(tmp_path: Path) -> None:
    """``alternatives-*.jsonl`` adds, per dialogue id, the codes a second annotator allows; the
    authors' own labels stay as written. An unknown id, an unknown code or an id annotated twice is
    refused with its file and line."""
    d = tmp_path / "data"
    d.mkdir()
    dialogues = [
        {
            "id": f"dialogue-x-{k}",
            "source": "counter",
            "turns": [{"role": "party", "text": "我手机丢了"}, {"role": "officer", "text": "好的"}],
            "labels": {"category": "lost_property", "disposition": "advised"},
        }
        for k in (1, 2)
    ]
    (d / "dialogues-x.jsonl").write_text(
        "\n".join(json.dumps(x, ensure_ascii=False) for x in dialogues) + "\n", "utf-8"
    )
    alt = {"id": "dialogue-x-1", "disposition_also": ["pending"], "category_also": []}
    (d / "alternatives-x.jsonl").write_text(json.dumps(alt) + "\n", "utf-8")
    got, digests = load_dialogues(d)
    assert "alternatives-x.jsonl" in digests
    assert got[0].also == {"disposition": ("pending",), "category": ()}
    assert got[0].labels["disposition"] == "advised"
    assert got[1].also is None
    for n, bad in (
        (2, {"id": "dialogue-x-9"}),
        (2, dict(alt, id="dialogue-x-2", disposition_also=["forgiven"])),
        (2, alt),
    ):
        (d / "alternatives-x.jsonl").write_text(
            "\n".join(json.dumps(x) for x in (alt, bad)) + "\n", "utf-8"
        )
        with pytest.raises(ConfigError, match=f"alternatives-x.jsonl:{n}"):
            load_dialogues(d)


def test_plausible_heads_learn_the_annotated_alternatives() -> None:
    """The committed heads carry the plausible-record heads, trained on the annotated dialogues only,
    and they learnt something: cross-validated F1 over codes (author's code or an allowed
    alternative vs the rest) well above chance; many dialogues do allow another code."""
    heads = SemanticHeads.load(CONFIG_DIR / "semantic" / "heads.npz")
    dialogues, _ = load_dialogues(DATA)
    annotated = [x for x in dialogues if x.also is not None]
    for key in ("disposition", "category"):
        name = f"dialogue_{key}_plausible"
        head = next(h for h in heads.dialogue_heads if h.name == name)
        assert head.kind == "multilabel"
        report = heads.manifest["training"][name]
        assert annotated and report["items"] == len(annotated)
        f1 = [v["cv_f1"] for v in report["labels"].values()]
        assert sum(f1) / len(f1) > 0.5, (key, f1)
        allowed = sum(bool(x.also and x.also[key]) for x in annotated)
        assert allowed > len(annotated) // 10, (key, allowed)


def test_the_call_heads_weigh_rare_classes_up() -> None:
    """The committed call heads were trained with balanced class weights (the manifest says so),
    and balancing is what lifts a rare class: on the same imbalanced one-of problem, the rare
    class's mean probability over its own examples is higher with it than without."""
    import numpy as np

    from pipeline.training import HeadSpec, _train_head

    heads = SemanticHeads.load(CONFIG_DIR / "semantic" / "heads.npz")
    training = heads.manifest["training"]
    assert training["call"]["class_weight"] == "balanced"
    assert training["dialogue_call"]["class_weight"] == "balanced"
    assert "class_weight" not in training["category"]

    rng = np.random.default_rng(0)
    common = rng.normal(0.0, 1.0, size=(300, 8))
    rare = rng.normal(0.6, 1.0, size=(30, 8))  # overlapping: the prior decides borderline cases
    x = np.vstack([common, rare])
    y = ["report"] * 300 + ["other"] * 30
    probs = {}
    for balanced in (False, True):
        spec = HeadSpec("call", "multiclass", ("report", "other"), balanced=balanced)
        w, b, _ = _train_head(spec, x, y, seed=0, folds=3)
        z = rare @ w.T + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        probs[balanced] = float((p[:, 1] / p.sum(axis=1)).mean())
    assert probs[True] > probs[False] + 0.1


def test_ngram_ties_are_broken_by_the_ngram_not_the_machine() -> None:
    """Equally frequent n-grams at the cut-off are kept in n-gram order, whatever order the texts
    come in: scikit-learn's own cut (numpy's unstable argsort) kept different ones on two machines."""
    texts = ["好的", "的好", "好的", "的好", "行吧", "吧行", "行吧", "吧行"]
    # 好, 的, 行, 吧 four times each; 好的, 的好, 行吧, 吧行 twice each
    kept = [sorted(char_ngrams(t, max_features=6).vocabulary_) for t in (texts, texts[::-1])]
    assert kept[0] == kept[1] == sorted(["好", "的", "行", "吧", "吧行", "好的"])
    full = char_ngrams(texts, max_features=100)
    assert len(full.vocabulary_) == 8 and full.transform(["好的"]).nnz == 3
