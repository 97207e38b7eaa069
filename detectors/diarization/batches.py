"""Independent inference batches on one thread, and on more once the cores are free.

Why not torch's own intra-op threads: on two cores that other processes share, OpenMP threads spin
at every operator's barrier waiting for a sibling that is descheduled; segmentation of the 240 s
bench file took 81 s with two torch threads against 7.9 s with one (load 2.5-3.7; README, issue 15).
Separate batches on separate Python threads, each with one torch thread, never wait for each other
inside an operator (torch and ONNX Runtime release the GIL), so a busy core slows one batch, not
every operator.

Why "once the cores are free": in the pipeline the diarizer runs beside Whisper, which already uses
both cores; a second diarizer thread there only competes with it. When ASR is done the pipeline sets
an event and the remaining batches run on ``threads`` threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def run_batches(
    jobs: Sequence[Callable[[], T]],
    threads: int,
    cores_free: threading.Event | None,
    start_thread: Callable[[], None],
) -> list[T]:
    """Every job's result, in order. Jobs run on the calling thread; once ``cores_free`` is set
    (at once when it is None) up to ``threads - 1`` helper threads join in, each calling
    ``start_thread`` first (e.g. to set its torch thread count). The first error stops the
    remaining jobs and is raised here after every helper has finished, so none outlives the call."""
    results: dict[int, T] = {}
    errors: list[BaseException] = []
    lock = threading.Lock()
    cursor = iter(range(len(jobs)))

    def take() -> int | None:
        with lock:
            return None if errors else next(cursor, None)

    def work() -> None:
        while (index := take()) is not None:
            try:
                result = jobs[index]()
            except BaseException as e:  # handed to the caller's thread below
                with lock:
                    errors.append(e)
                return
            with lock:
                results[index] = result

    def helper() -> None:
        try:
            start_thread()
        except BaseException as e:
            with lock:
                errors.append(e)
            return
        work()

    helpers: list[threading.Thread] = []
    try:
        while (index := take()) is not None:
            if not helpers and threads > 1 and (cores_free is None or cores_free.is_set()):
                for n in range(min(threads, len(jobs)) - 1):
                    helpers.append(threading.Thread(target=helper, name=f"batch-{n + 1}"))
                    helpers[-1].start()
            try:
                result = jobs[index]()
            except BaseException as e:
                with lock:
                    errors.append(e)
                break
            with lock:
                results[index] = result
    finally:
        for thread in helpers:
            thread.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(jobs))]
