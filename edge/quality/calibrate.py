"""Station calibration (camera → gate): the empty-desk reference, a lighting check, the station's thresholds.

Writes <data_dir>/gate/reference.png and <data_dir>/gate/station.json (durably), which
`Gate.from_config` reads; until they exist the gate runs with item presence off.
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


def station_dir(cfg) -> Path:
    return cfg.data_dir / "gate"


def calibrate(cfg, camera, frames: int = 5) -> dict:
    """Take `frames` captures of the empty desk, median them into the reference, check the light.

    Nothing is written when the lighting is wrong: a reference taken in the dark would make every
    later photo look like "an item".
    """
    shots = [camera.capture() for _ in range(frames)]
    if len({s.shape for s in shots}) != 1:
        raise ValueError("the camera changed resolution during calibration")
    reference = np.median(np.stack(shots), axis=0).astype(np.uint8) if frames > 1 else shots[0]
    gate = Gate(None, GateThresholds(probability=dict(cfg.gate.thresholds)), cfg.gate.model_path, presence=False)
    light = gate.check_preview(reference)
    problems = [r for r in light.reasons if r in LIGHTING_REASONS]
    # how much the empty desk itself flickers from frame to frame: the floor under "item present"
    ref_small = features.presence_image(features.analysis_gray(reference))
    noise = [float(features.presence_features(features.presence_image(features.analysis_gray(s)), ref_small)[0])
             for s in shots]
    gate.set_reference(reference)
    empty = [gate.check_preview(s) for s in shots]
    not_empty = sum(1 for v in empty if "no_item" not in v.reasons)
    result = {
        "ok": not problems and not not_empty,
        "lighting": {"ok": not problems, "reasons": problems,
                     "messages": {r: light.messages[r] for r in problems},
                     "brightness": light.scores.get("brightness"), "clipped": light.scores.get("clipped")},
        "frames": frames, "size": [reference.shape[1], reference.shape[0]],
        "desk_noise": {"max_changed": round(max(noise), 5), "frames_not_seen_empty": not_empty},
        "thresholds": {**gate.model.thresholds, **cfg.gate.thresholds},
        "model_version": gate.model_version, "calibrated_at": wire.utcnow(),
    }
    if not_empty:
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
