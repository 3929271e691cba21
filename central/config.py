"""Hub configuration: a TOML file validated on load; secrets from the environment or $CREDENTIALS_DIRECTORY."""

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
    username: str = "hub"
    password_env: str = "RETURNS_HUB_MQTT_PASSWORD"
    password_credential: str = "mqtt-password"
    tls: bool = False
    ca_file: Path | None = None
    keepalive_s: int = Field(30, ge=5, le=3600)
    topic_prefix: str = "returnsdesk/v1"


class IngestConfig(_Section):
    max_photo_bytes: int = Field(12_000_000, gt=0)
    max_pixels: int = Field(50_000_000, gt=0)
    share_group: str = "hub"
    session_expiry_s: int = Field(7 * 24 * 3600, gt=0)


class CategoryConfig(_Section):
    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    label: str
    aliases: list[str] = []


class ClaimsConfig(_Section):
    # Empty: the default taxonomy in central/taxonomy.py.
    categories: list[CategoryConfig] = []
    small_value_limit: float = Field(250.0, ge=0)  # an exception "because the value is small" stays under this
    credit_due_days: int = Field(30, ge=1)


class HubConfig(_Section):
    data_dir: Path
    broker: BrokerConfig = BrokerConfig()
    ingest: IngestConfig = IngestConfig()
    claims: ClaimsConfig = ClaimsConfig()

    @property
    def db_path(self) -> Path:
        return self.data_dir / "hub.db"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    def mqtt_password(self) -> str | None:
        return read_secret(self.broker.password_env, self.broker.password_credential)


def read_secret(env: str, credential: str) -> str | None:
    if os.environ.get(env):
        return os.environ[env]
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir and (Path(cred_dir) / credential).is_file():
        return (Path(cred_dir) / credential).read_text().strip()
    return None


def load_config(path: Path | str) -> HubConfig:
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    try:
        cfg = HubConfig.model_validate(data)
    except ValidationError as e:
        lines = [f"{path}: invalid configuration"]
        for err in e.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"  {key}: {'unknown key' if err['type'] == 'extra_forbidden' else err['msg']}")
        raise ConfigError("\n".join(lines)) from None
    if not cfg.data_dir.is_absolute():
        cfg.data_dir = (path.parent / cfg.data_dir).resolve()
    return cfg
