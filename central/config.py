"""Hub configuration: a TOML file validated on load; secrets from the environment or $CREDENTIALS_DIRECTORY."""

from __future__ import annotations

import grp
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from central.taxonomy import DEFAULT_CATEGORIES
from edge.wire import ConfigError, load_toml_model, read_secret

__all__ = ["ConfigError", "HubConfig", "load_config", "read_secret"]


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
    threads: int = Field(2, ge=1, le=32)  # photos checked and stored at once by one worker
    batch_max: int = Field(16, ge=1, le=256)  # messages that arrived together share one commit, at most this many
    session_expiry_s: int = Field(7 * 24 * 3600, gt=0)


class WebConfig(_Section):
    """`returns-hub serve`: where it listens, cookie and upload limits, login throttling, fleet alert levels."""
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    threads: int = Field(8, ge=1, le=64)
    secure_cookies: bool = True
    secret_env: str = "RETURNS_HUB_SECRET_KEY"
    secret_credential: str = "secret-key"
    metrics_token_env: str = "RETURNS_HUB_METRICS_TOKEN"
    metrics_token_credential: str = "metrics-token"
    max_upload_mb: float = Field(20, gt=0)
    login_max_failures: int = Field(5, ge=1)
    login_window_s: int = Field(300, ge=1)
    heartbeat_stale_s: int = Field(90, ge=1)
    queue_stall_s: int = Field(600, ge=1)
    reject_jump: float = Field(0.25, gt=0, le=1)
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (0: none; the client
    # address is then the socket's). Behind one proxy, 1: login throttling and the audit log see the browser.
    trusted_proxies: int = Field(0, ge=0, le=5)
    redaction_workers: int = Field(1, ge=1, le=16)  # processes that scan photos for the pages, off the web threads

    def secret_key(self) -> str | None:
        return read_secret(self.secret_env, self.secret_credential)

    def metrics_token(self) -> str | None:
        return read_secret(self.metrics_token_env, self.metrics_token_credential)


class DefectCategory(_Section):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    aliases: list[str] = []


class ClaimsConfig(_Section):
    categories: list[DefectCategory] = [DefectCategory(**c) for c in DEFAULT_CATEGORIES]
    currency: str = "EUR"
    # At or below, an approval may be a small-value exception; money is finite (TOML allows `inf`).
    small_value_limit: float = Field(150.0, ge=0, allow_inf_nan=False)
    credit_due_days: int = Field(30, ge=1)
    evidence_due_days: int = Field(14, ge=1)


def _group_if_exists(name: str) -> str | None:
    try:
        return grp.getgrnam(name).gr_name
    except KeyError:
        return None


class ProvisionConfig(_Section):
    """Where the production broker's files live, and what a new kiosk's bundle points at."""
    passwd_file: Path | None = None  # unset: `kiosk add` only registers the kiosk in the hub
    acl_file: Path | None = None
    broker_pid_file: Path | None = None  # Mosquitto is sent SIGHUP (reload users and ACL) after a change
    bundle_dir: Path | None = None  # default: {data_dir}/kiosks
    broker_host: str = "hub.local"  # the name kiosks reach the broker by (on the server certificate)
    broker_port: int = Field(8883, ge=1, le=65535)
    client_cert_port: int | None = Field(None, ge=1, le=65535)
    tls: bool = True
    ca_file: Path | None = None  # copied into each bundle
    cert_file: Path | None = None
    key_file: Path | None = None
    bind: str = "0.0.0.0"
    persistence_dir: Path = Path("/var/lib/mosquitto")
    run_as_user: str = "mosquitto"
    # Group of the passwd and ACL files (mode 0640), set on every write: Mosquitto 2 reads them after
    # dropping to its own user. Default: `mosquitto` where that group exists.
    passwd_group: str | None = Field(default_factory=lambda: _group_if_exists("mosquitto"))
    max_queued_messages: int = Field(5000, gt=0)
    max_queued_mb: int = Field(512, gt=0)
    kiosk_etc_dir: Path = Path("/etc/returns-desk")
    kiosk_data_dir: Path = Path("/var/lib/returns-desk")
    disk_min_free_mb: int = Field(2000, ge=0)  # the hub warns in stats and logs below this


class HubConfig(_Section):
    data_dir: Path
    broker: BrokerConfig = BrokerConfig()
    ingest: IngestConfig = IngestConfig()
    web: WebConfig = WebConfig()
    claims: ClaimsConfig = ClaimsConfig()
    provision: ProvisionConfig = ProvisionConfig()

    @property
    def db_path(self) -> Path:
        return self.data_dir / "hub.db"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    def mqtt_password(self) -> str | None:
        return read_secret(self.broker.password_env, self.broker.password_credential)


def load_config(path: Path | str) -> HubConfig:
    return load_toml_model(path, HubConfig)
