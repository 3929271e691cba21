"""A headless station for the demo and tests: scripted scans and button presses through the real desk workflow.

Photos come from a folder camera, every capture goes through the real gate, the desk writes photos and
session events to the real outbox, and the uplink sends them to the hub.
"""

from __future__ import annotations

import time
from pathlib import Path

from edge.devices.camera import FolderCamera
from edge.devices.scanner import ScriptedScanner
from edge.quality import Gate
from edge.station import Station


def simulate(cfg, photos: Path, returns: list[str], *, per_return: int = 2, category: str = "scratch",
             interval: float = 0.0, wait: float = 60.0, station: Station | None = None,
             gate: Gate | None = None, accept_anyway: bool = False) -> dict:
    """Walk each return through the desk: scan its label, press capture `per_return` times, scan a category
    card, done (item), done (return); then wait for the hub's acks.

    A photo the gate refuses is discarded and counted by reason, unless `accept_anyway` presses
    "accept anyway" (recorded as verdict "override" with the reasons) and sends it.
    """
    if category not in cfg.desk.categories:
        raise ValueError(f"category {category!r} is not one of this desk's: {', '.join(cfg.desk.categories)}")
    gate = gate or Gate.from_config(cfg)
    station = station or Station(cfg)
    station.start()
    commands = cfg.scanner.commands
    card = cfg.scanner.category_card.format(category=category)
    started = time.time()
    errors: list[str] = []
    refused: dict[str, int] = {}
    refused_photos = overrides = 0
    try:
        desk = station.open_desk(camera=FolderCamera(photos), scanner=ScriptedScanner(), gate=gate, panel=False,
                                 screen=False)
        scanner = station.scanner

        def scan(code: str) -> None:
            seen = desk.version
            scanner.push(code)  # through the same scanner → desk path as a real scan
            deadline = time.time() + 10
            while desk.version == seen and time.time() < deadline:  # every handled code changes the desk
                time.sleep(0.002)

        for ref in returns:
            scan(ref)
            if desk.session is None:  # the label was not taken as a return: say why, never skip quietly
                errors.append(f"{ref}: {desk.notice['text']}")
                continue
            for _ in range(per_return):
                shot = desk.capture()
                if shot and shot["verdict"] == "refused":
                    if accept_anyway:
                        shot = desk.accept_anyway()
                        overrides += 1
                    else:
                        refused_photos += 1
                        for r in shot["reasons"]:
                            refused[r] = refused.get(r, 0) + 1
                        desk.cancel()  # discard the refused photo
                if desk.notice["level"] == "error" and desk.notice["text"].startswith("Not saved"):
                    errors.append(desk.notice["text"])
                if interval:
                    time.sleep(interval)
            if desk.session and desk.session.photos:
                scan(card)
                scan(commands["done"])  # item finished
                scan(commands["done"])  # return finished
            elif desk.session:
                scan(commands["cancel"])  # nothing usable was photographed: close the return as cancelled
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
        "refused": refused_photos, "refused_by_reason": refused, "overrides": overrides,
        "presence_checked": gate.reference is not None, "model_version": gate.model_version,
    }
