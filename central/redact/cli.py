"""`returns-hub redact`: the redaction pass on one image, printing the regions found and why."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def cmd_redact(args) -> int:
    from PIL import UnidentifiedImageError

    from central.redact.pipeline import redact_file
    from central.redact.regions import Customer

    try:
        customer = Customer.from_dict(json.loads(Path(args.customer_json).read_text())) \
            if args.customer_json else None
    except (OSError, ValueError) as e:
        print(f"error: --customer-json {args.customer_json}: {e}", file=sys.stderr)
        return 2
    try:
        res, regions = redact_file(Path(args.image), Path(args.out), customer, args.max_side)
    except (OSError, UnidentifiedImageError) as e:
        print(f"error: {args.image}: cannot read this image ({e})", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"image": args.image, "out": args.out, "size": list(res.size),
                          "regions": [r.to_dict() for r in regions], "problems": res.problems,
                          "ms": res.ms}))
    else:
        print(f"{args.image} → {args.out} ({res.size[0]}x{res.size[1]}, {len(regions)} region(s))")
        for r in regions:
            print(f"  {r.detector:5} {list(r.box)!s:24} {r.confidence:.2f}  {r.why}")
        for p in res.problems:
            print(f"  NOT CLEAN: {p}")
    return 1 if res.problems else 0


def register(sub) -> None:
    s = sub.add_parser("redact", help="redact one image: faces, codes, customer text, metadata")
    s.add_argument("image", help="a JPEG or PNG")
    s.add_argument("--out", required=True, help="where to write the redacted JPEG")
    s.add_argument("--customer-json", help="JSON with name, address, email, phone, order_id to look for")
    s.add_argument("--max-side", type=int, default=None, help="shrink the output to this many pixels")
    s.add_argument("--json", action="store_true", help="one JSON object")
    s.set_defaults(func=cmd_redact)
