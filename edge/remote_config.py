"""Remote config: hub → retained `kiosks/{kiosk}/config` → uplink → here → the running station.

A config is validated as a whole (settings through the same pydantic model as kiosk.toml, the gate
model against its sha256) before anything changes; a refused one leaves the running config in place
and is reported in telemetry (`config_error`) and the log. What was applied is saved under the data
folder, so a restart comes back on the same version before the broker is even reachable.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading

from pydantic import ValidationError

from edge import wire
from edge.config import KioskConfig, format_validation_error

log = logging.getLogger(__name__)

# What the hub may set: whole sections, or (gate, desk) only the named keys. kiosk_id, data_dir,
# broker and the devices stay as set on the Pi.
REMOTE_KEYS: dict[str, tuple[str, ...] | None] = {
    "outbox": None, "telemetry": None, "gate": ("thresholds",), "desk": ("categories",)}
REMOTE_SECTIONS = tuple(REMOTE_KEYS)


class ConfigRefused(ValueError):
    pass


class RemoteConfig:
    def __init__(self, cfg, outbox=None, on_applied=None):
        self.cfg = cfg
        self.outbox = outbox
        self.on_applied = on_applied
        self.version: str | None = None
        self.model_version: str | None = None
        self.model_sha256: str | None = None
        self.error: str | None = None
        self._lock = threading.Lock()
        self.saved = cfg.data_dir / "remote-config.json"
        self.models = cfg.data_dir / "models"

    @property
    def model_path(self):
        """The gate model the hub sent last (None: the gate keeps its built-in model)."""
        return self.models / f"{self.model_sha256}.onnx" if self.model_sha256 else None

    def load_saved(self) -> None:
        if self.saved.exists():
            try:
                self.apply(self.saved.read_bytes(), save=False)
            except ConfigRefused as e:
                log.error("saved remote config not applied: %s", e)

    def on_config(self, payload: bytes) -> None:
        """Uplink callback (paho's thread): never raises; a refusal is logged and reported."""
        if not payload:
            return  # the retained config was cleared on the hub
        try:
            self.apply(payload)
        except ConfigRefused as e:
            self.error = str(e)
            log.error("remote config refused, still running %s: %s", self.version or "the local config", e)
        except Exception as e:  # a config must never take the station down
            self.error = f"internal error: {e}"
            log.exception("remote config failed")

    def _validate(self, doc: dict) -> tuple[KioskConfig, dict | None, bytes | None]:
        if not isinstance(doc, dict) or not isinstance(doc.get("version"), str) or not doc["version"]:
            raise ConfigRefused("no version")
        settings = doc.get("settings") or {}
        if not isinstance(settings, dict) or set(settings) - set(REMOTE_KEYS):
            raise ConfigRefused(f"only {', '.join(REMOTE_SECTIONS)} may be set remotely")
        data = self.cfg.model_dump()
        for section, values in settings.items():
            if not isinstance(values, dict):
                raise ConfigRefused(f"{section}: expected a table of settings")
            allowed = REMOTE_KEYS[section]
            if allowed is not None and set(values) - set(allowed):
                raise ConfigRefused(f"{section}: only {', '.join(allowed)} may be set remotely")
            if section == "gate" and isinstance(values.get("thresholds"), dict):  # over the Pi's own
                values = {**values, "thresholds": {**data["gate"]["thresholds"], **values["thresholds"]}}
            data[section] = {**data[section], **values}
        try:
            new = KioskConfig.model_validate(data)
        except ValidationError as e:
            raise ConfigRefused(format_validation_error("remote config " + doc["version"], e)) from None
        model, blob = doc.get("model"), None
        if model is not None:
            if not isinstance(model, dict) or not all(isinstance(model.get(k), str) for k in ("version", "sha256")):
                raise ConfigRefused("model: needs version and sha256")
            if not (self.models / f"{model['sha256']}.onnx").exists():  # only verified bytes are stored
                try:
                    blob = base64.b64decode(model.get("data_b64") or "", validate=True)
                except (binascii.Error, ValueError):
                    raise ConfigRefused("model: data is not base64") from None
                if wire.sha256_hex(blob) != model["sha256"]:
                    raise ConfigRefused(f"model {model['version']}: sha256 mismatch "
                                        f"(got {wire.sha256_hex(blob)[:12]}…, expected {model['sha256'][:12]}…)")
            if model.get("manifest_b64"):
                try:
                    manifest = json.loads(base64.b64decode(model["manifest_b64"], validate=True))
                except (binascii.Error, ValueError):
                    raise ConfigRefused("model: manifest is not base64 JSON") from None
                if not isinstance(manifest, dict) or manifest.get("sha256") != model["sha256"]:
                    raise ConfigRefused(f"model {model['version']}: its manifest names another sha256")
        return new, model, blob

    def apply(self, payload: bytes, save: bool = True) -> None:
        try:
            doc = json.loads(payload)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ConfigRefused(f"not JSON: {e}") from None
        with self._lock:
            new, model, blob = self._validate(doc)
            if blob is not None:
                self.models.mkdir(parents=True, exist_ok=True)
                if model.get("manifest_b64"):  # beside the model, where the gate looks for it
                    wire.durable_write(self.models / f"{model['sha256']}.json",
                                       base64.b64decode(model["manifest_b64"]))
                wire.durable_write(self.models / f"{model['sha256']}.onnx", blob)
            kept = model or ({"version": self.model_version, "sha256": self.model_sha256}
                             if self.model_sha256 else None)
            if save:  # what now runs, model bytes aside, so a restart needs nothing from the hub
                state = {"version": doc["version"], "settings": self._remote_part(new)}
                if kept:
                    state["model"] = {"version": kept["version"], "sha256": kept["sha256"]}
                wire.durable_write(self.saved, wire.encode_json(state))
            for section, keys in self._remote_part(new).items():
                if REMOTE_KEYS[section] is None:
                    setattr(self.cfg, section, getattr(new, section))
                else:
                    for key in keys:
                        setattr(getattr(self.cfg, section), key, getattr(getattr(new, section), key))
            if self.outbox is not None:  # the outbox keeps its own copies of its limits
                self.outbox.max_photo_bytes = new.outbox.max_photo_bytes
                self.outbox.min_free_bytes = new.outbox.min_free_mb * 1024 * 1024
            if model is not None:
                self.model_version, self.model_sha256 = model["version"], model["sha256"]
            self.version, self.error = doc["version"], None
        log.info("remote config %s applied (model %s)", self.version, self.model_version or "unchanged")
        if self.on_applied:
            self.on_applied()

    @staticmethod
    def _remote_part(cfg: KioskConfig) -> dict:
        return {s: {k: v for k, v in getattr(cfg, s).model_dump().items() if keys is None or k in keys}
                for s, keys in REMOTE_KEYS.items()}

    def telemetry(self) -> dict:
        return {"config_version": self.version, "model_version": self.model_version,
                "model_sha256": self.model_sha256, "config_error": self.error}
