"""Text as the test voices speak it: numbers read the Chinese way, Latin letters spelled as Chinese
speakers say them, punctuation turned into pauses; pinyin SSML for espeak-ng, character phrases for the
neural voice."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .speech_options import SynthesisOptions

# ------------------------------------------------------------------------------------ text to pinyin

_DIGITS = "零一二三四五六七八九"
_UNITS = ((10**8, "亿"), (10**4, "万"), (1000, "千"), (100, "百"), (10, "十"))
# Latin letters as Chinese speakers say them, in TONE3 pinyin, so "卡拉OK" or "KTV" are spoken.
_LETTERS = {
    "a": "ei1", "b": "bi4", "c": "xi1", "d": "di4", "e": "yi4", "f": "ai4 fu5", "g": "ji4",
    "h": "ai4 qi1", "i": "ai4", "j": "jie4", "k": "kei4", "l": "ai4 lou5", "m": "ai4 mu5",
    "n": "en1", "o": "ou1", "p": "pi4", "q": "kiu4", "r": "a4", "s": "ai4 si5", "t": "ti4",
    "u": "you1", "v": "wei4", "w": "da2 bu5 liu5", "x": "ai4 ke4 si5", "y": "wai4", "z": "zei4",
}  # fmt: skip
# The same letters as characters, for the neural voice's front end (it reads Chinese characters only).
_LETTER_HANZI = {
    "a": "诶", "b": "必", "c": "西", "d": "迪", "e": "伊", "f": "艾弗", "g": "吉", "h": "艾尺", "i": "爱",
    "j": "杰", "k": "开", "l": "艾勒", "m": "艾姆", "n": "恩", "o": "欧", "p": "屁", "q": "丘", "r": "阿",
    "s": "艾斯", "t": "踢", "u": "优", "v": "维", "w": "达不溜", "x": "艾克斯", "y": "歪", "z": "贼",
}  # fmt: skip
_COMMA = set("，,、；;：:—-～~（）()《》“”\"'‘’「」『』")
_STOP = set("。.！!？?…")
_TOKEN = re.compile(r"(\d+(?:\.\d+)?)|([A-Za-z]+)|(\s+)|(.)", re.S)


def _cardinal(n: int) -> str:
    """Chinese cardinal reading of a non-negative integer (12 -> 十二, 105 -> 一百零五)."""
    if n < 10:
        return _DIGITS[n]
    for base, name in _UNITS:
        if n >= base:
            high, low = divmod(n, base)
            head = "" if (base == 10 and high == 1) else _cardinal(high)
            if low == 0:
                return head + name
            zero = "零" if low < base // 10 else ""
            return head + name + zero + _cardinal(low)
    return _DIGITS[n]  # pragma: no cover - unreachable


def number_to_chinese(number: str, next_char: str = "", units: str = "") -> str:
    """Read a digit string as Chinese the way it would be spoken.

    Short quantities (up to two digits, or up to four digits followed by a unit such as 块/号/米) are read
    as cardinals; codes, badge and phone numbers (leading zero, long, or no unit: 031245, 12315, 110) are
    read digit by digit. Decimals use 点.
    """
    whole, _, frac = number.partition(".")
    leading_zero = len(whole) > 1 and whole.startswith("0")
    as_cardinal = not leading_zero and (
        len(whole) <= 2 or (len(whole) <= 4 and bool(next_char) and next_char in units)
    )
    head = _cardinal(int(whole)) if as_cardinal else "".join(_DIGITS[int(d)] for d in whole)
    if frac:
        head += "点" + "".join(_DIGITS[int(d)] for d in frac)
    return head


def _spoken_tokens(text: str, options: SynthesisOptions) -> Iterator[tuple[str, str, int]]:
    """What both voices say, in order: ``("han", chars, 0)`` for Chinese (digits already read as Chinese),
    ``("latin", letters, 0)`` for Latin letters (lower case), ``("pause", "", ms)`` for punctuation."""
    for m in _TOKEN.finditer(text):
        num, latin, space, char = m.groups()
        if num:
            nxt = text[m.end() : m.end() + 1]
            yield "han", number_to_chinese(num, nxt, options.cardinal_units), 0
        elif latin:
            yield "latin", latin.lower(), 0
        elif space:
            continue
        elif char in _STOP:
            yield "pause", "", options.stop_pause_ms
        elif char in _COMMA:
            yield "pause", "", options.comma_pause_ms
        elif "\u3400" <= char <= "\u9fff":
            yield "han", char, 0


def text_to_pinyin_ssml(text: str, *, options: SynthesisOptions) -> str:
    """Mandarin text -> SSML for the ``cmn-latn-pinyin`` voice: TONE3 syllables, pauses as breaks."""
    from pypinyin import Style as PinyinStyle
    from pypinyin import lazy_pinyin

    parts: list[str] = []
    pending_han: list[str] = []

    def flush() -> None:
        if pending_han:
            syl = lazy_pinyin(
                "".join(pending_han),
                style=PinyinStyle.TONE3,
                neutral_tone_with_five=True,
                tone_sandhi=True,
                errors="ignore",
            )
            parts.extend(s for s in syl if re.fullmatch(r"[a-z]+[1-5]", s))
            pending_han.clear()

    def pause(ms: int) -> None:
        flush()
        if ms > 0 and parts and not parts[-1].startswith("<break"):
            parts.append(f'<break time="{ms}ms"/>')

    for kind, chars, pause_ms in _spoken_tokens(text, options):
        if kind == "han":
            pending_han.append(chars)
        elif kind == "latin":
            flush()
            parts.extend(_LETTERS[c] for c in chars)
        else:
            pause(pause_ms)
    flush()
    while parts and parts[-1].startswith("<break"):
        parts.pop()
    return "<speak>" + " ".join(parts) + "</speak>"


def speakable_phrases(text: str, *, options: SynthesisOptions) -> list[tuple[str, int]]:
    """Text -> (Chinese phrase, pause after it in ms): digits and Latin letters spelled in characters.

    The neural front end drops what is not a Chinese character, so numbers are read here the way the
    espeak path reads them and letters the way Chinese speakers say them ("卡拉OK", "KTV").
    """
    phrases: list[tuple[str, int]] = []
    current: list[str] = []

    def cut(pause_ms: int) -> None:
        if current:
            phrases.append(("".join(current), pause_ms))
            current.clear()
        elif phrases:
            phrases[-1] = (phrases[-1][0], max(phrases[-1][1], pause_ms))

    for kind, chars, pause_ms in _spoken_tokens(text, options):
        if kind == "han":
            current.append(chars)
        elif kind == "latin":
            current.extend(_LETTER_HANZI[c] for c in chars)
        else:
            cut(pause_ms)
    cut(0)
    return phrases
