"""`returns-kiosk check` and `returns-kiosk calibrate`: the gate on files, and a station's calibration."""

from __future__ import annotations

import json
import sys


def cmd_check(args) -> int:
    from edge.quality.gate import Gate

    gate = Gate(reference=None, model_path=args.model)
    if args.reference:
        try:
            gate.set_reference(args.reference)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    else:
        print(f"notice: {gate.notice}", file=sys.stderr)
    refused = 0
    for path in args.images:
        v = gate.check_file(path)
        refused += not v.ok
        if args.json:
            print(json.dumps({"path": path, "ok": v.ok, "reasons": v.reasons, "scores": v.scores, "ms": v.ms,
                              "messages": v.messages, "presence_checked": v.presence_checked,
                              "model_version": v.model_version}), flush=True)
        elif v.ok:
            print(f"{path}: ok ({v.ms:.1f} ms)")
        else:
            print(f"{path}: refused — {'; '.join(v.messages[r] for r in v.reasons)} "
                  f"[{', '.join(v.reasons)}] ({v.ms:.1f} ms)")
    return 1 if refused else 0


def cmd_calibrate(args) -> int:
    from edge import config as kconfig
    from edge.devices.camera import CameraError, open_camera
    from edge.quality.calibrate import calibrate

    cfg = kconfig.load_config(args.config)
    try:
        with open_camera(cfg) as camera:
            result = calibrate(cfg, camera, frames=args.frames)
    except CameraError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result, sort_keys=True))
    elif result["ok"]:
        floor = result["presence_floor"]
        print(f"calibrated: reference {result['reference']}, brightness {result['lighting']['brightness']}, "
              f"desk noise floor {floor['tone']} (tone) {floor['texture']} (texture) grey levels")
        if "notice" in result:
            print(result["notice"])
    else:
        for msg in result["lighting"]["messages"].values():
            print(f"lighting: {msg}")
        if "notice" in result:
            print(result["notice"])
        print("not calibrated: nothing written")
    return 0 if result["ok"] else 1


def _frames(text: str) -> int:
    import argparse

    if not text.isdigit() or not 1 <= int(text) <= 50:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of frames from 1 to 50")
    return int(text)


def register(sub) -> None:
    s = sub.add_parser("check", help="run the quality gate on image files",
                       description="Judge each IMAGE with the quality gate. Exit 0 when all pass, 1 when "
                                   "any is refused, 2 on a bad --reference.")
    s.add_argument("images", nargs="+", metavar="IMAGE")
    s.add_argument("--reference", help="empty-desk photo: also check the item is in the zone and not cut off")
    s.add_argument("--json", action="store_true", help="one JSON object per image and line")
    s.add_argument("--model", help="gate model (default: models/gate.onnx)")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("calibrate", help="take the empty-desk reference and fit this station's item-presence threshold",
                       description="Take FRAMES captures of the empty desk: their median is the reference, their "
                                   "differences from each other the desk's noise, which raises the difference "
                                   "that counts as 'an item is there' by as much (the presence floor). kiosk.toml's thresholds are not copied: they apply when "
                                   "the gate loads. Exit 1 (nothing written) on bad light or an unsteady desk.")
    s.add_argument("--config", required=True)
    s.add_argument("--frames", type=_frames, default=5, help="captures of the empty desk (at least 2 to measure noise)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_calibrate)
