"""`returns-hub import-returns`, `demo-data`, `unlinked`, `link`, `categories`: return records and linking from the shell."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def actor_default() -> str:
    return os.environ.get("USER") or "cli"


def _hub(args):
    """The hub's database and its configured defect categories (what linking maps a photo's category to)."""
    from central import config as hubconfig
    from central import db as hubdb
    from central.taxonomy import Taxonomy

    cfg = hubconfig.load_config(args.config)
    return hubdb.connect(cfg.db_path), Taxonomy(cfg.claims.categories)


def cmd_import(args) -> int:
    from tqdm import tqdm

    from central.returns import RowError, count_rows, import_csv

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    conn, taxonomy = _hub(args)
    with tqdm(total=count_rows(path), unit="row", desc="importing", file=sys.stderr,
              disable=args.quiet, mininterval=0.5) as bar:
        try:
            result = import_csv(conn, path, actor=args.actor, progress=bar.update, taxonomy=taxonomy)
        except RowError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
    for b in result.bad:
        print(f"{path.name}:{b['line']}: {b['reason']}", file=sys.stderr)
    out = result.as_dict()
    if args.json:
        print(json.dumps(out))
    else:
        print(f"{result.loaded} of {result.rows} row(s) loaded: {result.returns_created} return(s) created, "
              f"{result.returns_updated} updated ({result.returns_changed} changed), "
              f"{result.linked_photos} waiting photo(s) linked, "
              f"{len(result.bad)} bad row(s)")
    return 1 if result.bad else 0


def cmd_demo_data(args) -> int:
    from central import demodata

    n = demodata.write_csv(Path(args.out), demodata.generate(args.returns, args.simulated, args.seed))
    print(f"{n} row(s) → {args.out}")
    return 0


def cmd_unlinked(args) -> int:
    from central.linking import unlinked

    for row in unlinked(_hub(args)[0], args.limit):
        print(json.dumps(row) if args.json else f"{row['photo_id']}  {row['return_ref'] or '-':20} {row['reason']}")
    return 0


def cmd_link(args) -> int:
    from central.linking import LinkError, link_manually

    conn, taxonomy = _hub(args)
    try:
        row = link_manually(conn, args.photo_id, args.ref, args.sku, args.actor, args.category, taxonomy)
    except LinkError as e:
        print(json.dumps({"ok": False, "error": str(e)}) if args.json else f"error: {e}",
              file=sys.stdout if args.json else sys.stderr)
        return 1
    print(json.dumps(row) if args.json else f"{args.photo_id} → {row['return_ref']} line {row['line_id']}")
    return 0


def cmd_categories(args) -> int:
    from central import config as hubconfig
    from central.taxonomy import Taxonomy

    tax = Taxonomy(hubconfig.load_config(args.config).claims.categories)
    for c in tax.for_kiosk():
        print(json.dumps(c) if args.json else f"{c['code']:20} {c['label']}")
    return 0


def register(sub) -> None:
    s = sub.add_parser("categories", help="the defect categories (stable codes) kiosks and claims share")
    s.add_argument("--config", required=True)
    s.add_argument("--json", action="store_true", help="one JSON object per category")
    s.set_defaults(func=cmd_categories)

    s = sub.add_parser("import-returns", help="load return records from a CSV file (columns in the README)")
    s.add_argument("file", help="CSV file, one row per return line")
    s.add_argument("--config", required=True)
    s.add_argument("--actor", default=actor_default(), help="who is importing (for the audit log)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("demo-data", help="write a realistic demo set of return records as CSV")
    s.add_argument("--out", required=True)
    s.add_argument("--returns", type=int, default=300)
    s.add_argument("--simulated", type=int, default=20, help="references per simulated kiosk prefix")
    s.add_argument("--seed", type=int, default=7)
    s.add_argument("--config", help="accepted and ignored, so scripts can pass it to every command")
    s.set_defaults(func=cmd_demo_data)

    s = sub.add_parser("unlinked", help="photos waiting for a return record, with the reason")
    s.add_argument("--config", required=True)
    s.add_argument("--limit", type=int, default=200)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_unlinked)

    s = sub.add_parser("link", help="link a photo to a return (and line) by hand")
    s.add_argument("photo_id")
    s.add_argument("ref")
    s.add_argument("--sku")
    s.add_argument("--category")
    s.add_argument("--config", required=True)
    s.add_argument("--actor", default=actor_default())
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_link)
