"""``vigil eval``: score the analysis against scripted scenarios with ground truth.

Text mode reads the scripted turns as utterances (no audio; roles inferred from the text unless
``oracle_roles``), audio mode synthesises each scenario offline and runs the whole pipeline on the wav.
Both score the resulting :class:`rules.findings.Assessment` the same way: per flag code tp/fp/fn, micro
precision/recall/F1, and accuracy of category, disposition, risk level, call class and urgency. The
command measures; it never fails because a score is low.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from detectors.types import IncidentRecord, Transcript, Utterance
from pipeline.config import VigilConfig, load_config
from pipeline.errors import ConfigError
from rules.findings import Assessment

logger = logging.getLogger("vigil.evaluation")

Mode = Literal["text", "audio"]
ACCURACY_FIELDS = ("category", "disposition", "risk_level", "call_class", "urgency")

# Text mode has no timing: each scripted turn gets a synthetic span proportional to its length.
_CHARS_PER_S = 4.0
_GAP_S = 0.4


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    source: str
    turns: tuple[dict[str, Any], ...]
    incident: IncidentRecord | None
    expect: dict[str, Any]
    path: str


@dataclass(frozen=True, slots=True)
class CodeScore:
    code: str
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    id: str
    expected_flags: list[str]
    predicted_flags: list[str]
    fields: dict[str, dict[str, Any]]  # name -> {"expected", "predicted", "ok"}
    error: str | None = None
    seconds: float = 0.0
    # who the analysis took for the officer(s), scored apart from ``ok``: a wrong officer explains
    # missed and false conduct flags. Text mode compares speaker labels; audio mode (whose speaker
    # labels are the diarizer's) only whether an officer was found at all.
    officers: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return (
            self.error is None
            and set(self.expected_flags) == set(self.predicted_flags)
            and all(v["ok"] for v in self.fields.values())
        )


PROFILES = ("clean", "field")


@dataclass(frozen=True, slots=True)
class EvalReport:
    directory: str
    mode: str
    oracle_roles: bool
    scenarios: int
    codes: list[CodeScore]
    micro_precision: float
    micro_recall: float
    micro_f1: float
    accuracy: dict[str, float | None]  # None when no scenario expects the field
    error_ids: list[str]
    results: list[ScenarioResult] = field(default_factory=list)
    config_hash: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["results"] = [dict(asdict(r), ok=r.ok) for r in self.results]
        return d


def load_scenarios(directory: str | Path) -> list[Scenario]:
    """Every ``*.json`` scenario in ``directory`` (sorted); a malformed file is a one-line error."""
    d = Path(directory)
    if not d.is_dir():
        raise ConfigError(f"evaluation directory not found: {d}")
    out: list[Scenario] = []
    for p in sorted(d.glob("*.json")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            inc = data.get("incident")
            out.append(
                Scenario(
                    id=str(data["id"]),
                    source=str(data["source"]),
                    turns=tuple(dict(t) for t in data["turns"]),
                    incident=IncidentRecord.from_dict(inc) if inc else None,
                    expect=dict(data["expect"]),
                    path=str(p),
                )
            )
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{p.name}: not a valid scenario file: {e}") from e
    if not out:
        raise ConfigError(f"no scenario files (*.json) in {d}")
    return out


def scenario_transcript(scenario: Scenario, *, oracle_roles: bool) -> Transcript:
    """Utterances seg-0001... from the scripted turns, with synthetic times and the ``style`` carried."""
    utts: list[Utterance] = []
    t = 0.0
    for i, turn in enumerate(scenario.turns, 1):
        text = str(turn["text"])
        dur = max(0.8, len(text) / _CHARS_PER_S)
        utts.append(
            Utterance(
                id=f"seg-{i:04d}",
                start=round(t, 3),
                end=round(t + dur, 3),
                speaker=str(turn["speaker"]),
                role=turn.get("role") if oracle_roles else None,
                text=text,
                style=turn.get("style"),
            )
        )
        t += dur + _GAP_S
    return Transcript(
        recording_id=scenario.id,
        source=scenario.source,  # type: ignore[arg-type]
        duration=round(t, 3),
        utterances=tuple(utts),
        incident=scenario.incident,
    )


def _with_roles(transcript: Transcript, detector: Any) -> Transcript:
    roles = detector.assign(list(transcript.utterances), transcript.source)
    utts = []
    for u in transcript.utterances:
        r = roles.get(u.speaker)
        utts.append(replace(u, role=r.role, role_confidence=r.confidence) if r is not None else u)
    return replace(transcript, utterances=tuple(utts))


def score_assessment(
    scenario: Scenario, assessment: Assessment, officers: set[str] | None = None
) -> ScenarioResult:
    """Score one analysis; ``officers`` are the speaker labels it took for officers (text mode) or
    ``None`` when only whether it found any officer can be checked (the assessment's notes)."""
    e = scenario.expect
    predicted: list[str] = sorted({str(f.code) for f in assessment.flags})
    values = {
        "category": assessment.category.value if assessment.category else None,
        "disposition": assessment.disposition.value if assessment.disposition else None,
        "risk_level": assessment.risk.level,
        "call_class": assessment.call.call_class if assessment.call else None,
        "urgency": assessment.call.urgency if assessment.call else None,
    }
    fields = {}
    for name in ACCURACY_FIELDS:
        exp = e.get(name)
        fields[name] = {"expected": exp, "predicted": values[name], "ok": exp == values[name]}
    scripted = sorted({str(t["speaker"]) for t in scenario.turns if t.get("role") == "officer"})
    if officers is not None:
        got: Any = sorted(officers)
        want: Any = scripted
    else:
        got = not any(n.code == "no_officer_identified" for n in assessment.notes)
        want = bool(scripted)
    return ScenarioResult(
        id=scenario.id,
        expected_flags=sorted(set(e.get("flags", []))),
        predicted_flags=predicted,
        fields=fields,
        officers={"expected": want, "predicted": got, "ok": want == got},
    )


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def aggregate(
    results: list[ScenarioResult],
    *,
    directory: str,
    mode: str,
    oracle_roles: bool,
    config_hash: str = "",
    seconds: float = 0.0,
) -> EvalReport:
    counts: dict[str, list[int]] = {}
    for r in results:
        if r.error is not None:
            # a scenario that could not be analysed misses every expected flag
            for c in r.expected_flags:
                counts.setdefault(c, [0, 0, 0])[2] += 1
            continue
        exp, got = set(r.expected_flags), set(r.predicted_flags)
        for c in exp | got:
            row = counts.setdefault(c, [0, 0, 0])
            row[0] += int(c in exp and c in got)
            row[1] += int(c in got and c not in exp)
            row[2] += int(c in exp and c not in got)
    codes = [
        CodeScore(c, tp, fp, fn, _ratio(tp, tp + fp), _ratio(tp, tp + fn))
        for c, (tp, fp, fn) in sorted(counts.items())
    ]
    tp = sum(c.tp for c in codes)
    fp = sum(c.fp for c in codes)
    fn = sum(c.fn for c in codes)
    p, rc = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = round(2 * p * rc / (p + rc), 4) if p + rc else 0.0
    accuracy: dict[str, float | None] = {}
    for name in ACCURACY_FIELDS:
        # call class and urgency only exist for calls: score the scenarios that expect them
        scored = [
            r
            for r in results
            if name not in ("call_class", "urgency") or r.fields.get(name, {}).get("expected")
        ]
        ok = sum(1 for r in scored if r.error is None and r.fields[name]["ok"])
        accuracy[name] = _ratio(ok, len(scored)) if scored else None
    judged = [r for r in results if r.officers is not None]
    accuracy["officers"] = (
        _ratio(sum(1 for r in judged if r.officers and r.officers["ok"]), len(judged))
        if judged
        else None
    )
    return EvalReport(
        directory=directory,
        mode=mode,
        oracle_roles=oracle_roles,
        scenarios=len(results),
        codes=codes,
        micro_precision=p,
        micro_recall=rc,
        micro_f1=f1,
        accuracy=accuracy,
        error_ids=[r.id for r in results if not r.ok],
        results=results,
        config_hash=config_hash,
        seconds=round(seconds, 2),
    )


def run_evaluation(
    directory: str | Path,
    mode: Mode = "text",
    oracle_roles: bool = False,
    config: VigilConfig | str | Path | None = None,
    *,
    only: Iterable[str] | None = None,
    progress: Callable[[ScenarioResult], None] | None = None,
    profile: str = "clean",
) -> EvalReport:
    """Analyse and score every scenario in ``directory``; ``only`` restricts to some scenario ids.

    ``profile`` (audio mode): ``clean`` hears the synthesised speech as it is, ``field`` through
    :mod:`evaluation.field` (noise, babble, reverberation, clipped shouts, narrowband phone line).

    A scenario whose analysis raises is recorded with its error (and counted as wrong), so one bad
    file never hides the scores of the others.
    """
    if mode not in ("text", "audio"):
        raise ConfigError(f"unknown evaluation mode {mode!r}; choose text or audio")
    if profile not in PROFILES:
        raise ConfigError(f"unknown evaluation profile {profile!r}; choose one of {PROFILES}")
    if profile != "clean" and mode != "audio":
        raise ConfigError(f"profile {profile!r} degrades audio: it needs --mode audio")
    cfg = config if isinstance(config, VigilConfig) else load_config(config)
    scenarios = load_scenarios(directory)
    wanted = set(only or ())
    if wanted:
        scenarios = [s for s in scenarios if s.id in wanted]
    t0 = time.perf_counter()
    runner = (
        _TextRunner(cfg, oracle_roles)
        if mode == "text"
        else _AudioRunner(cfg, oracle_roles, profile=profile)
    )
    results: list[ScenarioResult] = []
    for sc in scenarios:
        s0 = time.perf_counter()
        try:
            res = score_assessment(sc, *runner(sc))
        except Exception as e:  # noqa: BLE001 - the report records the failure and moves on
            logger.warning("%s: analysis failed: %s", sc.id, e)
            res = ScenarioResult(
                id=sc.id,
                expected_flags=sorted(set(sc.expect.get("flags", []))),
                predicted_flags=[],
                fields={
                    n: {"expected": sc.expect.get(n), "predicted": None, "ok": False}
                    for n in ACCURACY_FIELDS
                },
                error=f"{type(e).__name__}: {e}",
            )
        res = replace(res, seconds=round(time.perf_counter() - s0, 2))
        results.append(res)
        if progress is not None:
            progress(res)
    return aggregate(
        results,
        directory=str(directory),
        mode=mode if profile == "clean" else f"{mode}/{profile}",
        oracle_roles=oracle_roles,
        config_hash=cfg.hash,
        seconds=time.perf_counter() - t0,
    )


class _TextRunner:
    def __init__(self, cfg: VigilConfig, oracle_roles: bool) -> None:
        from pipeline.analyzer import build_semantic
        from rules.analysis import RuleAnalyzer

        self.analyzer = RuleAnalyzer.from_config(cfg)
        self.oracle = oracle_roles
        self.semantic = build_semantic(cfg)
        self.roles: Any = None
        if not oracle_roles:
            from detectors.roles import RoleDetector, RoleOptions

            self.roles = RoleDetector(RoleOptions.model_validate(cfg.section("roles")))

    def __call__(self, sc: Scenario) -> tuple[Assessment, set[str]]:
        tr = scenario_transcript(sc, oracle_roles=self.oracle)
        if self.semantic is not None:  # before roles: the speaker head is a role cue
            tr = replace(tr, utterances=tuple(self.semantic.annotate(tr.utterances)))
        if self.roles is not None:
            tr = _with_roles(tr, self.roles)
        if self.semantic is not None:  # after roles: the dialogue heads pool the officer's turns
            tr = self.semantic.read_dialogue(tr)
        officers = {u.speaker for u in tr.utterances if u.role == "officer" and u.speaker}
        return self.analyzer.assess(tr), officers


class _AudioRunner:
    """Synthesise (one voice per speaker, officer on channel 0 / louder), then the full pipeline.

    With ``oracle_roles`` the scripted roles only steer the synthesis (who is near the microphone, on
    which channel); the pipeline always infers roles from the audio and its transcript.
    """

    def __init__(self, cfg: VigilConfig, oracle_roles: bool, *, profile: str = "clean") -> None:
        from pipeline.analyzer import Pipeline

        from .field import FieldProfile
        from .synthesis import SynthesisOptions

        self.field = FieldProfile.load() if profile == "field" else None
        self.cfg = cfg
        self.pipeline = Pipeline.from_config(cfg)
        self.synthesis = SynthesisOptions.from_config(None)
        self.tmp = tempfile.TemporaryDirectory(prefix="vigil-eval-")

    def __call__(self, sc: Scenario) -> tuple[Assessment, None]:
        from .synthesis import synthesize_scenario, write_wav

        rec = synthesize_scenario(list(sc.turns), sc.source, options=self.synthesis)
        if self.field is not None:
            from .field import degrade

            rec = degrade(rec, self.field, sc.id)
        wav = write_wav(Path(self.tmp.name) / f"{sc.id}.wav", rec.audio, rec.sample_rate)
        doc = self.pipeline.run(
            wav,
            source=sc.source,  # type: ignore[arg-type]
            incident=sc.incident,
            recording_id=sc.id,
            num_speakers=len({t["speaker"] for t in sc.turns}),
        )
        if doc.assessment is None:
            raise RuntimeError("the pipeline produced no assessment")
        return doc.assessment, None


def format_report(report: EvalReport) -> str:
    """A readable table: per-code scores, micro P/R/F1, field accuracies, scenarios with errors."""
    lines = [
        f"evaluation: {report.directory}  mode={report.mode}  "
        f"roles={'oracle' if report.oracle_roles else 'inferred'}  scenarios={report.scenarios}  "
        f"({report.seconds:.1f}s, config {report.config_hash})",
        "",
        f"{'code':<26}{'tp':>4}{'fp':>4}{'fn':>4}{'precision':>11}{'recall':>8}",
    ]
    for c in report.codes:
        lines.append(f"{c.code:<26}{c.tp:>4}{c.fp:>4}{c.fn:>4}{c.precision:>11.3f}{c.recall:>8.3f}")
    tp = sum(c.tp for c in report.codes)
    fp = sum(c.fp for c in report.codes)
    fn = sum(c.fn for c in report.codes)
    lines += [
        f"{'micro':<26}{tp:>4}{fp:>4}{fn:>4}{report.micro_precision:>11.3f}"
        f"{report.micro_recall:>8.3f}   F1 {report.micro_f1:.3f}",
        "",
        "accuracy: "
        + "  ".join(
            f"{k} {'n/a' if v is None else f'{v:.3f}'}" for k, v in report.accuracy.items()
        ),
        "",
    ]
    wrong = [r for r in report.results if not r.ok]
    lines.append(f"scenarios with errors: {len(wrong)}")
    for r in wrong:
        parts = []
        if r.error:
            parts.append(f"error: {r.error}")
        miss = sorted(set(r.expected_flags) - set(r.predicted_flags))
        extra = sorted(set(r.predicted_flags) - set(r.expected_flags))
        if miss:
            parts.append("missed " + ",".join(miss))
        if extra:
            parts.append("extra " + ",".join(extra))
        for name, v in r.fields.items():
            if not v["ok"] and r.error is None:
                parts.append(f"{name} {v['predicted']}!={v['expected']}")
        lines.append(f"  {r.id}: " + "; ".join(parts))
    return "\n".join(lines)


def write_report_json(report: EvalReport, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    return out
