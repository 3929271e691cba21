"""Benchmark: the evidence pipeline against raw Mosquitto, on this machine, in one run.

(a) raw QoS 1 publish → subscribe throughput with paho for 1 MB payloads (the baseline);
(b) the full pipeline — outbox (fsync) → broker → hub ingest (checks, store, commit) → ack → outbox —
    with the same payloads; the figure is b/a (target ≥ 0.8);
(c) capture-to-ack latency for 2 MB photos, one at a time: p50 (target ≤ 60 ms) and p99 (≤ 250 ms).

To show what bounds (b), the same run also reports the CPU each process spends per message in (a) and
(b) (from /proc), the hub's check cost per photo, and two halves of (b) on their own: the kiosk's durable
capture alone (no uplink) and the drain of a filled outbox (no capture at the same time).

Run: .venv/bin/python tests/bench/bench_pipeline.py [--count 200] [--latency-count 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from central.ingest import check_jpeg  # noqa: E402
from edge import wire  # noqa: E402
from edge.config import load_config  # noqa: E402
from edge.outbox import Outbox  # noqa: E402
from edge.samples import desk_photo, encode_jpeg  # noqa: E402
from edge.uplink import Uplink  # noqa: E402
from tests import helpers  # noqa: E402


def jpeg_of_size(target: int, seed: int) -> bytes:
    """A real JPEG of about `target` bytes: a desk photo with sensor noise, sized to taste."""
    rng = np.random.default_rng(seed)
    w, h = 1200, 900
    while True:
        img = desk_photo(seed, w, h).astype(np.int16)
        img += rng.normal(0, 14, img.shape).astype(np.int16)
        data = encode_jpeg(np.clip(img, 0, 255).astype(np.uint8), 92)
        if len(data) >= target:
            return data
        w, h = int(w * 1.1), int(h * 1.1)


_TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


class CpuMeter:
    """CPU milliseconds per message for named processes, over one stretch of a run."""

    def __init__(self, pids: dict[str, list[int]]):
        self.pids = pids
        self.start = {k: sum(cpu_s(p) for p in v) for k, v in pids.items()}

    def per_msg(self, count: int) -> dict[str, float]:
        out = {k: round((sum(cpu_s(p) for p in v) - self.start[k]) * 1000 / count, 2) for k, v in self.pids.items()}
        out["total"] = round(sum(out.values()), 2)
        return out


def raw_throughput(broker, payload: bytes, count: int) -> tuple[float, dict]:
    """Messages per second, QoS 1 both ways, publisher and subscriber in separate paho clients."""
    got = threading.Event()
    received = [0]

    def on_message(c, u, m):
        received[0] += 1
        if received[0] == count:
            got.set()

    def client(cid, user, pw):
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=cid, protocol=mqtt.MQTTv5)
        c.username_pw_set(user, pw)
        c.max_inflight_messages_set(16)
        c.connect("127.0.0.1", broker.port)
        c.loop_start()
        return c

    sub = client("bench-sub", "hub", helpers.HUB_PASSWORD)
    sub.on_message = on_message
    sub.subscribe(wire.Topics().photos("+"), qos=1)
    pub = client("bench-pub", "kiosk-a", helpers.kiosk_password("kiosk-a"))
    time.sleep(0.5)
    cpu = CpuMeter({"clients": [os.getpid()], "broker": [broker.proc.pid]})
    t0 = time.perf_counter()
    for _ in range(count):
        pub.publish(wire.Topics().photos("kiosk-a"), payload, qos=1)
    got.wait(300)
    dt = time.perf_counter() - t0
    used = cpu.per_msg(count)
    for c in (pub, sub):
        c.disconnect()
        c.loop_stop()
    return count / dt, used


_serial = itertools.count()


def unique(jpeg: bytes) -> bytes:
    """The same picture with a numbered JPEG comment: every capture has its own bytes, as at a real desk,
    so the hub's content-addressed store writes (and syncs) a file for each one."""
    note = f"bench capture {next(_serial)}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + jpeg[2:]


def _photo(jpeg: bytes) -> wire.PhotoHeader:
    return wire.PhotoHeader(photo_id=wire.new_id(), kiosk="kiosk-a", return_ref="RMA-BENCH",
                            sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow())


class Kiosk:
    """An outbox and its uplink in this process; counts the hub's acks as they are applied."""

    def __init__(self, kcfg: Path):
        self.cfg = load_config(kcfg)
        self.outbox = Outbox.from_config(self.cfg)
        self.acked: dict[str, float] = {}
        self.done = threading.Event()
        self.target = 0
        self.up = Uplink(self.cfg, self.outbox, on_ack=self._on_ack)

    def _on_ack(self, ack) -> None:
        self.acked[ack["id"]] = time.perf_counter()
        if len(self.acked) >= self.target:
            self.done.set()

    def start(self) -> None:
        self.up.start()
        helpers.wait_for(lambda: self.up.connected, 20, what="uplink connected")

    def capture(self, jpeg: bytes) -> str:
        jpeg = unique(jpeg)
        h = _photo(jpeg)
        self.outbox.add_photo(h, jpeg)  # "capture": the photo is durable from here
        self.up.wake()
        return h.photo_id

    def expect(self, more: int) -> None:
        self.target = len(self.acked) + more
        self.done.clear()

    def wait(self, timeout: float) -> None:
        if not self.done.wait(timeout):
            raise RuntimeError(f"{self.target - len(self.acked)} acks missing after {timeout} s")


def pipeline(kiosk: Kiosk, jpegs: list[bytes], count: int) -> float:
    """(b): the desk adds photos as fast as it can while the uplink sends."""
    kiosk.expect(count)
    t0 = time.perf_counter()
    for i in range(count):
        kiosk.capture(jpegs[i % len(jpegs)])
    kiosk.wait(600)
    return count / (time.perf_counter() - t0)


def latency(kiosk: Kiosk, jpeg: bytes, count: int) -> list[float]:
    out = []
    for _ in range(count):
        kiosk.expect(1)
        t0 = time.perf_counter()
        pid = kiosk.capture(jpeg)
        kiosk.wait(10)
        out.append((kiosk.acked[pid] - t0) * 1000)
    return out


def halves(kcfg: Path, jpegs: list[bytes], count: int) -> tuple[float, float]:
    """(b) taken apart: durable capture with no uplink running, then the drain of that filled outbox."""
    kiosk = Kiosk(kcfg)
    t0 = time.perf_counter()
    for i in range(count):
        kiosk.capture(jpegs[i % len(jpegs)])
    capture = count / (time.perf_counter() - t0)
    kiosk.expect(count)
    t0 = time.perf_counter()
    kiosk.up.start()
    kiosk.wait(600)
    drain = count / (time.perf_counter() - t0)
    kiosk.up.stop()
    return capture, drain


def check_cost(jpeg: bytes, rounds: int = 20) -> dict[str, float]:
    """CPU milliseconds per photo of the hub's two byte-level checks, in this process."""
    def ms(f):
        t0 = time.process_time()
        for _ in range(rounds):
            f()
        return round((time.process_time() - t0) * 1000 / rounds, 2)
    return {"sha256": ms(lambda: wire.sha256_hex(jpeg)), "jpeg_decode_check": ms(lambda: check_jpeg(jpeg, 10**9))}


def pct(xs, p):
    return float(np.percentile(xs, p))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--latency-count", type=int, default=200)
    ap.add_argument("--workers", type=int, default=1, help="hub ingest workers on the shared subscription")
    ap.add_argument("--batch-max", type=int, default=None, help="hub group commit size (1: a commit per message)")
    args = ap.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        broker = helpers.start_broker(tmp / "broker")
        hub = helpers.write_hub_config(tmp / "hub", broker,
                                       **({"batch_max": args.batch_max} if args.batch_max else {}))
        helpers.hub_cli(hub, "kiosk", "add", "kiosk-a")
        workers = []
        try:
            one_mb = [jpeg_of_size(1_000_000, s) for s in range(4)]
            two_mb = jpeg_of_size(2_000_000, 9)
            payload = wire.encode_photo(_photo(one_mb[0]), one_mb[0])
            # the baseline runs before the hub exists, so nothing else consumes its messages
            raws = sorted((raw_throughput(broker, payload, args.count) for _ in range(3)), key=lambda r: r[0])
            raw, raw_cpu = raws[1]
            workers = [helpers.hub_ingest(hub, n) for n in range(1, args.workers + 1)]
            for w in workers:
                helpers.wait_ready(w, "connected")
            os.environ["RETURNS_KIOSK_MQTT_PASSWORD"] = helpers.kiosk_password("kiosk-a")
            kiosk = Kiosk(helpers.write_kiosk_config(tmp / "kiosk", "kiosk-a", broker, ack_timeout_s=30))
            kiosk.start()
            cpu = CpuMeter({"kiosk": [os.getpid()], "broker": [broker.proc.pid], "hub": [w.pid for w in workers]})
            full = pipeline(kiosk, one_mb, args.count)
            full_cpu = cpu.per_msg(args.count)
            lat = latency(kiosk, two_mb, args.latency_count)
            kiosk.up.stop()
            capture, drain = halves(helpers.write_kiosk_config(tmp / "kiosk2", "kiosk-a", broker, ack_timeout_s=30),
                                    one_mb, args.count)
        finally:
            for w in workers:
                w.stop()
            broker.stop()
    cores = os.cpu_count()
    result = {
        "machine": f"{platform.machine()}, {cores} cores, Python {platform.python_version()}",
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "payload_bytes": len(payload),
        "ingest_workers": args.workers,
        "batch_max": args.batch_max or "default",
        "raw_mqtt_msgs_per_s": round(raw, 1),
        "pipeline_msgs_per_s": round(full, 1),
        "ratio_pipeline_over_raw": round(full / raw, 3),
        "latency_2mb_ms": {"p50": round(pct(lat, 50), 1), "p95": round(pct(lat, 95), 1),
                           "p99": round(pct(lat, 99), 1), "n": len(lat), "photo_bytes": len(two_mb)},
        "cpu_ms_per_msg": {"raw": raw_cpu, "pipeline": full_cpu},
        "hub_check_cpu_ms_per_photo": check_cost(one_mb[0]),
        "capture_only_msgs_per_s": round(capture, 1),
        "drain_only_msgs_per_s": round(drain, 1),
    }
    print(json.dumps(result, indent=2))
    print(f"pipeline/raw = {result['ratio_pipeline_over_raw']} (target >= 0.8); "
          f"capture-to-ack p50 {result['latency_2mb_ms']['p50']} ms (<= 60), "
          f"p99 {result['latency_2mb_ms']['p99']} ms (<= 250)")
    print(f"CPU per message: raw {raw_cpu['total']} ms, pipeline {full_cpu['total']} ms "
          f"(ratio {raw_cpu['total'] / full_cpu['total']:.2f}); {cores} cores busy with the pipeline alone would "
          f"carry at most {cores * 1000 / full_cpu['total']:.0f} photos/s; capture alone {result['capture_only_msgs_per_s']}"
          f"/s, drain alone {result['drain_only_msgs_per_s']}/s")


if __name__ == "__main__":
    main()
