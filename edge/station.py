"""The one place that wires a kiosk together: outbox, uplink, heartbeat (and, as they land, devices and desk)."""

from __future__ import annotations

from edge.outbox import DiskFull, Outbox
from edge.remote_config import RemoteConfig
from edge.telemetry import Heartbeat
from edge.uplink import Uplink


def disk_status(outbox) -> dict:
    try:
        outbox.check_space()
        return {"disk_low": False, "disk_message": None}
    except DiskFull as e:
        return {"disk_low": True, "disk_message": str(e)}


class Station:
    def __init__(self, cfg, providers=None):
        self.cfg = cfg
        self.cfg.data_dir.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox.from_config(cfg)
        self.health_checks: list = []
        # Settings and the gate model pushed by the hub; applied ones are reported at the next beat.
        self.remote = RemoteConfig(cfg, self.outbox, on_applied=self._report)
        self.remote.load_saved()
        self.uplink = Uplink(cfg, self.outbox, on_config=self.remote.on_config)
        self.heartbeat = Heartbeat(cfg, self.outbox, self.uplink,
                                   [self.remote.telemetry, self.disk_status, *(providers or [])])

    def _report(self) -> None:
        if getattr(self, "heartbeat", None) is not None:  # not while loading the saved config
            self.heartbeat.beat()

    @staticmethod
    def offline_status(cfg, outbox) -> dict:
        """Disk and config state for `returns-kiosk status`, without connecting to the broker."""
        remote = RemoteConfig(cfg, outbox)
        remote.load_saved()
        return {**disk_status(outbox), **remote.telemetry()}

    def start(self) -> "Station":
        self.uplink.start()
        self.heartbeat.start()
        return self

    def stop(self) -> None:
        self.heartbeat.stop()
        self.uplink.stop()

    def healthy(self) -> bool:
        """Every thread the station needs is still running (the systemd watchdog asks this).

        Devices add their own check to `health_checks` (e.g. the camera: a frame in the last few
        seconds), so a hung camera stops the pings and systemd restarts the station.
        """
        return self.uplink.alive() and self.heartbeat.alive() and all(c() for c in self.health_checks)

    def status_line(self) -> str:
        s = self.status()
        online = "online" if s["online"] else f"offline ({s['broker_error'] or 'connecting'})"
        disk = ", DISK LOW: photos paused" if s["disk_low"] else ""
        return f"{online}, outbox {s['outbox_depth']}{disk}"

    def disk_status(self) -> dict:
        """Whether the outbox still takes photos; the desk shows `disk_message` when it does not."""
        return disk_status(self.outbox)

    def status(self) -> dict:
        s = self.outbox.stats()
        s.update(kiosk=self.cfg.kiosk_id, online=self.uplink.connected, broker_error=self.uplink.last_error)
        s.update(self.disk_status())
        s.update(self.remote.telemetry())
        return s
