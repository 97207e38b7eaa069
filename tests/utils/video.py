"""Test factories for video: scripted synthetic clips with known intervals, encoded for real.

A clip is a list of :class:`Segment` s (calm, pan, shake, black, covered, frozen) rendered over a
textured "world" seen through a moving camera window, with a few moving shapes (people walking by)
and per-frame sensor noise, then encoded with libx264 (+ AAC audio) by PyAV exactly like a camera
file. The segments double as the ground truth the detectors are scored against.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

SR = 16000
SHARED = Path(__file__).resolve().parents[3] / "shared"
REAL_VIDEO = SHARED / "data" / "real" / "video"


@dataclass(frozen=True, slots=True)
class Segment:
    """``kind``: calm | pan | shake | black | covered | frozen; times in seconds."""

    start: float
    end: float
    kind: str
    strength: float = 1.0


@dataclass(frozen=True, slots=True)
class Script:
    """A whole synthetic clip: picture segments plus audio silence (dropout) intervals."""

    duration: float
    segments: tuple[Segment, ...]
    silences: tuple[tuple[float, float], ...] = ()
    seed: int = 0
    width: int = 640
    height: int = 360
    fps: float = 15.0
    audio: bool = True
    audio_ends_at: float | None = None
    meta: dict[str, object] = field(default_factory=dict)

    def truth(self, kind: str) -> list[tuple[float, float]]:
        """Ground-truth intervals for a detector event kind."""
        if kind == "audio_dropout":
            spans = list(self.silences)
            if self.audio_ends_at is not None:
                spans.append((self.audio_ends_at, self.duration))
            return spans
        seg_kind = {
            "confrontation": ("shake",),
            "black_frames": ("black", "covered"),
            "frozen_frames": ("frozen",),
        }[kind]
        return [(s.start, s.end) for s in self.segments if s.kind in seg_kind]


def _world(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A textured scene larger than the frame: smooth noise plus rectangles (walls, a counter)."""
    small = rng.integers(40, 215, (h // 16 + 1, w // 16 + 1, 3), dtype=np.uint8)
    world = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = rng.normal(0, 18, (h, w, 1)).astype(np.float32)
    world = np.clip(world.astype(np.float32) + fine, 0, 255).astype(np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, w - 40)), int(rng.integers(0, h - 40))
        bw, bh = int(rng.integers(20, w // 6)), int(rng.integers(20, h // 5))
        color = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(world, (x, y), (x + bw, y + bh), color, -1)
    return world


class Renderer:
    """Renders frame ``t`` of a :class:`Script` (deterministic in the script's seed)."""

    def __init__(self, script: Script) -> None:
        self.s = script
        rng = np.random.default_rng(script.seed)
        self.rng = rng
        w, h = script.width, script.height
        self.world = _world(rng, int(w * 1.6), int(h * 1.6))
        self.noise = [rng.normal(0, 2.5, (h, w, 1)).astype(np.float32) for _ in range(6)]
        self.shapes = [
            (
                rng.uniform(0.1, 0.9),
                rng.uniform(0.3, 0.8),
                rng.uniform(0.03, 0.08),
                rng.uniform(0, 6.28),
            )
            for _ in range(3)
        ]
        self.colors = [tuple(int(c) for c in rng.integers(0, 255, 3)) for _ in range(3)]
        n_shake = int(script.duration * script.fps) + 2
        self.jitter = rng.uniform(-1, 1, (n_shake, 2))
        self._frozen: np.ndarray | None = None
        self._frozen_seg: Segment | None = None

    def segment(self, t: float) -> Segment:
        for seg in self.s.segments:
            if seg.start <= t < seg.end:
                return seg
        return Segment(0.0, self.s.duration, "calm")

    def camera(self, t: float, i: int, seg: Segment) -> tuple[float, float]:
        w, h = self.s.width, self.s.height
        mx, my = (self.world.shape[1] - w) / 2, (self.world.shape[0] - h) / 2
        x, y = mx, my
        if seg.kind == "pan":
            # walking officer: steady pan with a small step bob
            progress = (t - seg.start) / max(seg.end - seg.start, 1e-6)
            x = mx + 0.9 * mx * math.sin(math.pi * progress)
            y = my + 0.01 * h * math.sin(2 * math.pi * 1.8 * t)
        elif seg.kind == "shake":
            amp = 0.08 * seg.strength
            x = mx + self.jitter[i, 0] * amp * w
            y = my + self.jitter[i, 1] * amp * h
        return x, y

    def frame(self, i: int) -> np.ndarray:
        s = self.s
        t = i / s.fps
        seg = self.segment(t)
        if seg.kind == "frozen":
            if self._frozen_seg is not seg or self._frozen is None:
                self._frozen_seg = seg
                self._frozen = self._live(i, t, self.segment(max(0.0, seg.start - 1e-3)))
            return self._frozen
        if seg.kind == "black":
            img = np.full((s.height, s.width, 3), 6, np.float32) + self.noise[i % 6] * 0.6
            return np.clip(img, 0, 255).astype(np.uint8)
        if seg.kind == "covered":
            img = np.empty((s.height, s.width, 3), np.float32)
            img[:] = (70, 95, 150)  # a hand over the lens: flat, skin-coloured, out of focus
            return np.clip(img + self.noise[i % 6] * 0.4, 0, 255).astype(np.uint8)
        return self._live(i, t, seg)

    def _live(self, i: int, t: float, seg: Segment) -> np.ndarray:
        s = self.s
        x, y = self.camera(t, i, seg)
        xi, yi = int(round(x)), int(round(y))
        img = self.world[yi : yi + s.height, xi : xi + s.width].copy()
        fast = 4.0 if seg.kind == "shake" else 1.0
        for (px, py, speed, phase), color in zip(self.shapes, self.colors, strict=True):
            cx = (
                px + speed * fast * t * math.cos(phase * (1 + fast * 0.3 * math.sin(t * 3)))
            ) % 1.0
            cy = py + 0.05 * math.sin(t * speed * 20 * fast + phase)
            cv2.ellipse(
                img,
                (int(cx * s.width), int(cy * s.height)),
                (int(0.04 * s.width), int(0.16 * s.height)),
                0,
                0,
                360,
                color,
                -1,
            )
        noisy = img.astype(np.float32) + self.noise[i % 6]
        return np.clip(noisy, 0, 255).astype(np.uint8)


def render_audio(script: Script) -> np.ndarray:
    """Mono float audio: room tone plus voice-like bursts, digital zeros in the silences."""
    rng = np.random.default_rng(script.seed + 1)
    n = int(round((script.audio_ends_at or script.duration) * SR))
    t = np.arange(n) / SR
    tone = 0.02 * rng.standard_normal(n)
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 0.7 * t) ** 2
    voice = 0.1 * envelope * np.sin(2 * np.pi * 180 * t + 3 * np.sin(2 * np.pi * 4 * t))
    x = (tone + voice).astype(np.float32)
    for a, b in script.silences:
        x[int(a * SR) : int(b * SR)] = 0.0
    return x


def write_video(
    path: str | Path,
    script: Script,
    *,
    frame_fn: Callable[[int], np.ndarray] | None = None,
    crf: int = 26,
    preset: str = "ultrafast",
    audio: np.ndarray | None = None,
) -> Path:
    """Encode ``script`` to ``path`` (H.264 in MP4, AAC audio unless ``script.audio`` is False).

    ``audio`` (mono float32 at 16 kHz) replaces the scripted room tone, e.g. with synthetic speech.
    """
    p = Path(path)
    render = frame_fn or Renderer(script).frame
    n_frames = int(round(script.duration * script.fps))
    if audio is None and script.audio:
        audio = render_audio(script)
    rate = Fraction(script.fps).limit_denominator(1001)
    with av.open(str(p), mode="w") as out:
        vs = out.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = script.width, script.height, "yuv420p"
        vs.options = {"preset": preset, "crf": str(crf), "g": str(int(script.fps * 2))}
        ast = None
        if audio is not None:
            ast = out.add_stream("aac", rate=SR, layout="mono")
        a_pos = 0
        for i in range(n_frames):
            vf = av.VideoFrame.from_ndarray(render(i), format="bgr24")
            vf.pts = i
            vf.time_base = 1 / rate
            for packet in vs.encode(vf):
                out.mux(packet)
            if ast is not None and audio is not None:
                upto = min(len(audio), int(round((i + 1) / script.fps * SR)))
                while a_pos + 1024 <= upto or (i == n_frames - 1 and a_pos < len(audio)):
                    chunk = audio[a_pos : a_pos + 1024]
                    af = av.AudioFrame.from_ndarray(
                        chunk.reshape(1, -1), format="fltp", layout="mono"
                    )
                    af.sample_rate = SR
                    af.pts = a_pos
                    af.time_base = Fraction(1, SR)
                    for packet in ast.encode(af):
                        out.mux(packet)
                    a_pos += len(chunk)
        for packet in vs.encode(None):
            out.mux(packet)
        if ast is not None:
            for packet in ast.encode(None):
                out.mux(packet)
    return p


def standard_scripts() -> list[Script]:
    """The generated ground-truth set: three body-cam clips with shakes, pans, black, covered and
    frozen stretches and audio dropouts at different places (different seeds)."""
    return [
        Script(
            duration=40.0,
            seed=11,
            segments=(
                Segment(6, 10, "pan"),
                Segment(10, 15, "shake"),
                Segment(19, 22, "black"),
                Segment(25, 29, "frozen"),
                Segment(31, 35, "shake"),
            ),
            silences=((5.0, 8.0), (33.0, 36.0)),
        ),
        Script(
            duration=36.0,
            seed=23,
            segments=(
                Segment(3, 7, "shake", 1.2),
                Segment(9, 14, "pan"),
                Segment(16, 19, "frozen"),
                Segment(21, 24, "covered"),
                Segment(27, 32, "shake", 0.8),
            ),
            silences=((12.0, 14.5),),
            audio_ends_at=33.0,
        ),
        Script(
            duration=34.0,
            seed=37,
            segments=(
                Segment(0, 2.5, "black"),
                Segment(5, 9, "pan"),
                Segment(11, 16, "shake"),
                Segment(18, 21.5, "frozen"),
                Segment(24, 26, "pan"),
                Segment(28, 31, "shake", 1.5),
            ),
            silences=((1.0, 3.0), (20.0, 22.0), (26.0, 27.5)),
        ),
    ]


def match_intervals(
    predicted: Sequence[tuple[float, float]],
    truth: Sequence[tuple[float, float]],
    min_overlap: float = 0.5,
) -> tuple[float, float]:
    """(precision, recall) with interval-overlap matching.

    A predicted interval is correct when it overlaps some true interval by at least
    ``min_overlap`` of the shorter of the two; a true interval is found when some prediction
    overlaps it that way. Empty sets score 1.0 (nothing claimed / nothing to find).
    """

    def hit(a: tuple[float, float], b: tuple[float, float]) -> bool:
        inter = min(a[1], b[1]) - max(a[0], b[0])
        shorter = max(min(a[1] - a[0], b[1] - b[0]), 1e-6)
        return inter > 0 and inter / shorter >= min_overlap

    precision = (
        sum(any(hit(p, g) for g in truth) for p in predicted) / len(predicted) if predicted else 1.0
    )
    recall = sum(any(hit(p, g) for p in predicted) for g in truth) / len(truth) if truth else 1.0
    return precision, recall


def real_person_frames(name: str, fps: float, height: int) -> Iterator[np.ndarray]:
    """Frames of a real clip (e.g. a person juggling) scaled to ``height``, looped forever."""
    path = REAL_VIDEO / name
    frames: list[np.ndarray] = []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        step = 1.0 / fps
        next_t = 0.0
        for f in c.decode(stream):
            if f.time is None or f.time + 1e-6 < next_t:
                continue
            next_t += step
            w = int(round(f.width * height / f.height)) // 2 * 2
            frames.append(f.to_ndarray(width=w, height=height, format="bgr24"))
    if not frames:
        raise RuntimeError(f"no frames in {path}")
    while True:
        yield from frames


def counter_script(duration: float = 26.0) -> tuple[Script, dict[str, list[tuple[float, float]]]]:
    """A counter camera: officer's half on the left, visitor's half on the right.

    Returns the script plus presence truth: ``officer`` and ``visitor`` spans. The people are real
    footage (a man from ``05_default_juggle.mp4``) placed in each half at known times.
    """
    truth = {"officer": [(0.0, 7.0), (15.0, 26.0)], "visitor": [(2.0, 19.0)]}
    return Script(duration=duration, segments=(), seed=5, width=960, height=540, fps=10.0), truth


def counter_frames(
    script: Script, truth: dict[str, list[tuple[float, float]]]
) -> Callable[[int], np.ndarray]:
    """Frame function for :func:`counter_script`: an empty office background, people pasted in."""
    w, h = script.width, script.height
    rng = np.random.default_rng(script.seed)
    back = cv2.GaussianBlur(_world(rng, w, h), (0, 0), 6)
    back = (back.astype(np.float32) * 0.5 + 110).astype(np.uint8)  # plain, light office wall
    person = real_person_frames("05_default_juggle.mp4", script.fps, h)
    noise = [rng.normal(0, 2.0, (h, w, 1)).astype(np.float32) for _ in range(4)]

    def inside(t: float, spans: list[tuple[float, float]]) -> bool:
        return any(a <= t < b for a, b in spans)

    def frame(i: int) -> np.ndarray:
        t = i / script.fps
        img = back.copy()
        src = next(person)
        cx = src.shape[1] // 2 + int(0.1 * src.shape[1])  # the juggler stands right of centre
        half = w // 4
        crop = src[:, max(0, cx - half) : max(0, cx - half) + 2 * half]
        if inside(t, truth["officer"]):
            img[:, : crop.shape[1]] = crop
        if inside(t, truth["visitor"]):
            img[:, w - crop.shape[1] :] = crop
        return np.clip(img.astype(np.float32) + noise[i % 4], 0, 255).astype(np.uint8)

    return frame
