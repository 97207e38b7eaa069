"""Speech recognition with faster-whisper (CTranslate2).

The embedded default is Whisper base, multilingual, int8 on CPU, joined and verified by
:mod:`detectors.models`; production points ``asr.model_path`` at any local CTranslate2 Whisper
directory (large-v3, a Chinese fine-tune) on CPU or CUDA. Mandarin by default, Silero VAD on (its ONNX
model ships inside faster-whisper), word timestamps on, and every character of output normalised to
Simplified Chinese: Whisper often writes Traditional, and the rules match Simplified lexicons.

``transcribe`` follows faster-whisper's shape: the :class:`AsrInfo` is computed up front and the
segments come lazily from a chain of generators (decode -> VAD times already mapped back to the
original timeline by faster-whisper -> clamp and convert). Callers ``list()`` them on purpose.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .errors import DetectorError, ModelError
from .models import EMBEDDED_PREFIX, EMBEDDED_WHISPER, resolve_whisper_model
from .options import SectionOptions
from .types import Segment, Word

logger = logging.getLogger("vigil.detectors")

__all__ = ["AsrDetector", "AsrInfo", "AsrOptions", "stray_fullwidth_to_comma", "to_simplified"]

WHISPER_SAMPLE_RATE = 16000  # fixed by Whisper's feature extractor, not a tunable
_WINDOW_SECONDS = 30.0  # Whisper's input window, not a tunable


class FallbackStep(BaseModel):
    """One deterministic re-decoding of a degenerate window (see ``AsrOptions.fallback``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    beam_size: int = Field(ge=1)
    repetition_penalty: float = Field(default=1.0, ge=1.0)
    no_repeat_ngram_size: int = Field(default=0, ge=0)


class AsrOptions(SectionOptions):
    """ASR settings, validated from the ``asr:`` config section (YAML is the single source of truth).

    Attributes:
        model_path: ``embedded:whisper-base`` or a local CTranslate2 Whisper directory.
        cache_dir: where embedded models are joined and verified.
        device: ``cpu``, ``cuda`` or ``auto`` (CUDA when a device is visible).
        compute_type: CTranslate2 compute type (``int8`` on CPU, ``float16``/``int8_float16`` on CUDA).
        cpu_threads: intra-op threads, always explicit (Ray sets OMP_NUM_THREADS=1 otherwise).
        num_workers: concurrent transcriptions the model accepts.
        language: ISO code (``zh``) or ``None`` to auto-detect.
        task: ``transcribe`` (``translate`` would produce English, never wanted for evidence).
        beam_size: decoding beam width.
        batch_size: 1 decodes sequentially; >1 batches VAD chunks with BatchedInferencePipeline.
        temperature: fallback temperatures; sequential decoding retries at the next one when the
            output looks degenerate (the batched pipeline uses only the first).
        compression_ratio_threshold, log_prob_threshold, no_speech_threshold: faster-whisper's
            failure and silence detectors.
        condition_on_previous_text: feed the previous window's text as prompt (sequential only).
        vad_filter: run Silero VAD and decode speech only.
        vad_threshold: Silero speech probability threshold.
        vad_min_silence_ms: silence that ends a speech chunk.
        vad_speech_pad_ms: padding kept around each speech chunk.
        word_timestamps: per-word times (the rules and speaker attribution need them).
        to_simplified: convert text and words to Simplified Chinese with OpenCC ``t2s``.
        stray_fullwidth_as_comma: a lone full-width digit or letter ("来１我", "白Ｇ") becomes a comma.
            Whisper base writes them where a pause is; left alone they turn into words (１ reads as 一)
            and glue clauses together, so a negator in one clause reaches the next.
        initial_prompt: optional prompt text (domain vocabulary).
        loop_min_repeats: a segment in which one unit of one to four characters repeats this many
            times in a row ("好,好,好,好...") is a decoding loop, not speech: its span is decoded again
            on its own and, if that loops too, the run is cut to one unit. ``None`` keeps loops.
        fallback: batched decoding only: the deterministic steps tried, in order, for a window whose
            batched output is degenerate (compression ratio over the threshold, average
            log-probability under it, or a loop); each step decodes that window alone, sequentially,
            at temperature 0. Greedy steps instead of temperature sampling: CTranslate2's sampler is
            seeded once per thread, so sampled fallbacks would change documents between runs.
        max_unheard_tail_s: batched decoding only: a window whose last word ends with more than this
            many seconds of its VAD speech still to come stopped early (Whisper emitted end-of-text;
            the batched decoder, unlike the sequential one, never seeks on), and falls back.
        unheard_tail: what a window that stopped early decodes again first: ``tail`` only the
            speech after its last segment (greedy; the window's other output passed every check),
            ``window`` the whole window through the ``fallback`` steps. The tails of one batch
            share a decode; a tail still unheard after it is decoded alone, and ``tail`` falls
            through to the steps only when the joined output still fails a check.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    section = "asr"

    model_path: str
    cache_dir: str
    device: Literal["cpu", "cuda", "auto"]
    compute_type: str
    cpu_threads: int = Field(ge=1)
    num_workers: int = Field(ge=1)
    language: str | None
    task: Literal["transcribe", "translate"]
    beam_size: int = Field(ge=1)
    batch_size: int = Field(ge=1)
    temperature: tuple[float, ...] = Field(min_length=1)
    compression_ratio_threshold: float | None
    log_prob_threshold: float | None
    no_speech_threshold: float | None = Field(ge=0, le=1)
    condition_on_previous_text: bool
    vad_filter: bool
    vad_threshold: float = Field(gt=0, lt=1)
    vad_min_silence_ms: int = Field(ge=0)
    vad_speech_pad_ms: int = Field(ge=0)
    word_timestamps: bool
    to_simplified: bool
    stray_fullwidth_as_comma: bool
    initial_prompt: str | None
    loop_min_repeats: int | None = Field(ge=3)
    fallback: tuple[FallbackStep, ...]
    max_unheard_tail_s: float = Field(gt=0)
    unheard_tail: Literal["tail", "window"]


@dataclass(frozen=True, slots=True)
class AsrInfo:
    """What a transcription ran with: known before the first segment is decoded.

    ``model`` is the configured spec, ``model_sha256`` the verified digest of an embedded model
    (``None`` for an operator's directory), ``options`` the resolved settings, so that a result can be
    reproduced; ``warnings`` lists anything corrected automatically.
    """

    language: str | None
    language_probability: float
    duration: float
    duration_after_vad: float
    model: str
    model_sha256: str | None = None
    device: str = "cpu"
    options: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@functools.cache
def _converter() -> Any:
    try:
        from opencc import OpenCC
    except ImportError as e:  # pragma: no cover - a core dependency
        raise RuntimeError("opencc-python-reimplemented is required for to_simplified") from e
    return OpenCC("t2s")


_FULLWIDTH_ALNUM = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_STRAY_FULLWIDTH = re.compile(
    rf"(?<![0-9A-Za-z{_FULLWIDTH_ALNUM}])[{_FULLWIDTH_ALNUM}](?![0-9A-Za-z{_FULLWIDTH_ALNUM}])"
)


def stray_fullwidth_to_comma(text: str) -> str:
    """A full-width digit or letter standing alone is a pause Whisper mis-tokenised: make it a comma."""
    return _STRAY_FULLWIDTH.sub("，", text)


def to_simplified(text: str) -> str:
    """Traditional -> Simplified Chinese (OpenCC ``t2s``); other scripts pass through unchanged."""
    return str(_converter().convert(text)) if text else text


def _resolve_device(device: str) -> str:
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


@functools.lru_cache(maxsize=4)
def _load_whisper(
    path: str, device: str, compute_type: str, cpu_threads: int, num_workers: int
) -> Any:
    """One WhisperModel per (directory, device, compute type, threads): loading costs seconds."""
    from faster_whisper import WhisperModel

    logger.info(
        "loading Whisper %s on %s (%s, %d threads, %d workers)",
        path,
        device,
        compute_type,
        cpu_threads,
        num_workers,
    )
    try:
        return WhisperModel(
            path,
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            num_workers=num_workers,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as e:
        raise ModelError(f"cannot load Whisper model from {path} on {device}: {e}") from e


class AsrDetector:
    """Transcribes mono 16 kHz float32 audio into :class:`~detectors.types.Segment` records."""

    def __init__(self, options: AsrOptions | dict[str, Any]) -> None:
        self.options = AsrOptions.from_config(options)
        opts = self.options
        self.device = _resolve_device(opts.device)
        self.model_dir = resolve_whisper_model(opts.model_path, opts.cache_dir)
        self.model_sha256: str | None = None
        if opts.model_path.startswith(EMBEDDED_PREFIX):
            self.model_sha256 = EMBEDDED_WHISPER[opts.model_path[len(EMBEDDED_PREFIX) :]].sha256
        self.model = _load_whisper(
            str(self.model_dir), self.device, opts.compute_type, opts.cpu_threads, opts.num_workers
        )
        self._batched: Any = None
        if opts.batch_size > 1:
            from faster_whisper import BatchedInferencePipeline

            self._batched = BatchedInferencePipeline(model=self.model)

    @property
    def reads_speech(self) -> bool:
        """Whether :meth:`transcribe` takes Silero probabilities (``speech``) instead of running VAD:
        batched decoding with ``vad_filter`` on."""
        return self._batched is not None and self.options.vad_filter

    def _vad_parameters(self) -> dict[str, Any]:
        o = self.options
        return {
            "threshold": o.vad_threshold,
            "min_silence_duration_ms": o.vad_min_silence_ms,
            "speech_pad_ms": o.vad_speech_pad_ms,
        }

    def _decode_options(self) -> dict[str, Any]:
        """faster-whisper arguments shared by the sequential and the batched decoder."""
        o = self.options
        return {
            "language": o.language,
            "task": o.task,
            "beam_size": o.beam_size,
            "temperature": list(o.temperature),
            "compression_ratio_threshold": o.compression_ratio_threshold,
            "log_prob_threshold": o.log_prob_threshold,
            "no_speech_threshold": o.no_speech_threshold,
            "initial_prompt": o.initial_prompt,
            "word_timestamps": o.word_timestamps,
            "vad_filter": o.vad_filter,
            "vad_parameters": self._vad_parameters() if o.vad_filter else None,
        }

    def _resolved_options(self) -> dict[str, Any]:
        d = self.options.model_dump()
        d["model_dir"] = str(self.model_dir)
        d["device"] = self.device
        d["temperature"] = list(self.options.temperature)
        return d

    def transcribe(
        self,
        audio: np.ndarray,
        *,
        sample_rate: int = WHISPER_SAMPLE_RATE,
        channel: int | None = None,
        speech: np.ndarray | None = None,
    ) -> tuple[Iterator[Segment], AsrInfo]:
        """Transcribe one channel; segment and word times are on the original (pre-VAD) timeline.

        ``audio`` is 1-D float32 at 16 kHz (a ``(1, n)`` array is accepted). ``channel`` is stamped on
        every segment so the pipeline can tell which microphone it came from. Silence or empty audio
        gives an empty iterator, never ``None``. ``speech``: Silero's probabilities for exactly this
        audio (:func:`detectors.vad.speech_probabilities`) when the caller already has them (the
        pipeline shares one VAD pass with diarization); batched decoding then does not run VAD
        again, with the same windows. The sequential path runs faster-whisper's own VAD.
        """
        samples = _as_mono(audio)
        if sample_rate != WHISPER_SAMPLE_RATE:
            raise ValueError(
                f"ASR needs {WHISPER_SAMPLE_RATE} Hz audio, got {sample_rate} Hz; "
                f"set media.sample_rate to {WHISPER_SAMPLE_RATE}"
            )
        o = self.options
        duration = samples.shape[0] / WHISPER_SAMPLE_RATE
        warnings: list[str] = []
        if samples.shape[0] == 0:
            info = AsrInfo(
                language=o.language,
                language_probability=0.0,
                duration=0.0,
                duration_after_vad=0.0,
                model=o.model_path,
                model_sha256=self.model_sha256,
                device=self.device,
                options=self._resolved_options(),
            )
            return iter(()), info
        common = self._decode_options()
        if self._batched is not None:
            windows = self._windows(samples, speech)
            language, language_probability = o.language, 1.0
            if language is None:
                language, language_probability, _ = self.model.detect_language(audio=samples)
                logger.info("detected language %s (p=%.2f)", language, language_probability)
            raw: Iterable[Any] = self._decode_windows(samples, windows, language)
            after_vad = sum(p["end"] - p["start"] for w in windows for p in w) / WHISPER_SAMPLE_RATE
        else:
            raw, fw_info = self.model.transcribe(
                samples, condition_on_previous_text=o.condition_on_previous_text, **common
            )
            language, language_probability = fw_info.language, fw_info.language_probability
            after_vad = fw_info.duration_after_vad
            if o.language is None:
                logger.info("detected language %s (p=%.2f)", language, language_probability)
        info = AsrInfo(
            language=language,
            language_probability=float(language_probability),
            duration=float(duration),
            duration_after_vad=float(after_vad),
            model=o.model_path,
            model_sha256=self.model_sha256,
            device=self.device,
            options=self._resolved_options(),
            warnings=tuple(warnings),
        )
        stream = _guard_oom(raw, o.batch_size)
        if o.loop_min_repeats is not None and self._batched is None:
            stream = self._unloop(stream, samples, o.loop_min_repeats)
        segments = _convert(stream, duration, channel, o.to_simplified, o.stray_fullwidth_as_comma)
        return segments, info

    # -- batched decoding with per-window fallback ------------------------------------------------

    def _windows(
        self, samples: np.ndarray, speech: np.ndarray | None = None
    ) -> list[list[dict[str, int]]]:
        """Speech pieces (sample spans on the original timeline) packed into windows of <= 30 s.

        The same packing as faster-whisper's batched pipeline (Silero VAD pieces of at most 30 s,
        concatenated while they fit), computed here so that each window's pieces are known: a window
        that fails its checks is decoded again from exactly the audio the batch saw.
        """
        limit = int(_WINDOW_SECONDS * WHISPER_SAMPLE_RATE)
        n = int(samples.shape[0])
        if not self.options.vad_filter:
            return [[{"start": i, "end": min(i + limit, n)}] for i in range(0, n, limit)]
        from faster_whisper.vad import VadOptions

        from .vad import speech_timestamps

        o = self.options
        vad = VadOptions(
            threshold=o.vad_threshold,
            min_silence_duration_ms=o.vad_min_silence_ms,
            speech_pad_ms=o.vad_speech_pad_ms,
            max_speech_duration_s=_WINDOW_SECONDS,
        )
        windows: list[list[dict[str, int]]] = []
        current: list[dict[str, int]] = []
        length = 0
        for piece in speech_timestamps(samples, vad, probabilities=speech):
            size = piece["end"] - piece["start"]
            if current and length + size > limit:
                windows.append(current)
                current, length = [], 0
            current.append({"start": int(piece["start"]), "end": int(piece["end"])})
            length += size
        if current:
            windows.append(current)
        return windows

    def _decode_windows(
        self, samples: np.ndarray, windows: list[list[dict[str, int]]], language: str | None
    ) -> Iterator[Any]:
        """Batched greedy decoding, ``batch_size`` windows at a time, then checks per window.

        Only one batch of audio and features is held at a time, so memory does not grow with the
        recording. The first window is decoded on its own with ``initial_prompt``, as sequential
        decoding does (the prompt on every window measured worse); the rest without.
        """
        o = self.options
        groups: list[tuple[int, list[list[dict[str, int]]]]] = []
        start = 0
        if windows and o.initial_prompt:
            groups.append((0, windows[:1]))
            start = 1
        for i in range(start, len(windows), o.batch_size):
            groups.append((i, windows[i : i + o.batch_size]))
        for first, group in groups:
            prompt = o.initial_prompt if first == 0 else None
            decoded = self._decode_batch(samples, group, language, prompt)
            tails: dict[int, list[Any]] = {}
            if o.unheard_tail == "tail":
                stopped = [
                    k
                    for k, (pieces, segs) in enumerate(zip(group, decoded, strict=True))
                    if segs and self._verdict(segs, pieces).startswith("stopped early")
                ]
                found = self._decode_tails(
                    samples, [(group[k], decoded[k]) for k in stopped], language
                )
                tails = dict(zip(stopped, found, strict=True))
            for offset, (pieces, segs) in enumerate(zip(group, decoded, strict=True)):
                yield from self._checked(
                    samples, pieces, segs, language, first + offset == 0, tails.get(offset)
                )

    def _decode_batch(
        self,
        samples: np.ndarray,
        group: list[list[dict[str, int]]],
        language: str | None,
        prompt: str | None,
    ) -> list[list[Any]]:
        """Decode a group of windows in one batched call; each window's segments, original times."""
        from faster_whisper.transcribe import restore_speech_timestamps

        o = self.options
        pieces = [p for w in group for p in w]
        audio = np.concatenate([samples[p["start"] : p["end"]] for p in pieces])
        bounds: list[dict[str, float]] = []
        seeks: list[int] = []
        at = 0
        for w in group:
            size = sum(p["end"] - p["start"] for p in w)
            bounds.append(
                {"start": at / WHISPER_SAMPLE_RATE, "end": (at + size) / WHISPER_SAMPLE_RATE}
            )
            # the seek faster-whisper stamps on the window's segments, computed as it does
            clip_start = int(bounds[-1]["start"] * WHISPER_SAMPLE_RATE)
            seeks.append(int(clip_start / WHISPER_SAMPLE_RATE * self.model.frames_per_second))
            at += size
        opts = dict(self._decode_options(), language=language, initial_prompt=prompt)
        opts.update(temperature=o.temperature[0], vad_filter=False, vad_parameters=None)
        raw, _ = self._batched.transcribe(
            audio, batch_size=o.batch_size, clip_timestamps=bounds, **opts
        )
        out: list[list[Any]] = [[] for _ in group]
        # batched times are on the concatenated speech; map them back to the recording
        for seg in restore_speech_timestamps(raw, pieces, WHISPER_SAMPLE_RATE):
            out[bisect.bisect_right(seeks, seg.seek) - 1].append(seg)
        return out

    def _checked(
        self,
        samples: np.ndarray,
        pieces: list[dict[str, int]],
        segs: list[Any],
        language: str | None,
        first: bool,
        tail: list[Any] | None = None,
    ) -> list[Any]:
        """A window's batched output if it passes, else the first fallback step's output that does.

        ``tail``: the window's unheard tail already decoded (with the other tails of its batch)."""
        o = self.options
        if not segs:
            return []
        verdict = self._verdict(segs, pieces)
        if verdict == "silent":
            return []
        if verdict == "ok":
            return segs
        logger.info(
            "window at %.1f s is %s; decoding it again",
            pieces[0]["start"] / WHISPER_SAMPLE_RATE,
            verdict,
        )
        if o.unheard_tail == "tail" and verdict.startswith("stopped early"):
            # Whisper emitted end-of-text with speech left: what it heard passed every other
            # check, so only the rest is decoded (a fraction of the window, greedily) and the
            # window is checked again as a whole; the full fallback steps remain if that fails.
            packed = tail is not None
            if tail is None:
                tail = self._decode_tails(samples, [(pieces, segs)], language)[0]
            joined = [*segs, *tail]
            verdict = self._verdict(joined, pieces)
            if packed and verdict.startswith("stopped early"):
                # Whisper can end a packed decode after the first tail in it, leaving the others
                # unheard (the bench file's 16-bit copy: two of three tails, each then re-decoded
                # whole with beam search, ~3 s apiece); what is still unheard is decoded alone,
                # one short decode, before the whole window is
                joined += self._decode_tails(samples, [(pieces, joined)], language)[0]
                verdict = self._verdict(joined, pieces)
            if verdict == "ok":
                return joined
            logger.info("window's unheard tail did not decode cleanly (%s); full fallback", verdict)
        candidates = [segs]
        for step in o.fallback:
            segs = self._decode_alone(samples, pieces, language, step, first)
            verdict = self._verdict(segs, pieces)
            if verdict in ("ok", "silent"):
                return [] if verdict == "silent" else segs
            candidates.append(segs)
        best = max(candidates, key=lambda c: (not self._loops(c), _mean_logprob(c)))
        return [_without_loop(s, o.loop_min_repeats) for s in best]

    def _decode_alone(
        self,
        samples: np.ndarray,
        pieces: list[dict[str, int]],
        language: str | None,
        step: FallbackStep,
        first: bool,
    ) -> list[Any]:
        from faster_whisper.transcribe import restore_speech_timestamps

        audio = np.concatenate([samples[p["start"] : p["end"]] for p in pieces])
        opts = dict(
            self._decode_options(), language=language, vad_filter=False, vad_parameters=None
        )
        opts.update(
            temperature=0.0,
            beam_size=step.beam_size,
            repetition_penalty=step.repetition_penalty,
            no_repeat_ngram_size=step.no_repeat_ngram_size,
            initial_prompt=self.options.initial_prompt if first else None,
        )
        raw, _ = self.model.transcribe(audio, condition_on_previous_text=False, **opts)
        return list(restore_speech_timestamps(raw, pieces, WHISPER_SAMPLE_RATE))

    def _decode_tails(
        self,
        samples: np.ndarray,
        stopped: list[tuple[list[dict[str, int]], list[Any]]],
        language: str | None,
    ) -> list[list[Any]]:
        """Each stopped window's speech after its last decoded segment, decoded at the windows' own
        settings (``beam_size``, temperature 0, no prompt); segment times on the original timeline.

        Whisper's encoder always reads 30 s, so a 7 s tail decoded alone costs a whole window: the
        tails of one batch are packed into as few 30 s windows as they fit (as VAD pieces are) and
        each decoded segment goes back to the window whose tail it starts in."""
        limit = int(_WINDOW_SECONDS * WHISPER_SAMPLE_RATE)
        tails = []
        for pieces, segs in stopped:
            heard = _heard_until(segs)
            tails.append(
                [
                    {"start": max(p["start"], heard), "end": p["end"]}
                    for p in pieces
                    if p["end"] > heard
                ]
            )
        packs: list[list[int]] = []
        size = limit + 1
        for k, tail in enumerate(tails):
            length = sum(p["end"] - p["start"] for p in tail)
            if size + length > limit:
                packs.append([])
                size = 0
            packs[-1].append(k)
            size += length
        own = FallbackStep(beam_size=self.options.beam_size)
        out: list[list[Any]] = [[] for _ in tails]
        for pack in packs:
            pieces = [p for k in pack for p in tails[k]]
            starts = [tails[k][0]["start"] for k in pack]
            for seg in self._decode_alone(samples, pieces, language, own, first=False):
                at = int(float(seg.start) * WHISPER_SAMPLE_RATE)
                out[pack[max(0, bisect.bisect_right(starts, at) - 1)]].append(seg)
        return out

    def _loops(self, segs: list[Any]) -> bool:
        n = self.options.loop_min_repeats
        return n is not None and any(_loop_span(s.text, n) is not None for s in segs)

    def _verdict(self, segs: list[Any], pieces: list[dict[str, int]]) -> str:
        """``silent``, ``ok``, or what is wrong with one window's decoded segments.

        The same tests faster-whisper's sequential decoder applies per window (a window that is
        probably silence and decoded with low confidence is dropped), plus the loop detector.
        """
        from faster_whisper.transcribe import get_compression_ratio

        o = self.options
        if not segs:
            return "ok"
        logprob = _mean_logprob(segs)
        no_speech = max(float(s.no_speech_prob) for s in segs)
        low = o.log_prob_threshold is not None and logprob < o.log_prob_threshold
        if (
            o.no_speech_threshold is not None
            and no_speech > o.no_speech_threshold
            and (low or o.log_prob_threshold is None)
        ):
            return "silent"
        ratio = get_compression_ratio("".join(s.text for s in segs))
        if o.compression_ratio_threshold is not None and ratio > o.compression_ratio_threshold:
            return f"repetitive (compression ratio {ratio:.2f})"
        if self._loops(segs):
            return "a decoding loop"
        if low:
            return f"unsure (average log-probability {logprob:.2f})"
        heard = _heard_until(segs)
        unheard = sum(max(0, p["end"] - max(p["start"], heard)) for p in pieces)
        if unheard / WHISPER_SAMPLE_RATE > o.max_unheard_tail_s:
            return f"stopped early ({unheard / WHISPER_SAMPLE_RATE:.1f} s of speech unheard)"
        return "ok"

    def _unloop(self, raw: Iterable[Any], samples: np.ndarray, min_repeats: int) -> Iterator[Any]:
        """Decode the span of consecutive looping segments again, on its own.

        Why: once Whisper falls into a loop, the temperature fallback often keeps it there and the loop
        swallows every turn after it (a whole closing exchange heard as "好,好,好..."). A fresh decode
        that starts where the loop started, without the earlier window's context, usually recovers the
        speech. The span runs to the next good segment (or the end), since the loop hides what is in it.
        """
        pending: list[Any] = []
        for seg in raw:
            if _loop_span(seg.text, min_repeats) is not None:
                pending.append(seg)
                continue
            if pending:
                yield from self._redecode(pending, seg.start, samples, min_repeats)
                pending = []
            yield seg
        if pending:
            end = samples.shape[0] / WHISPER_SAMPLE_RATE
            yield from self._redecode(pending, end, samples, min_repeats)

    def _redecode(
        self, looping: list[Any], end: float, samples: np.ndarray, min_repeats: int
    ) -> Iterator[Any]:
        start = float(looping[0].start)
        end = max(float(end), float(looping[-1].end))
        logger.warning("decoding loop at %.1f-%.1f s; decoding that span again", start, end)
        clip = samples[int(start * WHISPER_SAMPLE_RATE) : int(end * WHISPER_SAMPLE_RATE)]
        fresh = dict(self._decode_options(), initial_prompt=None)
        raw, _ = self.model.transcribe(clip, condition_on_previous_text=False, **fresh)
        for seg in raw:
            text = _cut_loop(seg.text, min_repeats)
            words = [replace(w, start=w.start + start, end=w.end + start) for w in seg.words or ()]
            if text != seg.text:
                words = []  # the loop's word times are meaningless; the segment span stays
            yield replace(seg, start=seg.start + start, end=seg.end + start, text=text, words=words)


def _heard_until(segs: list[Any]) -> int:
    """Sample (original timeline) where a window's last decoded segment ends."""
    return int(max(float(s.end) for s in segs) * WHISPER_SAMPLE_RATE)


def _mean_logprob(segs: list[Any]) -> float:
    return float(np.mean([float(s.avg_logprob) for s in segs])) if segs else float("-inf")


def _without_loop(seg: Any, min_repeats: int | None) -> Any:
    """A segment with every looping run cut to one unit; its word times go with the loop."""
    if min_repeats is None:
        return seg
    text = _cut_loop(seg.text, min_repeats)
    return seg if text == seg.text else replace(seg, text=text, words=[])


def _loop_span(text: str, min_repeats: int) -> tuple[int, int, str] | None:
    """Where ``text`` repeats one 1-4 character unit ``min_repeats`` times in a row, punctuation between."""
    m = re.search(rf"(\w{{1,4}}?)(?:\W*\1){{{min_repeats - 1},}}", text)
    return (m.start(), m.end(), m.group(1)) if m else None


def _cut_loop(text: str, min_repeats: int) -> str:
    """Every looping run in ``text`` cut to a single unit."""
    while (span := _loop_span(text, min_repeats)) is not None:
        start, end, unit = span
        text = text[:start] + unit + text[end:]
    return text


def _as_mono(audio: np.ndarray) -> np.ndarray:
    if not isinstance(audio, np.ndarray):
        raise TypeError(f"audio must be a numpy array, not {type(audio).__name__}")
    if audio.ndim == 2 and audio.shape[0] == 1:
        audio = audio[0]
    if audio.ndim != 1:
        raise ValueError(
            f"ASR takes one channel (1-D array), got shape {audio.shape}; pick or mix a channel first"
        )
    return np.ascontiguousarray(audio, dtype=np.float32)


def _guard_oom(raw: Iterable[Any], batch_size: int) -> Iterator[Any]:
    """Turn a CUDA out-of-memory failure mid-stream into advice instead of a CTranslate2 trace."""
    try:
        yield from raw
    except RuntimeError as e:
        if "out of memory" in str(e).lower():
            raise DetectorError(
                f"ASR ran out of GPU memory at batch_size {batch_size}; lower asr.batch_size"
            ) from e
        raise


def _convert(
    raw: Iterable[Any],
    duration: float,
    channel: int | None,
    simplify: bool,
    stray_fullwidth: bool = False,
) -> Iterator[Segment]:
    """faster-whisper segments -> ours: Simplified text, words clamped inside their segment.

    faster-whisper already maps VAD-trimmed times back to the original timeline; what is left is
    rounding at the edges (a last word ending past the audio), which is clamped here.
    """

    def clean(t: str) -> str:
        t = to_simplified(t) if simplify else t
        return stray_fullwidth_to_comma(t) if stray_fullwidth else t

    index = 0
    for seg in raw:
        text = clean(seg.text.strip())
        start = max(0.0, min(float(seg.start), duration))
        end = max(start, min(float(seg.end), duration))
        words: list[Word] = []
        for w in seg.words or ():
            wtext = w.word.strip()
            if not wtext:
                continue
            ws = min(max(float(w.start), start), end)
            we = min(max(float(w.end), ws), end)
            words.append(
                Word(
                    start=ws,
                    end=we,
                    text=clean(wtext),
                    probability=float(w.probability),
                )
            )
        if not text and not words:
            continue
        yield Segment(
            id=index,
            start=start,
            end=end,
            text=text,
            words=tuple(words),
            avg_logprob=float(seg.avg_logprob),
            no_speech_prob=float(seg.no_speech_prob),
            channel=channel,
        )
        index += 1


def model_dir_for(options: AsrOptions) -> Path:
    """The verified local directory ASR would load (for tools that report or pre-warm the cache)."""
    return resolve_whisper_model(options.model_path, options.cache_dir)
