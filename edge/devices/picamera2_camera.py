"""Raspberry Pi camera (camera → gate) through Picamera2: a still configuration and a low-res preview stream.

picamera2 is imported here only (it comes from apt on a Pi: python3-picamera2), so the rest of the
kiosk runs on any laptop.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.devices.camera import Camera, CameraError

LOW_LIGHT_EXPOSURE_US = 40_000  # ~1/25 s: still sharp on a stand, four times the light of 1/100 s
LOW_LIGHT_GAIN = 4.0


class Picamera2Camera(Camera):
    def __init__(self, size=(4056, 3040), preview_size=(640, 480), *, low_light: bool = False,
                 exposure_us: int | None = None, gain: float | None = None, camera_num: int = 0):
        try:
            from picamera2 import Picamera2
        except ImportError as e:
            raise CameraError(f"picamera2 camera: picamera2 is not installed ({e}); "
                              "on a Pi: apt install python3-picamera2") from None
        try:
            self.cam = Picamera2(camera_num)
        except Exception as e:  # no camera on the ribbon, or libcamera busy
            raise CameraError(f"picamera2 camera {camera_num}: {e}") from None
        # the still config keeps a low-res "lores" stream, so the preview keeps running at full rate
        self.still_config = self.cam.create_still_configuration(
            main={"size": tuple(size), "format": "RGB888"},
            lores={"size": tuple(preview_size), "format": "YUV420"}, display=None)
        self.cam.configure(self.still_config)
        self.set_low_light(low_light, exposure_us, gain)
        self.cam.start()
        self.healthy = True

    def set_low_light(self, on: bool, exposure_us: int | None = None, gain: float | None = None) -> None:
        """Fixed longer exposure and more analogue gain when the ring light is weak; auto otherwise."""
        if on or exposure_us or gain:
            self.cam.set_controls({"AeEnable": False,
                                   "ExposureTime": int(exposure_us or LOW_LIGHT_EXPOSURE_US),
                                   "AnalogueGain": float(gain or LOW_LIGHT_GAIN)})
        else:
            self.cam.set_controls({"AeEnable": True})

    def capture(self) -> np.ndarray:
        try:
            frame = self.cam.capture_array("main")  # "RGB888" is BGR in memory, as OpenCV wants
        except Exception as e:
            self.healthy = False
            raise CameraError(f"picamera2 capture failed: {e}") from None
        self.healthy = True
        return frame

    def preview(self) -> np.ndarray:
        try:
            yuv = self.cam.capture_array("lores")
        except Exception as e:
            self.healthy = False
            raise CameraError(f"picamera2 preview failed: {e}") from None
        self.healthy = True
        return cv2.cvtColor(yuv, cv2.COLOR_YUV420p2BGR)

    def close(self) -> None:
        try:
            self.cam.stop()
            self.cam.close()
        finally:
            self.healthy = False
