"""Kiosk configuration: a TOML file validated on load; secrets from the environment or $CREDENTIALS_DIRECTORY."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from edge.wire import ConfigError, format_validation_error, load_toml_model, read_secret

__all__ = ["ConfigError", "KioskConfig", "format_validation_error", "load_config", "read_secret"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BrokerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(1883, ge=1, le=65535)
    username: str | None = None  # defaults to the kiosk id, which the broker ACL pins
    password_env: str = "RETURNS_KIOSK_MQTT_PASSWORD"
    password_credential: str = "mqtt-password"
    tls: bool = False
    ca_file: Path | None = None
    keepalive_s: int = Field(30, ge=5, le=3600)
    topic_prefix: str = "returnsdesk/v1"


class OutboxConfig(_Section):
    max_photo_bytes: int = Field(8_000_000, gt=0)
    min_free_mb: int = Field(200, ge=0)
    ack_timeout_s: float = Field(20.0, gt=0)
    retry_initial_s: float = Field(1.0, gt=0)
    retry_max_s: float = Field(60.0, gt=0)
    max_inflight: int = Field(16, ge=1, le=1000)


class TelemetryConfig(_Section):
    interval_s: float = Field(30.0, gt=0)


class ScannerConfig(_Section):
    kind: Literal["evdev", "lines", "scripted"] = "scripted"
    device: str | None = None  # evdev: /dev/input/eventN, or a name fragment to find it (hot-plug)
    layout: Literal["us", "de", "fr"] = "us"  # keyboard layout the scanner is set to emit
    path: str | None = None  # lines: a file or serial tty to read; None = stdin
    script: list[str] = Field(default_factory=list)  # scripted: codes played once, in order
    delay_s: float = Field(0.0, ge=0)  # scripted: pause before each code
    # Patterns that say what a scanned code means (Python regex, matched against the whole code).
    return_pattern: str = r"RMA-[A-Z0-9-]{1,40}"
    category_pattern: str = r"CAT-(?P<category>[a-z_]{1,40})"
    category_card: str = "CAT-{category}"  # what a category card carries (printing the sheet, simulate)
    commands: dict[str, str] = Field(default_factory=lambda: {
        "done": "CMD-DONE", "retake": "CMD-RETAKE", "cancel": "CMD-CANCEL", "accept": "CMD-ACCEPT"})

    @field_validator("return_pattern", "category_pattern")
    @classmethod
    def _regex(cls, v: str) -> str:
        try:
            re.compile(v)
        except re.error as e:
            raise ValueError(f"not a valid regular expression ({e})") from None
        return v


class PanelConfig(_Section):
    enabled: bool = True
    # default: gpiozero picks; lgpio: the Pi's real pins, no fallback; mock: gpiozero's simulated pins
    pin_factory: Literal["default", "lgpio", "mock"] = "default"
    ring_light: int | None = 18  # PWM pin
    capture_button: int | None = 17
    done_button: int | None = 27
    status_led: int | None = 22
    buzzer: int | None = 23
    light_level: float = Field(0.6, ge=0, le=1)
    low_light_level: float = Field(1.0, ge=0, le=1)
    bounce_s: float = Field(0.05, ge=0)


class DeskConfig(_Section):
    # the hub's taxonomy codes (`returns-hub categories`) arrive with `kiosk push-config`
    categories: list[str] = Field(min_length=1, default_factory=lambda: [
        "scratch", "dent", "crack", "stain", "missing_part", "wrong_item", "packaging_damage", "not_working",
        "other"])
    session_timeout_s: float = Field(300.0, gt=0)  # no input for this long: close the return
    on_restart: Literal["resume", "close"] = "resume"
    label_check: bool = True
    thumb_width: int = Field(240, ge=32, le=1024)


class ScreenConfig(_Section):
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8088, ge=0, le=65535)
    preview_fps: float = Field(15.0, gt=0, le=60)
    hints_every: int = Field(3, ge=1)  # run the gate on every Nth preview frame


class WatchdogConfig(_Section):
    # A camera call or an uplink pass (MQTT callback, send pass) running longer than this counts as
    # hung: the station withholds its systemd watchdog ping and systemd restarts it.
    stall_s: float = Field(30.0, gt=0)


class CameraConfig(_Section):
    kind: Literal["folder", "picamera2", "v4l2"] = "folder"
    folder: Path | None = None  # folder camera: the images it replays, in name order, cycling
    device: int | str = 0  # v4l2: /dev/videoN index or path
    width: int = Field(4056, ge=16, le=20000)  # still size
    height: int = Field(3040, ge=16, le=20000)
    preview_width: int = Field(640, ge=16, le=4000)
    preview_height: int = Field(480, ge=16, le=4000)
    low_light: bool = False  # picamera2: longer exposure and more analogue gain
    exposure_us: int | None = Field(None, gt=0)
    gain: float | None = Field(None, gt=0)
    hang_after_frames: int | None = Field(None, ge=0)  # folder camera: hang like a stuck driver (watchdog drill)


class GateConfig(_Section):
    model_path: Path | None = None  # default: models/gate.onnx of this install
    reference: Path | None = None  # default: <data_dir>/gate/reference.png written by calibrate
    presence: bool = True  # item presence/cut-off checks (need an empty-desk reference)
    min_width: int = Field(640, ge=1)
    min_height: int = Field(480, ge=1)
    max_pixels: int = Field(100_000_000, gt=0)
    thresholds: dict[str, float] = Field(default_factory=dict)  # per-reason probability, over the model's

    @field_validator("thresholds")
    @classmethod
    def _known_reasons(cls, v: dict[str, float]) -> dict[str, float]:
        known = ("blurry", "too_dark", "too_bright", "glare", "no_item", "item_cut_off")
        for k, x in v.items():
            if k not in known:
                raise ValueError(f"unknown reason {k!r} (one of {', '.join(known)})")
            if not 0 < x < 1:
                raise ValueError(f"{k}: a probability threshold must be between 0 and 1")
        return v


class KioskConfig(_Section):
    kiosk_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    data_dir: Path
    broker: BrokerConfig = BrokerConfig()
    outbox: OutboxConfig = OutboxConfig()
    telemetry: TelemetryConfig = TelemetryConfig()
    scanner: ScannerConfig = ScannerConfig()
    panel: PanelConfig = PanelConfig()
    desk: DeskConfig = DeskConfig()
    screen: ScreenConfig = ScreenConfig()
    camera: CameraConfig = CameraConfig()
    gate: GateConfig = GateConfig()
    watchdog: WatchdogConfig = WatchdogConfig()

    @property
    def mqtt_username(self) -> str:
        return self.broker.username or self.kiosk_id

    def mqtt_password(self) -> str | None:
        return read_secret(self.broker.password_env, self.broker.password_credential)


def load_config(path: Path | str) -> KioskConfig:
    cfg = load_toml_model(path, KioskConfig)
    for section, key in ((cfg.camera, "folder"), (cfg.gate, "model_path"), (cfg.gate, "reference")):
        value = getattr(section, key)
        if value is not None and not value.is_absolute():
            setattr(section, key, (Path(path).parent / value).resolve())
    return cfg
