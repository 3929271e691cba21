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
        print(f"calibrated: reference {result['reference']}, brightness {result['lighting']['brightness']}")
    else:
        for msg in result["lighting"]["messages"].values():
            print(f"lighting: {msg}")
        if "notice" in result:
            print(result["notice"])
        print("not calibrated: nothing written")
    return 0 if result["ok"] else 1


def register(sub) -> None:
    s = sub.add_parser("check", help="run the quality gate on image files",
                       description="Judge each IMAGE with the quality gate. Exit 0 when all pass, 1 when "
                                   "any is refused, 2 on a bad --reference.")
    s.add_argument("images", nargs="+", metavar="IMAGE")
    s.add_argument("--reference", help="empty-desk photo: also check the item is in the zone and not cut off")
    s.add_argument("--json", action="store_true", help="one JSON object per image and line")
    s.add_argument("--model", help="gate model (default: models/gate.onnx)")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("calibrate", help="take the empty-desk reference and fit this station's thresholds")
    s.add_argument("--config", required=True)
    s.add_argument("--frames", type=int, default=5, help="captures of the empty desk to combine")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_calibrate)
