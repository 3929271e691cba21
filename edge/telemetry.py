"""Kiosk heartbeat: outbox + devices → telemetry topic (QoS 0, retained), every `telemetry.interval_s`."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Callable

from edge import wire


def cpu_temperature_c(path: Path = Path("/sys/class/thermal/thermal_zone0/temp")) -> float | None:
    try:
        return round(int(path.read_text().strip()) / 1000, 1)
    except (OSError, ValueError):
        return None


class Heartbeat:
    """Builds the heartbeat from the outbox and any number of providers (camera, gate, desk)."""

    def __init__(self, cfg, outbox, uplink, providers: list[Callable[[], dict]] | None = None):
        self.cfg = cfg
        self.outbox = outbox
        self.uplink = uplink
        self.providers = list(providers or [])
        self.started = time.time()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def snapshot(self) -> dict:
        ob = self.outbox.stats()
        data = {
            "kiosk": self.cfg.kiosk_id,
            "at": wire.utcnow(),
            "uptime_s": round(time.time() - self.started, 1),
            "outbox_depth": ob["outbox_depth"],
            "outbox_oldest_age_s": ob["oldest_unacked_age_s"],
            "last_ack_age_s": ob["last_ack_age_s"],
            "disk_free_mb": shutil.disk_usage(self.cfg.data_dir).free // (1024 * 1024),
            "cpu_temp_c": cpu_temperature_c(),
        }
        for provide in self.providers:
            data.update(provide())
        return data

    def beat(self) -> bool:
        return self.uplink.publish_telemetry(self.snapshot())

    def _run(self) -> None:
        while not self._stop.wait(self.cfg.telemetry.interval_s):
            try:
                self.beat()
            except Exception:  # a heartbeat must never take the station down
                pass

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
