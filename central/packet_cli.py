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


def _export(args, cfg, load_claim) -> int:
    """Shared by `packet export` and `claim export`: progress bar, refusal reasons, one JSON line."""
    from tqdm import tqdm

    from central import claims
    from central import db as hubdb
    from central.packet import ExportRefused, export_packet

    conn = hubdb.connect(cfg.db_path)
    try:
        claim = load_claim(conn)
    except (OSError, ValueError, TypeError, claims.ClaimError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    bar = tqdm(total=len(claim.photos), unit="photo", desc="redacting", file=sys.stderr,
               disable=args.no_progress)
    try:
        result = export_packet(conn, claim, Path(args.out), _actor(args), workers=args.workers,
                               progress=lambda done, total: bar.update(done - bar.n))
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


def _actor(args) -> str:
    return args.actor or os.environ.get("RETURNS_HUB_ACTOR") or os.environ.get("USER") or "buyer"


def cmd_packet(args) -> int:
    from central import config as hubconfig

    cfg = hubconfig.load_config(args.config)

    def load(conn):
        try:
            return claim_from_json(json.loads(Path(args.claim_json).read_text()), cfg.photo_dir)
        except (OSError, ValueError, TypeError) as e:
            raise ValueError(f"{args.claim_json}: {e}") from None
    return _export(args, cfg, load)


def cmd_claim_export(args) -> int:
    from central import config as hubconfig
    from central.packet_claims import packet_claim

    cfg = hubconfig.load_config(args.config)
    return _export(args, cfg, lambda conn: packet_claim(conn, args.id, cfg.photo_dir))


def _export_options(s) -> None:
    s.add_argument("--out", required=True, help="folder for the PDF, ZIP and manifests")
    s.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes (default: every core)")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")


def register_claim_export(add) -> None:
    """`returns-hub claim export CLAIM_ID --out DIR`, added to the claim command's actions."""
    s = add("export", "write the supplier packet (PDF, ZIP, manifests) of the approved version")
    s.add_argument("id", type=int)
    _export_options(s)
    s.set_defaults(func=cmd_claim_export)


def register(sub) -> None:
    s = sub.add_parser("packet", help="supplier packets: export an approved claim version")
    s.add_argument("action", choices=["export"])
    s.add_argument("--claim-json", required=True, help="the claim version to export (fields and photo hashes)")
    s.add_argument("--config", required=True, help="hub.toml")
    s.add_argument("--actor", help="who exports (recorded; default: $RETURNS_HUB_ACTOR or login)")
    _export_options(s)
    s.add_argument("--json", action="store_true", help="one JSON object")
    s.set_defaults(func=cmd_packet)
