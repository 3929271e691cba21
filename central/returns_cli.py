"""`returns-hub import-returns | demo-data | unlinked`: the return records' command line (thin over central.returns)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from central import config as hubconfig
from central import db as hubdb


def cmd_import(args) -> int:
    from central import returns
    from central.taxonomy import from_config

    cfg = hubconfig.load_config(args.config)
    conn = hubdb.connect(cfg.db_path)
    try:
        result = returns.import_csv(conn, Path(args.file), actor=args.actor, progress=not args.no_progress,
                                    taxonomy=from_config(cfg))
    except (returns.RowError, FileNotFoundError, UnicodeDecodeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for err in result.errors:
        print(f"{args.file}:{err['line']}: {err['reason']}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), sort_keys=True))
    else:
        print(f"{result.loaded} line(s) of {result.returns} return(s) loaded, {len(result.errors)} bad row(s), "
              f"{result.linked} waiting photo(s) linked")
    return 1 if result.errors and not result.loaded else 0


def cmd_demo_data(args) -> int:
    from central.demodata import write_csv

    n = write_csv(Path(args.out), count=args.count, ref_prefix=args.ref_prefix, seed=args.seed)
    print(json.dumps({"out": args.out, "rows": n, "returns": args.count}) if args.json else f"{n} rows → {args.out}")
    return 0


def cmd_unlinked(args) -> int:
    from central import linking

    cfg = hubconfig.load_config(args.config)
    for row in linking.unlinked_queue(hubdb.connect(cfg.db_path), limit=args.limit):
        print(json.dumps(row, sort_keys=True) if args.json else
              f"{row['photo_id']}  {row['return_ref'] or '-':16} {row['reason']:20} {row['detail'] or ''}")
    return 0


def register(sub) -> None:
    s = sub.add_parser("import-returns", help="load return records from a CSV file (columns in README)")
    s.add_argument("file", help="CSV with a header row naming the columns")
    s.add_argument("--config", required=True)
    s.add_argument("--actor", default="import", help="who the audit log names")
    s.add_argument("--json", action="store_true")
    s.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("demo-data", help="write a realistic demo set of return records as CSV")
    s.add_argument("--out", required=True)
    s.add_argument("--config", help="accepted for symmetry with the other commands; not needed")
    s.add_argument("--count", type=int, default=300, help="returns (a few have two lines)")
    s.add_argument("--ref-prefix", default="RMA-SIM-", help="as `returns-kiosk simulate --ref-prefix`")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_demo_data)

    s = sub.add_parser("unlinked", help="photos waiting for a return record, with the reason")
    s.add_argument("--config", required=True)
    s.add_argument("--limit", type=int, default=200)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_unlinked)
