"""Batch analysis on Ray: reprocess an archive prefix, or keep up with new uploads (``--watch``).

The only module that imports Ray. The driver lists raw recordings under a store prefix, skips those
already analysed by this pipeline version and config (a small marker per raw key, so deciding needs no
download), and feeds the rest to a fixed pool of actors. Each actor loads the :class:`Pipeline` once and
then analyses one recording after another, downloading the raw object to a temp file and writing the
document back through the same store.

Crash safety comes from write order, not from a coordinator: an actor writes keyframes, then the
document (one atomic object), then the marker ``index/raw/<sha1 of raw key>.json`` last. A ``kill -9``
of the driver or an actor at any moment therefore leaves either a finished recording (marker present)
or one that the next run redoes and overwrites under the same deterministic keys: nothing lost, nothing
duplicated. Failures are retried ``batch.retries`` times (a dead actor counts as an attempt and is
restarted by Ray); a :class:`MediaError` is permanent and recorded at once. Every run writes a report
object ``reports/batch-<ts>.json`` with the counts, audio hours, timings and every failure with its
reason.

Backpressure: at most ``batch.max_in_flight_per_worker`` tasks per actor are outstanding and the
listing is consumed lazily, so driver memory stays flat over any number of files.
"""

from __future__ import annotations

import contextlib
import heapq
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from detectors.offline import OFFLINE_ENV
from detectors.types import SOURCES

from ..config import VigilConfig, load_config
from ..errors import ConfigError, StoreError
from ..faults import crash_point
from ..store import (
    ACCESS_KEY_ENV,
    SECRET_KEY_ENV,
    ObjectInfo,
    ObjectStore,
    StoreOptions,
    markers,
    open_store,
    report_key,
    sanitize_prefix,
)
from .options import BatchFailure, BatchOptions, BatchReport, Hook, parse_since
from .worker import RecordingWorker

logger = logging.getLogger("vigil.pipeline")


@dataclass(slots=True)
class _Task:
    key: str
    etag: str
    last_modified: datetime
    attempts: int = 0


@dataclass(slots=True)
class _Tally:
    processed: int = 0
    skipped: int = 0
    audio_seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    failures: list[BatchFailure] = field(default_factory=list)


class BatchRunner:
    """Owns the Ray connection and the actor pool; ``run_pass`` is one listing -> all done."""

    def __init__(
        self,
        config: VigilConfig,
        store_url: str | None,
        options: BatchOptions,
        *,
        address: str | None = None,
        workers: int | None = None,
    ) -> None:
        self.options = options
        self.address = address if address is not None else options.address
        self.workers = workers or options.workers
        if self.workers < 1:
            raise ConfigError("--workers must be at least 1")
        store_options = StoreOptions.from_config(config.section("store"))
        self.store_url = store_url or store_options.url
        self.store: ObjectStore = open_store(self.store_url, store_options)
        if options.cpu_threads:
            # every thread pool of the pipeline follows the actor's CPU share, or two actors on two
            # cores would each run 2-thread ASR and 2-thread torch and fight over the cores
            data = config.to_dict()
            config = config.with_overrides(
                {k: options.cpu_threads for k in options.thread_keys if _has_path(data, k)}
            )
        self.config = config
        from ..analyzer import PIPELINE_VERSION

        self.version = PIPELINE_VERSION
        self.config_hash = config.hash
        self._actors: list[Any] = []
        self._started_ray = False

    # -- Ray ----------------------------------------------------------------------------------------

    def start(self) -> None:
        try:
            import ray
        except ImportError as e:  # pragma: no cover - ray is a core dependency
            raise RuntimeError("batch mode needs the 'ray' package (pip install 'ray')") from e
        if not ray.is_initialized():
            opts = self.options
            env = dict(OFFLINE_ENV)
            if self.address:
                ray.init(
                    address=self.address,
                    runtime_env={"env_vars": env},
                    logging_level=logging.WARNING,
                    log_to_driver=False,
                )
            else:
                ray.init(
                    num_cpus=max(1, int(round(self.workers * opts.num_cpus_per_worker))),
                    num_gpus=int(self.workers * opts.num_gpus_per_worker + 0.999),
                    object_store_memory=opts.object_store_memory_mb * 1024 * 1024,
                    include_dashboard=False,
                    runtime_env={"env_vars": env},
                    logging_level=logging.WARNING,
                    log_to_driver=False,
                )
            self._started_ray = True
        threads = self.options.cpu_threads
        env_vars = {
            "OMP_NUM_THREADS": str(threads or max(1, int(self.options.num_cpus_per_worker))),
        }
        # S3 credentials travel with the actors (environment only, never the config), so worker
        # nodes need not have them set when they joined the cluster.
        for var in (ACCESS_KEY_ENV, SECRET_KEY_ENV):
            if os.environ.get(var):
                env_vars[var] = os.environ[var]
        actor_cls = ray.remote(RecordingWorker).options(
            num_cpus=self.options.num_cpus_per_worker,
            num_gpus=self.options.num_gpus_per_worker,
            max_restarts=self.options.max_actor_restarts,
            max_task_retries=0,  # the driver retries, counting attempts per recording
            runtime_env={"env_vars": env_vars},
        )
        cfg = self.config.to_dict()
        self._actors = [
            actor_cls.remote(cfg, self.store_url, threads, True, self.options.work_dir)
            for _ in range(self.workers)
        ]
        # Fail early and clearly if an actor cannot load the models (a bad model path).
        try:
            ray.get([a.ping.remote() for a in self._actors])
        except Exception as e:
            self.stop()
            raise ConfigError(f"batch workers could not start: {_root_cause(e)}") from e
        logger.info("batch: %d workers ready", len(self._actors))

    def stop(self) -> None:
        import ray

        for a in self._actors:
            with contextlib.suppress(Exception):
                ray.kill(a)
        self._actors = []
        if self._started_ray and ray.is_initialized():
            ray.shutdown()
            self._started_ray = False

    def __enter__(self) -> BatchRunner:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- selection ----------------------------------------------------------------------------------

    def is_media(self, key: str) -> bool:
        return PurePosixPath(key).suffix.lower() in self.options.media_extensions

    def candidates(self, prefix: str, since: datetime | None) -> Iterator[ObjectInfo]:
        for obj in self.store.list(prefix):
            if not self.is_media(obj.key):
                continue
            if since is not None and obj.last_modified < since:
                continue
            yield obj

    def already_done(self, obj: ObjectInfo) -> dict[str, Any] | None:
        """The marker if ``obj`` was analysed (or refused) by this version and config, else None."""
        return markers.current_marker(
            self.store, obj, version=self.version, config_hash=self.config_hash
        )

    # -- one pass -----------------------------------------------------------------------------------

    def run_pass(
        self,
        prefix: str,
        *,
        since: datetime | None = None,
        force: bool = False,
        source: str | None = None,
        hook: Hook | None = None,
        progress: bool | None = None,
        seen: dict[tuple[str, str], datetime] | None = None,
        write_report: bool = True,
    ) -> BatchReport:
        import ray

        sanitize_prefix(prefix)
        if source is not None and source not in SOURCES:
            raise ConfigError(f"unknown source {source!r}; choose {', '.join(SOURCES)}")
        if not self._actors:
            self.start()
        started = datetime.now(UTC)
        t0 = time.perf_counter()
        tally = _Tally()
        show = self.options.progress if progress is None else progress
        total = None
        if show and seen is None:  # a cheap counting pass (listing only) for the bar's total
            total = sum(1 for _ in self.candidates(prefix, since))
        bar = _progress_bar(show, total)

        def advance(n_files: int = 1) -> None:
            if bar is not None:
                bar.update(n_files)
                bar.set_postfix_str(
                    f"audio {tally.audio_seconds / 3600:.2f} h, failed {len(tally.failures)}"
                )

        listing = self.candidates(prefix, since)
        exhausted = False
        in_flight: dict[Any, tuple[_Task, int]] = {}
        load = [0] * len(self._actors)
        retry_heap: list[tuple[float, int, _Task]] = []
        seq = 0
        cap = self.options.max_in_flight_per_worker

        def next_task() -> _Task | None:
            nonlocal exhausted
            if retry_heap and retry_heap[0][0] <= time.monotonic():
                return heapq.heappop(retry_heap)[2]
            while not exhausted:
                try:
                    obj = next(listing)
                except StopIteration:
                    exhausted = True
                    return None
                if seen is not None and (obj.key, obj.etag) in seen:
                    continue
                marker = None if force else self.already_done(obj)
                if marker is not None:
                    if seen is not None:
                        seen[(obj.key, obj.etag)] = obj.last_modified
                    if marker.get("status") == "failed":
                        tally.failures.append(
                            BatchFailure(obj.key, f"(earlier run) {marker.get('reason')}", 0, True)
                        )
                    else:
                        tally.skipped += 1
                    advance()
                    if hook:
                        hook("batch.skip", marker, recording_id=str(marker.get("recording_id")))
                    continue
                return _Task(obj.key, obj.etag, obj.last_modified)
            return None

        def give_up(task: _Task, reason: str, permanent: bool) -> None:
            tally.failures.append(BatchFailure(task.key, reason, task.attempts, permanent))
            if seen is not None:
                seen[(task.key, task.etag)] = task.last_modified
            logger.warning(
                "batch: %s failed after %d attempt(s): %s", task.key, task.attempts, reason
            )
            advance()

        try:
            while True:
                # fill every actor up to its cap (bounded in-flight work = flat memory)
                while min(load) < cap:
                    task = next_task()
                    if task is None:
                        break
                    i = load.index(min(load))
                    task.attempts += 1
                    ref = self._actors[i].process.remote(
                        task.key, task.etag, source, self.options.default_source
                    )
                    in_flight[ref] = (task, i)
                    load[i] += 1
                if not in_flight:
                    if retry_heap:
                        time.sleep(max(0.0, retry_heap[0][0] - time.monotonic()))
                        continue
                    if exhausted:
                        break
                    continue
                ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
                for ref in ready:
                    task, i = in_flight.pop(ref)
                    load[i] -= 1
                    try:
                        result = ray.get(ref)
                    except ray.exceptions.ActorUnavailableError:
                        # the actor is being restarted after a crash (reloading its models): the
                        # call never ran there, so it is not an attempt; try again in a moment
                        task.attempts -= 1
                        seq += 1
                        wait = max(1.0, self.options.retry_backoff_s)
                        heapq.heappush(retry_heap, (time.monotonic() + wait, seq, task))
                        continue
                    except Exception as e:  # the actor died (OOM, kill -9, segfault)
                        result = {"status": "retry", "reason": f"worker died: {_root_cause(e)}"}
                    status = result.get("status")
                    if status == "ok":
                        tally.processed += 1
                        tally.audio_seconds += result["duration"]
                        for stage, sec in result["timings"].items():
                            tally.stages[stage] = tally.stages.get(stage, 0.0) + float(sec)
                        if seen is not None:
                            seen[(task.key, task.etag)] = task.last_modified
                        advance()
                        if hook:
                            hook(
                                "batch.done",
                                result,
                                recording_id=result["recording_id"],
                                completed=float(tally.processed),
                                total=float(total) if total is not None else None,
                            )
                    elif status == "failed":
                        give_up(task, result["reason"], True)
                    elif status == "fatal":
                        raise ConfigError(f"{task.key}: {result['reason']}")
                    elif task.attempts > self.options.retries:
                        give_up(task, result.get("reason", "unknown error"), False)
                    else:
                        delay = self.options.retry_backoff_s * (2 ** (task.attempts - 1))
                        seq += 1
                        heapq.heappush(retry_heap, (time.monotonic() + delay, seq, task))
        finally:
            if bar is not None:
                bar.close()

        report = BatchReport(
            prefix=prefix,
            started_at=started,
            processed=tally.processed,
            skipped=tally.skipped,
            failed=tuple(tally.failures),
            audio_seconds=round(tally.audio_seconds, 3),
            wall_seconds=round(time.perf_counter() - t0, 3),
            stage_seconds={k: round(v, 3) for k, v in sorted(tally.stages.items())},
            workers=len(self._actors),
            pipeline_version=self.version,
            config_hash=self.config_hash,
        )
        if write_report and (report.processed or report.failed or seen is None):
            key = report_key(started)
            crash_point("batch.before_report")
            try:
                self.store.put_json(key, _with_report_key(report, key).to_dict())
                report = _with_report_key(report, key)
            except StoreError as e:
                # A full or read-only store refuses the report like everything else; the caller
                # still gets it (the CLI prints it), without a key, and its failures are retried
                # by the next run, so the run's outcome is not lost with the report's object.
                logger.error("batch report not stored (%s): %s", key, e)
        logger.info(
            "batch %s: %d processed, %d skipped, %d failed, %.3f audio h in %.1f s",
            prefix,
            report.processed,
            report.skipped,
            len(report.failed),
            report.audio_hours,
            report.wall_seconds,
        )
        return report


def _has_path(data: Mapping[str, Any], dotted: str) -> bool:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _with_report_key(report: BatchReport, key: str) -> BatchReport:
    d = {f: getattr(report, f) for f in BatchReport.__dataclass_fields__}
    d["report_key"] = key
    return BatchReport(**d)


def _root_cause(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    tail = [line for line in text if line.strip()][-1:] or [type(e).__name__]
    return f"{type(e).__name__}: {tail[0]}"[:300]


def _progress_bar(enabled: bool, total: int | None) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="batch", dynamic_ncols=True, file=sys.stderr)


def run_batch(
    prefix: str,
    *,
    config: VigilConfig | None = None,
    store_url: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    since: datetime | str | None = None,
    force: bool = False,
    source: str | None = None,
    progress: bool | None = None,
    hook: Hook | None = None,
) -> BatchReport:
    """Analyse every recording under ``prefix`` once; returns (and stores) the report."""
    cfg = config or load_config()
    options = BatchOptions.from_config(cfg.section("batch"))
    since_dt = parse_since(since) if isinstance(since, str) else since
    with BatchRunner(cfg, store_url, options, address=address, workers=workers) as runner:
        return runner.run_pass(
            prefix, since=since_dt, force=force, source=source, hook=hook, progress=progress
        )


def watch(
    prefix: str,
    *,
    config: VigilConfig | None = None,
    store_url: str | None = None,
    address: str | None = None,
    workers: int | None = None,
    since: datetime | str | None = None,
    force: bool = False,
    source: str | None = None,
    interval_s: float | None = None,
    max_passes: int | None = None,
    hook: Hook | None = None,
    on_pass: Callable[[BatchReport], None] | None = None,
) -> list[BatchReport]:
    """Poll the listing every ``batch.watch_interval_s`` and analyse new uploads as they land.

    Actors stay up between passes (models loaded once). Keys already handled in this session are
    remembered by (key, etag), and the look-back window moves forward with each pass so the set
    stays small. Runs until interrupted or ``max_passes``; returns the reports of passes that did
    something.
    """
    cfg = config or load_config()
    options = BatchOptions.from_config(cfg.section("batch"))
    interval = interval_s or options.watch_interval_s
    window = parse_since(since) if isinstance(since, str) else since
    seen: dict[tuple[str, str], datetime] = {}
    reports: list[BatchReport] = []
    passes = 0
    with BatchRunner(cfg, store_url, options, address=address, workers=workers) as runner:
        try:
            while max_passes is None or passes < max_passes:
                pass_start = datetime.now(UTC)
                report = runner.run_pass(
                    prefix,
                    since=window,
                    force=force and passes == 0,
                    source=source,
                    hook=hook,
                    progress=False,
                    seen=seen,
                )
                passes += 1
                if report.processed or report.failed:
                    reports.append(report)
                if on_pass:
                    on_pass(report)
                # Uploads that finish during a pass carry a last_modified before the next pass
                # starts; keep a margin of two intervals and forget what is older than it.
                # (+5 s: some servers keep last_modified to the second, clocks drift a little)
                window = pass_start - timedelta(seconds=2 * interval + 5)
                seen = {ke: lm for ke, lm in seen.items() if lm >= window}
                if max_passes is not None and passes >= max_passes:
                    break
                time.sleep(interval)
        except KeyboardInterrupt:
            logger.info("watch stopped")
    return reports
