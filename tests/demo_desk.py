"""`make demo-desk`: a return desk station on this machine — broker, hub ingest, and `returns-kiosk run` with its screen.

Open the printed address in a browser and walk a return through it: type (or `echo … >` the scanner FIFO)
a return label such as RMA-DEMO-1, capture, retake a refused photo, pick a category, done, done.
The simulated camera replays sample stills, one of them blurry, so the gate has something to refuse.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import threading
from pathlib import Path

import cv2

from edge.samples import desk_photo, write_samples
from tests import helpers


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make demo-desk")
    ap.add_argument("--dir", default="demo-data/desk", help="where the demo keeps its files")
    ap.add_argument("--port", type=int, default=8088, help="port of the desk screen")
    ap.add_argument("--once", action="store_true", help="start, print the addresses, stop (a smoke test)")
    args = ap.parse_args(argv)
    root = Path(args.dir).resolve()
    if root.exists():
        shutil.rmtree(root)
    broker = helpers.start_broker(root / "broker", kiosks=("kiosk-desk",))
    procs: list[helpers.Proc] = []
    try:
        hub = helpers.write_hub_config(root / "hub", broker)
        helpers.hub_cli(hub, "kiosk", "add", "kiosk-desk")
        ingest = helpers.hub_ingest(hub, 1)
        procs.append(ingest)
        helpers.wait_ready(ingest, "connected")
        photos = root / "camera"
        write_samples(photos, count=4)
        cv2.imwrite(str(photos / "desk-001b.jpg"), cv2.GaussianBlur(desk_photo(1), (0, 0), 6))
        fifo = root / "scanner.fifo"
        os.mkfifo(fifo)
        kcfg = helpers.write_kiosk_config(root / "kiosk-desk", "kiosk-desk", broker, extra=f"""[camera]
kind = "folder"
folder = "{photos}"
[scanner]
kind = "lines"
path = "{fifo}"
[panel]
pin_factory = "mock"
[screen]
port = {args.port}
""")
        kiosk = helpers.kiosk_run(kcfg, "kiosk-desk")
        procs.append(kiosk)
        helpers.wait_ready(kiosk, "desk screen: http", 30)
        url = kiosk.output().split("desk screen: ", 1)[1].split()[0]
        print(f"""
Return desk demo is running.
  desk screen   {url}   (open it; it is made for a touch screen)
  scanner       echo RMA-DEMO-1 > {fifo}     (or type the label in the box on the screen)
  category card echo CAT-dent > {fifo}       commands: CMD-DONE CMD-RETAKE CMD-CANCEL CMD-ACCEPT
  hub           .venv/bin/returns-hub stats --config {hub} --json
  kiosk log     {kiosk.log}
""", flush=True)
        if args.once:
            print(json.dumps(json.loads(helpers.hub_cli(hub, "stats", "--json").stdout)), flush=True)
            return 0
        print("Ctrl-C stops the demo.", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        return 0
    finally:
        for p in reversed(procs):
            p.stop()
        broker.stop()


if __name__ == "__main__":
    raise SystemExit(main())
