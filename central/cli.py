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
    worker.watch()
    worker.run()
    return 0


def cmd_stats(args) -> int:
    from central.stats import stats

    cfg = _load(args)
    s = stats(hubdb.connect(cfg.db_path))
    from central import disk

    if warning := disk.check(cfg):
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(s, sort_keys=True))
    else:
        for k, v in s.items():
            print(f"{k:24} {v}")
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

    for register in EXTRA_COMMANDS:
        register(sub)
    return p


# Later stages add their sub-commands here: a function taking the sub-parser collection.
EXTRA_COMMANDS: list = []

from central.redact.cli import register as _register_redact  # noqa: E402

EXTRA_COMMANDS.append(_register_redact)

from central.packet_cli import register as _register_packet  # noqa: E402
from central.packet_cli import register_claim_export as _register_claim_export  # noqa: E402

EXTRA_COMMANDS.append(_register_packet)


def _web_commands(sub) -> None:
    from central.web.serve import register

    register(sub)


EXTRA_COMMANDS.append(_web_commands)


def _claims_commands(sub) -> None:
    from central import claims_cli, returns_cli

    if _register_claim_export not in claims_cli.EXTRA_CLAIM_ACTIONS:
        claims_cli.EXTRA_CLAIM_ACTIONS.append(_register_claim_export)  # `claim export ID --out DIR`
    returns_cli.register(sub)
    claims_cli.register(sub)


EXTRA_COMMANDS.append(_claims_commands)

from central import backup, provision  # noqa: E402  (fleet provisioning, remote config, backups)

EXTRA_COMMANDS += [provision.register, backup.register]


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
