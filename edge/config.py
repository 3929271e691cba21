"""Kiosk configuration: a TOML file validated on load; secrets from the environment or $CREDENTIALS_DIRECTORY."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from edge.wire import ConfigError, load_toml_model, read_secret

__all__ = ["ConfigError", "KioskConfig", "load_config", "read_secret"]


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
    camera: CameraConfig = CameraConfig()
    gate: GateConfig = GateConfig()

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
