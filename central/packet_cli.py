"""`returns-hub packet export`: write the supplier packet for an approved claim version, with a progress bar."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def claim_from_json(data: dict, photo_dir: Path):
    """A claim described as JSON (the claim's fields, photos by their sha256 in the hub's store)."""
    from central.packet import PacketClaim, PacketPhoto
    from central.store import PhotoStore

    store = PhotoStore(photo_dir)
    photos = []
    for i, p in enumerate(data.pop("photos", [])):
        sha = p.get("photo_sha", "")
        try:
            path = store.path(sha)
        except ValueError:
            raise ValueError(f"photos[{i}].photo_sha: not a sha256") from None
        if not path.exists():
            raise ValueError(f"photos[{i}]: no photo {sha} in the hub's store")
        photos.append(PacketPhoto(source=str(path), **p))
    return PacketClaim(photos=photos, **data)


def cmd_packet(args) -> int:
    from tqdm import tqdm

    from central import config as hubconfig
    from central import db as hubdb
    from central.packet import ExportRefused, export_packet

    cfg = hubconfig.load_config(args.config)
    try:
        claim = claim_from_json(json.loads(Path(args.claim_json).read_text()), cfg.photo_dir)
    except (OSError, ValueError, TypeError) as e:
        print(f"error: {args.claim_json}: {e}", file=sys.stderr)
        return 2
    conn = hubdb.connect(cfg.db_path)
    bar = tqdm(total=len(claim.photos), unit="photo", desc="redacting", file=sys.stderr,
               disable=args.no_progress)

    def progress(done, total):
        bar.update(done - bar.n)

    try:
        result = export_packet(conn, claim, Path(args.out), args.actor, workers=args.workers, progress=progress)
    except ExportRefused as e:
        bar.close()
        if args.json:
            print(json.dumps({"ok": False, "claim_id": claim.claim_id, "reasons": e.reasons}))
        else:
            print("export refused:\n" + "\n".join(f"  {r}" for r in e.reasons), file=sys.stderr)
        return 1
    bar.close()
    if args.json:
        print(json.dumps({"ok": True} | result))
    else:
        print(f"claim {result['claim_id']} v{result['version']}: {result['photos']} photo(s) → {result['out']}")
        for name, sha in result["files"].items():
            print(f"  {name}  sha256 {sha[:16]}…")
    return 0


def register(sub) -> None:
    s = sub.add_parser("packet", help="supplier packets: export an approved claim version")
    s.add_argument("action", choices=["export"])
    s.add_argument("--claim-json", required=True, help="the claim version to export (fields and photo hashes)")
    s.add_argument("--out", required=True, help="folder for the PDF, ZIP and manifests")
    s.add_argument("--config", required=True, help="hub.toml")
    s.add_argument("--actor", default=os.environ.get("USER", "buyer"), help="who exports (recorded)")
    s.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes (default: every core)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--json", action="store_true", help="one JSON object")
    s.set_defaults(func=cmd_packet)
