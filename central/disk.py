"""Hub disk alarm: store → stats and logs. Free space where the database and photos live."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)


def free_mb(path: Path) -> int:
    return shutil.disk_usage(path).free // (1024 * 1024)


def disk_stats(conn: sqlite3.Connection) -> dict:
    """For `returns-hub stats` (central.stats.EXTRA_STATS): free MB beside the open database."""
    db_file = next((r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"), "")
    return {"hub_disk_free_mb": free_mb(Path(db_file).parent)} if db_file else {}


def check(cfg) -> str | None:
    """A warning when the data folder has less than [provision] disk_min_free_mb left, else None."""
    free = free_mb(cfg.data_dir)
    if free < cfg.provision.disk_min_free_mb:
        msg = (f"hub disk low: {free} MB free in {cfg.data_dir} (warning below "
               f"{cfg.provision.disk_min_free_mb} MB); photos keep arriving, so free space or add disk")
        log.warning(msg)
        return msg
    return None
