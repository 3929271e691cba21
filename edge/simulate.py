"""A headless station for the demo and tests: scripted scans and button presses through the real desk workflow.

Photos come from a folder camera, every capture goes through the real gate, the desk writes photos and
session events to the real outbox, and the uplink sends them to the hub.
"""

from __future__ import annotations

import time
from pathlib import Path

from edge.devices.camera import FolderCamera
from edge.devices.scanner import ScriptedScanner
from edge.station import Station

MAX_RETAKES = 2  # then the simulated worker accepts anyway, as a real one would after a few tries


def simulate(cfg, photos: Path, returns: list[str], *, per_return: int = 2, category: str = "scratch",
             interval: float = 0.0, wait: float = 60.0, station: Station | None = None) -> dict:
    """Walk each return through the desk: scan its label, capture photos, scan a category card, done, done."""
    if category not in cfg.desk.categories:
        raise ValueError(f"category {category!r} is not one of this desk's: {', '.join(cfg.desk.categories)}")
    station = station or Station(cfg)
    station.start()
    done_code = cfg.scanner.commands["done"]
    card = cfg.scanner.category_card.format(category=category)
    started = time.time()
    errors: list[str] = []
    refused = overrides = 0
    try:
        desk = station.open_desk(camera=FolderCamera(photos), scanner=ScriptedScanner(), panel=False,
                                 screen=False)
        scanner = station.scanner

        def scan(code: str) -> None:
            seen = desk.version
            scanner.push(code)  # through the same scanner → desk path as a real scan
            deadline = time.time() + 10
            while desk.version == seen and time.time() < deadline:  # every handled code changes the desk
                time.sleep(0.002)

        def note_error() -> None:
            if desk.notice["level"] == "error" and desk.notice["text"].startswith("Not saved"):
                errors.append(desk.notice["text"])

        for ref in returns:
            scan(ref)
            for _ in range(per_return):
                shot = desk.capture()
                tries = 0
                while shot and shot["verdict"] == "refused":
                    refused += 1
                    if tries == MAX_RETAKES:
                        shot = desk.accept_anyway()
                        overrides += 1
                        break
                    tries += 1
                    shot = desk.retake()
                note_error()
                if interval:
                    time.sleep(interval)
            scan(card)
            scan(done_code)  # item finished
            scan(done_code)  # return finished
        deadline = time.time() + wait
        while wait and time.time() < deadline and station.outbox.stats()["outbox_depth"]:
            time.sleep(0.05)
        s = station.status()
        photo_ids = [r["id"] for r in station.outbox.ledger("photo") if r["created_at"] >= started]
    finally:
        station.stop()
    return {
        "kiosk": cfg.kiosk_id, "returns": len(returns), "photos_taken": len(photo_ids),
        "acked_stored": s["stored"], "rejected": s["rejected"], "pending": s["outbox_depth"],
        "errors": errors, "elapsed_s": round(time.time() - started, 3), "photo_ids": photo_ids,
        "refused": refused, "overrides": overrides,
    }
