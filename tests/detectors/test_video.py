"""Video detectors against generated clips with known intervals, plus real footage.

The clips are rendered and encoded (H.264 + AAC) by tests/utils/video.py; the scripted segments are
the ground truth. Precision and recall are pooled over the whole generated set per event kind.
"""

from __future__ import annotations

import copy
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.types import VideoEvent
from detectors.video import VideoAnalysis, VideoDetector, VideoOptions
from pipeline.config import load_config
from pipeline.errors import ConfigError, MediaError
from tests.utils.video import (
    REAL_VIDEO,
    Script,
    Segment,
    counter_frames,
    counter_script,
    match_intervals,
    render_audio,
    standard_scripts,
    write_video,
)

THRESHOLDS = {
    "black_frames": 0.9,
    "frozen_frames": 0.9,
    "audio_dropout": 0.9,
    "confrontation": 0.8,
}


def _section() -> dict:
    return load_config().section("video")


@pytest.fixture(scope="module")
def detector() -> VideoDetector:
    return VideoDetector(_section())


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory, detector: VideoDetector
) -> list[tuple[Script, Path, VideoAnalysis]]:
    out = []
    base = tmp_path_factory.mktemp("video")
    for k, script in enumerate(standard_scripts()):
        path = write_video(base / f"bodycam{k}.mp4", script)
        out.append((script, path, detector.analyze(path, source="bodycam")))
    return out


def _pooled(generated: list, kind: str) -> tuple[float, float, int]:
    tp_p = n_p = tp_r = n_r = 0
    for script, _, result in generated:
        pred = [(e.start, e.end) for e in result.events_of(kind)]
        truth = script.truth(kind)
        p, r = match_intervals(pred, truth)
        tp_p += round(p * len(pred))
        n_p += len(pred)
        tp_r += round(r * len(truth))
        n_r += len(truth)
    return (tp_p / n_p if n_p else 1.0), (tp_r / n_r if n_r else 1.0), n_r


@pytest.mark.parametrize("kind", sorted(THRESHOLDS))
def test_precision_recall_on_generated_set(generated: list, kind: str) -> None:
    precision, recall, n_truth = _pooled(generated, kind)
    assert n_truth >= 3, "the generated set must contain several instances"
    assert precision >= THRESHOLDS[kind], (kind, precision)
    assert recall >= THRESHOLDS[kind], (kind, recall)


def test_no_false_confrontation_on_smooth_pans(generated: list) -> None:
    """A walking officer pans smoothly: large but steady camera motion is not a struggle."""
    for script, _, result in generated:
        for seg in script.segments:
            if seg.kind != "pan":
                continue
            inner = (seg.start + 0.5, seg.end - 0.5)
            hits = [
                e
                for e in result.events_of("confrontation")
                if e.start < inner[1] and e.end > inner[0]
            ]
            assert not hits, (seg, hits)


def test_analysis_invariants(generated: list) -> None:
    for script, _, result in generated:
        assert result.duration == pytest.approx(script.duration, abs=0.2)
        expected = script.duration * result.sample_fps
        assert abs(result.frames_analyzed - expected) <= 2
        for e in result.events:
            assert isinstance(e, VideoEvent)
            assert 0.0 <= e.start <= e.end <= result.duration + 1e-6
            assert 0.0 < e.confidence <= 1.0
        starts = [e.start for e in result.events]
        assert starts == sorted(starts)
        times = [k.time for k in result.keyframes]
        assert times == sorted(times) and times[0] == 0.0
        d = result.to_dict()
        assert all("jpeg" not in k for k in d["keyframes"])
        assert d["timings"]["total"] > 0
        assert result.width == script.width and result.height == script.height


def test_scene_change_keyframes_at_cuts(generated: list) -> None:
    """Cutting to and from black is a scene change: a keyframe lands at each edge."""
    script, _, result = generated[0]
    black = script.truth("black_frames")[0]
    scene_times = [k.time for k in result.keyframes if k.reason == "scene_change"]
    for edge in black:
        assert any(abs(t - edge) <= 0.3 for t in scene_times), (edge, scene_times)
    for k in result.keyframes:
        img = cv2.imdecode(np.frombuffer(k.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape[1] == k.width and img.shape[0] == k.height


def test_extract_frames_at_requested_times(generated: list, detector: VideoDetector) -> None:
    script, path, _ = generated[0]
    times = [20.5, 3.0, 20.5, 39.9]
    frames = detector.extract_frames(path, times)
    assert [round(k.time, 1) for k in frames] == [3.0, 20.5, 39.9]
    assert [k.requested for k in frames] == [3.0, 20.5, 39.9]
    assert all(abs(k.time - k.requested) < 1.0 / script.fps + 1e-6 for k in frames)
    lumas = []
    for k in frames:
        assert k.reason == "requested"
        img = cv2.imdecode(np.frombuffer(k.jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
        assert img.shape == (k.height, k.width)
        lumas.append(float(img.mean()))
    assert lumas[1] < 20 < lumas[0]  # 20.5 s is inside the black stretch, 3.0 s is not


def test_audio_cues_raise_confidence_but_cannot_trigger_alone(
    generated: list, detector: VideoDetector
) -> None:
    script, path, plain = generated[0]
    shake = script.truth("confrontation")[0]
    calm = (36.0, 39.0)
    cues = [(shake[0] + 1.0, shake[0] + 2.0, 1.0), (calm[0], calm[1], 1.0)]
    cued = detector.analyze(path, source="bodycam", audio_cues=cues)
    before = [
        e for e in plain.events_of("confrontation") if e.start < shake[1] and e.end > shake[0]
    ]
    after = [e for e in cued.events_of("confrontation") if e.start < shake[1] and e.end > shake[0]]
    assert before and after
    assert after[0].confidence > before[0].confidence
    assert after[0].detail["audio_cues"] >= 1
    assert not [e for e in cued.events_of("confrontation") if e.start < calm[1] and e.end > calm[0]]


def test_audio_passed_in_is_used(generated: list, detector: VideoDetector) -> None:
    """The pipeline passes its decoded audio; a fully silent track is one dropout over the video."""
    script, path, _ = generated[1]
    silent = np.zeros(int(script.duration * 16000), np.float32)
    result = detector.analyze(path, source="bodycam", audio=silent, sample_rate=16000)
    drops = result.events_of("audio_dropout")
    assert len(drops) == 1 and drops[0].start == 0.0
    assert drops[0].end == pytest.approx(script.duration, abs=0.3)
    loud = render_audio(Script(duration=script.duration, segments=(), seed=3))
    assert not detector.analyze(path, source="bodycam", audio=loud).events_of("audio_dropout")


def test_clip_gaps_precision_recall(detector: VideoDetector) -> None:
    rng = np.random.default_rng(7)
    tol = detector.options.integrity.clip_max_gap_s
    spans, truth = [], []
    t = 1_700_000_000.0
    for _ in range(40):
        d = float(rng.uniform(30, 600))
        spans.append((t, d))
        gap = float(rng.choice([0.0, 0.5 * tol, tol + 1.0, 60.0, -5.0]))  # -5: overlapping clips
        if gap > tol:
            truth.append((t + d, t + d + gap))
        t += d + gap
    rng.shuffle(spans)
    events = detector.clip_gaps([tuple(s) for s in spans])
    assert all(e.kind == "clip_gap" for e in events)
    p, r = match_intervals([(e.start, e.end) for e in events], truth)
    assert len(truth) >= 5 and p >= 0.9 and r >= 0.9
    with pytest.raises(ValueError):
        detector.clip_gaps([(0.0, -1.0)])


def test_starts_mid_conversation(generated: list, detector: VideoDetector) -> None:
    _, path, _ = generated[2]
    late = detector.analyze(path, source="bodycam", first_speech=0.1)
    ok = detector.analyze(path, source="bodycam", first_speech=2.0)
    silent = detector.analyze(path, source="bodycam", first_speech=None)
    assert [e.kind for e in late.events_of("starts_mid_conversation")] == [
        "starts_mid_conversation"
    ]
    assert not ok.events_of("starts_mid_conversation")
    assert not silent.events_of("starts_mid_conversation")


def test_counter_presence(tmp_path: Path) -> None:
    """Real people (footage from a public clip) placed on each side of a counter camera."""
    script, truth = counter_script()
    path = write_video(tmp_path / "counter.mp4", script, frame_fn=counter_frames(script, truth))
    section = _section()
    section["presence"].update({"unattended_s": 4.0, "min_visit_s": 4.0, "sample_fps": 2.0})
    result = VideoDetector(section).analyze(path, source="counter")
    unattended = [(e.start, e.end) for e in result.events_of("visitor_unattended")]
    # visitor alone from the officer leaving (7 s) until the officer returns (15 s)
    p, r = match_intervals(unattended, [(7.0, 15.0)])
    assert p == 1.0 and r == 1.0, unattended
    left = result.events_of("visitor_left")
    assert len(left) == 1, left
    assert left[0].detail["left_at"] == pytest.approx(19.0, abs=1.5)
    # the body-cam-only detector does not run on the counter, nor presence on a body cam
    bodycam = VideoDetector(section).analyze(path, source="bodycam")
    assert not bodycam.events_of("visitor_unattended") and not bodycam.events_of("visitor_left")


def test_real_clip_bedroom_is_one_clean_shot(detector: VideoDetector) -> None:
    """bedroom.mp4: one shot, lots of motion, no audio; nothing is black or frozen."""
    result = detector.analyze(REAL_VIDEO / "bedroom.mp4", source="bodycam")
    assert result.width == 960 and result.height == 540
    assert result.duration == pytest.approx(6.67, abs=0.1)
    assert not result.events_of("black_frames")
    assert not result.events_of("frozen_frames")
    assert [k.reason for k in result.keyframes] == ["first_frame"]
    # a camera that recorded no sound: one no_audio_track event over the whole clip
    (no_audio,) = result.events_of("no_audio_track")
    assert no_audio.start == 0.0 and no_audio.end == pytest.approx(result.duration, abs=1e-3)
    assert no_audio.detail["reason"] == "no audio track" and no_audio.confidence == 1.0


@pytest.mark.parametrize("name", ["chaplin.mp4", "04_coffee.mp4", "05_default_juggle.mp4"])
def test_real_clips_decode_with_audio_timeline(detector: VideoDetector, name: str) -> None:
    result = detector.analyze(REAL_VIDEO / name, source="bodycam")
    assert result.frames_analyzed == pytest.approx(result.duration * result.sample_fps, abs=2)
    assert not result.events_of("frozen_frames") and not result.events_of("black_frames")


def test_bad_media_raises_media_error(
    tmp_path: Path, generated: list, detector: VideoDetector
) -> None:
    missing = tmp_path / "missing.mp4"
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(0).bytes(50_000))
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(generated[0][1].read_bytes()[:200_000])
    audio_only = tmp_path / "audio.wav"
    import wave

    with wave.open(str(audio_only), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(np.zeros(16000, np.int16).tobytes())
    for path in (missing, empty, garbage, truncated, audio_only):
        with pytest.raises(MediaError):
            detector.analyze(path, source="bodycam")
    with pytest.raises(MediaError):
        detector.extract_frames(garbage, [1.0])


def test_bad_arguments_and_options(generated: list, detector: VideoDetector) -> None:
    with pytest.raises(ValueError, match="valid"):
        detector.analyze(generated[0][1], source="drone")
    section = _section()
    bad = copy.deepcopy(section)
    bad["sample_fps"] = 0
    with pytest.raises(ConfigError, match="sample_fps"):
        VideoDetector(bad)
    extra = copy.deepcopy(section)
    extra["confrontation"]["surprise"] = 1
    with pytest.raises(ConfigError):
        VideoDetector(extra)
    missing = copy.deepcopy(section)
    del missing["integrity"]["frozen_min_s"]
    with pytest.raises(ConfigError):
        VideoOptions.from_config(missing)
    with pytest.raises(ConfigError, match="must be a mapping"):
        VideoDetector(["not", "a", "mapping"])  # type: ignore[arg-type]


def test_short_clip_with_black_start(tmp_path: Path, detector: VideoDetector) -> None:
    """A recording that begins with the lens covered reports it from t=0."""
    script = Script(duration=5.0, segments=(Segment(0.0, 2.0, "covered"),), seed=2, audio=False)
    path = write_video(tmp_path / "short.mp4", script)
    result = detector.analyze(path, source="bodycam")
    black = result.events_of("black_frames")
    assert len(black) == 1 and black[0].start == 0.0 and black[0].detail["cause"] == "covered"
    assert black[0].end == pytest.approx(2.0, abs=0.25)
