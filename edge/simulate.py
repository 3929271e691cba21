"""A headless station for the demo and tests: scripted return refs, a folder camera, the real gate, outbox and uplink."""

from __future__ import annotations

import time
from pathlib import Path

import cv2

from edge import wire
from edge.devices.camera import IMAGE_SUFFIXES, FolderCamera, folder_images  # noqa: F401
from edge.quality import Gate
from edge.station import Station


def jpeg_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\xff\xd8":
        return data
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"{path}: not an image")
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return buf.tobytes()


def _event(cfg, type_: str, return_ref: str, **body) -> dict:
    return {"event_id": wire.new_id(), "type": type_, "kiosk": cfg.kiosk_id, "at": wire.utcnow(),
            "return_ref": return_ref, **body}


def simulate(cfg, photos: Path, returns: list[str], *, per_return: int = 2, category: str = "scratch",
             interval: float = 0.0, wait: float = 60.0, station: Station | None = None,
             gate: Gate | None = None, accept_anyway: bool = False) -> dict:
    """Walk each return through the desk: open, photos of one item, item finished, close; then wait for acks.

    Every photo goes through the gate; a refused one is not queued but counted by reason, unless
    `accept_anyway` records the operator's override (verdict "override" with the reasons) and sends it.
    """
    gate = gate or Gate.from_config(cfg)
    camera = FolderCamera(photos)
    station = station or Station(cfg)
    station.start()
    started = time.time()
    taken, photo_ids, errors = 0, [], []
    refused: dict[str, int] = {}
    refused_photos = overrides = 0
    try:
        for ref in returns:
            station.outbox.add_event(_event(cfg, "session_opened", ref))
            item_photos = []
            for _ in range(per_return):
                jpeg = jpeg_bytes(camera.next_file())
                verdict = gate.check_bytes(jpeg)
                if not verdict.ok and not accept_anyway:
                    refused_photos += 1
                    for r in verdict.reasons:
                        refused[r] = refused.get(r, 0) + 1
                    continue
                overrides += not verdict.ok
                header = wire.PhotoHeader(
                    photo_id=wire.new_id(), kiosk=cfg.kiosk_id, return_ref=ref, item=1,
                    sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow(),
                    category=category, verdict="accepted" if verdict.ok else "override",
                    reasons=verdict.reasons, scores=verdict.scores, model_version=verdict.model_version,
                )
                try:
                    station.outbox.add_photo(header, jpeg)
                except Exception as e:  # the desk shows the message and keeps going
                    errors.append(str(e))
                    continue
                taken += 1
                item_photos.append(header.photo_id)
                station.uplink.wake()
                if interval:
                    time.sleep(interval)
            photo_ids += item_photos
            station.outbox.add_event(_event(cfg, "item_finished", ref, item=1, category=category,
                                            photo_ids=item_photos))
            station.outbox.add_event(_event(cfg, "session_closed", ref, items=1))
            station.uplink.wake()
        deadline = time.time() + wait
        while wait and time.time() < deadline and station.outbox.stats()["outbox_depth"]:
            time.sleep(0.05)
        s = station.status()
    finally:
        station.stop()
    return {
        "kiosk": cfg.kiosk_id, "returns": len(returns), "photos_taken": taken,
        "acked_stored": s["stored"], "rejected": s["rejected"], "pending": s["outbox_depth"],
        "errors": errors, "elapsed_s": round(time.time() - started, 3), "photo_ids": photo_ids,
        "refused": refused_photos, "refused_by_reason": refused, "overrides": overrides,
        "presence_checked": gate.reference is not None, "model_version": gate.model_version,
    }
