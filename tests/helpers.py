"""Real processes for tests, demo and benchmarks: a Mosquitto broker, hub ingest workers, kiosks."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from central.broker import LocalBroker, find_mosquitto

ROOT = Path(__file__).resolve().parent.parent
# ../shared/data next to the checkout; a git worktree sits one folder deeper, so the nearest ancestor's counts
SHARED_DATA = next((p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data").is_dir()),
                   ROOT.parent / "shared" / "data")
BIN = Path(sys.executable).parent
HUB_PASSWORD = "hub-secret"


def kiosk_password(kiosk: str) -> str:
    return f"pw-{kiosk}"


def start_broker(folder: Path, kiosks=("kiosk-a", "kiosk-b", "kiosk-c")) -> LocalBroker:
    users = {"hub": HUB_PASSWORD, **{k: kiosk_password(k) for k in kiosks}}
    return LocalBroker(folder, users).start()


def write_hub_config(folder: Path, broker: LocalBroker, **ingest) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'data_dir = "{folder / "data"}"', "[broker]", f"port = {broker.port}"]
    if ingest:
        lines.append("[ingest]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in ingest.items()]
    p = folder / "hub.toml"
    p.write_text("\n".join(lines) + "\n")
    return p


def write_kiosk_config(folder: Path, kiosk: str, broker: LocalBroker, *, ack_timeout_s: float = 3.0,
                       extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "kiosk.toml"
    p.write_text(f"""kiosk_id = "{kiosk}"
data_dir = "{folder / 'data'}"
[broker]
port = {broker.port}
[outbox]
ack_timeout_s = {ack_timeout_s}
retry_initial_s = 1
retry_max_s = 5
min_free_mb = 1
[telemetry]
interval_s = 1
{extra}""")
    return p


def hub_env(**more) -> dict:
    env = dict(os.environ, RETURNS_HUB_MQTT_PASSWORD=HUB_PASSWORD, PYTHONUNBUFFERED="1")
    env.update(more)
    return env


def kiosk_env(kiosk: str, **more) -> dict:
    env = dict(os.environ, RETURNS_KIOSK_MQTT_PASSWORD=kiosk_password(kiosk), PYTHONUNBUFFERED="1")
    env.update(more)
    return env


def hub_cli(config: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "returns-hub"), *args, "--config", str(config)], env=hub_env(),
                          capture_output=True, text=True, check=check, timeout=120)


def kiosk_cli(config: Path, kiosk: str, *args: str, check: bool = True, timeout: float = 180,
              env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "returns-kiosk"), *args, "--config", str(config)],
                          env=env or kiosk_env(kiosk), capture_output=True, text=True, check=check,
                          timeout=timeout)


class Proc:
    """A long-running command whose output goes to a log file; stopped by pid."""

    def __init__(self, argv: list[str], env: dict, log: Path):
        self.argv, self.env, self.log = argv, env, log
        self.p: subprocess.Popen | None = None

    def start(self) -> "Proc":
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self._offset = self.log.stat().st_size if self.log.exists() else 0
        out = self.log.open("ab")
        self.p = subprocess.Popen(self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self

    @property
    def pid(self) -> int:
        return self.p.pid

    def alive(self) -> bool:
        return self.p is not None and self.p.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout: float = 15) -> int | None:
        if self.p is None:
            return None
        if self.p.poll() is None:
            self.p.send_signal(sig)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def wait(self, timeout: float) -> int:
        return self.p.wait(timeout)

    def output(self) -> str:
        """What this run (not an earlier one writing the same log) has printed."""
        if not self.log.exists():
            return ""
        with self.log.open("rb") as f:
            f.seek(getattr(self, "_offset", 0))
            return f.read().decode(errors="replace")


def hub_ingest(config: Path, worker: int = 1, verbose: bool = False, **env) -> Proc:
    argv = [str(BIN / "returns-hub"), *(["-v"] if verbose else []), "ingest", "--config", str(config),
            "--worker", str(worker)]
    return Proc(argv, hub_env(**env), config.parent / f"ingest-{worker}.log").start()


def kiosk_simulate(config: Path, kiosk: str, photos: Path, *args: str) -> Proc:
    argv = [str(BIN / "returns-kiosk"), "simulate", "--config", str(config), "--photos", str(photos),
            "--ref-prefix", f"RMA-{kiosk.upper()}-", *args]
    return Proc(argv, kiosk_env(kiosk), config.parent / "simulate.log").start()


def outbox_rows(config: Path) -> list[dict]:
    return _kiosk_rows(config, "SELECT * FROM outbox")


def kiosk_run(config: Path, kiosk: str) -> Proc:
    return Proc([str(BIN / "returns-kiosk"), "run", "--config", str(config)], kiosk_env(kiosk),
                config.parent / "kiosk-run.log").start()


def hub_db(config: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(config.parent / "data" / "hub.db", timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def wait_for(pred, timeout: float = 30, interval: float = 0.1, what: str = "condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_ready(proc: Proc, needle: str = "connected", timeout: float = 20) -> None:
    wait_for(lambda: needle in proc.output() or not proc.alive(), timeout, what=f"{needle!r} in log")
    assert proc.alive(), proc.output()


def kiosk_ledger(config: Path) -> list[dict]:
    return _kiosk_rows(config, "SELECT * FROM ledger")


def _kiosk_rows(config: Path, query: str) -> list[dict]:
    """Rows of the kiosk's outbox database, read from outside; [] before the kiosk has created it."""
    path = config.parent / "data" / "outbox.db"
    if not path.exists():
        return []
    conn = sqlite3.connect(path, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(query)]
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def compare(kiosk_configs: list[Path], hub_config: Path) -> dict:
    """What the kiosks queued against what the hub holds: lost, doubled, integrity on both sides."""
    sent = [r["id"] for c in kiosk_configs for r in kiosk_ledger(c) if r["kind"] == "photo"]
    conn = hub_db(hub_config)
    stored = [r[0] for r in conn.execute("SELECT photo_id FROM photos")]
    result = {
        "sent": len(sent),
        "stored": len(stored),
        "lost": sorted(set(sent) - set(stored)),
        "doubled": len(stored) - len(set(stored)),
        "unexpected": sorted(set(stored) - set(sent)),
        "hub_integrity": conn.execute("PRAGMA integrity_check").fetchone()[0],
        "kiosk_integrity": [
            sqlite3.connect(c.parent / "data" / "outbox.db").execute("PRAGMA integrity_check").fetchone()[0]
            for c in kiosk_configs
        ],
    }
    return result


def mosquitto_available() -> bool:
    return find_mosquitto() is not None


class MqttPeer:
    """A plain paho client for tests that play a kiosk (or an intruder) by hand."""

    def __init__(self, broker: LocalBroker, username: str | None, password: str | None, client_id: str):
        import queue

        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.messages: "queue.Queue" = queue.Queue()
        self.connect_rc = None
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        if username:
            self.c.username_pw_set(username, password)
        self.c.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload))
        self.c.on_connect = lambda c, u, f, rc, p: setattr(self, "connect_rc", rc)
        self.c.connect("127.0.0.1", broker.port)
        self.c.loop_start()
        wait_for(lambda: self.connect_rc is not None, 10, what="CONNACK")

    @property
    def accepted(self) -> bool:
        return not self.connect_rc.is_failure

    def subscribe(self, topic: str, qos: int = 1) -> None:
        self.c.subscribe(topic, qos)
        time.sleep(0.3)

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        self.c.publish(topic, payload, qos=qos, retain=retain).wait_for_publish(10)

    def next(self, timeout: float = 10):
        return self.messages.get(timeout=timeout)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()
