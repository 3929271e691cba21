"""The one place that wires a kiosk together: outbox, uplink, heartbeat (and, as they land, devices and desk)."""

from __future__ import annotations

from edge.outbox import Outbox
from edge.telemetry import Heartbeat
from edge.uplink import Uplink


class Station:
    def __init__(self, cfg, providers=None):
        self.cfg = cfg
        self.cfg.data_dir.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox.from_config(cfg)
        self.uplink = Uplink(cfg, self.outbox)
        self.heartbeat = Heartbeat(cfg, self.outbox, self.uplink, providers)

    def start(self) -> "Station":
        self.uplink.start()
        self.heartbeat.start()
        return self

    def stop(self) -> None:
        self.heartbeat.stop()
        self.uplink.stop()

    def healthy(self) -> bool:
        """Every thread the station needs is still running (the systemd watchdog asks this)."""
        return self.uplink.alive() and self.heartbeat.alive()

    def status_line(self) -> str:
        s = self.status()
        online = "online" if s["online"] else f"offline ({s['broker_error'] or 'connecting'})"
        return f"{online}, outbox {s['outbox_depth']}"

    def status(self) -> dict:
        s = self.outbox.stats()
        s.update(kiosk=self.cfg.kiosk_id, online=self.uplink.connected, broker_error=self.uplink.last_error)
        return s
