"""A demo return-desk station for `make demo` and `make demo-desk`: `returns-kiosk run` with a folder
camera, a FIFO scanner, mock pins and its touch screen on localhost."""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import cv2

from central.broker import LocalBroker
from edge.samples import desk_photo, write_samples
from tests import helpers


def station_toml(camera: Path, fifo: Path, port: int) -> str:
    """A laptop station's devices: the folder camera, a scanner reading the FIFO, mock pins, the screen."""
    return f"""[camera]
kind = "folder"
folder = "{camera}"
[scanner]
kind = "lines"
path = "{fifo}"
[panel]
pin_factory = "mock"
[screen]
port = {port}
"""


def start(folder: Path, kiosk: str, broker: LocalBroker, port: int) -> tuple[helpers.Proc, str, Path]:
    """Start the station; returns its process, the screen's address and the scanner FIFO. The camera
    replays sample stills, one of them blurry, so the gate has something to refuse."""
    photos = folder / "camera"
    write_samples(photos, count=4)
    cv2.imwrite(str(photos / "desk-001b.jpg"), cv2.GaussianBlur(desk_photo(1), (0, 0), 6))
    fifo = folder / "scanner.fifo"
    os.mkfifo(fifo)
    cfg = helpers.write_kiosk_config(folder / kiosk, kiosk, broker, extra=station_toml(photos, fifo, port))
    proc = helpers.kiosk_run(cfg, kiosk)
    helpers.wait_ready(proc, "desk screen: http", 30)
    url = proc.output().split("desk screen: ", 1)[1].split()[0]
    return proc, url, fifo


def _post(url: str, path: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(url.rstrip("/") + path, data=json.dumps(body or {}).encode(), method="POST",
                                 headers={"X-Desk": "1", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def walk(url: str, ref: str, category: str, photos: int = 2) -> dict:
    """Walk one return through the screen's buttons as a worker would: scan, capture (a refused still is
    captured again), pick the category, done, done. Returns the screen's last state."""
    _post(url, "/api/scan", {"code": ref})
    saved = 0
    for _ in range(photos * 6):
        view = _post(url, "/api/capture")
        if view["state"] != "refused":
            saved += 1
        if saved == photos:
            break
    _post(url, "/api/category", {"name": category})
    _post(url, "/api/done")
    return _post(url, "/api/done")
