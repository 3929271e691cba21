"""Live preview for the screen (camera → gate → screen): low-res frames with the framing zone and gate hints.

One worker thread reads the preview stream and runs the gate on every Nth frame, so any number of
screens share one camera reader; the MJPEG endpoint only waits for the next encoded frame.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import cv2
import numpy as np

log = logging.getLogger(__name__)

ZONE = (0.12, 0.1, 0.88, 0.9)  # the marked zone on the desk, as fractions of the frame (x0, y0, x1, y1)


def draw_zone(frame: np.ndarray, ok: bool | None, zone=ZONE) -> np.ndarray:
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = (round(zone[0] * w), round(zone[1] * h), round(zone[2] * w), round(zone[3] * h))
    colour = (80, 200, 80) if ok else (60, 60, 230) if ok is False else (220, 220, 220)
    cv2.rectangle(frame, (x0, y0), (x1, y1), colour, max(2, w // 200))
    return frame


class Preview:
    def __init__(self, camera, gate, *, fps: float = 15.0, hints_every: int = 3, quality: int = 70,
                 on_hints: Callable[[object], None] | None = None):
        self.camera, self.gate = camera, gate
        self.period = 1.0 / fps
        self.hints_every, self.quality, self.on_hints = hints_every, quality, on_hints
        self.hints: dict = {"ok": None, "reasons": [], "messages": {}}
        self.frames = 0
        self.jpeg: bytes | None = None
        self.cond = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def start(self) -> "Preview":
        self._thread = threading.Thread(target=self._run, name="preview", daemon=True)
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return not self._stop.is_set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(2)

    def step(self) -> bytes:
        """One preview frame: read, judge every Nth, draw, encode."""
        frame = np.ascontiguousarray(self.camera.preview())
        if self.frames % self.hints_every == 0:
            v = self.gate.check_preview(frame)
            self.hints = {"ok": v.ok, "reasons": list(v.reasons), "messages": dict(v.messages)}
            if self.on_hints:
                self.on_hints(v)
        draw_zone(frame, self.hints["ok"])
        jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, self.quality])[1].tobytes()
        with self.cond:
            self.frames += 1
            self.jpeg = jpeg
            self.cond.notify_all()
        return jpeg

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            try:
                self.step()
                self.last_error = None
            except Exception as e:  # a camera hiccup: keep trying, the screen shows the last frame
                if str(e) != self.last_error:
                    log.warning("preview: %s", e)
                self.last_error = str(e)
                self._stop.wait(0.5)
            next_at = max(next_at + self.period, time.monotonic())
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def next_frame(self, after: int, timeout: float = 2.0) -> tuple[int, bytes | None]:
        with self.cond:
            self.cond.wait_for(lambda: self.frames != after or self._stop.is_set(), timeout)
            return self.frames, self.jpeg
