"""`returns-hub`: the hub's command line, a thin layer over the library modules."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading

from central import config as hubconfig
from central import db as hubdb


def _load(args):
    return hubconfig.load_config(args.config)


def cmd_ingest(args) -> int:
    from central.store import PhotoStore
    from central.worker import IngestWorker

    cfg = _load(args)
    conn = hubdb.connect(cfg.db_path)
    PhotoStore(cfg.photo_dir).sweep(conn)
    conn.close()
    worker = IngestWorker(cfg, worker=args.worker)
    stop = threading.Event()

    def _term(*_):
        stop.set()
        worker.stop()

    signal.signal(signal.SIGTERM, _term)
    signal.signal(signal.SIGINT, _term)
    print(f"ingest worker {args.worker}: {cfg.broker.host}:{cfg.broker.port} → {cfg.db_path}", flush=True)
    worker.run()
    return 0


def cmd_stats(args) -> int:
    from central.stats import stats

    cfg = _load(args)
    s = stats(hubdb.connect(cfg.db_path))
    if args.json:
        print(json.dumps(s, sort_keys=True))
    else:
        for k, v in s.items():
            print(f"{k:24} {v}")
    return 0


def cmd_kiosk(args) -> int:
    from central.ingest import register_kiosk

    cfg = _load(args)
    conn = hubdb.connect(cfg.db_path)
    if args.action == "add":
        for name in args.names:
            added = register_kiosk(conn, name)
            print(f"{name}: {'added' if added else 'already registered'}")
    else:
        for row in conn.execute("SELECT id, state, state_at, telemetry_at FROM kiosks ORDER BY id"):
            if args.json:
                print(json.dumps(dict(row)))
            else:
                print(f"{row['id']:20} {row['state'] or '-':8} {row['state_at'] or ''}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="returns-hub", description="Returns Desk hub")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug output")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="run an MQTT ingest worker")
    s.add_argument("--config", required=True, help="hub.toml")
    s.add_argument("--worker", type=int, default=1, help="worker number (several share the load)")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("stats", help="counts: photos, rejects, duplicates, kiosks")
    s.add_argument("--config", required=True)
    s.add_argument("--json", action="store_true", help="one JSON object")
    s.set_defaults(func=cmd_stats)

    s = sub.add_parser("kiosk", help="register kiosks and list the fleet")
    s.add_argument("action", choices=["add", "list"])
    s.add_argument("names", nargs="*")
    s.add_argument("--config", required=True)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_kiosk)

    for register in EXTRA_COMMANDS:
        register(sub)
    return p


# Later stages add their sub-commands here: a function taking the sub-parser collection.
EXTRA_COMMANDS: list = []

from central.redact.cli import register as _register_redact  # noqa: E402

EXTRA_COMMANDS.append(_register_redact)

from central.packet_cli import register as _register_packet  # noqa: E402

EXTRA_COMMANDS.append(_register_packet)


def _web_commands(sub) -> None:
    from central.web.serve import register

    register(sub)


EXTRA_COMMANDS.append(_web_commands)

from central import claims_cli, returns_cli  # noqa: E402

EXTRA_COMMANDS += [returns_cli.register, claims_cli.register]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args) or 0
    except hubconfig.ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
