"""Wire contract between kiosk (edge) and hub (central): topics, photo/event payloads, acks, state, telemetry.

This is the only module `central` imports from `edge`. It depends on the standard library alone.

A photo payload is self-contained, so the kiosk's outbox stores exactly the bytes it publishes:

    b"RD" | schema version (1 byte) | header length (4 bytes, big endian) | UTF-8 JSON header | JPEG bytes

The header carries photo_id, kiosk, return_ref, item, captured_at, sha256 and size of the JPEG bytes,
the quality verdict and scores, the defect category and the model version.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import socket
import struct
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

SCHEMA_VERSION = 1
MAGIC = b"RD"
_PREFIX = struct.Struct(">2sBI")
MAX_HEADER_BYTES = 64 * 1024
DEFAULT_PREFIX = "returnsdesk/v1"

# Topic table: (name, pattern relative to the prefix, direction, qos, retained, payload).
# The README's topic table is checked against this list by a test.
TOPICS = [
    ("photos", "kiosks/{kiosk}/photos", "kiosk → hub", 1, False, "photo payload (header + JPEG)"),
    ("events", "kiosks/{kiosk}/events", "kiosk → hub", 1, False, "desk workflow event (JSON)"),
    ("state", "kiosks/{kiosk}/state", "kiosk → hub", 1, True, "`online` / `offline` (Last Will)"),
    ("telemetry", "kiosks/{kiosk}/telemetry", "kiosk → hub", 0, True, "heartbeat (JSON)"),
    ("acks", "hub/acks/{kiosk}", "hub → kiosk", 1, False, "`{id, kind, status, reason}` after commit"),
    ("config", "kiosks/{kiosk}/config", "hub → kiosk", 1, True, "thresholds, categories, model (JSON)"),
]

ONLINE = "online"
OFFLINE = "offline"

STATUS_STORED = "stored"
STATUS_REJECTED = "rejected"


class WireError(ValueError):
    """A payload that does not follow the contract; `reason` is a stable short code."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def kiosk_client_id(kiosk: str) -> str:
    """The MQTT client id a kiosk connects with (the hub takes it over to cut a removed kiosk off)."""
    return f"kiosk-{kiosk}"


class Topics:
    """Topic names for one prefix; `kiosk` is also the MQTT username the broker ACL pins."""

    def __init__(self, prefix: str = DEFAULT_PREFIX):
        self.prefix = prefix.rstrip("/")

    def _t(self, name: str, kiosk: str) -> str:
        pattern = next(p for n, p, *_ in TOPICS if n == name)
        return f"{self.prefix}/{pattern.format(kiosk=kiosk)}"

    def photos(self, kiosk: str) -> str:
        return self._t("photos", kiosk)

    def events(self, kiosk: str) -> str:
        return self._t("events", kiosk)

    def state(self, kiosk: str) -> str:
        return self._t("state", kiosk)

    def telemetry(self, kiosk: str) -> str:
        return self._t("telemetry", kiosk)

    def acks(self, kiosk: str) -> str:
        return self._t("acks", kiosk)

    def config(self, kiosk: str) -> str:
        return self._t("config", kiosk)

    def shared(self, name: str, group: str = "hub") -> str:
        """Shared subscription for one kind of kiosk message, so several hub workers split the load."""
        return f"$share/{group}/{self._t(name, '+')}"

    def parse(self, topic: str) -> tuple[str, str]:
        """Return (kind, kiosk) for a kiosk → hub topic; WireError for anything else."""
        head = self.prefix + "/kiosks/"
        if not topic.startswith(head):
            raise WireError("bad_topic", topic)
        parts = topic[len(head):].split("/")
        if len(parts) != 2 or not parts[0] or parts[1] not in ("photos", "events", "state", "telemetry"):
            raise WireError("bad_topic", topic)
        return parts[1], parts[0]


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class PhotoHeader:
    photo_id: str
    kiosk: str
    return_ref: str
    sha256: str
    size: int
    captured_at: str
    item: int = 1
    category: str | None = None
    verdict: str = "accepted"  # accepted | override (operator's "accept anyway")
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    model_version: str | None = None
    label_check: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    REQUIRED = ("photo_id", "kiosk", "return_ref", "sha256", "size", "captured_at")

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PhotoHeader":
        missing = [k for k in cls.REQUIRED if k not in d]
        if missing:
            raise WireError("bad_header", f"missing {', '.join(missing)}")
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        h = cls(**known)
        if not isinstance(h.photo_id, str) or not 8 <= len(h.photo_id) <= 64 or not h.photo_id.isalnum():
            raise WireError("bad_header", "photo_id must be 8-64 letters/digits")
        if not _is_int(h.size) or h.size < 0:
            raise WireError("bad_header", "size must be a non-negative integer")
        if not _is_int(h.item) or h.item < 1:
            raise WireError("bad_header", "item must be a positive integer")
        if not isinstance(h.sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", h.sha256):
            raise WireError("bad_header", "sha256 must be 64 lower-case hex digits")
        if h.verdict not in VERDICTS:
            raise WireError("bad_header", f"verdict must be one of {', '.join(VERDICTS)}")
        check_fields(h.to_dict(), _HEADER_FIELDS, "bad_header")
        if not all(isinstance(r, str) for r in h.reasons):
            raise WireError("bad_header", "reasons must be a list of text")
        if not all(isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
                   and math.isfinite(v) for k, v in h.scores.items()):
            raise WireError("bad_header", "scores must map names to finite numbers")
        return h


VERDICTS = ("accepted", "override")
_TEXT = 200  # longest text field a kiosk sends (a return reference, a category, a time stamp)
_NOTE = 2000  # a worker's note on an item
# field → (types it may have, None allowed): everything a header or event carries into the hub's rows
_HEADER_FIELDS = {"kiosk": (str, False), "return_ref": (str, False), "captured_at": (str, False),
                  "category": (str, True), "model_version": (str, True), "reasons": (list, False),
                  "scores": (dict, False), "label_check": (dict, True), "extra": (dict, False)}
_EVENT_FIELDS = {"return_ref": (str, True), "session_id": (str, True), "category": (str, True),
                 "note": (str, True), "photo_ids": (list, True), "overrides": (list, True),
                 "item": (int, True), "items": (int, True), "outcome": (str, True)}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_fields(d: dict[str, Any], fields: dict[str, tuple[type, bool]], reason: str) -> None:
    """Each known field has its type (text no longer than a kiosk ever sends): a payload that says
    otherwise is refused here, with its reason, rather than failing the hub's transaction later."""
    for name, (kind, nullable) in fields.items():
        if name not in d:
            continue
        v = d[name]
        if v is None and nullable:
            continue
        if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            raise WireError(reason, f"{name} must be {kind.__name__}" + (" or null" if nullable else ""))
        limit = _NOTE if name == "note" else _TEXT
        if kind is str and len(v) > limit:
            raise WireError(reason, f"{name} is longer than {limit} characters")


def encode_photo(header: PhotoHeader, jpeg: bytes) -> bytes:
    if header.sha256 != sha256_hex(jpeg) or header.size != len(jpeg):
        raise ValueError("header sha256/size do not match the JPEG bytes")
    head = json.dumps(header.to_dict(), separators=(",", ":"), sort_keys=True).encode()
    return _PREFIX.pack(MAGIC, SCHEMA_VERSION, len(head)) + head + jpeg


def decode_photo(payload: bytes) -> tuple[PhotoHeader, bytes]:
    """Split and check a photo payload: framing, schema version, header fields, size and sha256."""
    if len(payload) < _PREFIX.size:
        raise WireError("truncated", "shorter than the frame prefix")
    magic, version, hlen = _PREFIX.unpack_from(payload)
    if magic != MAGIC:
        raise WireError("bad_magic", "not a Returns Desk photo payload")
    if version != SCHEMA_VERSION:
        raise WireError("unknown_schema", f"schema version {version}, this hub speaks {SCHEMA_VERSION}")
    if hlen > MAX_HEADER_BYTES or _PREFIX.size + hlen > len(payload):
        raise WireError("truncated", "header longer than the payload")
    try:
        d = json.loads(payload[_PREFIX.size:_PREFIX.size + hlen])
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise WireError("bad_header", f"header is not JSON ({e})") from None
    if not isinstance(d, dict):
        raise WireError("bad_header", "header is not an object")
    header = PhotoHeader.from_dict(d)
    jpeg = payload[_PREFIX.size + hlen:]
    if len(jpeg) != header.size:
        raise WireError("size_mismatch", f"header says {header.size} bytes, payload has {len(jpeg)}")
    if sha256_hex(jpeg) != header.sha256:
        raise WireError("sha256_mismatch", "image bytes do not match the header's sha256")
    return header, jpeg


def peek_photo_id(payload: bytes) -> str | None:
    """Best effort: the photo_id of a payload that may be broken, so a reject can still be acked by id."""
    try:
        _, _, hlen = _PREFIX.unpack_from(payload)
        if hlen > MAX_HEADER_BYTES:
            return None
        pid = json.loads(payload[_PREFIX.size:_PREFIX.size + hlen]).get("photo_id")
        return pid if isinstance(pid, str) and pid.isalnum() and len(pid) <= 64 else None
    except Exception:
        return None


# Desk workflow events: JSON objects with an event_id so the hub can absorb repeats.
EVENT_TYPES = ("session_opened", "item_finished", "session_closed")


def encode_event(event: dict[str, Any]) -> bytes:
    for k in ("event_id", "type", "kiosk", "at"):
        if k not in event:
            raise ValueError(f"event lacks {k}")
    return json.dumps({"schema": SCHEMA_VERSION, **event}, separators=(",", ":")).encode()


def decode_event(payload: bytes) -> dict[str, Any]:
    try:
        d = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WireError("bad_event", "not JSON") from None
    if not isinstance(d, dict):
        raise WireError("bad_event", "not an object")
    if d.get("schema") != SCHEMA_VERSION:
        raise WireError("unknown_schema", f"event schema {d.get('schema')!r}")
    for k in ("event_id", "type", "kiosk", "at"):
        if not isinstance(d.get(k), str) or not d[k]:
            raise WireError("bad_event", f"missing {k}")
    if d["type"] not in EVENT_TYPES:
        raise WireError("bad_event", f"unknown type {d['type']!r}")
    if not d["event_id"].isalnum() or len(d["event_id"]) > 64:
        raise WireError("bad_event", "event_id must be letters/digits")
    check_fields(d, {"kiosk": (str, False), "at": (str, False), **_EVENT_FIELDS}, "bad_event")
    if not all(isinstance(x, str) for x in (d.get("photo_ids") or []) + (d.get("overrides") or [])):
        raise WireError("bad_event", "photo_ids must be a list of text")
    return d


def encode_ack(msg_id: str, kind: str, status: str, reason: str = "") -> bytes:
    body = {"id": msg_id, "kind": kind, "status": status, "reason": reason}
    body["photo_id" if kind == "photo" else "event_id"] = msg_id
    return json.dumps(body, separators=(",", ":")).encode()


def decode_ack(payload: bytes) -> dict[str, Any]:
    try:
        d = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise WireError("bad_ack", "not JSON") from None
    if not isinstance(d, dict) or not isinstance(d.get("id"), str):
        raise WireError("bad_ack", "no id")
    if d.get("status") not in (STATUS_STORED, STATUS_REJECTED):
        raise WireError("bad_ack", f"unknown status {d.get('status')!r}")
    return d


def encode_json(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()


def durable_write(path: "os.PathLike[str] | str", data: bytes, *, gid: int | None = None,
                  sync_folder: bool = True) -> None:
    """The durability rule both sides follow for files: temp in the same folder, fsync, rename, fsync folder.

    A reader sees either no file or the whole file, and after this returns the file survives a power cut.
    With `gid`, the file is 0640 in that group from the start (a daemon reading it as that group never
    finds it unreadable). `sync_folder=False` leaves the last step to a caller that syncs one folder for
    many files.
    """
    path = os.fspath(path)
    folder = os.path.dirname(path) or "."
    tmp = f"{path}.{uuid.uuid4().hex[:8]}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        if gid is not None:
            os.fchmod(fd, 0o640)
            os.fchown(fd, -1, gid)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    if sync_folder:
        fsync_dir(folder)


def fsync_dir(folder: "os.PathLike[str] | str") -> None:
    dfd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def no_delay(client) -> None:
    """Turn off Nagle on a connected paho client's socket: acks are tiny and must not wait ~40 ms."""
    sock = client.socket()
    if sock is not None and getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


# --- conventions both sides share: TOML config validated on load, secrets from env or credentials ---


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and the key."""


def read_secret(env: str, credential: str) -> str | None:
    """Environment first, then the file systemd's LoadCredential= puts in $CREDENTIALS_DIRECTORY."""
    if os.environ.get(env):
        return os.environ[env]
    cred_dir = os.environ.get("CREDENTIALS_DIRECTORY")
    if cred_dir and os.path.isfile(os.path.join(cred_dir, credential)):
        with open(os.path.join(cred_dir, credential)) as f:
            return f.read().strip()
    return None


def format_validation_error(source, err) -> str:
    """A pydantic ValidationError as lines a person can act on: the source, then each key and what is wrong."""
    lines = [f"{source}: invalid configuration"]
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        lines.append(f"  {key}: {'unknown key' if e['type'] == 'extra_forbidden' else e['msg']}")
    return "\n".join(lines)


def load_toml_model(path, model):
    """Parse a TOML file into a pydantic model; any problem is a ConfigError naming the file and key.

    A relative `data_dir` is taken relative to the config file, so a config folder can be moved whole.
    """
    import tomllib
    from pathlib import Path

    from pydantic import ValidationError

    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e})") from None
    try:
        cfg = model.model_validate(data)
    except ValidationError as e:
        raise ConfigError(format_validation_error(path, e)) from None
    data_dir = getattr(cfg, "data_dir", None)
    if data_dir is not None and not data_dir.is_absolute():
        cfg.data_dir = (path.parent / data_dir).resolve()
    return cfg


# --- systemd supervision, spoken by both the kiosk and the hub services (Type=notify, WatchdogSec=) ---


def sd_notify(*lines: str) -> bool:
    """Send READY=1 / WATCHDOG=1 / STATUS=… to systemd over $NOTIFY_SOCKET; a no-op without one."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr[0] == "@":  # abstract namespace
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
        try:
            s.sendto("\n".join(lines).encode(), addr)
        except OSError:
            return False
    return True


def watchdog_interval_s(default: float = 10.0) -> float:
    """Half of WatchdogSec=, as systemd recommends; `default` when the unit has no watchdog."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return default
    return max(int(usec) / 2_000_000, 0.5)
