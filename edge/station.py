"""The one place that wires a kiosk together: outbox, uplink, heartbeat, and the desk with its devices and screen."""

from __future__ import annotations

import logging
import threading

from edge.outbox import DiskFull, Outbox
from edge.remote_config import RemoteConfig
from edge.telemetry import Heartbeat
from edge.uplink import Uplink

log = logging.getLogger(__name__)


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
        self.desk = self.camera = self.scanner = self.panel = self.preview = self.server = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Each check returns what is wrong (None when fine); any problem withholds the watchdog ping.
        self.health_checks: list = [self._uplink_problem]
        # Settings and the gate model pushed by the hub; applied ones are reported at the next beat.
        self.remote = RemoteConfig(cfg, self.outbox, on_applied=self._report)
        self.remote.load_saved()
        self.uplink = Uplink(cfg, self.outbox, on_config=self.remote.on_config)
        self.heartbeat = Heartbeat(cfg, self.outbox, self.uplink,
                                   [self.remote.telemetry, self.disk_status, *(providers or [])])

    def _report(self) -> None:
        self._use_remote_model()
        self._use_remote_settings()
        if getattr(self, "heartbeat", None) is not None:  # not while loading the saved config
            self.heartbeat.beat()

    def _use_remote_model(self) -> None:
        """Run the gate on the model the hub pushed, once it is on disk with its manifest."""
        gate, path = getattr(self, "gate", None), self.remote.model_path
        if gate is None or path is None or gate.model.path == path:
            return
        from edge.quality.model import ModelError

        try:
            gate.use_model(path)
        except ModelError as e:
            self.remote.error = f"model {self.remote.model_version} not in use, the gate keeps {gate.model_version}: {e}"
            log.error("%s", self.remote.error)

    def _use_remote_settings(self) -> None:
        """Thresholds and categories the hub pushed, into the running gate and desk (no restart)."""
        if getattr(self, "gate", None) is not None:
            self.gate.set_thresholds(self.cfg.gate.thresholds)
        if self.desk is not None:
            self.desk.set_categories(self.cfg.desk.categories)

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
        self._stop.set()
        if self.server:
            self.server.shutdown()
        if self.preview:
            self.preview.stop()
        for t in self._threads:
            t.join(3)
        for part in (self.scanner, self.panel, self.camera):
            if part is not None:
                part.close()
        if self.desk:
            self.desk.close()
        self.heartbeat.stop()
        self.uplink.stop()

    def healthy(self) -> bool:
        """Every thread the station needs runs and makes progress (the systemd watchdog asks this).

        Devices add their own check to `health_checks` (the camera: no call hanging), so a hung
        camera or a stuck MQTT callback stops the pings and systemd restarts the station.
        """
        problems = [p for p in (check() for check in self.health_checks) if p]
        if problems:
            log.warning("withholding the watchdog ping: %s", "; ".join(problems))
        return not problems

    def _uplink_problem(self) -> str | None:
        if not (self.uplink.alive() and self.heartbeat.alive()):
            return "an uplink or heartbeat thread has stopped"
        stalled = self.uplink.stalled_for()
        if stalled > self.cfg.watchdog.stall_s:
            return f"uplink stalled for {stalled:.0f}s"
        return None

    def _camera_problem(self) -> str | None:
        stuck = self.camera.stuck_for()
        return f"camera call hanging for {stuck:.0f}s" if stuck > self.cfg.watchdog.stall_s else None

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

    # --- the desk ------------------------------------------------------------------------------

    def open_desk(self, *, camera=None, scanner=None, gate=None, panel=None, screen: bool | None = None):
        """Devices from config (or given; panel=False for none), the gate, the desk workflow, and its screen."""
        from edge.desk import Desk
        from edge.devices.camera import WatchedCamera, open_camera
        from edge.devices.scanner import open_scanner
        from edge.quality import Gate

        cfg = self.cfg
        self.gate = gate or Gate.from_config(cfg)
        self._use_remote_model()
        self.camera = WatchedCamera(camera or open_camera(cfg))
        self.health_checks.append(self._camera_problem)
        self.scanner = scanner or open_scanner(cfg)
        if panel is None and cfg.panel.enabled:
            from edge.devices.panel import Panel

            panel = Panel.from_config(cfg)
        self.panel = panel or None
        self.desk = Desk(cfg, gate=self.gate, camera=self.camera, outbox=self.outbox, status=self.status)
        self.desk.listeners.append(lambda _desk: self.uplink.wake())  # a saved photo goes out at once
        self.heartbeat.providers.append(self.desk_health)
        if self.panel:
            self._wire_panel()
        self._spawn("desk-input", self._pump_scanner)
        if screen if screen is not None else cfg.screen.enabled:
            self._serve_screen()
        return self.desk

    def desk_health(self) -> dict:
        """The desk's part of the heartbeat: devices, model, what the gate refused and why."""
        return {"camera_ok": bool(getattr(self.camera, "healthy", True)),
                "scanner_ok": bool(self.scanner.healthy), "scanner_error": self.scanner.last_error,
                "model_version": self.gate.model_version, "desk_state": self.desk.state, **self.desk.counts}

    def _spawn(self, name: str, target) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def _pump_scanner(self) -> None:
        while not self._stop.is_set():
            code = self.scanner.read(timeout=0.5)
            try:
                if code:
                    self.desk.handle_code(code)
                self.desk.tick()
            except Exception:  # one bad scan must not stop the desk
                log.exception("desk input failed")

    def _wire_panel(self) -> None:
        panel, desk = self.panel, self.desk
        panel.on_capture(desk.capture)
        panel.on_done(desk.done)
        heard: dict[str, str] = {}

        def follow(d) -> None:
            v = d.view()
            panel.light(v["state"] != "idle")
            status = ("error" if v["notice"]["level"] == "error" else "busy" if v["busy"]
                      else "ready" if v["online"] else "offline")
            panel.set_status(status)
            for shot in v["photos"]:
                if heard.get(shot["id"]) != shot["verdict"] and (shot["saved"] or shot["verdict"] == "refused"):
                    heard[shot["id"]] = shot["verdict"]
                    wrong_item = (shot.get("label") or {}).get("match") is False
                    (panel.refuse_sound if shot["verdict"] == "refused" or wrong_item else panel.accept_sound)()
        desk.listeners.append(follow)
        follow(desk)

    def _serve_screen(self) -> None:
        from werkzeug.serving import make_server

        from edge.screen import create_app
        from edge.screen.preview import Preview

        sc = self.cfg.screen
        on_hints = (lambda v: self.panel.light(self.desk.state != "idle", "too_dark" in v.reasons)) if self.panel else None
        self.preview = Preview(self.camera, self.gate, fps=sc.preview_fps, hints_every=sc.hints_every,
                               on_hints=on_hints).start()
        app = create_app(self.desk, self.preview)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per long-poll in the journal
        self.server = make_server(sc.host, sc.port, app, threaded=True)
        self.screen_url = f"http://{sc.host}:{self.server.server_port}/"
        self._spawn("screen", self.server.serve_forever)
        log.info("desk screen on %s", self.screen_url)
