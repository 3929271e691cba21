"""Camera (camera → gate): one small interface, with a folder, a V4L2 (USB) and a Picamera2 adapter.

`capture()` returns a full still, `preview()` a low-resolution frame for the live screen, both BGR
numpy arrays. `healthy` says whether the last call worked, for the heartbeat. The Picamera2 adapter
lives in edge.devices.picamera2_camera so picamera2 is imported only on a Pi.
"""

from __future__ import annotations

import itertools
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

    def __init__(self, folder: Path | str, preview_size: tuple[int, int] = (640, 480)):
        self.files = folder_images(folder)
        self._next = itertools.cycle(self.files)
        self.preview_size = preview_size
        self.last_path: Path | None = None
        self.healthy = True

    def next_file(self) -> Path:
        """The file the next capture will come from (the desk sends its bytes untouched)."""
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
        return FolderCamera(c.folder, preview)
    if c.kind == "v4l2":
        return V4L2Camera(c.device, (c.width, c.height), preview)
    from edge.devices.picamera2_camera import Picamera2Camera

    return Picamera2Camera((c.width, c.height), preview, low_light=c.low_light, exposure_us=c.exposure_us,
                           gain=c.gain)
