"""Redaction → detectors: one costly native engine per process (dlib's face detector, tesseract), shared by
its threads one at a time, and made afresh in a forked child."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Callable


class Shared:
    """An engine that is slow to load and unsafe to use from two threads at once (dlib's detector keeps
    its scratch image pyramid inside it; two web threads scanning photos of different sizes crashed the
    process): loaded on first use, then lent out under a lock.

    A packet's worker processes are forked, perhaps while another thread was using the engine: the child
    starts with a free lock and loads its own engine (the copy of the parent's, maybe caught mid-use, is
    neither used nor freed)."""

    def __init__(self, load: Callable[[], object]):
        self._load = load
        self._lock = threading.Lock()
        self._engine = None
        self._inherited: list = []
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        self._lock = threading.Lock()
        if self._engine is not None:
            self._inherited.append(self._engine)
            self._engine = None

    @contextmanager
    def use(self):
        with self._lock:
            if self._engine is None:
                self._engine = self._load()
            yield self._engine

    @property
    def lock(self) -> threading.Lock:
        return self._lock
