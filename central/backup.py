"""Hub backup and restore: store (SQLite + photo files) → a folder with a hash manifest → store.

The database is copied with SQLite's online backup API, so ingest keeps running meanwhile; every
other file under the data folder (the photo store and what later stages keep there) is copied and
hashed. manifest.json is written last: a backup without it is incomplete. Restore checks every hash
before it writes anything, and only into an empty data folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

from edge import wire

DB_NAME = "hub.db"
SKIP = {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal"}


class BackupError(Exception):
    pass


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        conn.close()


def _copy(src: Path, dst: Path) -> str:
    """temp → fsync → rename, hashing the bytes on the way (one read of the source)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    h = hashlib.sha256()
    with src.open("rb") as f, tmp.open("wb") as g:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
            g.write(block)
        g.flush()
        os.fsync(g.fileno())
    os.replace(tmp, dst)
    return h.hexdigest()


def fsync_folders(root: Path, rels) -> None:
    """fsync every folder the files `rels` were renamed into, and each folder above them up to `root`:
    a rename is durable only once its folder is, and a new folder only once its parent is."""
    folders = {root}
    for rel in rels:
        folder = (root / rel).parent
        while folder != root and folder not in folders:
            folders.add(folder)
            folder = folder.parent
    for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):  # deepest first
        wire.fsync_dir(folder)
    wire.fsync_dir(root.parent)  # `root` itself may be new


def backup(data_dir: Path, out: Path) -> dict:
    data_dir, out = Path(data_dir), Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; back up into a new folder")
    if not (data_dir / DB_NAME).exists():
        raise BackupError(f"{data_dir / DB_NAME}: no hub database to back up")
    out.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(data_dir / DB_NAME, timeout=30)
    dst = sqlite3.connect(out / DB_NAME)
    try:
        src.backup(dst)  # a consistent snapshot while writers go on
    finally:
        dst.close()
        src.close()
    files = {}
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(data_dir)
        if str(rel) in SKIP or path.name.endswith(".tmp"):
            continue
        files[str(rel)] = _copy(path, out / rel)
    fsync_folders(out, [DB_NAME, *files])  # before the manifest says the backup is complete
    manifest = {"created_at": wire.utcnow(), "db": DB_NAME, "db_sha256": file_sha256(out / DB_NAME),
                "counts": table_counts(out / DB_NAME), "files": files}
    wire.durable_write(out / "manifest.json", json.dumps(manifest, indent=1, sort_keys=True).encode())
    return manifest


def verify(folder: Path) -> dict:
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder}: no manifest.json (an incomplete backup?)") from None
    wanted = {manifest["db"]: manifest["db_sha256"], **manifest["files"]}
    for rel, sha in wanted.items():
        path = folder / rel
        if not path.is_file():
            raise BackupError(f"{folder}: {rel} is missing")
        if file_sha256(path) != sha:
            raise BackupError(f"{folder}: {rel} does not match its sha256 in the manifest")
    return manifest


def restore(folder: Path, data_dir: Path) -> dict:
    folder, data_dir = Path(folder), Path(data_dir)
    manifest = verify(folder)
    if data_dir.exists() and any(data_dir.iterdir()):
        raise BackupError(f"{data_dir} is not empty; restore into an empty data folder")
    wanted = {manifest["db"]: manifest["db_sha256"], **manifest["files"]}
    for rel, sha in wanted.items():
        if _copy(folder / rel, data_dir / rel) != sha:
            raise BackupError(f"{rel}: copy does not match the manifest")
    fsync_folders(data_dir, wanted)
    conn = sqlite3.connect(data_dir / DB_NAME)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    if check != "ok":
        raise BackupError(f"restored database fails its integrity check: {check}")
    if table_counts(data_dir / DB_NAME) != manifest["counts"]:
        raise BackupError("restored database counts differ from the manifest")
    return manifest


def cmd_backup(args) -> int:
    from central import config as hubconfig

    cfg = hubconfig.load_config(args.config)
    try:
        m = backup(cfg.data_dir, Path(args.out))
    except BackupError as e:
        print(f"error: {e}", flush=True)
        return 1
    print(json.dumps({"out": args.out, "files": len(m["files"]), "counts": m["counts"]}))
    return 0


def cmd_restore(args) -> int:
    from central import config as hubconfig

    cfg = hubconfig.load_config(args.config)
    try:
        m = restore(Path(args.source), cfg.data_dir)
    except BackupError as e:
        print(f"error: {e}", flush=True)
        return 1
    print(json.dumps({"restored": str(cfg.data_dir), "files": len(m["files"]), "counts": m["counts"]}))
    return 0


def register(sub) -> None:
    s = sub.add_parser("backup", help="online backup of the hub database and photo store, with hashes")
    s.add_argument("--config", required=True)
    s.add_argument("--out", required=True, help="a new, empty folder")
    s.set_defaults(func=cmd_backup)
    s = sub.add_parser("restore", help="restore a backup into the (empty) data folder of --config")
    s.add_argument("--config", required=True)
    s.add_argument("--from", dest="source", required=True, help="a folder written by `returns-hub backup`")
    s.set_defaults(func=cmd_restore)
