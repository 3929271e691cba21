"""Benchmark: the evidence pipeline against raw Mosquitto, on this machine, in one run.

(a) raw QoS 1 publish → subscribe throughput with paho for 1 MB payloads (the baseline);
(b) the full pipeline — outbox (fsync) → broker → hub ingest (checks, store, commit) → ack → outbox —
    with the same payloads; the figure is b/a (target ≥ 0.8);
(c) capture-to-ack latency for 2 MB photos, one at a time: p50 (target ≤ 60 ms) and p99 (≤ 250 ms).

Run: .venv/bin/python tests/bench/bench_pipeline.py [--count 200] [--latency-count 200]
"""

from __future__ import annotations

import argparse
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


def raw_throughput(broker, payload: bytes, count: int) -> float:
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
    t0 = time.perf_counter()
    for _ in range(count):
        pub.publish(wire.Topics().photos("kiosk-a"), payload, qos=1)
    got.wait(300)
    dt = time.perf_counter() - t0
    for c in (pub, sub):
        c.disconnect()
        c.loop_stop()
    return count / dt


def _photo(jpeg: bytes) -> wire.PhotoHeader:
    return wire.PhotoHeader(photo_id=wire.new_id(), kiosk="kiosk-a", return_ref="RMA-BENCH",
                            sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow())


def pipeline(kcfg, jpegs: list[bytes], count: int) -> tuple[float, list[float]]:
    cfg = load_config(kcfg)
    outbox = Outbox.from_config(cfg)
    acked: dict[str, float] = {}
    done = threading.Event()
    target = [count]

    def on_ack(ack):
        acked[ack["id"]] = time.perf_counter()
        if len(acked) >= target[0]:
            done.set()

    up = Uplink(cfg, outbox, on_ack=on_ack)
    up.start()
    helpers.wait_for(lambda: up.connected, 20, what="uplink connected")
    # (b) throughput: the desk adds photos as fast as it can while the uplink sends
    t0 = time.perf_counter()
    for i in range(count):
        outbox.add_photo(_photo(jpegs[i % len(jpegs)]), jpegs[i % len(jpegs)])
        up.wake()
    done.wait(600)
    rate = count / (time.perf_counter() - t0)
    return rate, (up, outbox, acked, done, target)


def latency(state, jpeg: bytes, count: int) -> list[float]:
    up, outbox, acked, done, target = state
    out = []
    for _ in range(count):
        target[0] = len(acked) + 1
        done.clear()
        t0 = time.perf_counter()
        h = _photo(jpeg)
        outbox.add_photo(h, jpeg)  # "capture": the photo is durable from here
        up.wake()
        if not done.wait(10):
            raise RuntimeError("no ack within 10 s")
        out.append((acked[h.photo_id] - t0) * 1000)
    up.stop()
    return out


def pct(xs, p):
    return float(np.percentile(xs, p))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--latency-count", type=int, default=200)
    ap.add_argument("--workers", type=int, default=1, help="hub ingest workers on the shared subscription")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        broker = helpers.start_broker(tmp / "broker")
        hub = helpers.write_hub_config(tmp / "hub", broker)
        helpers.hub_cli(hub, "kiosk", "add", "kiosk-a")
        workers = []
        try:
            one_mb = [jpeg_of_size(1_000_000, s) for s in range(4)]
            two_mb = jpeg_of_size(2_000_000, 9)
            payload = wire.encode_photo(_photo(one_mb[0]), one_mb[0])
            # the baseline runs before the hub exists, so nothing else consumes its messages
            raw = statistics.median(raw_throughput(broker, payload, args.count) for _ in range(3))
            workers = [helpers.hub_ingest(hub, n) for n in range(1, args.workers + 1)]
            for w in workers:
                helpers.wait_ready(w, "connected")
            kcfg = helpers.write_kiosk_config(tmp / "kiosk", "kiosk-a", broker, ack_timeout_s=30)
            os.environ["RETURNS_KIOSK_MQTT_PASSWORD"] = helpers.kiosk_password("kiosk-a")
            full, state = pipeline(kcfg, one_mb, args.count)
            lat = latency(state, two_mb, args.latency_count)
        finally:
            for w in workers:
                w.stop()
            broker.stop()
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "payload_bytes": len(payload),
        "ingest_workers": args.workers,
        "raw_mqtt_msgs_per_s": round(raw, 1),
        "pipeline_msgs_per_s": round(full, 1),
        "ratio_pipeline_over_raw": round(full / raw, 3),
        "latency_2mb_ms": {"p50": round(pct(lat, 50), 1), "p95": round(pct(lat, 95), 1),
                           "p99": round(pct(lat, 99), 1), "n": len(lat), "photo_bytes": len(two_mb)},
    }
    print(json.dumps(result, indent=2))
    print(f"pipeline/raw = {result['ratio_pipeline_over_raw']} (target >= 0.8); "
          f"capture-to-ack p50 {result['latency_2mb_ms']['p50']} ms (<= 60), "
          f"p99 {result['latency_2mb_ms']['p99']} ms (<= 250)")


if __name__ == "__main__":
    main()
