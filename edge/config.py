"""Kiosk configuration: a TOML file validated on load; secrets from the environment or $CREDENTIALS_DIRECTORY."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

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


class KioskConfig(_Section):
    kiosk_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
    data_dir: Path
    broker: BrokerConfig = BrokerConfig()
    outbox: OutboxConfig = OutboxConfig()
    telemetry: TelemetryConfig = TelemetryConfig()

    @property
    def mqtt_username(self) -> str:
        return self.broker.username or self.kiosk_id

    def mqtt_password(self) -> str | None:
        return read_secret(self.broker.password_env, self.broker.password_credential)


def load_config(path: Path | str) -> KioskConfig:
    return load_toml_model(path, KioskConfig)
