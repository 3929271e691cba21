"""Photo store: ingest → store. Content-addressed JPEG files, written atomically; orphans swept at start.

Kept behind this narrow interface (put / get / path / exists / sweep) so an S3-compatible store can
replace the folder without touching ingest or the web.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from pathlib import Path

from edge import wire

log = logging.getLogger(__name__)

_SHA = re.compile(r"^[0-9a-f]{64}$")


class PhotoStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        # Only a well-formed hash becomes a path: nothing a client sends can name another file.
        if not _SHA.match(sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / f"{sha256}.jpg"

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def put(self, sha256: str, data: bytes) -> Path:
        p = self.write(sha256, data)
        wire.fsync_dir(p.parent)
        return p

    def write(self, sha256: str, data: bytes) -> Path:
        """Temp file, fsync, rename; the caller fsyncs the folder (`sync_folders`) before it commits.

        Ingest writes a batch of files this way and then syncs each folder once for the whole batch.
        """
        p = self.path(sha256)
        if p.exists() and p.stat().st_size == len(data):
            return p  # only a renamed, fsynced file has the final name; its folder is synced again below
        if not p.parent.is_dir():
            p.parent.mkdir(exist_ok=True)
            wire.fsync_dir(self.root)  # the new folder's own entry must survive a power cut too
        wire.durable_write(p, data, sync_folder=False)
        return p

    @staticmethod
    def sync_folders(paths) -> None:
        for folder in {Path(p).parent for p in paths}:
            wire.fsync_dir(folder)

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def sweep(self, conn: sqlite3.Connection, min_age_s: float = 600) -> int:
        """Remove temp files and files no photo row refers to (a worker died before its commit).

        Only files older than `min_age_s` go: another worker may be between its file write and commit.
        """
        removed = 0
        cutoff = time.time() - min_age_s
        for sub in self.root.iterdir():
            if not sub.is_dir():
                continue
            for f in sub.iterdir():
                if f.stat().st_mtime > cutoff:
                    continue
                orphan = f.suffix == ".tmp"
                if not orphan and f.suffix == ".jpg":
                    orphan = conn.execute(
                        "SELECT 1 FROM photos WHERE sha256 = ? LIMIT 1", (f.stem,)
                    ).fetchone() is None
                if orphan:
                    f.unlink(missing_ok=True)
                    removed += 1
        if removed:
            log.info("swept %d orphan file(s) from %s", removed, self.root)
        return removed
