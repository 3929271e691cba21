"""Camera adapters: the folder camera replays, V4L2 without a device fails clearly, Picamera2 only on a Pi."""

import importlib.util

import cv2
import numpy as np
import pytest

from edge.config import KioskConfig
from edge.devices.camera import CameraError, FolderCamera, V4L2Camera, open_camera
from edge.samples import desk_photo


def _cfg(tmp_path, **camera):
    return KioskConfig(kiosk_id="k1", data_dir=tmp_path / "data", camera=camera)


def test_folder_camera_replays_in_order_and_cycles(tmp_path):
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"p{i}.png"), np.full((40, 60, 3), i * 50, np.uint8))
    (tmp_path / "notes.txt").write_text("not a photo")
    cam = open_camera(_cfg(tmp_path, kind="folder", folder=str(tmp_path), preview_width=30, preview_height=20))
    assert isinstance(cam, FolderCamera) and cam.healthy
    seen = [int(cam.capture()[0, 0, 0]) for _ in range(4)]
    assert seen == [0, 50, 100, 0]
    assert cam.preview().shape == (20, 30, 3)
    cam.close()


def test_folder_camera_bad_file_marks_unhealthy(tmp_path):
    (tmp_path / "a.jpg").write_bytes(b"broken")
    cam = FolderCamera(tmp_path)
    with pytest.raises(CameraError, match="not a readable image"):
        cam.capture()
    assert not cam.healthy


def test_folder_camera_needs_images(tmp_path):
    with pytest.raises(CameraError, match="no images"):
        FolderCamera(tmp_path)
    with pytest.raises(CameraError, match="needs folder"):
        open_camera(_cfg(tmp_path, kind="folder"))


def test_v4l2_without_a_device_is_a_clear_error(tmp_path):
    with pytest.raises(CameraError, match="cannot open"):
        V4L2Camera("/dev/video-returns-desk-absent")
    with pytest.raises(CameraError, match="v4l2 camera"):
        open_camera(_cfg(tmp_path, kind="v4l2", device="/dev/video-returns-desk-absent"))


@pytest.mark.skipif(importlib.util.find_spec("picamera2") is not None, reason="picamera2 is installed here")
def test_picamera2_absent_is_a_clear_error(tmp_path):
    with pytest.raises(CameraError, match="picamera2 is not installed"):
        open_camera(_cfg(tmp_path, kind="picamera2"))


def test_picamera2_captures_a_still_and_a_preview(tmp_path):
    pytest.importorskip("picamera2", reason="picamera2 is only on a Raspberry Pi (apt: python3-picamera2)")
    cam = open_camera(_cfg(tmp_path, kind="picamera2", width=2028, height=1520, low_light=True))
    try:
        assert cam.capture().shape == (1520, 2028, 3)
        assert cam.preview().shape == (480, 640, 3)
        assert cam.healthy
    finally:
        cam.close()


def test_folder_camera_feeds_the_gate(tmp_path):
    from edge.quality import Gate

    cv2.imwrite(str(tmp_path / "a.jpg"), desk_photo(7101, 1280, 960))
    cam = FolderCamera(tmp_path)
    gate = Gate()
    assert gate.check(cam.capture()).ok
    assert gate.check_preview(cam.preview()).ok
