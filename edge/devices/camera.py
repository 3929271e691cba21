"""Camera (camera → gate): one small interface, with a folder, a V4L2 (USB) and a Picamera2 adapter.

`capture()` returns a full still, `preview()` a low-resolution frame for the live screen, both BGR
numpy arrays. `healthy` says whether the last call worked, for the heartbeat. The Picamera2 adapter
lives in edge.devices.picamera2_camera so picamera2 is imported only on a Pi.
"""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import cv2
import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


class CameraError(Exception):
    """The camera cannot deliver a frame; the message says which camera and why."""


class Camera:
    healthy: bool = False

    def capture(self) -> np.ndarray:
        raise NotImplementedError

    def preview(self) -> np.ndarray:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def folder_images(folder: Path | str) -> list[Path]:
    folder = Path(folder)
    if not folder.is_dir():
        raise CameraError(f"folder camera: {folder} is not a folder")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise CameraError(f"folder camera: no images in {folder}")
    return files


class FolderCamera(Camera):
    """Replays the images of a folder in name order, cycling: the simulated camera for demo and tests."""

    def __init__(self, folder: Path | str, preview_size: tuple[int, int] = (640, 480), *,
                 hang_after: int | None = None):
        self.files = folder_images(folder)
        self._next = itertools.cycle(self.files)
        self.preview_size = preview_size
        self.last_path: Path | None = None
        self.healthy = True
        # After this many frames every call blocks until close(), as a wedged camera driver does.
        self.hang_after, self.frames, self._closed = hang_after, 0, threading.Event()

    def next_file(self) -> Path:
        """The file the next capture will come from (the desk sends its bytes untouched)."""
        if self.hang_after is not None and self.frames >= self.hang_after:
            self._closed.wait()
            raise CameraError("folder camera: closed while hung")
        self.frames += 1
        self.last_path = next(self._next)
        return self.last_path

    def capture(self) -> np.ndarray:
        path = self.next_file()
        img = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if img is None:
            self.healthy = False
            raise CameraError(f"folder camera: {path} is not a readable image")
        self.healthy = True
        return img

    def preview(self) -> np.ndarray:
        return cv2.resize(self.capture(), self.preview_size, interpolation=cv2.INTER_AREA)

    def close(self) -> None:
        self._closed.set()


class WatchedCamera(Camera):
    """Any camera, with its calls timed: a call that never returns is what the station's watchdog
    must see (a wedged driver raises nothing). Everything else passes through to the camera."""

    def __init__(self, camera: Camera):
        self.camera = camera
        self._calls: dict[int, float] = {}  # thread id → monotonic start of its call in progress
        self.last_frame_at: float | None = None

    def __getattr__(self, name):
        return getattr(self.camera, name)

    @property
    def healthy(self) -> bool:
        return self.camera.healthy

    def stuck_for(self) -> float:
        """Seconds the oldest call in progress has been running (0 when the camera is idle)."""
        started = min(list(self._calls.values()), default=None)
        return 0.0 if started is None else time.monotonic() - started

    def _timed(self, call):
        me = threading.get_ident()  # the preview thread and a capture may both be waiting on the camera
        self._calls[me] = time.monotonic()
        try:
            frame = call()
            self.last_frame_at = time.monotonic()
            return frame
        finally:
            self._calls.pop(me, None)

    def capture(self) -> np.ndarray:
        return self._timed(self.camera.capture)

    def preview(self) -> np.ndarray:
        return self._timed(self.camera.preview)

    def close(self) -> None:
        self.camera.close()


class V4L2Camera(Camera):
    """A USB camera through OpenCV's V4L2 backend; the still is one full-resolution frame."""

    def __init__(self, device: int | str = 0, size: tuple[int, int] = (1920, 1080),
                 preview_size: tuple[int, int] = (640, 480)):
        self.device, self.size, self.preview_size = device, size, preview_size
        self.cap = cv2.VideoCapture(device, cv2.CAP_V4L2)
        if not self.cap.isOpened():
            self.cap.release()
            self.healthy = False
            raise CameraError(f"v4l2 camera: cannot open {device!r} (is a USB camera plugged in?)")
        self.cap.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
        self.cap.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        self.healthy = True

    def capture(self) -> np.ndarray:
        ok, frame = self.cap.read()
        self.healthy = bool(ok) and frame is not None
        if not self.healthy:
            raise CameraError(f"v4l2 camera {self.device!r}: no frame")
        return frame

    def preview(self) -> np.ndarray:
        return cv2.resize(self.capture(), self.preview_size, interpolation=cv2.INTER_AREA)

    def close(self) -> None:
        self.cap.release()
        self.healthy = False


def open_camera(cfg) -> Camera:
    """The camera the kiosk config names ([camera] kind = "folder" | "v4l2" | "picamera2")."""
    c = cfg.camera
    preview = (c.preview_width, c.preview_height)
    if c.kind == "folder":
        if c.folder is None:
            raise CameraError("[camera] kind = \"folder\" needs folder = \"...\"")
        return FolderCamera(c.folder, preview, hang_after=c.hang_after_frames)
    if c.kind == "v4l2":
        return V4L2Camera(c.device, (c.width, c.height), preview)
    from edge.devices.picamera2_camera import Picamera2Camera

    return Picamera2Camera((c.width, c.height), preview, low_light=c.low_light, exposure_us=c.exposure_us,
                           gain=c.gain)
