"""Hub host: broker files Mosquitto can read, the web unit's credentials, backups whose folders are durable."""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

import pytest

from central.broker import find_mosquitto, free_port
from tests import helpers
from tests.deploy.notify import FakeNotifySocket

UNITS = helpers.ROOT / "systemd"


def other_group() -> str:
    """A group the broker files can be given that is not what they would get anyway: the current
    user's own (a supplementary one where possible); root may pick any."""
    if os.geteuid() == 0:
        return next(g for g in ("mosquitto", "nogroup", "daemon") if _exists(g))
    mine = [g for g in os.getgroups() if g != os.getegid()] or [os.getegid()]
    return grp.getgrgid(mine[0]).gr_name


def _exists(group: str) -> bool:
    try:
        grp.getgrnam(group)
        return True
    except KeyError:
        return False


def provision_hub(folder: Path, group: str | None, port: int = 8883) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    hub = folder / "hub.toml"
    hub.write_text(f"""data_dir = "{folder / 'data'}"
[provision]
passwd_file = "{folder / 'broker' / 'passwd'}"
acl_file = "{folder / 'broker' / 'acl'}"
broker_port = {port}
tls = false
""" + (f'passwd_group = "{group}"\n' if group else ""))
    return hub


def owner(path: Path) -> tuple[str, int]:
    st = path.stat()
    return grp.getgrgid(st.st_gid).gr_name, st.st_mode & 0o777


def test_broker_files_keep_their_group_on_every_write(tmp_path):
    group = other_group()
    hub = provision_hub(tmp_path / "hub", group)
    broker = hub.parent / "broker"
    helpers.hub_cli(hub, "kiosk", "add", "desk-01")
    assert owner(broker / "passwd") == owner(broker / "acl") == (group, 0o640)
    os.chown(broker / "passwd", -1, os.getegid())  # as if someone had "fixed" it by hand
    helpers.hub_cli(hub, "kiosk", "add", "desk-02")  # replaces the file: the group must come back
    assert owner(broker / "passwd") == owner(broker / "acl") == (group, 0o640)
    helpers.hub_cli(hub, "kiosk", "remove", "desk-01")
    assert owner(broker / "passwd") == (group, 0o640)
    assert [ln.split(":")[0] for ln in (broker / "passwd").read_text().splitlines()] == ["desk-02"]
    assert not [p for p in broker.iterdir() if p.name.endswith(".tmp")]  # no temp file left behind


def test_unknown_group_is_a_clear_error(tmp_path):
    hub = provision_hub(tmp_path / "hub", "no-such-group-here")
    r = helpers.hub_cli(hub, "kiosk", "add", "desk-01", check=False)
    assert r.returncode == 1 and "passwd_group: no group 'no-such-group-here'" in r.stdout


@pytest.mark.skipif(os.geteuid() != 0 or not _exists("mosquitto") or not find_mosquitto(),
                    reason="needs root, the mosquitto user and Mosquitto to start a broker that drops privileges")
def test_mosquitto_reads_the_files_after_dropping_to_its_user():
    # Mosquitto 2 opens password_file and acl_file as `mosquitto`: root:root 0640 stops it starting.
    folder = Path(tempfile.mkdtemp(prefix="returns-broker-"))
    folder.chmod(0o755)  # pytest's tmp folders are root-only; the broker user must get to its files
    try:
        hub = provision_hub(folder / "hub", "mosquitto")
        (folder / "hub").chmod(0o755)
        helpers.hub_cli(hub, "kiosk", "add", "desk-01")
        password = (folder / "hub" / "data" / "kiosks" / "desk-01" / "mqtt-password").read_text()
        port = free_port()
        conf = folder / "mosquitto.conf"
        conf.write_text(f"user mosquitto\nlistener {port} 127.0.0.1\nallow_anonymous false\n"
                        f"password_file {folder / 'hub' / 'broker' / 'passwd'}\n"
                        f"acl_file {folder / 'hub' / 'broker' / 'acl'}\n")
        (folder / "hub" / "broker").chmod(0o750)
        os.chown(folder / "hub" / "broker", -1, grp.getgrnam("mosquitto").gr_gid)
        proc = subprocess.Popen([find_mosquitto(), "-c", str(conf)], stderr=subprocess.PIPE)
        try:
            helpers.wait_for(lambda: _listening(port) or proc.poll() is not None, 10, what="mosquitto")
            assert proc.poll() is None, proc.stderr.read().decode()
            broker = type("B", (), {"port": port})()
            peer = helpers.MqttPeer(broker, "desk-01", password, "kiosk-desk-01")
            assert peer.accepted, peer.connect_rc
            peer.close()
            assert pwd.getpwnam("mosquitto")  # and the broker really runs as that user
            status = Path(f"/proc/{proc.pid}/status").read_text()
            assert re.search(rf"^Uid:\s+{pwd.getpwnam('mosquitto').pw_uid}\s", status, re.M)
        finally:
            proc.terminate()
            proc.wait(10)
    finally:
        shutil.rmtree(folder)


def _listening(port: int) -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def test_web_unit_hands_the_app_every_token_it_reads(tmp_path, hub_config):
    """The credentials returns-hub.service loads are the ones the app looks for: with exactly those
    files in $CREDENTIALS_DIRECTORY, the API and /metrics take their tokens."""
    unit = (UNITS / "returns-hub.service").read_text()
    names = dict(re.findall(r"^LoadCredential=([\w-]+):(\S+)$", unit, re.M))
    assert set(names) == {"mqtt-password", "secret-key", "api-token", "metrics-token"}
    creds = tmp_path / "credentials"
    creds.mkdir()
    values = {"mqtt-password": helpers.HUB_PASSWORD, "secret-key": "k" * 40, "api-token": "api-" + "a" * 30,
              "metrics-token": "metrics-" + "m" * 30}
    for name in names:
        (creds / name).write_text(values[name])
    env = {k: v for k, v in helpers.hub_env().items() if not k.startswith("RETURNS_HUB_")}
    sock = FakeNotifySocket(tmp_path / "notify.sock")
    port = free_port()
    proc = helpers.Proc([str(helpers.BIN / "returns-hub"), "serve", "--config", str(hub_config), "--port",
                         str(port)], {**env, "CREDENTIALS_DIRECTORY": str(creds), **sock.env(30)},
                        hub_config.parent / "serve.log").start()
    try:
        sock.wait_for("READY=1", 30)
        base = f"http://127.0.0.1:{port}"

        def get(path, token):
            req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.read()

        status, body = get("/api/categories", values["api-token"])
        assert status == 200 and "scratch" in {c["code"] for c in json.loads(body)["categories"]}
        assert get("/api/categories", "wrong")[0] == 401
        status, body = get("/metrics", values["metrics-token"])
        assert status == 200 and b"returnsdesk" in body
        assert get("/metrics", values["api-token"])[0] == 401
    finally:
        proc.stop()
        sock.close()


def test_readme_creates_every_credential_the_hub_units_load():
    readme = (helpers.ROOT / "README.md").read_text()
    for unit in ("returns-hub.service", "returns-hub-ingest@.service"):
        for name, path in re.findall(r"^LoadCredential=([\w-]+):(\S+)$", (UNITS / unit).read_text(), re.M):
            assert re.search(rf"tee {re.escape(path)}\s", readme), f"README never creates {path} ({unit})"
