"""`make demo-desk`: a return desk station on this machine — broker, hub ingest, and `returns-kiosk run` with its screen.

Open the printed address in a browser and walk a return through it: type (or `echo … >` the scanner FIFO)
a return label such as RMA-DEMO-1, capture, retake a refused photo, pick a category, done, done.
The simulated camera replays sample stills, one of them blurry, so the gate has something to refuse.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import threading
from pathlib import Path

from tests import desk_station, helpers


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
        kiosk, url, fifo = desk_station.start(root, "kiosk-desk", broker, args.port)
        procs.append(kiosk)
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
