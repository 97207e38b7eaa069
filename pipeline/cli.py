"""The ``vigil`` command: thin wrappers that parse arguments, set up logging, call the library, and turn
any :class:`VigilError` into one readable line and a non-zero exit (tracebacks only with ``--debug``).

This module is the one composition root: besides the pipeline it lazily imports the review API
(``serve``, ``create-user``, ``schema``) and the evaluation package (``eval``, ``demo``), which sit above
the pipeline. Nothing else in ``pipeline`` imports upward (tests/test_layers.py checks it).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import typer

from detectors.offline import pin_offline
from detectors.resources import resource_dir

from .errors import VigilError, one_line

# Offline by default: every entry point pins the hubs shut before anything imports them.
pin_offline()

logger = logging.getLogger("vigil.pipeline")

# rich_markup_mode=None: help texts are plain text ("s3://BUCKET[/PREFIX]" is not a markup tag)
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Vigil: compliance analysis of police recordings (body-cam, counter, phone, 110 dispatch).",
)
audit_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="The review API's audit log.",
)
app.add_typer(audit_app, name="audit")

EXIT_INPUT = 2
_SAMPLES_DIR = resource_dir("samples")


def _setup_logging(debug: bool, quiet: bool = False) -> None:
    level = logging.DEBUG if debug else (logging.WARNING if quiet else logging.INFO)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    for noisy in (
        "faster_whisper",
        "urllib3",
        "numba",
        "matplotlib",
        "speechbrain",
        "weasyprint",
        "fontTools",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _guard(debug: bool, fn: Callable[[], Any]) -> Any:
    """Run ``fn``; a user-facing error becomes one line on stderr and exit code 2.

    Every :class:`VigilError` (bad config section, missing model or lexicon, bad media, store down),
    an ``OSError`` from the file system and a ``ValueError`` (a bad value) is such an error; anything
    else is a bug and keeps its traceback.
    """
    try:
        return fn()
    except (VigilError, OSError, ValueError) as e:
        if debug:
            raise
        typer.echo(f"vigil: error: {one_line(e)}", err=True)
        raise typer.Exit(EXIT_INPUT) from None


def _fmt_time(t: float) -> str:
    m, s = divmod(t, 60)
    h, m = divmod(int(m), 60)
    return f"{h:d}:{m:02d}:{s:05.2f}" if h else f"{m:02d}:{s:05.2f}"


class _ProgressHook:
    """A tqdm bar over audio seconds transcribed; ASR dominates the run time on long files."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __call__(
        self,
        step: str,
        artifact: Any,
        *,
        recording_id: str,
        completed: float | None = None,
        total: float | None = None,
    ) -> None:
        if not self.enabled:
            return
        if step == "asr" and total:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=round(total, 1), unit="s audio", desc="transcribing")
            self.bar.n = round(min(completed or 0.0, total), 1)
            self.bar.refresh()
        elif step == "diarization" and self.bar is not None:
            self.bar.n = self.bar.total
            self.bar.close()
            self.bar = None


@app.command()
def analyze(
    file: Path = typer.Argument(..., help="recording: wav/mp3/m4a/aac/flac/ogg or mp4/mkv/avi/mov"),
    source: str = typer.Option(..., "--source", "-s", help="bodycam | counter | phone | dispatch"),
    incident: Path | None = typer.Option(None, help="incident record JSON (case-system record)"),
    store: str | None = typer.Option(None, help="store: a directory or s3://BUCKET[/PREFIX]"),
    config: Path | None = typer.Option(None, help="config YAML (default: configs/default.yaml)"),
    num_speakers: int | None = typer.Option(None, help="speaker-count hint for mono diarization"),
    json_out: Path | None = typer.Option(None, "--json", help="also write the document here"),
    no_progress: bool = typer.Option(False, help="no progress bar"),
    debug: bool = typer.Option(False, help="full tracebacks and debug logging"),
) -> None:
    """Analyse one recording: print a readable transcript and findings, store the document."""
    _setup_logging(debug, quiet=True)

    def _run() -> None:
        from detectors.types import SOURCES

        from .analyzer import Pipeline
        from .store import document_key

        if source not in SOURCES:
            raise VigilError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
        record = None
        if incident is not None:
            record = _load_incident(incident)
        pipe = Pipeline.from_config(config)
        target = pipe.open_store(store)
        doc = pipe.process(
            file,
            target,
            source=source,
            incident=record,
            hook=_ProgressHook(enabled=not no_progress and sys.stderr.isatty()),
        )
        _print_document(doc)
        typer.echo(f"\ndocument: {document_key(doc.recording_id)} in {target.description}")
        if json_out is not None:
            json_out.write_text(doc.model_dump_json(indent=1), encoding="utf-8")

    _guard(debug, _run)


def _load_incident(path: Path) -> Any:
    from detectors.types import IncidentRecord

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VigilError(f"incident record not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise VigilError(f"incident record {path} is not valid JSON: {e}") from None
    if isinstance(data, dict) and "incident" in data and "turns" in data:
        data = data["incident"]  # an evaluation scenario file
    if not isinstance(data, dict):
        raise VigilError(f"incident record {path} must be a JSON object")
    try:
        return IncidentRecord.from_dict(data)
    except (TypeError, ValueError) as e:
        raise VigilError(f"incident record {path}: {e}") from None


_ROLE_ZH = {"officer": "民警", "party": "当事人", "third_party": "其他人"}


def _print_document(doc: Any) -> None:
    rec = doc.recording
    typer.echo(
        f"{rec.filename}  {rec.source}  {_fmt_time(rec.duration)}  ch={rec.channels}  "
        f"sha256={rec.sha256[:12]}…  id={rec.recording_id}"
    )
    for spk in doc.speakers:
        typer.echo(
            f"  speaker {spk.id}: {spk.role} ({spk.role_confidence:.2f}) "
            f"{spk.speech_seconds:.1f}s  cues={','.join(spk.role_cues[:3])}"
        )
    typer.echo("")
    for seg in doc.segments:
        role = seg.role or "?"
        typer.echo(
            f"[{_fmt_time(seg.start)}-{_fmt_time(seg.end)}] {role:<11} {_ROLE_ZH.get(role, '?')}"
            f"({seg.speaker}): {seg.text}"
        )
    a = doc.assessment
    if a is None:
        return
    typer.echo("")
    if a.category:
        typer.echo(f"category:    {a.category.value} (recorded: {a.category.recorded})")
    if a.disposition:
        typer.echo(f"disposition: {a.disposition.value} (recorded: {a.disposition.recorded})")
    typer.echo(f"risk:        {a.risk.level} {','.join(a.risk.factors)}")
    if a.call:
        typer.echo(f"call:        {a.call.call_class} / {a.call.urgency} -> {a.call.routing}")
    if not a.flags:
        typer.echo("flags:       none")
    for f in a.flags:
        typer.echo(
            f"FLAG {f.code:<24} {f.severity:<6} conf={f.confidence:.2f} "
            f"[{_fmt_time(f.start)}-{_fmt_time(f.end)}] {f.explanation_zh}"
        )


@app.command()
def demo(
    samples: Path = typer.Option(_SAMPLES_DIR, help="folder of sample scripts"),
    work_dir: Path = typer.Option(Path("var/samples"), help="where the synthesised audio goes"),
    store: str | None = typer.Option(None, help="store (default: the config's store.url)"),
    config: Path | None = typer.Option(None, help="config YAML"),
    debug: bool = typer.Option(False, help="full tracebacks and debug logging"),
) -> None:
    """The main job on the embedded defaults: synthesise the bundled sample recordings offline and
    analyse each end to end into the store."""
    _setup_logging(debug, quiet=True)

    def _run() -> None:
        from detectors.types import IncidentRecord
        from evaluation.synthesis import SynthesisOptions, synthesize_scenario, write_wav

        from .analyzer import Pipeline

        scripts = sorted(samples.glob("*.json"))
        if not scripts:
            raise VigilError(f"no sample scripts (*.json) in {samples}")
        pipe = Pipeline.from_config(config)
        target = pipe.open_store(store)
        work_dir.mkdir(parents=True, exist_ok=True)
        synth_opts = SynthesisOptions.from_config(None)
        for script in scripts:
            scenario = json.loads(script.read_text(encoding="utf-8"))
            rec = synthesize_scenario(scenario["turns"], scenario["source"], options=synth_opts)
            wav = write_wav(work_dir / f"{scenario['id']}.wav", rec.audio, rec.sample_rate)
            incident = scenario.get("incident")
            typer.echo(f"\n=== {scenario['id']} ({scenario['source']}, {rec.duration:.1f} s) ===")
            doc = pipe.process(
                wav,
                target,
                source=scenario["source"],
                incident=IncidentRecord.from_dict(incident) if incident else None,
            )
            _print_document(doc)
            stages = ", ".join(f"{k} {v:.1f}s" for k, v in doc.timings.items())
            typer.echo(f"timings: {stages}")
        typer.echo(f"\ndocuments stored in {target.description}")

    _guard(debug, _run)


@app.command("eval")
def eval_(
    directory: Path = typer.Argument(
        ..., help="folder of scenario JSON files (shared/eval format)"
    ),
    mode: str = typer.Option("text", help="text | audio (synthesise and run the full pipeline)"),
    oracle_roles: bool = typer.Option(False, help="give the scripted roles instead of inferring"),
    json_out: Path | None = typer.Option(None, "--json", help="write the full report as JSON"),
    only: list[str] | None = typer.Option(None, help="restrict to these scenario ids"),
    config: Path | None = typer.Option(None, help="config YAML"),
    profile: str = typer.Option(
        "clean", help="audio mode: clean | field (noise, babble, reverb, clipping, phone line)"
    ),
    debug: bool = typer.Option(False, help="full tracebacks and debug logging"),
) -> None:
    """Score the analysis against scenario ground truth. Measures and exits 0 whatever the scores."""
    _setup_logging(debug, quiet=True)

    def _run() -> None:
        from evaluation.harness import format_report, run_evaluation, write_report_json

        if not directory.is_dir():
            raise VigilError(f"not a directory: {directory}")
        report = run_evaluation(
            directory,
            mode,  # type: ignore[arg-type]
            oracle_roles,
            config,
            only=only,
            profile=profile,
        )
        typer.echo(format_report(report))
        if json_out is not None:
            write_report_json(report, json_out)
            typer.echo(f"report: {json_out}")

    _guard(debug, _run)


@contextlib.contextmanager
def _stdout_reserved() -> Iterator[IO[str]]:
    """Keep standard output for the batch's JSON report alone: while the batch runs, file
    descriptor 1 points at stderr, so whatever Ray's processes (raylet, GCS, actors) or native code
    print goes there; the yielded stream writes to the real stdout, kept open after the block."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    out = os.fdopen(os.dup(saved), "w", encoding="utf-8")
    try:
        yield out
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@app.command()
def train(
    data: Path | None = typer.Option(
        None, help="folder of training *.jsonl (default: the semantic data next to the config)"
    ),
    out: Path | None = typer.Option(
        None, help="heads file to write (default: semantic.heads_file)"
    ),
    seed: int = typer.Option(0, help="random seed (same data + seed -> same file)"),
    config: Path | None = typer.Option(None, help="config YAML"),
    debug: bool = typer.Option(False, help="full tracebacks and debug logging"),
) -> None:
    """Rebuild the semantic heads from the versioned training data (deterministic)."""
    _setup_logging(debug)

    def _run() -> None:
        from detectors.embeddings import EmbeddingOptions
        from detectors.semantic import SemanticOptions

        from .config import load_config
        from .training import train_heads

        cfg = load_config(config)
        sem = SemanticOptions.model_validate(cfg.section("semantic"))
        emb = EmbeddingOptions.model_validate(cfg.section("embeddings"))
        heads = Path(sem.heads_file)
        manifest = train_heads(
            data if data is not None else heads.parent / "data",
            out if out is not None else heads,
            emb,
            seed=seed,
            cache_dir=cfg.section("asr")["cache_dir"],
        )
        typer.echo(
            f"heads: {out or heads} ({manifest['items']} items, sha256 {manifest['sha256']})"
        )
        for name, rep in manifest["training"].items():
            if "labels" in rep:
                f1 = {k: v.get("cv_f1") for k, v in rep["labels"].items()}
                typer.echo(f"  {name:12s} items {rep['items']:5d}  cv F1 per label {f1}")
            else:
                typer.echo(
                    f"  {name:12s} items {rep['items']:5d}  cv macro F1 {rep['cv_macro_f1']}"
                )

    _guard(debug, _run)


@app.command()
def batch(
    prefix: str = typer.Option(..., help="store prefix of raw recordings, e.g. raw/2026-03/"),
    store: str | None = typer.Option(None, help="directory or s3://BUCKET[/PREFIX]"),
    address: str | None = typer.Option(None, help="auto | ray://HOST:PORT (default: local Ray)"),
    workers: int | None = typer.Option(None, help="actors (each holds loaded models)"),
    since: str | None = typer.Option(None, help="ISO time or look-back (90m, 6h, 2d)"),
    source: str | None = typer.Option(
        None, help="source of every recording (default: object metadata, then batch.default_source)"
    ),
    force: bool = typer.Option(False, help="re-analyse even when an up-to-date document exists"),
    watch_: bool = typer.Option(False, "--watch", help="keep polling for new uploads"),
    no_progress: bool = typer.Option(False, help="no progress bar"),
    config: Path | None = typer.Option(None, help="config YAML"),
    debug: bool = typer.Option(False, help="full tracebacks and debug logging"),
) -> None:
    """Reprocess recordings in the store on Ray; idempotent and resumable."""
    _setup_logging(debug)

    def _run() -> None:
        from . import batch as batch_mod
        from .config import load_config

        cfg = load_config(config)
        common: dict[str, Any] = {
            "config": cfg,
            "store_url": store,
            "address": address,
            "workers": workers,
            "since": since,
            "force": force,
            "source": source,
        }
        with _stdout_reserved() as report_out:
            if watch_:
                batch_mod.watch(prefix, **common)
                return
            report = batch_mod.run_batch(prefix, progress=False if no_progress else None, **common)
        report_out.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n")
        report_out.flush()
        if report.failed:
            raise typer.Exit(1)

    _guard(debug, _run)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="bind address"),
    port: int = typer.Option(8000, help="port"),
    debug: bool = typer.Option(False, help="debug logging"),
) -> None:
    """Start the review API with its processing worker and store indexer (embedded defaults)."""
    _setup_logging(debug)

    def _run() -> None:
        from api.main import run_server

        run_server(host=host, port=port)

    _guard(debug, _run)


@app.command("create-user")
def create_user(
    username: str = typer.Argument(...),
    role: str = typer.Option(..., help="reviewer | chief | admin | ingest"),
    unit: str | None = typer.Option(None, help="unit (required for chiefs)"),
    password: str = typer.Option(..., prompt=True, hide_input=True, envvar="VIGIL_NEW_PASSWORD"),
    debug: bool = typer.Option(False, help="full tracebacks"),
) -> None:
    """Create a review-API user (e.g. the first admin). The password is stored hashed."""
    _setup_logging(debug, quiet=True)

    def _run() -> None:
        from api.main import create_user as _create

        typer.echo(_create(username, password, role, unit))

    _guard(debug, _run)


@audit_app.command("verify")
def audit_verify(debug: bool = typer.Option(False, help="full tracebacks")) -> None:
    """Verify the audit log (keyed chain, anchor, decision seals) with the API's settings
    (VIGIL_API_*); prints a JSON report, exits 0 when intact and 1 when not."""
    _setup_logging(debug, quiet=True)

    def _run() -> Any:
        from api.main import verify_audit

        return verify_audit()

    report = _guard(debug, _run)
    typer.echo(
        json.dumps(
            {
                "ok": report.ok,
                "events": report.events,
                "decisions": report.decisions,
                "first_bad_seq": report.first_bad_seq,
                "reason": report.reason,
            },
            ensure_ascii=False,
        )
    )
    if not report.ok:
        raise typer.Exit(1)


report_app = typer.Typer(no_args_is_help=True, help="Reports for station chiefs.")
app.add_typer(report_app, name="report")


@report_app.command("weekly")
def report_weekly(
    week: str = typer.Option(..., help="ISO week, e.g. 2026-W10"),
    unit: str | None = typer.Option(None, help="one unit (派出所)"),
    district: str | None = typer.Option(
        None, help="one district (分局) from configs/tasksheets.yaml"
    ),
    out: Path = typer.Option(Path("var/reports"), help="output directory"),
    debug: bool = typer.Option(False, help="full tracebacks and debug logging"),
) -> None:
    """The weekly security report (治安周报) as HTML and PDF, from the review API's database."""
    _setup_logging(debug, quiet=True)

    def _run() -> None:
        from api.reports import weekly_from_settings

        files = weekly_from_settings(week=week, out_dir=out, unit=unit, district=district)
        typer.echo(
            f"{files.report.scope.name} {files.report.week.label}: {files.report.total} incidents"
        )
        typer.echo(f"wrote {files.html}")
        typer.echo(f"wrote {files.pdf}")

    _guard(debug, _run)


@app.command("demo-user")
def demo_user(
    credentials: Path = typer.Option(
        Path("var/demo-credentials.txt"), help="where the password is kept (mode 0600)"
    ),
    url: str = typer.Option("http://127.0.0.1:8000/", help="the address the server will answer on"),
    debug: bool = typer.Option(False, help="full tracebacks"),
) -> None:
    """Ready the demo for a browser: index the stored documents and create (or keep) the reviewer
    ``demo`` with a random password written to CREDENTIALS. Idempotent."""
    _setup_logging(debug, quiet=True)

    def _run() -> None:
        from api.main import prepare_demo

        user, _, indexed = prepare_demo(credentials, url=url)
        typer.echo(
            f"demo user {user!r} ready ({indexed} documents indexed); password in {credentials}"
        )

    _guard(debug, _run)


@app.command()
def schema(
    out_dir: Path = typer.Option(Path("schemas"), help="where to write the JSON Schemas"),
) -> None:
    """Export the analysis-document JSON Schema (and the API's OpenAPI schema) into the repo."""
    _setup_logging(False)
    from .document import document_json_schema

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "analysis-document.schema.json").write_text(
        json.dumps(document_json_schema(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    typer.echo(f"wrote {out_dir / 'analysis-document.schema.json'}")
    from api.main import export_openapi

    typer.echo(f"wrote {export_openapi(out_dir / 'openapi.json')}")


@app.command()
def bench(
    only: list[str] | None = typer.Option(
        None, help="run only these parts: asr, memory, video, batch, api (repeatable; default all)"
    ),
    seconds: float = typer.Option(240.0, help="length of the real-Mandarin file for the asr part"),
    lengths: list[float] | None = typer.Option(
        None, "--length", help="recording lengths in seconds for the memory part (repeatable)"
    ),
    api_n: int = typer.Option(100_000, help="incidents seeded for the api part"),
    truncate: float = typer.Option(
        1.0,
        min=0.01,
        max=1.0,
        help="memory part: keep only this share of each file's audio, header intact (truncated file)",
    ),
    json_out: Path | None = typer.Option(None, "--json", help="write the report as JSON"),
    debug: bool = typer.Option(False, help="full tracebacks and debug logging"),
) -> None:
    """Throughput and memory from one run on the same files: raw ASR vs full pipeline, stages,
    peak RSS vs length, video x real time, Ray scaling, queue p95. Minutes of CPU; not for CI."""
    _setup_logging(debug)

    def _run() -> None:
        from .bench import MEMORY_LENGTHS, PARTS, format_table, run_bench

        report = run_bench(
            only or list(PARTS),
            seconds=seconds,
            lengths=lengths or MEMORY_LENGTHS,
            api_n=api_n,
            keep=truncate,
        )
        typer.echo(format_table(report))
        if json_out is not None:
            json_out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
            typer.echo(f"report: {json_out}")

    _guard(debug, _run)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
