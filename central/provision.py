"""Fleet provisioning: hub → broker users, ACL and per-kiosk credential bundles (`returns-hub kiosk …`).

A kiosk's MQTT username is its kiosk id; the ACL (central.broker.acl_text, `%u` patterns) lets it
write only its own topics and read only its own acks and config. Adding a kiosk writes its
mosquitto_passwd line (PBKDF2-SHA512, Mosquitto's `$7$` format), the ACL, and a bundle folder +
tarball (kiosk.toml, mqtt-password, ca.crt) to copy onto the Pi; removing it deletes the passwd line.
Both reload Mosquitto with SIGHUP when its pid file is configured; removing also marks the kiosk
revoked at the hub and closes its live connection (central.revoke).
"""

from __future__ import annotations

import base64
import grp
import hashlib
import json
import logging
import os
import secrets
import shutil
import signal
import sqlite3
import tarfile
from pathlib import Path
from string import Template

from central import db as hubdb
from central.broker import acl_text
from central.ingest import register_kiosk
from edge import wire

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).resolve().parent.parent / "systemd" / "mosquitto"
PBKDF2_ITERATIONS = 101  # what mosquitto_passwd 2.0 writes

class ProvisionError(Exception):
    """A provisioning step that cannot be done; the message says why."""


# --- mosquitto_passwd file ------------------------------------------------------------------------

def password_hash(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"$7${PBKDF2_ITERATIONS}${b64(salt)}${b64(digest)}"


def read_passwd(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    lines = (ln.split(":", 1) for ln in path.read_text().splitlines() if ":" in ln and not ln.startswith("#"))
    return {user: h for user, h in lines}


def write_broker_file(path: Path, data: bytes, group: str | None) -> None:
    """The passwd or ACL file, written durably, 0640 and in `group` from the temp file on: Mosquitto 2
    reads it as its own user, so it must never be left unreadable (nor undo a `chgrp` by replacing it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        gid = grp.getgrnam(group).gr_gid if group else None
    except KeyError:
        raise ProvisionError(f"[provision] passwd_group: no group {group!r} on this host") from None
    try:
        wire.durable_write(path, data, gid=gid)
    except PermissionError as e:
        raise ProvisionError(f"{path}: cannot write it for group {group!r} ({e}); run as root, or set "
                             "[provision] passwd_group to a group of yours") from None


def write_passwd(path: Path, entries: dict[str, str], group: str | None = None) -> None:
    text = "".join(f"{u}:{h}\n" for u, h in sorted(entries.items()))
    write_broker_file(path, text.encode(), group)


def set_password(path: Path, user: str, password: str, group: str | None = None) -> None:
    entries = read_passwd(path)
    entries[user] = password_hash(password)
    write_passwd(path, entries, group)


def write_acl(cfg) -> None:
    write_broker_file(cfg.provision.acl_file, acl_text(cfg.broker.topic_prefix, cfg.broker.username).encode(),
                      cfg.provision.passwd_group)


def reload_broker(cfg) -> bool:
    """SIGHUP to Mosquitto; a broker that is not running yet reads the files when it starts."""
    pid_file = cfg.provision.broker_pid_file
    if not pid_file:
        return False
    try:
        os.kill(int(Path(pid_file).read_text().strip()), signal.SIGHUP)
    except (OSError, ValueError) as e:
        print(f"warning: Mosquitto not reloaded via {pid_file} ({e}); reload it: systemctl reload mosquitto",
              flush=True)
        return False
    return True


# --- broker config --------------------------------------------------------------------------------

def broker_config_text(cfg) -> str:
    p = cfg.provision
    missing = [k for k in ("passwd_file", "acl_file", "ca_file", "cert_file", "key_file") if getattr(p, k) is None]
    if missing:
        raise ProvisionError(f"[provision] needs {', '.join(missing)} to write the broker config")
    max_packet = cfg.ingest.max_photo_bytes + 1024 * 1024  # header and MQTT overhead
    values = dict(
        run_as_user=f"user {p.run_as_user}", passwd_file=p.passwd_file, acl_file=p.acl_file,
        persistence_dir=p.persistence_dir, max_packet_size=max_packet,
        max_queued_messages=p.max_queued_messages,
        max_queued_bytes=max(p.max_queued_mb * 1024 * 1024, 4 * max_packet),
        tls_port=p.broker_port, bind=p.bind, ca_file=p.ca_file, cert_file=p.cert_file, key_file=p.key_file,
        client_cert_port=p.client_cert_port, log_dest="syslog",
    )
    values["client_cert_listener"] = (
        Template((TEMPLATES / "client-cert-listener.conf").read_text()).substitute(values)
        if p.client_cert_port else "")
    return Template((TEMPLATES / "returns-desk.conf").read_text()).substitute(values)


def write_broker_files(cfg, out: Path, *, log_dest: str | None = None) -> None:
    """The Mosquitto config at `out`, the ACL at [provision] acl_file, the hub's own broker user."""
    text = broker_config_text(cfg)
    if log_dest:
        text = text.replace("log_dest syslog", f"log_dest {log_dest}")
    wire.durable_write(out, text.encode())
    write_acl(cfg)
    hub_password = cfg.mqtt_password()
    if hub_password:
        set_password(cfg.provision.passwd_file, cfg.broker.username, hub_password, cfg.provision.passwd_group)


# --- kiosks ---------------------------------------------------------------------------------------

def bundle_root(cfg) -> Path:
    return cfg.provision.bundle_dir or cfg.data_dir / "kiosks"


def kiosk_toml(cfg, kiosk: str) -> str:
    """A Pi station's kiosk.toml: broker from [provision], the Pi's real camera, scanner and pins."""
    p = cfg.provision
    ca = f"ca_file = {json.dumps(str(p.kiosk_etc_dir / 'ca.crt'))}\n" if p.tls and p.ca_file else ""
    return Template((TEMPLATES.parent / "kiosk.toml.template").read_text()).substitute(
        kiosk_id=kiosk, kiosk_id_toml=json.dumps(kiosk), data_dir=json.dumps(str(p.kiosk_data_dir)),
        broker_host=json.dumps(p.broker_host), broker_port=p.broker_port,
        topic_prefix=json.dumps(cfg.broker.topic_prefix), tls="true" if p.tls else "false", ca_line=ca)


def add_kiosk(cfg, conn: sqlite3.Connection, kiosk: str, *, password: str | None = None) -> Path | None:
    """Register the kiosk; with [provision] passwd_file also its broker user, ACL and bundle."""
    if kiosk == cfg.broker.username:
        raise ProvisionError(f"{kiosk!r} is the hub's own broker user")
    wire.Topics(cfg.broker.topic_prefix).photos(kiosk)  # the id must be a valid topic level
    register_kiosk(conn, kiosk)
    p = cfg.provision
    if not p.passwd_file:
        with hubdb.write(conn):  # added again after a remove: the hub takes its payloads again
            conn.execute("UPDATE kiosk_credentials SET revoked_at=NULL WHERE kiosk=?", (kiosk,))
        return None
    password = password or secrets.token_urlsafe(24)
    folder = bundle_root(cfg) / kiosk
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    wire.durable_write(folder / "kiosk.toml", kiosk_toml(cfg, kiosk).encode())
    wire.durable_write(folder / "mqtt-password", password.encode())
    os.chmod(folder / "mqtt-password", 0o600)
    if p.ca_file:
        shutil.copyfile(p.ca_file, folder / "ca.crt")
    tarball = folder.with_suffix(".tar.gz")
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(folder, arcname=kiosk)
    os.chmod(tarball, 0o600)
    set_password(p.passwd_file, kiosk, password, p.passwd_group)
    if p.acl_file:
        write_acl(cfg)
    with hubdb.write(conn):
        conn.execute("INSERT INTO kiosk_credentials (kiosk, created_at, bundle) VALUES (?, ?, ?) "
                     "ON CONFLICT(kiosk) DO UPDATE SET created_at=excluded.created_at, revoked_at=NULL, "
                     "bundle=excluded.bundle", (kiosk, wire.utcnow(), str(tarball)))
    reload_broker(cfg)
    return tarball


def remove_kiosk(cfg, conn: sqlite3.Connection, kiosk: str) -> str:
    """Revoke (central.revoke): the hub refuses its payloads, its broker user goes, its live
    connection is closed; its photos and history stay. Returns what was done, for the operator."""
    from central import revoke

    if conn.execute("SELECT 1 FROM kiosks WHERE id = ?", (kiosk,)).fetchone() is None:
        raise ProvisionError(f"{kiosk!r} is not a registered kiosk (returns-hub kiosk list)")
    revoke.mark_revoked(conn, kiosk)
    p = cfg.provision
    if not p.passwd_file:
        return "revoked at the hub (no [provision] passwd_file: its broker user is managed elsewhere)"
    entries = read_passwd(p.passwd_file)
    existed = entries.pop(kiosk, None) is not None
    write_passwd(p.passwd_file, entries, p.passwd_group)
    shutil.rmtree(bundle_root(cfg) / kiosk, ignore_errors=True)
    (bundle_root(cfg) / f"{kiosk}.tar.gz").unlink(missing_ok=True)
    if not existed:
        return "revoked at the hub; it had no broker user"
    if not reload_broker(cfg):
        return "revoked; its broker user is gone once Mosquitto reloads (systemctl reload mosquitto)"
    return f"revoked; broker user removed, {revoke.take_over_session(cfg, kiosk)}"


def fleet(conn: sqlite3.Connection) -> list[dict]:
    rows = conn.execute(
        """SELECT k.id, k.state, k.state_at, k.telemetry, k.telemetry_at, c.created_at, c.revoked_at
           FROM kiosks k LEFT JOIN kiosk_credentials c ON c.kiosk = k.id ORDER BY k.id""")
    out = []
    for r in rows:
        tele = json.loads(r["telemetry"]) if r["telemetry"] else {}
        out.append({
            "id": r["id"], "state": r["state"], "state_at": r["state_at"],
            "credentials": "revoked" if r["revoked_at"] else ("issued" if r["created_at"] else "none"),
            "config_version": tele.get("config_version"), "model_version": tele.get("model_version"),
            "config_error": tele.get("config_error"), "disk_low": tele.get("disk_low"),
            "telemetry_at": r["telemetry_at"],
        })
    return out


# --- command line: `returns-hub kiosk add|list|remove|push-config`, `returns-hub broker-config` ----

def cmd_kiosk(args) -> int:
    from central import config as hubconfig
    from central import remote_config

    cfg = hubconfig.load_config(args.config)
    conn = hubdb.connect(cfg.db_path)
    try:
        if args.action == "add":
            for name in args.names:
                known = conn.execute("SELECT 1 FROM kiosks WHERE id=?", (name,)).fetchone()
                bundle = add_kiosk(cfg, conn, name)
                print(f"{name}: {'already registered' if known else 'added'}"
                      + (f", credentials bundle {bundle}" if bundle else ""))
        elif args.action == "remove":
            for name in args.names:
                print(f"{name}: {remove_kiosk(cfg, conn, name)}", flush=True)
        elif args.action == "push-config":
            if len(args.names) != 1:
                raise ProvisionError("push-config takes one kiosk name")
            settings = remote_config.parse_settings(args.set or [])
            if not args.no_categories:
                from central.taxonomy import Taxonomy

                settings = remote_config.with_categories(settings, Taxonomy(cfg.claims.categories))
            doc = remote_config.build_payload(settings, args.version, args.model, args.model_version)
            print(json.dumps(remote_config.push_config(cfg, conn, args.names[0], doc)))
        else:
            for row in fleet(conn):
                if args.json:
                    print(json.dumps(row))
                else:
                    print(f"{row['id']:20} {row['state'] or '-':8} {row['credentials']:8} "
                          f"config {row['config_version'] or '-'} model {row['model_version'] or '-'}"
                          + (f" REFUSED: {row['config_error']}" if row["config_error"] else "")
                          + (" DISK LOW" if row["disk_low"] else ""))
    except (ProvisionError, remote_config.RemoteConfigError, OSError) as e:
        print(f"error: {e}", flush=True)
        return 1
    finally:
        conn.close()
    return 0


def cmd_broker_config(args) -> int:
    from central import config as hubconfig

    cfg = hubconfig.load_config(args.config)
    try:
        write_broker_files(cfg, Path(args.out), log_dest=args.log_dest)
    except ProvisionError as e:
        print(f"error: {e}", flush=True)
        return 1
    print(f"broker config {args.out}, ACL {cfg.provision.acl_file}, users {cfg.provision.passwd_file}")
    return 0


def register(sub) -> None:
    s = sub.add_parser("kiosk", help="the fleet: add (credentials bundle; again: a new password), "
                                     "remove (revoke), list, push-config")
    s.add_argument("action", choices=["add", "list", "remove", "push-config"])
    s.add_argument("names", nargs="*")
    s.add_argument("--config", required=True)
    s.add_argument("--json", action="store_true")
    s.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE",
                   help="push-config: a kiosk setting (outbox.*, telemetry.*, gate.thresholds.REASON, "
                        "desk.categories); repeatable")
    s.add_argument("--no-categories", action="store_true",
                   help="push-config: leave the kiosk's category list alone (default: send the hub's "
                        "category codes, `returns-hub categories`)")
    s.add_argument("--model", type=Path, help="push-config: the gate model (.onnx) to send")
    s.add_argument("--model-version", help="push-config: the model's version (default: file name)")
    s.add_argument("--version", help="push-config: this config's version (default: a content hash)")
    s.set_defaults(func=cmd_kiosk)

    s = sub.add_parser("broker-config", help="write the production Mosquitto config, ACL and hub user")
    s.add_argument("--config", required=True)
    s.add_argument("--out", required=True, help="e.g. /etc/mosquitto/conf.d/returns-desk.conf")
    s.add_argument("--log-dest", help="Mosquitto log_dest (default: syslog)")
    s.set_defaults(func=cmd_broker_config)
