"""The production broker for tests: certificates from `openssl`, config from `returns-hub broker-config`."""

from __future__ import annotations

import grp
import os
import subprocess
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from central.broker import LocalBroker, free_port
from tests import helpers


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certs(folder: Path) -> dict[str, Path]:
    """A CA, a server certificate for localhost/127.0.0.1, and a client certificate with CN=kiosk-a."""
    folder.mkdir(parents=True, exist_ok=True)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Returns Desk test CA",
            "-keyout", "ca.key", "-out", "ca.crt", cwd=folder)
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for name, cn, ext in (("server", "localhost", ["-extfile", "san.ext"]), ("client", "kiosk-a", [])):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={cn}", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", cwd=folder)
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-out", f"{name}.crt", *ext, cwd=folder)
    return {n: folder / n for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")}


def write_hub(folder: Path, certs: dict[str, Path], port: int, cert_port: int, pi_etc: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    broker_dir = folder / "broker"
    broker_dir.mkdir()
    p = folder / "hub.toml"
    p.write_text(f"""data_dir = "{folder / 'data'}"
[broker]
host = "localhost"
port = {port}
tls = true
ca_file = "{certs['ca.crt']}"
[provision]
passwd_file = "{broker_dir / 'passwd'}"
acl_file = "{broker_dir / 'acl'}"
broker_pid_file = "{broker_dir / 'mosquitto.pid'}"
broker_host = "localhost"
broker_port = {port}
client_cert_port = {cert_port}
ca_file = "{certs['ca.crt']}"
cert_file = "{certs['server.crt']}"
key_file = "{certs['server.key']}"
bind = "127.0.0.1"
persistence_dir = "{broker_dir}"
run_as_user = "root"
passwd_group = "{grp.getgrgid(os.getegid()).gr_name}"
kiosk_etc_dir = "{pi_etc}"
kiosk_data_dir = "{pi_etc.parent / 'pi-data'}"
""")
    return p


def start(hub_toml: Path, port: int) -> LocalBroker:
    broker_dir = hub_toml.parent / "broker"
    b = LocalBroker(broker_dir, {}, port=port)
    r = helpers.hub_cli(hub_toml, "broker-config", "--out", str(b.conf), "--log-dest",
                        f"file {broker_dir / 'mosquitto.log'}", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    b.start()
    (broker_dir / "mosquitto.pid").write_text(str(b.proc.pid))  # what systemd's PIDFile would hold
    return b


def client(user: str | None, password: str | None, port: int, ca: Path, *, cert: tuple | None = None,
           tls: bool = True) -> tuple[mqtt.Client, object]:
    """A connected MQTT v5 client (or the refusal): returns (client, reason_code)."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{user}-{free_port()}", protocol=mqtt.MQTTv5)
    if user:
        c.username_pw_set(user, password)
    if tls:
        c.tls_set(ca_certs=str(ca), certfile=str(cert[0]) if cert else None, keyfile=str(cert[1]) if cert else None)
    result = {}
    c.on_connect = lambda cl, ud, flags, rc, props: result.setdefault("rc", rc)
    c.on_disconnect = lambda cl, ud, flags, rc, props: result.setdefault("rc", rc)
    c.received = []
    c.on_message = lambda cl, ud, msg: c.received.append((msg.topic, msg.payload))
    try:
        c.connect("localhost", port, keepalive=10)
    except OSError as e:
        return c, e
    c.loop_start()
    helpers.wait_for(lambda: "rc" in result, 10, what=f"CONNACK for {user}")
    if result["rc"].is_failure:
        c.loop_stop()
    return c, result["rc"]
