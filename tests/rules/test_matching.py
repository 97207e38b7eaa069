"""ASR-robust matching: normalisation, homophones on pinyin, bounded fuzziness, no false positives."""

from __future__ import annotations

import pytest

from rules.matching import (
    ContextOptions,
    ContextReader,
    Match,
    Matcher,
    MatchingOptions,
    NegationOptions,
    QuotationOptions,
    normalize,
)
from tests.rules.support_engine import matching_options


@pytest.fixture(scope="module")
def opts() -> MatchingOptions:
    return matching_options()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("這個不歸我們管。", "这个不归我们管"),
        ("ＡＢＣ　１１０！", "abc一一零"),
        ("别 打 110 ，", "别打一一零"),
        ("幺幺零", "一一零"),
        ("“滚”", "滚"),
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("phrase", "text", "method", "quoted"),
    [
        ("被人偷了", "我的包被忍透了", "pinyin", "被忍透了"),  # homophones from Whisper
        ("被人偷了", "我的包被人偷了", "exact", "被人偷了"),
        ("不归我们管", "這個不歸我們管", "exact", "不歸我們管"),  # Traditional output
        ("受案回执", "这是您的收案回值", "pinyin", "收案回值"),
        ("被人偷了", "包被人图了", "fuzzy", "被人图了"),  # one near-homophone syllable (tou/tu)
        ("烦不烦", "你们烦 不 烦啊", "exact", "烦 不 烦"),  # spaces inserted by ASR
        ("别打110", "别打一一零了", "exact", "别打一一零"),  # digits vs Chinese numerals
    ],
)
def test_phrase_found_with_span(
    opts: MatchingOptions, phrase: str, text: str, method: str, quoted: str
) -> None:
    found = Matcher([phrase], options=opts).find(text)
    assert [m.method for m in found] == [method]
    m = found[0]
    assert text[m.char_start : m.char_end] == quoted == m.matched_text
    assert m.exact == (method == "exact")
    assert 0.0 < m.score <= 1.0


@pytest.mark.parametrize(
    ("phrase", "text"),
    [
        ("受理", "我手里拿着东西"),  # two-char homophone: never pinyin-matched
        ("偷了", "头了"),  # two-char homophone again
        ("不要打110", "这点事也要打110"),  # a different word is not a near-homophone
        ("不归我们管", "这归我们管"),
        ("被人偷了", "我们今天去吃饭"),
        ("明天再来", "明年再说"),
        ("跟你说过了", "跟你说了去别处报"),
    ],
)
def test_no_false_positive(opts: MatchingOptions, phrase: str, text: str) -> None:
    found = [m for m in Matcher([phrase], options=opts).find(text) if m.method != "exact"]
    assert found == []


def test_short_phrase_is_exact_only(opts: MatchingOptions) -> None:
    assert Matcher(["受理"], options=opts).find("手里") == []
    assert [m.method for m in Matcher(["受理"], options=opts).find("受理了")] == ["exact"]


def test_regex_runs_per_clause(opts: MatchingOptions) -> None:
    m = Matcher([], {"ends_with_lai": "再来$"}, options=opts)
    assert [x.phrase for x in m.find("你明天再来，好吧")] == ["ends_with_lai"]
    assert m.find("你明天再来好吧") == []


def test_invalid_regex_raises(opts: MatchingOptions) -> None:
    with pytest.raises(ValueError, match="not a valid regex"):
        Matcher([], {"bad": "(unclosed"}, options=opts)


def test_options_are_validated() -> None:
    with pytest.raises(ValueError):
        MatchingOptions(
            pinyin_min_chars=3,
            fuzzy_min_chars=2,
            fuzzy_max_ratio=0.2,
            exact_score=1.0,
            pinyin_score=0.9,
            fuzzy_score=0.8,
            fuzzy_syllable_distance=1,
            clause_breaks="，",
            sound_breaks="。",
            polarity_chars="不",
        )


def test_sound_matches_keep_polarity_and_stay_inside_a_sentence(opts: MatchingOptions) -> None:
    m = Matcher(["别打一一零", "爱信不信"], options=opts)
    # 接打 sounds like 别打 but says the opposite; 别拿 keeps the polarity character
    assert m.find("您直接打110，或者打社区民警的电话。") == []
    assert [x.phrase for x in m.find("你们别大110了")] == ["别打一一零"]
    # "…啊！信不信" is the end of one sentence and the start of the next
    assert m.find("你投诉啊！信不信我今天就把你车扣了") == []
    assert [x.phrase for x in m.find("爱信不信，随你。")] == ["爱信不信"]


RECORDER_ON = "(执法记录仪|记录仪)(已经|已|正在|全程)?(开启|打开|开着|录|记录|在录)"


def test_patterns_match_by_sound_where_whisper_garbles_the_characters(
    opts: MatchingOptions,
) -> None:
    """Whisper base writes 记录仪在录像 as 记录一再路向: the pattern's syllables are all there."""
    assert opts.pattern_pinyin
    m = Matcher([], {"recorder_on": RECORDER_ON}, options=opts)
    (hit,) = m.find("我身上这个记录一再路向的，跟你讲一声。")
    assert (hit.phrase, hit.method, hit.matched_text) == ("recorder_on", "pinyin", "记录一再路")
    assert hit.score == opts.pinyin_score < opts.exact_score
    # the characters themselves still match exactly, once
    assert [(x.method, x.matched_text) for x in m.find("执法记录仪开着")] == [
        ("regex", "执法记录仪开着")
    ]
    # off by option: only the characters count
    plain = Matcher(
        [], {"recorder_on": RECORDER_ON}, options=opts.model_copy(update={"pattern_pinyin": False})
    )
    assert plain.find("我身上这个记录一再路向的") == []


def test_sound_patterns_keep_polarity_sentences_and_length(opts: MatchingOptions) -> None:
    m = Matcher(
        [],
        {
            "recorder_on": RECORDER_ON,
            "refuse": "不(归|属于)我们管",
            "coming": "(民警|警车).{0,4}(到|过去)",
            "one_word": "录像",
        },
        options=opts,
    )
    # a pattern naming a polarity character is never matched by sound (不 sounds like 部)
    assert m.find("部归我们管") == []
    # a heard span carrying a polarity character is not a sound match either ("." reads any syllable)
    device = Matcher([], {"device_on": "记录仪.开"}, options=opts)
    assert [x.matched_text for x in device.find("记录一在开")] == ["记录一在开"]
    assert device.find("记录一不开") == []
    # never across a sentence end
    assert m.find("这是记录一。再路过就罚你") == []
    # fewer than fuzzy_min_chars characters: two syllables are homophones everywhere (路向)
    assert m.find("前面路向左拐") == []
    # "." stands for one syllable; quantifiers apply to whole syllables
    assert m.find("名警马上就到") == []  # ming is not min: not a homophone
    assert [x.matched_text for x in m.find("民井马上就到")] == ["民井马上就到"]


def test_an_exception_that_straddles_the_negation_window_is_still_an_exception() -> None:
    """有没有什么进展: the window (4 characters, 没有什么) holds only the tail of 有没有, which only looks
    negative; 没 inside it must not cancel 进展, while a real negator in the same place still does."""
    negation = NegationOptions(
        window_chars=4,
        before=["不", "没"],
        after=[],
        exceptions=["有没有"],
        rhetorical_negators=[],
        rhetorical_suffixes=[],
    )
    reader = ContextReader(
        ContextOptions(
            clause_breaks="，。",
            sentence_breaks="。",
            negation=negation,
            quotation=QuotationOptions(quote_pairs=[], reporters={}, window_chars=4),
        )
    )

    def progress(text: str) -> Match:
        at = text.index("进展")
        return Match("进展", at, at + 2, True, 1.0, "exact", "进展")

    asked = "想问问现在有没有什么进展了。"
    assert reader.negated(asked, progress(asked)) is None
    denied = "我看是没什么进展了。"
    assert reader.negated(denied, progress(denied)) == "没"
