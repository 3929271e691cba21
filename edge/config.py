"""Kiosk configuration: a TOML file validated on load; secrets from the environment or $CREDENTIALS_DIRECTORY."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


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


def read_secret(env: str, credential: str) -> str | None:
    """Environment first, then the file systemd's LoadCredential= puts in $CREDENTIALS_DIRECTORY."""
    if os.environ.get(env):
        return os.environ[env]
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir and (Path(cred_dir) / credential).is_file():
        return (Path(cred_dir) / credential).read_text().strip()
    return None


def format_validation_error(path: Path | str, err: ValidationError) -> str:
    lines = [f"{path}: invalid configuration"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def parse_toml(path: Path | str) -> dict:
    path = Path(path)
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None


def load_config(path: Path | str) -> KioskConfig:
    data = parse_toml(path)
    try:
        cfg = KioskConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(path, e)) from None
    if not cfg.data_dir.is_absolute():
        cfg.data_dir = (Path(path).parent / cfg.data_dir).resolve()
    return cfg
