"""Redaction ahead of the buyer (redaction → web): when a page shows photos that were never scanned, their
scans start at once in a small pool of worker processes, so thumbnails wait on work already under way
instead of each request running the detectors on a web thread (and the web process's GIL)."""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from central.redact import pipeline

_LOCK = threading.RLock()  # a future already done runs its callback in submit()
_POOL: ProcessPoolExecutor | None = None
_WORKERS = 1
_FUTURES: dict[str, Future] = {}  # photo sha → its scan, until recorded


def configure(workers: int) -> None:
    global _WORKERS
    _WORKERS = max(1, workers)


def _pool() -> ProcessPoolExecutor:
    global _POOL
    if _POOL is None:
        # spawned, not forked: the web process runs threads, and a fork would copy their locks mid-use
        _POOL = ProcessPoolExecutor(_WORKERS, mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_follow_parent, initargs=(os.getpid(),))
        atexit.register(_POOL.shutdown, wait=False, cancel_futures=True)
    return _POOL


def _follow_parent(parent: int) -> None:
    """In each worker: end when the web process is gone, however it ended (SIGKILL included), so no
    scanner outlives the hub it served."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def submit(job: pipeline.PhotoJob, record) -> Future:
    """Start (or join) the scan of one photo; `record(result)` stores it, once, when it is done."""
    with _LOCK:
        fut = _FUTURES.get(job.key)
        if fut is None:
            fut = _FUTURES[job.key] = _pool().submit(pipeline.process, job)

            def done(f: Future, key=job.key) -> None:
                try:
                    if not f.cancelled() and f.exception() is None:
                        record(f.result())
                finally:
                    with _LOCK:
                        _FUTURES.pop(key, None)
            fut.add_done_callback(done)
        return fut


def pending(key: str) -> bool:
    with _LOCK:
        return key in _FUTURES


def wait(fut: Future, timeout: float):
    """The scan's result, or None when it takes longer than the caller will wait (it goes on)."""
    try:
        return fut.result(timeout)
    except FutureTimeout:
        return None
