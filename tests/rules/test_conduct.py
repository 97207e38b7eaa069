"""Forbidden speech: officer turns only; negation, quotation and the party's own words never flag."""

from __future__ import annotations

import pytest

from tests.rules.support_engine import flags_of, transcript

# (code, officer text, expected number of flags of that code)
CASES = [
    # positives, varied wording
    ("SPEECH_PROFANITY", "你是不是蠢啊，这都不知道。", 1),
    ("SPEECH_PROFANITY", "你这个醉鬼，还在这里撒泼！", 1),
    ("SPEECH_PROFANITY", "滚出去！", 1),
    ("SPEECH_THREAT", "你再闹，我就把你铐回去。", 1),
    ("SPEECH_THREAT", "不付钱关你几天，信不信？", 1),
    ("SPEECH_THREAT", "谁再带头，我第一个抓谁。", 1),
    ("SPEECH_SHIRKING", "这个不归我们管，你去找街道。", 1),
    ("SPEECH_SHIRKING", "今天没人，你明天再来。", 1),
    ("SPEECH_SHIRKING", "你去你户籍地派出所报吧。", 1),
    ("SPEECH_SHIRKING", "这种事你找工商部门去。", 1),
    ("SPEECH_IMPATIENT", "什么事，快点说。", 1),
    ("SPEECH_IMPATIENT", "说了多少遍了，听不懂吗？", 1),
    ("SPEECH_IMPATIENT", "你已经打了五遍了！", 1),
    ("SPEECH_IMPATIENT", "我哪知道你几点下班。", 1),
    # regional insults (Sichuan, Shanghai, Cantonese, Henan)
    ("SPEECH_PROFANITY", "你个瓜娃子，车都不会停还怪别人。", 1),
    ("SPEECH_PROFANITY", "侬只戆大，钞票就这样转出去了？", 1),
    ("SPEECH_PROFANITY", "叫你别动你还动，扑街！", 1),
    ("SPEECH_PROFANITY", "就你这鳖孙还想跟我讲道理。", 1),
    # negatives: polite or lawful speech
    ("SPEECH_PROFANITY", "您好，请坐，有什么需要帮助的？", 0),
    ("SPEECH_THREAT", "请您先到客厅那边坐下，不要靠近她。", 0),
    ("SPEECH_THREAT", "你先跟我们回所里接受调查。", 0),
    ("SPEECH_SHIRKING", "退货属于消费纠纷，协商不成可以打12315找市场监管部门处理。", 0),
    ("SPEECH_SHIRKING", "建议您找物业维修或者去法院起诉。", 0),
    ("SPEECH_SHIRKING", "对，在我们这儿，你自己过来拿，带身份证。", 0),
    ("SPEECH_IMPATIENT", "您先别着急，慢慢说。", 0),
    ("SPEECH_IMPATIENT", "先生，您之前已经报过了，民警已经在处理了。", 0),
    # other wording
    ("SPEECH_SHIRKING", "这不是我们派出所的事，你去找社区。", 1),
    ("SPEECH_SHIRKING", "我们这儿不管这个。", 1),
    ("SPEECH_THREAT", "再嚷嚷我就办了你。", 1),
    ("SPEECH_THREAT", "老实点，信不信我铐你？", 1),
    ("SPEECH_PROFANITY", "你算什么东西。", 1),
    ("SPEECH_IMPATIENT", "你有完没完？", 1),
    ("SPEECH_IMPATIENT", "请您尽快说明情况。", 0),
    ("SPEECH_SHIRKING", "您也可以拨打12345反映。", 0),
    # a lawful warning is not intimidation
    ("SPEECH_THREAT", "如果你继续闹，我们将依法对你行政拘留。", 0),
    # negated
    ("SPEECH_SHIRKING", "我们不会说不归我们管，这个我们受理。", 0),
    ("SPEECH_SHIRKING", "您不用明天再来，今天就给您办。", 0),
    ("SPEECH_THREAT", "我们是来帮你的，不是来抓你的。", 0),
    ("SPEECH_PROFANITY", "不是说你蠢，是骗子太狡猾。", 0),
    ("SPEECH_PROFANITY", "我没说你蠢，我是说骗子太会骗了。", 0),
    ("SPEECH_THREAT", "没人说要抓你，您放心。", 0),
    ("SPEECH_SHIRKING", "他们说不归我们管，那是他们说错了，我们受理。", 0),
    # rhetorical "不是…吗" is not a negation
    ("SPEECH_IMPATIENT", "不是跟你说过了吗，带凭条来。", 1),
    # quotation and reported speech
    ("SPEECH_PROFANITY", "他说“滚”，你听见了吗？", 0),
    ("SPEECH_PROFANITY", "他刚才骂你傻逼是吧？我们会处理。", 0),
    ("SPEECH_PROFANITY", "他刚才骂你瓜娃子是吧？我们记下来。", 0),
    ("SPEECH_SHIRKING", "你刚才说有人跟你讲不归我们管？", 0),
    ("SPEECH_SHIRKING", "所谓的明天再来，我们这里没有这种说法。", 0),
    # the officer's own emphatic "跟你说了" is not reported speech
    ("SPEECH_SHIRKING", "登记不了，跟你说了去别处报。", 1),
    # colloquial classes: insults, threats of a night inside, belittling the report, giving up
    ("SPEECH_PROFANITY", "喝成这样，你脑子让驴踢了吧？", 1),
    ("SPEECH_PROFANITY", "你是不是有毛病，大半夜的。", 1),
    ("SPEECH_THREAT", "你要再犟一句，今晚就在局子里过夜。", 1),
    ("SPEECH_THREAT", "再闹下去有你受的。", 1),
    ("SPEECH_IMPATIENT", "一个电瓶这点东西也值得打电话？", 1),
    ("SPEECH_SHIRKING", "你找他们去，我们这边也没办法。", 1),
    ("SPEECH_SHIRKING", "你自个儿先找物业看看监控。", 1),
    ("SPEECH_SHIRKING", "我们不会说没办法，一定帮您查。", 0),
    ("SPEECH_IMPATIENT", "有事也可以打110，一点小事都可以。", 0),
    ("SPEECH_SHIRKING", "人走丢不到二十四小时不能立案，你们先自己找找。", 1),
    ("SPEECH_IMPATIENT", "知道了知道了，就这点事儿，一个人在这儿叨叨半天了。", 1),
    ("SPEECH_IMPATIENT", "你当110是你家专车啊？", 1),
    ("SPEECH_PROFANITY", "大半夜的，我看你脑子是不是有毛病！", 1),
    # questions that merely sound like 急什么
    ("SPEECH_IMPATIENT", "手机什么型号？车是什么牌子、什么颜色，大概什么时间停的？", 0),
    ("SPEECH_IMPATIENT", "下回再让我看见你逆行带人，就没这么客气了。", 0),
    ("SPEECH_SHIRKING", "实在找不到明天再说。", 1),
]


@pytest.mark.parametrize(("code", "text", "n"), CASES)
def test_officer_turn(code: str, text: str, n: int) -> None:
    t = transcript("counter", [("party", "我想问个事。"), ("officer", text)])
    found = flags_of(code, t)
    assert len(found) == n, [(f.code, f.quote, f.evidence) for f in found]
    for f in found:
        assert f.segment_ids == ["seg-0001"]
        assert f.role == "officer" and f.speaker == "S1"
        assert f.quote == text
        assert f.evidence["matched_phrase"]
        assert f.explanation_zh and f.explanation_en
        assert 0.5 <= f.confidence <= 1.0


@pytest.mark.parametrize(
    "text",
    ["你们是不是蠢啊！", "不归我们管？你们就是这么说的！", "我要投诉，你信不信？", "快点说啊你！"],
)
def test_party_saying_the_same_words_is_never_flagged(text: str) -> None:
    t = transcript("phone", [("officer", "您好，派出所。"), ("party", text)])
    assert [f for f in flags_of("SPEECH_PROFANITY", t) if f.role != "officer"] == []
    from tests.rules.support_engine import engine

    assert [f.code for f in engine().run(t) if f.code.startswith("SPEECH_")] == []


def test_garbled_asr_still_matches_and_lowers_confidence() -> None:
    clean = transcript("counter", [("officer", "这个不归我们管。")])
    garbled = transcript("counter", [("officer", "這個不貴我們官", {"asr_confidence": 0.6})])
    (a,) = flags_of("SPEECH_SHIRKING", clean)
    (b,) = flags_of("SPEECH_SHIRKING", garbled)
    assert b.evidence["match_method"] == "pinyin" and a.evidence["exact"] is True
    assert b.confidence < a.confidence
    assert b.evidence["confidence_adjustments"]["asr_factor"] < 1.0


def test_unknown_role_is_not_judged() -> None:
    t = transcript("counter", [("officer", "快点说。", {"role": None})])
    assert flags_of("SPEECH_IMPATIENT", t) == []


def test_low_role_confidence_can_suppress() -> None:
    from tests.rules.support_engine import engine

    t = transcript(
        "counter", [("officer", "快点说。", {"role_confidence": 0.0})], diarization_confidence=0.0
    )
    res = engine().run_detailed(t)
    assert [f.code for f in res.flags] == []
    assert [f.code for f in res.suppressed] == ["SPEECH_IMPATIENT"]
