"""`returns-kiosk`: the station's command line, a thin layer over the library modules."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path

from edge import config as kconfig


def cmd_run(args) -> int:
    from edge.station import Station

    cfg = kconfig.load_config(args.config)
    station = Station(cfg).start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        station.open_desk()
    except Exception as e:
        # A camera, gate or scanner that cannot start must not strand the photos already queued: keep
        # sending them, and say what is broken in the log and in every heartbeat to the fleet page.
        problem = f"the desk could not start: {e}"
        print(f"error: {problem}", file=sys.stderr, flush=True)
        station.heartbeat.providers.append(lambda: {"desk_error": problem})
    print(f"kiosk {cfg.kiosk_id}: data in {cfg.data_dir}, broker {cfg.broker.host}:{cfg.broker.port}", flush=True)
    if station.server:
        print(f"desk screen: {station.screen_url}", flush=True)
    from edge import wire

    wire.sd_notify("READY=1", f"STATUS={station.status_line()}")
    while not stop.wait(wire.watchdog_interval_s()):
        # A hung thread (camera, uplink) stops the pings, and systemd restarts the service.
        if station.healthy():
            wire.sd_notify("WATCHDOG=1", f"STATUS={station.status_line()}")
    wire.sd_notify("STOPPING=1")
    station.stop()
    return 0


def cmd_simulate(args) -> int:
    from edge.simulate import simulate

    cfg = kconfig.load_config(args.config)
    if args.returns:
        refs = [r for r in args.returns.split(",") if r]
    else:
        refs = [f"{args.ref_prefix}{i:05d}" for i in range(1, args.count + 1)]
    if args.category not in cfg.desk.categories:
        print(f"error: --category {args.category!r} is not one of: {', '.join(cfg.desk.categories)}", file=sys.stderr)
        return 2
    summary = simulate(cfg, Path(args.photos), refs, per_return=args.per_return, category=args.category,
                       interval=args.interval, wait=args.wait, accept_anyway=args.accept_anyway)
    if not args.ids:
        summary.pop("photo_ids")
    print(json.dumps(summary), flush=True)
    return 0 if not summary["errors"] else 1


def cmd_status(args) -> int:
    from edge.outbox import Outbox

    cfg = kconfig.load_config(args.config)
    from edge.station import Station

    outbox = Outbox.from_config(cfg)
    s = outbox.stats()
    s["kiosk"] = cfg.kiosk_id
    s.update(Station.offline_status(cfg, outbox))
    if args.json:
        print(json.dumps(s, sort_keys=True))
    else:
        for k, v in s.items():
            print(f"{k:24} {v}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="returns-kiosk", description="Returns Desk station")
    p.add_argument("-v", "--verbose", action="store_true")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("run", help="run the station")
    s.add_argument("--config", required=True, help="kiosk.toml")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("simulate", help="a headless station: scripted returns, photos from a folder")
    s.add_argument("--config", required=True)
    s.add_argument("--photos", required=True, help="folder of images the simulated camera replays")
    s.add_argument("--returns", help="comma-separated return refs (default: generated)")
    s.add_argument("--count", type=int, default=3, help="number of generated returns")
    s.add_argument("--ref-prefix", default="RMA-SIM-")
    s.add_argument("--per-return", type=int, default=2, help="photos per return")
    s.add_argument("--category", default="scratch")
    s.add_argument("--interval", type=float, default=0.0, help="seconds between photos")
    s.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the hub's acks (0: don't)")
    s.add_argument("--ids", action="store_true", help="list the photo_ids in the summary")
    s.add_argument("--accept-anyway", action="store_true",
                   help="send photos the gate refuses, recorded as the operator's override")
    s.set_defaults(func=cmd_simulate)

    s = sub.add_parser("status", help="outbox depth, oldest unacked age, last ack")
    s.add_argument("--config", required=True)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)

    for register in EXTRA_COMMANDS:
        register(sub)
    return p


# Later stages (gate, desk) add their sub-commands here.
EXTRA_COMMANDS: list = []


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except kconfig.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())


from edge.quality.cli import register as _register_gate_commands  # noqa: E402

EXTRA_COMMANDS.append(_register_gate_commands)

from edge.cards import register as _register_card_commands  # noqa: E402

EXTRA_COMMANDS.append(_register_card_commands)
