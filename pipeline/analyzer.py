"""The recording pipeline: media -> ASR -> diarization -> attribution -> roles -> prosody -> video -> rules.

``Pipeline`` holds the loaded models (load once, reuse for every file: the CLI, the API worker and each
Ray actor own one instance) and turns one recording into an :class:`AnalysisDocument`. Components are
built lazily from their config sections, so a text-only caller never pays for Whisper, and a diarization
backend is only loaded when a source routes to it.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from importlib.metadata import version as _pkg_version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, Unpack

import numpy as np

from detectors.blocks import downmix
from detectors.types import (
    SOURCES,
    IncidentRecord,
    Source,
    SpeakerRole,
    Transcript,
    Utterance,
    VideoEvent,
)
from detectors.vad import SAMPLE_RATE as VAD_RATE
from detectors.vad import speech_probabilities
from rules.findings import Flag

from .attribution import AttributedUtterance, attribute
from .config import VigilConfig, load_config
from .document import (
    AnalysisDocument,
    KeyframeOut,
    PipelineInfo,
    ProsodyOut,
    RecordingMeta,
    SegmentOut,
    SpeakerInfo,
    VideoEventOut,
    VideoSection,
    WordOut,
)
from .errors import ConfigError, MediaError
from .faults import crash_point
from .recovery import RecoveryOptions, recover_speech
from .store import (
    ObjectStore,
    StoreOptions,
    artifact_key,
    document_key,
    document_version_key,
    raw_key,
    recording_id_for,
)

if TYPE_CHECKING:
    from detectors.asr import AsrDetector
    from detectors.diarization import DiarizationDetector
    from detectors.prosody import ProsodyDetector
    from detectors.roles import RoleDetector
    from detectors.video import VideoDetector
    from rules import RuleAnalyzer

    from .media import MediaOptions

if TYPE_CHECKING:
    from detectors.semantic import SemanticDetector

logger = logging.getLogger("vigil.pipeline")

PIPELINE_VERSION = _pkg_version("vigil")


class Hook(Protocol):
    def __call__(
        self,
        step: str,
        artifact: Any,
        *,
        recording_id: str,
        completed: float | None = None,
        total: float | None = None,
    ) -> None: ...


def _no_hook(step: str, artifact: Any, **kwargs: Any) -> None:
    return None


class AnalyzeOptions(TypedDict, total=False):
    """The optional keywords of :meth:`Pipeline.analyze`, shared by :meth:`Pipeline.run`."""

    incident: IncidentRecord | None
    recording_id: str | None
    num_speakers: int | None
    prior_incidents: Sequence[IncidentRecord]
    hook: Hook | None


@dataclass(frozen=True, slots=True)
class KeyframeImage:
    """A JPEG the document references by key; written to the store by :meth:`Pipeline.process`."""

    key: str
    jpeg: bytes


@dataclass(slots=True)
class RecordingResult:
    document: AnalysisDocument
    keyframes: list[KeyframeImage] = field(default_factory=list)


class Pipeline:
    """Turns recordings into analysis documents with models loaded once per instance."""

    def __init__(self, config: VigilConfig) -> None:
        self.config = config
        self.version = PIPELINE_VERSION
        self.config_hash = config.hash

    @classmethod
    def from_config(
        cls, config: VigilConfig | str | Path | None = None, overrides: dict[str, Any] | None = None
    ) -> Pipeline:
        if not isinstance(config, VigilConfig):
            config = load_config(config, overrides=overrides)
        elif overrides:
            config = config.with_overrides(overrides)
        return cls(config)

    # -- components, built on first use -------------------------------------------------------

    @cached_property
    def media_options(self) -> MediaOptions:
        from .media import MediaOptions

        return MediaOptions.from_config(self.config.section("media"))

    @cached_property
    def asr(self) -> AsrDetector:
        from detectors.asr import AsrDetector, AsrOptions

        return AsrDetector(AsrOptions.from_config(self.config.section("asr")))

    @cached_property
    def diarization(self) -> DiarizationDetector:
        """Routes each source to its backend (mono files configured for ``channel`` fall back to
        ``embedded``) and builds each backend once."""
        from detectors.diarization import DiarizationDetector

        return DiarizationDetector(self.config.section("diarization"))

    @cached_property
    def roles(self) -> RoleDetector:
        from detectors.roles import RoleDetector

        return RoleDetector(self.config.section("roles"), prosody=self.prosody)

    @cached_property
    def prosody(self) -> ProsodyDetector:
        from detectors.prosody import ProsodyDetector

        return ProsodyDetector(self.config.section("prosody"))

    @cached_property
    def semantic(self) -> SemanticDetector | None:
        """The semantic heads over sentence embeddings, or ``None`` when disabled in config."""
        return build_semantic(self.config)

    @cached_property
    def video(self) -> VideoDetector:
        from detectors.video import VideoDetector

        return VideoDetector(self.config.section("video"))

    def open_store(self, url: str | None = None) -> ObjectStore:
        """The configured object store, or the one at ``url`` (a directory or ``s3://...``)."""
        from .store import open_store

        return open_store(url, StoreOptions.from_config(self.config.section("store")))

    @cached_property
    def rules(self) -> RuleAnalyzer:
        from rules import RuleAnalyzer

        return RuleAnalyzer.from_config(self.config)

    # -- running -------------------------------------------------------------------------------

    def run(
        self, path: str | Path, *, source: Source, **options: Unpack[AnalyzeOptions]
    ) -> AnalysisDocument:
        """Analyse one recording; nothing is stored (:meth:`analyze` without the keyframe images)."""
        return self.analyze(path, source=source, **options).document

    def analyze(
        self,
        path: str | Path,
        *,
        source: Source,
        incident: IncidentRecord | None = None,
        recording_id: str | None = None,
        num_speakers: int | None = None,
        prior_incidents: Sequence[IncidentRecord] = (),
        hook: Hook | None = None,
    ) -> RecordingResult:
        """Analyse one recording and keep the keyframe images for whoever persists the result."""
        with ExitStack() as stack:
            return self._analyze(
                path,
                source=source,
                incident=incident,
                recording_id=recording_id,
                num_speakers=num_speakers,
                prior_incidents=prior_incidents,
                hook=hook,
                stack=stack,
            )

    def _analyze(
        self,
        path: str | Path,
        *,
        source: Source,
        incident: IncidentRecord | None,
        recording_id: str | None,
        num_speakers: int | None,
        prior_incidents: Sequence[IncidentRecord],
        hook: Hook | None,
        stack: ExitStack,
    ) -> RecordingResult:
        """:meth:`analyze`; ``stack`` keeps a long recording's spooled audio paged out until the end."""
        from .media import bounded_residency, load_audio, probe

        if source not in SOURCES:
            raise ConfigError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
        hook = hook or _no_hook
        timings: dict[str, float] = {}
        warnings: list[str] = []
        path = Path(path)

        with _timed(timings, "probe"):
            info = probe(path, self.media_options)
        rec_id = recording_id or recording_id_for(info.sha256)
        hook("probe", info, recording_id=rec_id)
        if not info.has_audio and not info.has_video:
            raise MediaError(f"{path.name}: no audio or video stream to analyse")

        decode_errors, gap_seconds = 0, 0.0
        truncated, declared_duration = False, info.duration
        media_events: list[VideoEvent] = []
        if info.has_audio:
            with _timed(timings, "decode"):
                decoded = load_audio(path, self.media_options)
            stack.enter_context(bounded_residency(decoded, self.media_options.spool_release_s))
            audio = decoded.samples
            sr = decoded.sample_rate
            duration = audio.shape[1] / sr
            decode_errors, gap_seconds = decoded.decode_errors, decoded.gap_seconds
            if decoded.truncated:
                truncated, declared_duration = True, decoded.declared_duration
                media_events.append(_truncation_event(duration, declared_duration))
                warnings.append(str(media_events[-1].detail["reason"]))
            hook("decode", decoded, recording_id=rec_id, completed=duration, total=duration)
        else:
            # A camera that recorded no sound still recorded a picture: analyse it, and let the
            # video detector's no_audio_track event raise RECORDING_INCOMPLETE.
            sr = self.media_options.sample_rate
            audio = np.zeros((1, 0), dtype=np.float32)
            duration = float(info.duration or 0.0)
            warnings.append("no audio track: only the video was analysed")

        mono = downmix(audio)  # the mean of the channels, block by block (no temporaries)
        backend, _ = self.diarization.backend_for(source, audio.shape[0])
        # Where each side has its own channel, each channel is transcribed on its own: no crosstalk
        # or overlap in what Whisper hears, and every word already knows its side. VAD skips the
        # silence of the other side, so this costs about what one mixed pass does.
        per_channel = backend == "channel" and self._analysis_options["per_channel_asr"]
        tracks = list(enumerate(audio)) if per_channel else [(None, mono)]
        segments = []
        asr_info = None

        # One Silero pass over the mono mix serves ASR and diarization where both would run it on
        # the same audio (ASR on the mix, not per channel; a diarizer that gates on VAD): the
        # same probabilities either way, computed once (issue 15).
        speech = None
        asr_reads = not per_channel and self.asr.reads_speech
        # the backend diarize() will pick (a long recording may leave spectral for a flat one)
        chosen, _ = self.diarization.backend_for(source, audio.shape[0], duration)
        diarizer_reads = self.diarization.diarizer(chosen).reads_speech
        if sr == VAD_RATE and audio.shape[1] and (asr_reads or diarizer_reads):
            with _timed(timings, "vad"):
                speech = speech_probabilities(mono)

        # set when ASR is done: a diarizer beside it then spreads its remaining batches over the
        # cores Whisper leaves (issue 15); run after ASR it has them from the start (None)
        asr_done = threading.Event()

        def diarize(cores_free: threading.Event | None) -> Any:
            with _timed(timings, "diarization"):
                return self.diarization.diarize(
                    audio,
                    sr,
                    source=source,
                    num_speakers=num_speakers,
                    speech=speech if diarizer_reads else None,
                    cores_free=cores_free,
                )

        # Diarization needs only the audio, so it runs beside ASR (both release the GIL); the
        # executor's exit waits for it even when ASR fails, so no thread outlives the call.
        opts = self._analysis_options
        overlap = bool(opts["overlap_diarization"]) and duration <= opts["overlap_max_seconds"]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="diarize") as pool:
            pending = pool.submit(diarize, asr_done) if overlap else None
            try:
                with _timed(timings, "asr"):
                    for channel, track in tracks if audio.shape[1] else ():
                        seg_iter, asr_info = self.asr.transcribe(
                            np.ascontiguousarray(track, dtype=np.float32),
                            sample_rate=sr,
                            channel=channel,
                            speech=speech if asr_reads else None,
                        )
                        for seg in seg_iter:
                            segments.append(seg)
                            done = (
                                seg.end
                                if channel is None
                                else (channel * duration + seg.end) / len(tracks)
                            )
                            hook("asr", seg, recording_id=rec_id, completed=done, total=duration)
            finally:  # also when ASR fails: the diarizer then ends sooner
                asr_done.set()
            if pending is None:
                diarization = diarize(None)
            else:
                # what diarization adds to the wall time once ASR is done (its own time is in
                # "diarization", mostly hidden behind ASR)
                with _timed(timings, "diarization_wait"):
                    diarization = pending.result()
        segments.sort(key=lambda seg: (seg.start, seg.channel or 0))
        hook("diarization", diarization, recording_id=rec_id)
        warnings.extend(str(w) for w in diarization.info.get("warnings", []))

        if asr_info is not None and not per_channel:
            with _timed(timings, "recovery"):
                recovered = recover_speech(
                    self.asr, mono, sr, segments, diarization.turns, self._recovery_options
                )
            segments = sorted([*segments, *recovered.segments], key=lambda s: s.start)
            warnings.extend(recovered.warnings())

        with _timed(timings, "attribution"):
            attributed = attribute(segments, diarization.turns)

        with _timed(timings, "prosody"):
            prosodies, levels = self.prosody.measure_with_levels(
                audio, sr, [a.utterance for a in attributed]
            )
            attributed = [
                AttributedUtterance(replace(a.utterance, prosody=p), a.words)
                for a, p in zip(attributed, prosodies, strict=True)
            ]

        # Meaning first: the semantic heads read text only, and "sounds like the police" is one of
        # the role cues.
        with _timed(timings, "semantic"):
            if self.semantic is not None:
                annotated = self.semantic.annotate([a.utterance for a in attributed])
                attributed = [
                    AttributedUtterance(u, a.words)
                    for a, u in zip(attributed, annotated, strict=True)
                ]

        with _timed(timings, "roles"):
            # the levels just measured are the near-field cue's input: not analysed a second time
            roles = self.roles.assign(
                [a.utterance for a in attributed],
                source,
                audio=audio,
                sample_rate=sr,
                span_levels={a.utterance.id: lv for a, lv in zip(attributed, levels, strict=True)},
            )
            attributed = [_with_role(a, roles) for a in attributed]
        hook("roles", roles, recording_id=rec_id)

        utterances = tuple(a.utterance for a in attributed)
        transcript = Transcript(
            recording_id=rec_id,
            source=source,
            duration=duration,
            utterances=utterances,
            incident=incident,
            diarization_confidence=float(diarization.info.get("confidence", 1.0)),
            lang=(asr_info.language if asr_info else None) or "zh",
        )
        if self.semantic is not None:
            with _timed(timings, "semantic"):  # the whole exchange, once roles are known
                transcript = self.semantic.read_dialogue(transcript)

        # The speech rules run first: their flags are audio cues for the video pass. The one
        # assessment follows once the video events are known, reusing those findings, so no rule
        # (and no LLM summary) runs twice on a recording.
        with _timed(timings, "rules"):
            screening = self.rules.screen(transcript)
        video = None
        if info.has_video:
            with _timed(timings, "video"):
                video = self.video.analyze(
                    path,
                    source=source,
                    audio=mono if info.has_audio else None,
                    sample_rate=sr,
                    audio_cues=self._audio_cues(utterances, screening.flags),
                    first_speech=utterances[0].start if utterances else None,
                )
            transcript = replace(transcript, video_events=(*media_events, *video.events))
        elif media_events:
            transcript = replace(transcript, video_events=tuple(media_events))
        with _timed(timings, "rules"):
            assessment = self.rules.assess(
                transcript, prior_incidents=prior_incidents, screened=screening
            )

        keyframes: list[KeyframeImage] = []
        video_section: VideoSection | None = None
        if video is not None:
            with _timed(timings, "video"):
                flag_times = {f.id: (f.start + f.end) / 2 for f in assessment.flags}
                flag_frames = self.video.extract_frames(path, sorted(set(flag_times.values())))
                outs: list[KeyframeOut] = []
                for kf in list(video.keyframes) + list(flag_frames):
                    reason = kf.reason
                    if kf.requested is not None:
                        hits = [fid for fid, t in flag_times.items() if t == kf.requested]
                        reason = f"flag:{hits[0]}" if hits else reason
                    key = artifact_key(rec_id, f"keyframes/{kf.time:09.3f}.jpg")
                    keyframes.append(KeyframeImage(key, kf.jpeg))
                    outs.append(
                        KeyframeOut(
                            time=kf.time, reason=reason, key=key, width=kf.width, height=kf.height
                        )
                    )
                video_section = VideoSection(
                    sample_fps=video.sample_fps,
                    frames_analyzed=video.frames_analyzed,
                    events=[VideoEventOut(**e.to_dict()) for e in video.events],
                    keyframes=outs,
                )
        hook("rules", assessment, recording_id=rec_id)

        document = AnalysisDocument(
            recording=RecordingMeta(
                recording_id=rec_id,
                source=source,
                filename=path.name,
                sha256=info.sha256,
                size_bytes=info.size_bytes,
                container=info.container,
                duration=round(duration, 3),
                channels=audio.shape[0],
                sample_rate=info.sample_rate or sr,
                audio_codec=info.audio_codec,
                has_video=info.has_video,
                video_codec=info.video_codec,
                width=info.width,
                height=info.height,
                fps=info.fps,
                decode_errors=decode_errors,
                decode_gap_seconds=round(gap_seconds, 3),
                truncated=truncated,
                declared_duration=(
                    round(declared_duration, 3) if declared_duration is not None else None
                ),
            ),
            incident=incident,
            speakers=_speakers(attributed, roles),
            segments=[_segment_out(a) for a in attributed],
            assessment=assessment,
            video=video_section,
            pipeline=PipelineInfo(
                version=self.version,
                config_hash=self.config_hash,
                models=(
                    {"asr": str(asr_info.model), "asr_sha256": asr_info.model_sha256 or ""}
                    if asr_info
                    else {}
                ),
                backends={"diarization": diarization.backend},
                language=asr_info.language if asr_info else None,
                options={"num_speakers": num_speakers},
            ),
            timings={k: round(v, 4) for k, v in timings.items()},
            warnings=warnings + [str(w) for w in (asr_info.warnings if asr_info else ())],
        )
        return RecordingResult(document, keyframes)

    def process(
        self,
        path: str | Path,
        store: ObjectStore,
        *,
        source: Source,
        incident: IncidentRecord | None = None,
        media_key: str | None = None,
        recorded_at: datetime | None = None,
        prior_incidents: Sequence[IncidentRecord] = (),
        hook: Hook | None = None,
    ) -> AnalysisDocument:
        """Analyse and persist: raw media (unless already stored), keyframes, then the document last.

        The document is written last so that its presence means the whole result is in the store; a
        crash before that leaves only orphan artifacts that the next run overwrites. Each analysis is
        also kept under ``history/<id>/`` (see :func:`pipeline.store.document_version_key`), so
        re-analysing a recording replaces the latest document without losing the earlier ones.
        """
        path = Path(path)
        result = self.analyze(
            path, source=source, incident=incident, prior_incidents=prior_incidents, hook=hook
        )
        doc = result.document
        t0 = time.perf_counter()
        rec_id = doc.recording.recording_id
        if media_key is None:
            media_key = raw_key(rec_id, path.name, recorded_at)
            if store.stat(media_key) is None:
                ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                store.put_file(media_key, path, content_type=ctype)
        for kf in result.keyframes:
            store.put_bytes(kf.key, kf.jpeg, content_type="image/jpeg")
        crash_point("pipeline.after_artifacts")
        doc.recording.media_key = media_key
        doc.timings["store"] = round(time.perf_counter() - t0, 4)
        body = doc.model_dump_json(indent=1).encode("utf-8")
        # The version first: once the latest pointer names this analysis, its history copy exists,
        # so a re-analysis never leaves the earlier document reachable only by luck.
        store.put_bytes(
            document_version_key(rec_id, doc.created_at), body, content_type="application/json"
        )
        crash_point("pipeline.after_version")
        store.put_bytes(document_key(rec_id), body, content_type="application/json")
        crash_point("pipeline.after_document")
        logger.info("stored %s (%d segments)", rec_id, len(doc.segments))
        return doc

    @cached_property
    def _recovery_options(self) -> RecoveryOptions:
        return RecoveryOptions.from_config(self.config.section("analysis").get("recovery") or {})

    @cached_property
    def _analysis_options(self) -> dict[str, Any]:
        from rules import normalize

        opts = self.config.section("analysis")
        opts["struggle_phrases"] = [normalize(p) for p in opts["struggle_phrases"]]
        return opts

    def _audio_cues(
        self, utterances: Sequence[Utterance], flags: Sequence[Flag]
    ) -> list[tuple[float, float, float]]:
        """What the audio says about a possible struggle, for the video confrontation fusion:
        flags of the speech rules such as shouting (``analysis.cue_flag_codes``: rule-pack codes),
        and utterances with struggle phrases (别推, 放开我...)."""
        from rules import normalize

        opts = self._analysis_options
        cues = [(f.start, f.end, f.confidence) for f in flags if f.code in opts["cue_flag_codes"]]
        for u in utterances:
            text = normalize(u.text)
            if any(p and p in text for p in opts["struggle_phrases"]):
                cues.append((u.start, u.end, float(opts["phrase_cue_weight"])))
        return cues


def build_semantic(config: VigilConfig) -> SemanticDetector | None:
    """The configured semantic detector (``semantic`` + ``embeddings`` sections), if enabled."""
    from detectors.embeddings import EmbeddingOptions
    from detectors.semantic import SemanticDetector, SemanticOptions

    options = SemanticOptions.model_validate(config.section("semantic"))
    if not options.enabled:
        return None
    detector = SemanticDetector(
        options, EmbeddingOptions.model_validate(config.section("embeddings"))
    )
    # the roles read one of the heads' labels: a heads file without it would silently read 0
    roles = config.section("roles")
    label = roles.get("semantic_label")
    if label and roles.get("weights", {}).get("semantic", 0) and label not in detector.labels:
        raise ConfigError(
            f"roles.semantic_label {label!r} is not a label of {options.heads_file}"
            f" (it has {', '.join(sorted(detector.labels))}): retrain with `vigil train`"
        )
    return detector


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - t0


def _truncation_event(readable: float, declared: float | None) -> VideoEvent:
    """A file cut short (a camera that lost power, an interrupted upload) as a media event: the
    media pack's RECORDING_INCOMPLETE rule flags it over the part that could not be read."""
    of = f" of {declared:.1f} s declared" if declared else ""
    return VideoEvent(
        kind="truncated",
        start=round(readable, 3),
        end=round(max(declared or readable, readable), 3),
        confidence=1.0,
        detail={"reason": f"file truncated: only the first {readable:.1f} s{of} could be read"},
    )


def _with_role(a: AttributedUtterance, roles: dict[str, SpeakerRole]) -> AttributedUtterance:
    r = roles.get(a.utterance.speaker)
    if r is None:
        return a
    return AttributedUtterance(
        replace(a.utterance, role=r.role, role_confidence=r.confidence), a.words
    )


def _speakers(
    attributed: Sequence[AttributedUtterance], roles: dict[str, SpeakerRole]
) -> list[SpeakerInfo]:
    seconds: dict[str, float] = {}
    channels: dict[str, int | None] = {}
    for a in attributed:
        u: Utterance = a.utterance
        seconds[u.speaker] = seconds.get(u.speaker, 0.0) + (u.end - u.start)
        channels.setdefault(u.speaker, u.channel)
    out = []
    for spk in sorted(seconds):
        r = roles.get(spk)
        out.append(
            SpeakerInfo(
                id=spk,
                role=r.role if r else "third_party",
                role_confidence=r.confidence if r else 0.0,
                role_cues=list(r.cues) if r else [],
                channel=channels.get(spk),
                speech_seconds=round(seconds[spk], 3),
            )
        )
    return out


def _segment_out(a: AttributedUtterance) -> SegmentOut:
    u = a.utterance
    return SegmentOut(
        id=u.id,
        start=round(u.start, 3),
        end=round(u.end, 3),
        speaker=u.speaker,
        role=u.role,
        text=u.text,
        confidence=round(u.asr_confidence, 4),
        channel=u.channel,
        words=[
            WordOut(
                start=round(w.start, 3),
                end=round(w.end, 3),
                text=w.text,
                probability=round(w.probability, 4),
            )
            for w in a.words
        ],
        prosody=ProsodyOut(**u.prosody.to_dict()) if u.prosody else None,
    )
