"""`make demo`: the whole system on this machine — broker, hub, simulated kiosks sending photos, and a
return-desk station with its touch screen to walk a return through by hand.

Everything lives under ./demo-data (or --dir). Runs until Ctrl-C, or exits after one pass with --once.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import threading
from pathlib import Path

from edge.samples import write_samples
from tests import desk_station, helpers, web_demo

KIOSKS = ("kiosk-1", "kiosk-2")
DESK = "kiosk-desk"  # the station with a screen
DESK_REF = "RMA-SIM-00010"  # a demo return (Anatolia Textiles, PO-7310) for the desk walk


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make demo")
    ap.add_argument("--dir", default="demo-data", help="where the demo keeps its files")
    ap.add_argument("--once", action="store_true", help="exit after the kiosks have sent their photos")
    ap.add_argument("--returns", type=int, default=4, help="returns each simulated kiosk walks through")
    ap.add_argument("--web-port", type=int, default=8080, help="where the hub web app listens")
    ap.add_argument("--desk-port", type=int, default=8088, help="where the desk station's screen listens")
    args = ap.parse_args(argv)

    root = Path(args.dir).resolve()
    if root.exists():
        shutil.rmtree(root)
    broker = helpers.start_broker(root / "broker", kiosks=(*KIOSKS, DESK))
    procs: list[helpers.Proc] = []
    try:
        hub = helpers.write_hub_config(root / "hub", broker)
        helpers.hub_cli(hub, "kiosk", "add", *KIOSKS, DESK)
        returns_csv = root / "returns.csv"  # return records whose refs the simulated kiosks scan
        helpers.hub_cli(hub, "demo-data", "--out", str(returns_csv))
        helpers.hub_cli(hub, "import-returns", str(returns_csv), "--quiet")
        ingest = helpers.hub_ingest(hub, 1)
        procs.append(ingest)
        helpers.wait_ready(ingest, "connected")
        web_demo.add_users(hub)
        web, web_url = web_demo.start_web(hub, args.web_port)
        procs.append(web)
        photos = root / "sample-photos"
        write_samples(photos, count=8)

        kiosk_cfgs = {k: helpers.write_kiosk_config(root / k, k, broker) for k in KIOSKS}
        sims = [helpers.kiosk_simulate(cfg, k, photos, "--count", str(args.returns), "--per-return", "3",
                                       "--interval", "0.2", "--wait", "60")
                for k, cfg in kiosk_cfgs.items()]
        for s in sims:
            s.wait(180)
            print(f"{s.log.parent.name}: {s.output().strip().splitlines()[-1]}")
        stats = json.loads(helpers.hub_cli(hub, "stats", "--json").stdout)
        packets = demo_claims(hub, root / "packets")
        desk_port = args.desk_port if not web_demo.listening(args.desk_port) else web_demo.free_port()
        desk, desk_url, fifo = desk_station.start(root / "desk", DESK, broker, desk_port)
        procs.append(desk)

        print(f"""
Returns Desk demo is running.
  broker      mosquitto on 127.0.0.1:{broker.port} (config {broker.conf})
  hub         {hub}  (data in {hub.parent / 'data'}, ingest log {ingest.log})
  kiosks      {', '.join(str(c) for c in kiosk_cfgs.values())}
  desk        {desk_url}  the station's touch screen ({DESK}): type {DESK_REF} in its box
              (or: echo {DESK_REF} > {fifo}), capture, retake a refused photo, pick a category, done, done
  web         {web_url}  sign in as buyer1, warehouse1, fleet1 or admin1, password {web_demo.DEMO_PASSWORD}
  photos at the hub: {stats['photos']}  events: {stats['events']}  rejected: {stats['rejected_payloads']}
  returns: {stats['returns']}  photos linked: {stats['photos_linked']}  unlinked: {stats['photos_unlinked']}
{packets['text']}

Try:
  .venv/bin/returns-hub stats --config {hub} --json
  RETURNS_KIOSK_MQTT_PASSWORD={helpers.kiosk_password(KIOSKS[0])} \\
    .venv/bin/returns-kiosk simulate --config {kiosk_cfgs[KIOSKS[0]]} --photos {photos} --count 2
  .venv/bin/returns-kiosk status --config {kiosk_cfgs[KIOSKS[0]]} --json
  .venv/bin/returns-hub claim show 1 --config {hub}
  .venv/bin/returns-hub claim handoff 1 --config {hub}     # what finance, logistics, warehouse still miss
  open {web_url}/claims/1 as buyer1 to compare versions, record the supplier's response and close
  open {web_url}/fleet as fleet1 to watch the three kiosks
""", flush=True)
        if args.once:  # a smoke run: one return walked through the station's own screen API
            walked = desk_station.walk(desk_url, DESK_REF, "stain")
            helpers.wait_for(lambda: "session_closed" in desk_walk_at_hub(hub, DESK_REF)[1], 60,
                             what="the desk walk at the hub")
            linked, events = desk_walk_at_hub(hub, DESK_REF)
            print(f"desk walk: {DESK_REF}, screen back to {walked['state']}; at the hub {linked} photos linked, "
                  f"events {' '.join(events)}", flush=True)
        else:
            print("Ctrl-C stops the demo.", flush=True)
            stop = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass
        return 0 if stats["photos"] > 0 and packets["ok"] else 1
    finally:
        for p in procs:
            p.stop()
        broker.stop()


def desk_walk_at_hub(hub: Path, ref: str) -> tuple[int, list[str]]:
    """What the hub has of the desk walk: photos linked to the return, and the desk events in order."""
    conn = helpers.hub_db(hub)
    try:
        linked = conn.execute("SELECT count(*) FROM photo_links WHERE return_ref = ? AND status = 'linked'",
                              (ref,)).fetchone()[0]
        events = [r[0] for r in conn.execute("SELECT type FROM events WHERE kiosk = ? AND return_ref = ? "
                                             "ORDER BY at, rowid", (DESK, ref))]
        return linked, events
    finally:
        conn.close()


def demo_claims(hub: Path, out: Path) -> dict:
    """A buyer's first steps, on the CLI: open the claim for each PO the kiosks photographed, approve
    version 1 for sending, and export the supplier packet (which refuses to write if anything identifies
    a customer)."""
    lines, ok = [], True
    pos = helpers.hub_db(hub).execute(
        "SELECT DISTINCT l.supplier, l.po FROM photo_links pl JOIN return_lines l ON l.id = pl.line_id "
        "WHERE pl.status = 'linked' ORDER BY 1, 2").fetchall()
    for supplier, po in pos:
        def claim(*args):
            r = helpers.hub_cli(hub, "claim", *args, "--json", "--actor", "buyer1", check=False)
            return r.returncode, (json.loads(r.stdout.strip().splitlines()[-1]) if r.stdout.strip() else {}), r
        code, opened, r = claim("create", "--supplier", supplier, "--po", po)
        if code:
            ok = False
            lines.append(f"  claim for {supplier} {po}: not opened: {r.stderr.strip() or r.stdout.strip()}")
            continue
        cid = str(opened["id"])
        claim("approve", cid, "--step", "send_claim", "--po", po, "--version", "1")
        code, result, r = claim("export", cid, "--out", str(out / f"claim-{cid}"), "--no-progress")
        ok &= code == 0 and bool(result.get("ok"))
        lines.append(f"  claim {cid} ({supplier}, {po}): approved v1, packet "
                     + (f"verified and written to {result.get('out')} ({result.get('photos')} redacted photos)"
                        if code == 0 else f"refused: {result.get('reasons') or r.stderr.strip()}"))
    return {"ok": ok and bool(pos), "text": "\n".join(lines) or "  no linked photos, so no claims"}


if __name__ == "__main__":
    sys.exit(main())
