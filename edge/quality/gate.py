"""The quality gate (camera → gate → desk): measures a frame, asks the ONNX model, returns a Verdict.

Files and bytes from outside are sized from their header before any pixel is decoded, so a
decompression bomb or a truncated file is refused as `unreadable` instead of raising.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edge.quality import features
from edge.quality.decode import DecodeError, read_file, read_image
from edge.quality.model import PRESENCE_OUTPUTS, GateModel
from edge.quality.verdict import MESSAGES, Verdict

PRESENCE_OFF_NOTICE = ("no empty-desk reference yet: item presence is not checked "
                       "(run `returns-kiosk calibrate`)")
RECALIBRATE_NOTICE = ("the station was calibrated for another gate model: its desk noise is not allowed for "
                      "(run `returns-kiosk calibrate`)")


@dataclass
class GateThresholds:
    """Per-reason probability thresholds (default: the model manifest's) and the size limits."""

    probability: dict[str, float] = field(default_factory=dict)
    min_width: int = 640
    min_height: int = 480
    max_pixels: int = 100_000_000
    max_side: int = 30_000


class Gate:
    def __init__(self, reference: np.ndarray | Path | str | None = None,
                 thresholds: GateThresholds | dict[str, float] | None = None,
                 model_path: Path | str | None = None, *, presence: bool = True):
        self.model = GateModel(model_path)
        if isinstance(thresholds, dict):  # per-reason probabilities only
            thresholds = GateThresholds(probability=dict(thresholds))
        self.thresholds = thresholds or GateThresholds()
        self.prob = {**self.model.thresholds, **self.thresholds.probability}
        self.reference = None
        self.notice = ""
        if reference is not None and presence:
            self.set_reference(reference)
        elif presence:
            self.notice = PRESENCE_OFF_NOTICE

    def use_model(self, path: Path | str) -> None:
        """Switch to another model (one the hub pushed). Loaded and checked first, then swapped in one
        step, so a check already running finishes on the old model; a bad file leaves the old one."""
        model = GateModel(path)
        self.model, self.prob = model, {**model.thresholds, **self.thresholds.probability}
        if self.presence_floor != (0, 0):
            self.presence_floor = (0, 0)  # fitted for the old model
            self.notice = RECALIBRATE_NOTICE

    presence_floor: tuple[int, int] = (0, 0)  # the desk's own noise, fitted by calibration (station.json)

    def set_thresholds(self, probability: dict[str, float]) -> None:
        """New per-reason thresholds from config (a hub push), over the model's."""
        self.thresholds.probability = dict(probability)
        self.prob = {**self.model.thresholds, **self.thresholds.probability}

    @classmethod
    def from_config(cls, cfg) -> "Gate":
        """The station's gate: the model's thresholds with kiosk.toml's over them, read now (so one removed
        from kiosk.toml no longer applies), and what calibration fitted for this desk and this model."""
        g = cfg.gate
        reference = g.reference or cfg.data_dir / "gate" / "reference.png"
        station_file = cfg.data_dir / "gate" / "station.json"
        station = json.loads(station_file.read_text()) if station_file.exists() else {}
        th = GateThresholds(probability=dict(g.thresholds), min_width=g.min_width, min_height=g.min_height,
                            max_pixels=g.max_pixels)
        gate = cls(reference if Path(reference).exists() else None, th, g.model_path, presence=g.presence)
        fitted = station.get("presence_floor")
        if fitted and gate.reference is not None:
            if station.get("model_version") == gate.model_version:
                gate.presence_floor = (int(fitted["tone"]), int(fitted["texture"]))
            else:  # a newer model may read the desk differently
                gate.notice = RECALIBRATE_NOTICE
        return gate

    @property
    def model_version(self) -> str:
        return self.model.version

    def set_reference(self, reference: np.ndarray | Path | str) -> None:
        """The empty-desk picture; a file is held to the same limits as a photo (ValueError saying why)."""
        if not isinstance(reference, np.ndarray):
            try:
                reference = self._read(read_file(reference, 4 * self.thresholds.max_pixels))[0]
            except DecodeError as e:
                raise ValueError(f"{reference}: the empty-desk reference is not a readable image ({e})") from None
        self.reference = features.presence_image(features.analysis_gray(reference))
        self.notice = ""

    # --- entry points -------------------------------------------------------------------------
    def check(self, image_bgr: np.ndarray, *, full_size: tuple[int, int] | None = None) -> Verdict:
        """Judge a still; `full_size` is (w, h) of the original when `image_bgr` was decoded reduced."""
        t0 = time.perf_counter()
        if not isinstance(image_bgr, np.ndarray) or image_bgr.ndim not in (2, 3) or image_bgr.size == 0:
            return self._unreadable(t0)
        w, h = full_size or (image_bgr.shape[1], image_bgr.shape[0])
        low_res = w < self.thresholds.min_width or h < self.thresholds.min_height
        return self._judge(image_bgr, t0, ["low_resolution"] if low_res else [])

    def check_preview(self, frame: np.ndarray) -> Verdict:
        """Judge a live-preview frame (low resolution by design, so that is not a reason here)."""
        t0 = time.perf_counter()
        if not isinstance(frame, np.ndarray) or frame.ndim not in (2, 3) or frame.size == 0:
            return self._unreadable(t0)
        return self._judge(frame, t0, [])

    def check_bytes(self, data: bytes) -> Verdict:
        t0 = time.perf_counter()
        try:
            img, size = self._read(data)
        except DecodeError as e:
            return self._unreadable(t0, str(e))
        v = self.check(img, full_size=size)
        v.ms = round((time.perf_counter() - t0) * 1000, 3)
        return v

    def check_file(self, path: Path | str) -> Verdict:
        t0 = time.perf_counter()
        try:
            data = read_file(path, 4 * self.thresholds.max_pixels)
        except DecodeError as e:
            return self._unreadable(t0, str(e))
        return self.check_bytes(data)

    def _read(self, data: bytes) -> tuple[np.ndarray, tuple[int, int]]:
        th = self.thresholds
        return read_image(data, max_pixels=th.max_pixels, max_side=th.max_side, side=features.ANALYSIS_SIDE)

    # --- the judgement -------------------------------------------------------------------------
    def _judge(self, image: np.ndarray, t0: float, reasons: list[str]) -> Verdict:
        g = features.analysis_gray(image)
        q = features.quality_features(g, image)
        with_presence = self.reference is not None
        p = (features.presence_features(features.presence_image(g), self.reference, self.presence_floor)
             if with_presence else np.zeros(len(features.PRESENCE_NAMES), np.float32))
        probs = self.model.run(q, p)
        if not with_presence:
            for k in PRESENCE_OUTPUTS:
                probs.pop(k)
        found = [r for r, pr in probs.items() if pr >= self.prob.get(r, 0.5)]
        if "no_item" in found:  # an empty desk has nothing to be sharp or shiny about
            found = [r for r in found if r not in ("blurry", "glare")]
        reasons = reasons + found
        scores = {r: round(pr, 4) for r, pr in probs.items()}
        scores.update(sharpness=round(float(np.expm1(q[features.Q_SHARPNESS])), 2),
                      brightness=round(float(q[features.Q_BRIGHTNESS]), 4),
                      clipped=round(float(q[features.Q_CLIPPED]), 5))
        if with_presence:
            scores["changed"] = round(float(p[0]), 4)
        return Verdict(ok=not reasons, reasons=reasons, scores=scores,
                       messages={r: MESSAGES[r] for r in reasons},
                       ms=round((time.perf_counter() - t0) * 1000, 3), model_version=self.model.version,
                       presence_checked=with_presence)

    def _unreadable(self, t0: float, detail: str = "") -> Verdict:
        v = Verdict.refused(["unreadable"], model_version=self.model.version,
                            presence_checked=self.reference is not None)
        if detail:
            v.messages["unreadable"] = f"{MESSAGES['unreadable']} ({detail})"
        v.ms = round((time.perf_counter() - t0) * 1000, 3)
        return v
