"""Station calibration (camera → gate): the empty-desk reference, a lighting check, and the desk's own noise.

Writes <data_dir>/gate/reference.png and <data_dir>/gate/station.json (durably), which
`Gate.from_config` reads; until they exist the gate runs with item presence off. station.json holds
only what was fitted here (the presence floor, for the model it was fitted with) and what was measured;
the probability thresholds stay the model's, with kiosk.toml's laid over them when the gate loads.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from edge import wire
from edge.quality import features
from edge.quality.gate import Gate, GateThresholds

LIGHTING_REASONS = ("too_dark", "too_bright", "glare")
NOISE_QUANTILE = 99.9  # of each frame's difference from the others: the top of the desk's own noise
# Grey levels of noise the model takes in its stride: chosen by trying 0-28 on generated desks whose light
# wanders and whose stand shifts (5 frames each, as the calibrate test makes them); 10 had the most empty
# frames seen empty while finding items at least as often as no floor did.
TOLERATED = 10
MAX_TONE_FLOOR = 60  # past this an item of ordinary contrast disappears into the desk's noise


def station_dir(cfg) -> Path:
    return cfg.data_dir / "gate"


def _small(frame: np.ndarray) -> np.ndarray:
    return features.presence_image(features.analysis_gray(frame))


def _others(small: list[np.ndarray], i: int) -> np.ndarray:
    """The median of every frame but the i-th: what a later photo is compared with, without this frame in it."""
    rest = small[:i] + small[i + 1:] or small
    return np.median(np.stack(rest), axis=0).astype(np.uint8)


def fit_presence_floor(small: list[np.ndarray]) -> tuple[tuple[int, int], tuple[float, float]]:
    """How much the empty desk differs from itself between frames, in tone and texture (each frame's small
    copy against the others'), the top of that, less what the model tolerates. Returns the floor and the
    measured noise; one frame measures nothing."""
    if len(small) < 2:
        return (0, 0), (0.0, 0.0)
    top = np.zeros(2)
    for i, s in enumerate(small):
        top = np.maximum(top, [np.percentile(d, NOISE_QUANTILE) for d in features.presence_diff(s, _others(small, i))])
    floor = tuple(max(0, int(np.ceil(t - TOLERATED))) for t in top)
    return floor, (round(float(top[0]), 1), round(float(top[1]), 1))


def calibrate(cfg, camera, frames: int = 5) -> dict:
    """Take `frames` captures of the empty desk, median them into the reference, check the light, fit the floor.

    Nothing is written when the lighting is wrong or the desk will not hold still: a reference taken in
    the dark, or on a desk that changes more than an item would, makes every later verdict a guess.
    """
    shots = [camera.capture() for _ in range(frames)]
    if len({s.shape for s in shots}) != 1:
        raise ValueError("the camera changed resolution during calibration")
    reference = np.median(np.stack(shots), axis=0).astype(np.uint8) if frames > 1 else shots[0]
    gate = Gate(None, GateThresholds(probability=dict(cfg.gate.thresholds)), cfg.gate.model_path, presence=False)
    light = gate.check_preview(reference)
    problems = [r for r in light.reasons if r in LIGHTING_REASONS]
    small = [_small(s) for s in shots]
    floor, noise = fit_presence_floor(small)
    gate.set_reference(reference)
    gate.presence_floor = floor
    not_empty = 0
    for i, shot in enumerate(shots):  # each frame as a later photo of the empty desk would be judged
        gate.reference = _others(small, i)
        not_empty += "no_item" not in gate.check_preview(shot).reasons
    unsteady = floor[0] > MAX_TONE_FLOOR
    result = {
        "ok": not problems and not not_empty and not unsteady,
        "lighting": {"ok": not problems, "reasons": problems,
                     "messages": {r: light.messages[r] for r in problems},
                     "brightness": light.scores.get("brightness"), "clipped": light.scores.get("clipped")},
        "frames": frames, "size": [reference.shape[1], reference.shape[0]],
        "desk_noise": {"tone": noise[0], "texture": noise[1], "frames_not_seen_empty": not_empty},
        "presence_floor": {"tone": floor[0], "texture": floor[1]},
        "model_version": gate.model_version, "calibrated_at": wire.utcnow(),
    }
    if frames < 2:
        result["notice"] = "one frame measures no desk noise: calibrate with --frames 5 for a noise floor"
    if unsteady:
        result["notice"] = (f"the empty desk changes by {noise[0]:.0f} grey levels between frames (light or camera "
                            "moving): an item could not be told from that; steady them, then calibrate again")
    elif not_empty:
        result["notice"] = (f"{not_empty} of {frames} empty-desk frames looked like an item: clear the desk "
                            "and keep the light steady, then calibrate again")
    if result["ok"]:
        folder = station_dir(cfg)
        folder.mkdir(parents=True, exist_ok=True)
        ok, png = cv2.imencode(".png", reference)
        wire.durable_write(folder / "reference.png", png.tobytes())
        wire.durable_write(folder / "station.json", json.dumps(result, indent=2, sort_keys=True).encode())
        result["reference"] = str(folder / "reference.png")
    return result
