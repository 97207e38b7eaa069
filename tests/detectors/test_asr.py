"""ASR through the real embedded Whisper base on the real Mandarin samples, plus model integrity.

Nothing is mocked: the model is joined from its registry packages and verified, and the audio goes
through pipeline.media like a recording would.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from detectors.asr import (
    AsrDetector,
    AsrOptions,
    _cut_loop,
    _loop_span,
    stray_fullwidth_to_comma,
    to_simplified,
)
from detectors.errors import ConfigError, DetectorError, ModelIntegrityError
from detectors.models import EMBEDDED_WHISPER, join_parts, resolve_whisper_model, sha256_path
from detectors.types import Segment
from pipeline.config import load_config
from pipeline.media import MediaOptions, load_audio

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real" / "mandarin"
SR = 16000
EXPECTED_SHA = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"


def _references() -> list[tuple[str, str]]:
    with open(REAL / "references.tsv", encoding="utf-8") as fh:
        return [(row["file"], row["reference"]) for row in csv.DictReader(fh, delimiter="\t")]


def _norm(text: str) -> str:
    """CER text as MANIFEST.md says: Simplified characters, punctuation and spaces removed."""
    return re.sub(r"[\W_]+", "", to_simplified(text))


@pytest.fixture(scope="module")
def asr_options() -> AsrOptions:
    return AsrOptions.from_config(load_config().section("asr"))


@pytest.fixture(scope="module")
def batched(asr_options: AsrOptions) -> AsrDetector:
    return AsrDetector(asr_options.model_copy(update={"batch_size": 8}))


@pytest.fixture(scope="module")
def sequential(asr_options: AsrOptions) -> AsrDetector:
    return AsrDetector(asr_options.model_copy(update={"batch_size": 1}))


@pytest.fixture(scope="module")
def real_audio() -> dict[str, np.ndarray]:
    media = MediaOptions.from_config(load_config().section("media"))
    refs = _references()
    assert len(refs) == 8, "the shared Mandarin samples are missing"
    return {name: load_audio(REAL / name, media).mono() for name, _ in refs}


def _check_invariants(segments: list[Segment], duration: float) -> None:
    starts = [s.start for s in segments]
    assert starts == sorted(starts), "segment starts must increase"
    for s in segments:
        assert 0.0 <= s.start <= s.end <= duration + 1e-6
        assert s.text
        assert s.words, "word timestamps are on"
        for a, b in zip(s.words, s.words[1:], strict=False):
            assert a.start <= b.start
        for w in s.words:
            assert s.start - 1e-6 <= w.start <= w.end <= s.end + 1e-6
            assert 0.0 <= w.probability <= 1.0
        assert 0.0 < s.confidence <= 1.0


def _assert_simplified(text: str) -> None:
    changed = [ch for ch in text if to_simplified(ch) != ch]
    assert not changed, f"Traditional characters left in output: {changed}"


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["batched", "sequential"])
def test_real_mandarin_cer_and_invariants(
    mode: str, request: pytest.FixtureRequest, real_audio: dict[str, np.ndarray]
) -> None:
    detector: AsrDetector = request.getfixturevalue(mode)
    errors = chars = 0
    for name, reference in _references():
        audio = real_audio[name]
        seg_iter, info = detector.transcribe(audio, channel=0)
        segments = list(seg_iter)
        duration = len(audio) / SR
        assert info.duration == pytest.approx(duration)
        assert info.language == "zh"
        assert 0 < info.duration_after_vad <= duration + 1e-6
        assert info.model_sha256 == EXPECTED_SHA
        _check_invariants(segments, duration)
        assert all(s.channel == 0 for s in segments)
        assert [s.id for s in segments] == list(range(len(segments)))
        hyp = "".join(s.text for s in segments)
        _assert_simplified(hyp)
        _assert_simplified("".join(w.text for s in segments for w in s.words))
        ref = _norm(reference)
        errors += Levenshtein.distance(_norm(hyp), ref)
        chars += len(ref)
    cer = errors / chars
    # Whisper base on read Mandarin measures ~0.2-0.3 here (scripts/bench_asr.py); 0.5 catches breakage
    assert cer < 0.5, f"{mode} CER {cer:.3f}"


@pytest.mark.slow
def test_times_are_on_the_original_timeline_after_vad(
    batched: AsrDetector, sequential: AsrDetector, real_audio: dict[str, np.ndarray]
) -> None:
    """4 s of leading silence that VAD removes must reappear in every timestamp."""
    speech = real_audio["BAC009S0764W0121.wav"]
    lead = 4.0
    padded = np.concatenate(
        [np.zeros(int(lead * SR), np.float32), speech, np.zeros(2 * SR, np.float32)]
    )
    for detector in (batched, sequential):
        plain = list(detector.transcribe(speech)[0])
        seg_iter, info = detector.transcribe(padded)
        shifted = list(seg_iter)
        assert info.duration_after_vad < info.duration - lead + 0.5  # VAD really cut the silence
        assert plain and shifted
        _check_invariants(shifted, len(padded) / SR)
        first_plain = plain[0].words[0].start
        first_shifted = shifted[0].words[0].start
        assert first_shifted >= lead - 0.1
        assert first_shifted - first_plain == pytest.approx(lead, abs=0.5)
        assert shifted[-1].end <= lead + len(speech) / SR + 0.5


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["batched", "sequential"])
def test_silence_and_empty_audio_give_no_segments(
    mode: str, request: pytest.FixtureRequest
) -> None:
    detector: AsrDetector = request.getfixturevalue(mode)
    silence = np.zeros(5 * SR, dtype=np.float32)
    seg_iter, info = detector.transcribe(silence)
    assert seg_iter is not None
    assert list(seg_iter) == []
    assert info.duration == pytest.approx(5.0)
    seg_iter, info = detector.transcribe(np.zeros(0, dtype=np.float32))
    assert list(seg_iter) == []
    assert info.duration == 0.0


@pytest.mark.slow
def test_language_auto_detects_mandarin(
    asr_options: AsrOptions, real_audio: dict[str, np.ndarray]
) -> None:
    detector = AsrDetector(asr_options.model_copy(update={"language": None, "batch_size": 1}))
    segments, info = detector.transcribe(real_audio["A2_33.wav"])
    assert info.language == "zh"
    assert 0.5 < info.language_probability <= 1.0
    assert list(segments)


@pytest.mark.slow
def test_shared_speech_probabilities_give_the_same_windows_and_text(
    batched: AsrDetector, sequential: AsrDetector, real_audio: dict[str, np.ndarray]
) -> None:
    """The pipeline runs Silero once for ASR and diarization (issue 15): batched decoding given those
    probabilities cuts the same windows and writes the same segments as with its own VAD pass, and
    reads them (probabilities saying "silence" give no segment); other audio's are refused."""
    from detectors.vad import speech_probabilities

    audio = np.concatenate([real_audio["A2_33.wav"], real_audio["A2_34.wav"]])
    probabilities = speech_probabilities(audio)
    assert batched.reads_speech and not sequential.reads_speech
    assert batched._windows(audio, probabilities) == batched._windows(audio)
    own, _ = batched.transcribe(audio)
    shared, _ = batched.transcribe(audio, speech=probabilities)
    own_segments = list(own)
    assert own_segments and list(shared) == own_segments
    silent, info = batched.transcribe(audio, speech=np.zeros_like(probabilities))
    assert list(silent) == [] and info.duration_after_vad == 0.0
    with pytest.raises(ValueError, match="do not belong"):
        batched.transcribe(audio, speech=probabilities[:-1])


def test_bad_audio_shapes_and_rates_are_refused(batched: AsrDetector) -> None:
    with pytest.raises(ValueError, match="one channel"):
        batched.transcribe(np.zeros((2, SR), dtype=np.float32))
    with pytest.raises(ValueError, match="16000 Hz"):
        batched.transcribe(np.zeros(SR, dtype=np.float32), sample_rate=8000)
    with pytest.raises(TypeError):
        batched.transcribe([0.0] * SR)  # type: ignore[arg-type]


def test_loops_are_recognised_and_cut_but_real_repetition_is_kept() -> None:
    assert _loop_span("好,好,好,好,好,好,好,", 5) is not None
    assert _loop_span("在家里在家里在家里在家里在家里", 5) is not None
    assert _cut_loop("好的。好,好,好,好,好,好,好,好。谢谢", 5) == "好的。好。谢谢"
    assert _cut_loop("喊喊喊,喊喊喊。", 5) == "喊。"
    for speech in ("好的好的，马上关", "哈哈哈", "走走走，快走", "谢谢谢谢"):
        assert _loop_span(speech, 5) is None
        assert _cut_loop(speech, 5) == speech


@pytest.mark.slow
def test_a_decoding_loop_is_decoded_again_from_its_own_start(
    sequential: AsrDetector, real_audio: dict[str, np.ndarray]
) -> None:
    """A loop that swallowed real speech gives way to a fresh decode of that span, on its timeline."""
    from faster_whisper.transcribe import Segment as FwSegment

    audio = real_audio["A2_33.wav"]
    duration = len(audio) / SR
    reference = dict(_references())["A2_33.wav"]
    loop = FwSegment(
        id=0, seek=0, start=1.0, end=duration - 1.0, text="好," * 40, tokens=[],
        avg_logprob=-0.2, compression_ratio=9.0, no_speech_prob=0.0, words=[], temperature=1.0,
    )  # fmt: skip
    min_repeats = sequential.options.loop_min_repeats
    assert min_repeats is not None
    out = list(sequential._unloop(iter([loop]), audio, min_repeats))
    assert out, "the span holds speech: the fresh decode must find it"
    text = "".join(s.text for s in out)
    assert "好,好,好" not in text
    for s in out:
        assert 1.0 - 1e-6 <= s.start <= s.end <= duration + 1e-6
        for w in s.words:
            assert 1.0 - 1e-6 <= w.start <= w.end <= duration + 1e-6
    # the span starts 1 s in, so most of the reference is recovered
    ref = _norm(reference)
    assert Levenshtein.distance(_norm(text), ref) / len(ref) < 0.6


def _fw_segment(text: str, start: float, end: float, **scores: float) -> Any:
    from faster_whisper.transcribe import Segment as FwSegment

    values = {"avg_logprob": -0.2, "compression_ratio": 1.0, "no_speech_prob": 0.0, **scores}
    return FwSegment(
        id=0, seek=0, start=start, end=end, text=text, tokens=[], words=[], temperature=0.0,
        **values,
    )  # fmt: skip


@pytest.mark.slow
def test_a_degenerate_batched_window_is_decoded_again_alone(
    batched: AsrDetector, real_audio: dict[str, np.ndarray]
) -> None:
    """A window whose batched output loops is replaced by a fallback decode of that window's audio,
    on the recording's timeline, and the fallback is greedy: the same every time."""
    audio = real_audio["A2_33.wav"]
    duration = len(audio) / SR
    pieces = [{"start": SR, "end": len(audio)}]
    loop = _fw_segment("好," * 40, 1.0, duration, compression_ratio=9.0)
    out = batched._checked(audio, pieces, [loop], "zh", first=False)
    assert out, "the window holds speech: the fallback must find it"
    text = "".join(s.text for s in out)
    assert "好,好,好" not in text
    for s in out:
        assert 1.0 - 1e-6 <= s.start <= s.end <= duration + 1e-6
        for w in s.words:
            assert 1.0 - 1e-6 <= w.start <= w.end <= duration + 1e-6
    ref = _norm(dict(_references())["A2_33.wav"])
    assert Levenshtein.distance(_norm(text), ref) / len(ref) < 0.6
    again = batched._checked(audio, pieces, [loop], "zh", first=False)
    assert [(s.text, s.start, s.end) for s in again] == [(s.text, s.start, s.end) for s in out]


@pytest.mark.slow
def test_window_verdicts_drop_silence_keep_good_output_and_catch_degeneration(
    batched: AsrDetector, real_audio: dict[str, np.ndarray]
) -> None:
    audio = real_audio["A2_33.wav"]
    pieces = [{"start": 0, "end": 4 * SR}]
    good = [_fw_segment("我们是派出所的民警。", 0.0, 3.0)]
    assert batched._checked(audio, pieces, good, "zh", first=False) == good
    silent = [_fw_segment("谢谢观看", 0.0, 3.0, avg_logprob=-1.5, no_speech_prob=0.9)]
    assert batched._checked(audio, pieces, silent, "zh", first=False) == []
    one = [{"start": 0, "end": SR}]
    assert batched._verdict([_fw_segment("好的", 0.0, 1.0, avg_logprob=-1.4)], one).startswith(
        "unsure"
    )
    assert batched._verdict([_fw_segment("千" * 60, 0.0, 1.0)], one).startswith("repetitive")
    assert batched._verdict([_fw_segment("好,好,好,好,好,走", 0.0, 1.0)], one) == "a decoding loop"
    # words end at 3 s, the window's speech runs on to 10 s: Whisper stopped early
    assert batched._verdict(good, [{"start": 0, "end": 10 * SR}]).startswith("stopped early")


def _first_of_two_heard(
    real_audio: dict[str, np.ndarray],
) -> tuple[np.ndarray, float, list[Any], str]:
    """Two real utterances half a second apart and a decoded output that holds only the first:
    the audio, where the second begins (s), that output, and the second's normalised reference."""
    first, second = "BAC009S0764W0121.wav", "D32_995.wav"
    gap = np.zeros(SR // 2, dtype=np.float32)
    audio = np.concatenate([real_audio[first], gap, real_audio[second]])
    refs = dict(_references())
    heard = [_fw_segment(refs[first], 0.0, len(real_audio[first]) / SR)]
    return audio, (len(real_audio[first]) + len(gap)) / SR, heard, _norm(refs[second])


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["tail", "window"])
def test_a_window_that_stopped_early_has_its_unheard_speech_decoded(
    batched: AsrDetector, real_audio: dict[str, np.ndarray], mode: str
) -> None:
    """Two real utterances in one window, the batched output ends with the first: ``tail`` keeps
    that output as it is and decodes only the second utterance's audio; ``window`` decodes the
    whole window again. Either way the second utterance is heard, on the recording's timeline."""
    audio, split, heard, second = _first_of_two_heard(real_audio)
    windows = batched._windows(audio)  # VAD pieces, as the batched decoder sees them
    assert len(windows) == 1
    pieces = windows[0]
    assert batched._verdict(heard, pieces).startswith("stopped early")
    detector = AsrDetector(batched.options.model_copy(update={"unheard_tail": mode}))
    out = detector._checked(audio, pieces, heard, "zh", first=False)
    if mode == "tail":
        assert out[0] is heard[0], "what was heard passed every check: it is kept, not re-decoded"
    later = "".join(w.word for s in out for w in s.words if (w.start + w.end) / 2 >= split)
    assert Levenshtein.distance(_norm(later), second) / len(second) < 0.5, later
    for s in out:
        assert 0.0 <= s.start <= s.end <= len(audio) / SR + 1e-6


@pytest.mark.slow
def test_a_tail_the_shared_decode_left_unheard_is_decoded_alone_not_the_whole_window(
    batched: AsrDetector, real_audio: dict[str, np.ndarray]
) -> None:
    """Whisper can end a decode of several packed tails after the first, leaving the others with
    nothing: such a window's tail is then decoded alone (one short greedy decode), not the whole
    window through the beam-search fallback steps, and its second utterance is heard."""
    audio, split, heard, second = _first_of_two_heard(real_audio)
    pieces = batched._windows(audio)[0]
    calls: list[dict[str, Any]] = []
    transcribe = batched.model.transcribe

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return transcribe(*args, **kwargs)

    batched.model.transcribe = counted
    try:  # tail=[]: the shared decode gave this window's tail nothing
        out = batched._checked(audio, pieces, heard, "zh", first=False, tail=[])
    finally:
        del batched.model.transcribe
    assert out[0] is heard[0], "what was heard passed every check: it is kept"
    assert len(calls) == 1, "one decode of the tail, no fallback step over the window"
    assert calls[0]["beam_size"] == batched.options.beam_size
    later = "".join(w.word for s in out for w in s.words if (w.start + w.end) / 2 >= split)
    assert Levenshtein.distance(_norm(later), second) / len(second) < 0.5, later


@pytest.mark.slow
def test_the_unheard_tails_of_one_batch_share_one_decode(
    batched: AsrDetector, real_audio: dict[str, np.ndarray]
) -> None:
    """Two windows that each stopped after their first utterance: both tails are packed into one
    30 s decode (Whisper's encoder reads 30 s whatever the tail's length) and each decoded segment
    goes back to the window it belongs to, on the recording's timeline."""
    refs = dict(_references())
    names = ["BAC009S0764W0121.wav", "D32_995.wav", "BAC009S0764W0122.wav", "A12_49.wav"]
    gap = np.zeros(SR // 2, dtype=np.float32)
    audio = np.concatenate([x for n in names for x in (real_audio[n], gap)])
    edges = np.cumsum([0] + [len(real_audio[n]) + len(gap) for n in names]) / SR
    stopped = []
    for w in (0, 1):  # window w: utterances 2w and 2w+1, the first one heard
        a, b = 2 * w, 2 * w + 1
        pieces = [{"start": int(edges[a] * SR), "end": int((edges[b + 1] - 0.5) * SR)}]
        heard = [_fw_segment(refs[names[a]], edges[a], edges[a] + len(real_audio[names[a]]) / SR)]
        stopped.append((pieces, heard))
    calls = []
    transcribe = batched.model.transcribe

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return transcribe(*args, **kwargs)

    batched.model.transcribe = counted
    try:
        tails = batched._decode_tails(audio, stopped, "zh")
    finally:
        del batched.model.transcribe
    assert len(calls) == 1, "both tails fit one 30 s window"
    for w, segs in enumerate(tails):
        second = names[2 * w + 1]
        assert segs, f"window {w}: its tail holds {second}"
        for s in segs:
            assert edges[2 * w + 1] - 0.6 <= s.start <= s.end <= edges[2 * w + 2] + 1e-6
        ref = _norm(refs[second])
        text = _norm("".join(s.text for s in segs))
        assert Levenshtein.distance(text, ref) / len(ref) < 0.5, text


@pytest.mark.slow
def test_batched_windows_map_back_to_each_utterance_and_repeat_exactly(
    batched: AsrDetector, real_audio: dict[str, np.ndarray]
) -> None:
    """Sixteen utterances 3 s apart make four VAD windows, three decoded in one batch (the first goes
    alone, with the prompt): every segment must land inside an utterance's true span, and a second
    run must give the same output."""
    gap = np.zeros(3 * SR, dtype=np.float32)
    spans: list[tuple[float, float]] = []
    parts: list[np.ndarray] = []
    at = 0
    for name, _ in _references() * 2:
        parts += [real_audio[name], gap]
        spans.append((at / SR, (at + len(real_audio[name])) / SR))
        at += len(real_audio[name]) + len(gap)
    audio = np.concatenate(parts)
    assert len(batched._windows(audio)) >= 4
    first = list(batched.transcribe(audio)[0])
    _check_invariants(first, len(audio) / SR)
    words = [w for s in first for w in s.words]
    for w in words:  # a segment may run across utterances; each word must sit in one
        mid = (w.start + w.end) / 2
        assert any(a - 0.5 <= mid <= b + 0.5 for a, b in spans), (w.start, w.end, w.text)
    heard = {i for i, (a, b) in enumerate(spans) for w in words if a - 0.5 <= w.start <= b}
    assert len(heard) >= 14, f"utterances heard: {sorted(heard)}"
    second = list(batched.transcribe(audio)[0])
    assert [(s.text, s.start, s.end) for s in second] == [(s.text, s.start, s.end) for s in first]


def test_stray_fullwidth_characters_become_pauses_but_numbers_stay() -> None:
    # seen in Whisper base output on the synthesised dev scenes
    assert stray_fullwidth_to_comma("公司裁员１房贷还不上１我活着还有什么意思１") == (
        "公司裁员，房贷还不上，我活着还有什么意思，"
    )
    assert stray_fullwidth_to_comma("唱卡拉欧开Ｇ我们家") == "唱卡拉欧开，我们家"
    for kept in ("１２点", "苹果15", "ＫＴＶ", "警号031245", "卡拉OK"):
        assert stray_fullwidth_to_comma(kept) == kept


def test_to_simplified() -> None:
    assert to_simplified("警察說話，請出示證件") == "警察说话，请出示证件"
    assert to_simplified("") == ""
    assert to_simplified("abc 123") == "abc 123"


def test_options_come_from_config_and_reject_unknown_keys(asr_options: AsrOptions) -> None:
    section = load_config().section("asr")
    assert AsrOptions.from_config(section) == asr_options
    with pytest.raises(ConfigError, match="invalid asr config: asr.beam_size"):
        AsrOptions.from_config({**section, "beam_size": 0})
    with pytest.raises(ConfigError, match="invalid asr config: asr.surprise"):
        AsrOptions.from_config({**section, "surprise": 1})
    with pytest.raises(ConfigError, match="must be a mapping"):
        AsrOptions.from_config("base")  # type: ignore[arg-type]


# --- model integrity ------------------------------------------------------------------------------


def test_embedded_model_joins_verifies_and_rejoins_a_corrupt_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    model_dir = resolve_whisper_model("embedded:whisper-base", cache)
    model_bin = model_dir / "model.bin"
    assert sha256_path(model_bin) == EXPECTED_SHA
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (model_dir / name).is_file()
    assert not list(model_dir.glob(".*.tmp")), "no temporary files left behind"

    # a second resolve reuses the verified copy (same inode: nothing rewritten)
    inode = model_bin.stat().st_ino
    assert resolve_whisper_model("embedded:whisper-base", cache) == model_dir
    assert model_bin.stat().st_ino == inode

    # flip bytes in the middle of the cached copy: detected and joined again
    with open(model_bin, "r+b") as fh:
        fh.seek(model_bin.stat().st_size // 2)
        fh.write(b"\x00corrupt\x00")
    assert sha256_path(model_bin) != EXPECTED_SHA
    assert resolve_whisper_model("embedded:whisper-base", cache) == model_dir
    assert sha256_path(model_bin) == EXPECTED_SHA


def _resolve_in(cache: str) -> str:
    return str(resolve_whisper_model("embedded:whisper-base", cache))


def test_two_processes_racing_to_join_both_get_the_verified_model(tmp_path: Path) -> None:
    """Each writer joins into its own temporary file and renames it: no torn model.bin."""
    import multiprocessing as mp

    cache = str(tmp_path / "shared-cache")
    with mp.get_context("spawn").Pool(2) as pool:
        dirs = pool.map(_resolve_in, [cache, cache])
    assert dirs[0] == dirs[1]
    assert sha256_path(Path(dirs[0]) / "model.bin") == EXPECTED_SHA
    assert not list(Path(dirs[0]).glob(".*.tmp"))


def test_corrupt_model_parts_raise_integrity_error(tmp_path: Path) -> None:
    from detectors.models import _package_file  # the installed part files, to copy and damage

    spec = EMBEDDED_WHISPER["whisper-base"]
    parts = []
    for i, (package, relpath) in enumerate(spec.parts):
        dest = tmp_path / f"part{i + 1}"
        shutil.copyfile(_package_file(package, relpath), dest)
        parts.append(dest)
    with open(parts[1], "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\xff" * 16)
    target = tmp_path / "out" / "model.bin"
    with pytest.raises(ModelIntegrityError, match="checksum"):
        join_parts(parts, target, spec.sha256)
    assert not target.exists()
    assert not list(target.parent.iterdir()), "a failed join leaves nothing behind"
    # the undamaged parts join to the published digest
    shutil.copyfile(_package_file(*spec.parts[1]), parts[1])
    assert sha256_path(join_parts(parts, target, spec.sha256)) == EXPECTED_SHA


def test_model_specs_that_are_not_local_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DetectorError, match="not found.*hub ids are not downloaded"):
        resolve_whisper_model("large-v3", tmp_path)
    (tmp_path / "empty-model").mkdir()
    with pytest.raises(DetectorError, match="missing model.bin, config.json"):
        resolve_whisper_model(tmp_path / "empty-model", tmp_path)
    with pytest.raises(ValueError, match="valid: embedded:whisper-base"):
        resolve_whisper_model("embedded:whisper-huge", tmp_path)
    with pytest.raises(TypeError):
        resolve_whisper_model(42, tmp_path)  # type: ignore[arg-type]


def test_a_local_ctranslate2_directory_loads(tmp_path: Path, asr_options: AsrOptions) -> None:
    """The production path: an operator's directory given as asr.model_path, outside any cache."""
    src = resolve_whisper_model("embedded:whisper-base", asr_options.cache_dir)
    local = tmp_path / "operator-model"
    local.mkdir()
    for f in src.iterdir():
        (local / f.name).symlink_to(f)
    detector = AsrDetector(asr_options.model_copy(update={"model_path": str(local)}))
    assert detector.model_dir == local
    assert detector.model_sha256 is None
    segments, info = detector.transcribe(np.zeros(SR, dtype=np.float32))
    assert list(segments) == [] and info.model == str(local)
