"""Fleet view: kiosk state + telemetry (from ingest) → per-kiosk status, alerts and a minute-by-minute history.

`record_telemetry` runs inside ingest's telemetry transaction: one row per kiosk per minute (a later
heartbeat in the same minute replaces it), so history stays small however often kiosks report.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlite_utils.migrations import Migrations

migrations = Migrations("returnsdesk-hub-fleet")

HISTORY_DAYS = 14


@migrations()
def m001_history(db):
    db.execute(
        """CREATE TABLE kiosk_history (
            kiosk TEXT NOT NULL,
            minute TEXT NOT NULL,
            outbox_depth INTEGER,
            outbox_oldest_age_s REAL,
            captures INTEGER,
            rejects INTEGER,
            overrides INTEGER,
            disk_free_mb REAL,
            cpu_temp_c REAL,
            PRIMARY KEY (kiosk, minute)
        ) WITHOUT ROWID"""
    )


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def rejects_by_reason(t: dict) -> dict[str, int]:
    r = t.get("rejects_by_reason", t.get("rejects"))
    if isinstance(r, dict):
        return {str(k): int(v) for k, v in r.items() if _num(v) is not None}
    return {}


def total_rejects(t: dict) -> int | None:
    """Refused captures. A photo refused for two reasons counts twice by reason, so the kiosk's own count
    comes first; the sum by reason is for kiosks that send only that."""
    n = _num(t.get("rejects"))
    if n is not None:
        return n
    by = rejects_by_reason(t)
    return sum(by.values()) if by else None


def record_telemetry(conn: sqlite3.Connection, kiosk: str, data: dict, at: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO kiosk_history (kiosk, minute, outbox_depth, outbox_oldest_age_s, captures, "
        "rejects, overrides, disk_free_mb, cpu_temp_c) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kiosk, at[:16], _num(data.get("outbox_depth")), _num(data.get("outbox_oldest_age_s")),
         _num(data.get("captures")), total_rejects(data), _num(data.get("overrides")),
         _num(data.get("disk_free_mb")), _num(data.get("cpu_temp_c"))),
    )
    if at[14:16] == "00":  # once an hour is often enough to trim
        cutoff = (datetime.fromisoformat(at) - timedelta(days=HISTORY_DAYS)).isoformat()[:16]
        conn.execute("DELETE FROM kiosk_history WHERE kiosk = ? AND minute < ?", (kiosk, cutoff))


@dataclass
class KioskStatus:
    id: str
    online: bool
    state: str
    heartbeat_age_s: float | None
    telemetry: dict
    photos_today: int
    overrides_today: int
    reject_rate: float | None
    rejects_by_reason: dict
    alerts: list[str] = field(default_factory=list)

    @property
    def override_rate(self) -> float | None:
        return self.overrides_today / self.photos_today if self.photos_today else None

    def get(self, key):
        return self.telemetry.get(key)


def _age(now: datetime, ts: str | None) -> float | None:
    if not ts:
        return None
    try:
        return max(0.0, (now - datetime.fromisoformat(ts)).total_seconds())
    except ValueError:
        return None


def _reject_rate(t: dict) -> float | None:
    rej, cap = total_rejects(t), _num(t.get("captures"))
    if rej is None or not cap:
        return None
    return rej / cap


def alerts_for(st: KioskStatus, web, baseline: float | None) -> list[str]:
    out = []
    if not st.online:
        out.append("offline")
    elif st.heartbeat_age_s is None or st.heartbeat_age_s > web.heartbeat_stale_s:
        out.append("no heartbeat" if st.heartbeat_age_s is None else
                   f"no heartbeat for {int(st.heartbeat_age_s)} s")
    oldest = _num(st.telemetry.get("outbox_oldest_age_s"))
    if (_num(st.telemetry.get("outbox_depth")) or 0) > 0 and oldest is not None and oldest > web.queue_stall_s:
        out.append(f"queue stalled: oldest unacked photo {int(oldest // 60)} min old")
    if st.reject_rate is not None and baseline is not None and st.reject_rate - baseline >= web.reject_jump:
        out.append(f"reject rate jumped to {st.reject_rate:.0%} (was {baseline:.0%})")
    return out + station_faults(st.telemetry)


def _text(v, limit: int = 160) -> str | None:
    return v[:limit] if isinstance(v, str) and v.strip() else None


def station_faults(t: dict) -> list[str]:
    """What the kiosk's own heartbeat says is broken: the desk, a device, a refused config, a full disk.
    The last heartbeat is kept whatever the kiosk's state, so an offline kiosk shows why it may have gone."""
    out = []
    if _text(t.get("desk_error")):
        out.append(_text(t["desk_error"]))
    if t.get("camera_ok") is False:
        out.append("camera fault")
    if t.get("scanner_ok") is False:
        out.append("scanner fault" + (f": {_text(t.get('scanner_error'))}" if _text(t.get("scanner_error")) else ""))
    if _text(t.get("config_error")):
        out.append(f"config refused: {_text(t['config_error'])}")
    if t.get("disk_low") is True:
        out.append(_text(t.get("disk_message")) or "disk low: photos paused")
    return out


def _baselines(conn, now: datetime, kiosks: list[str]) -> dict[str, float]:
    """Each kiosk's reject rate over the day before the last hour (the 'was'), from its running counters
    at both ends of that window: two primary-key lookups per kiosk, however long the history."""
    start, end = (now - timedelta(hours=25)).isoformat()[:16], (now - timedelta(hours=1)).isoformat()[:16]
    first = ("SELECT captures, rejects FROM kiosk_history WHERE kiosk = ? AND minute >= ? AND minute < ? "
             "AND captures IS NOT NULL AND rejects IS NOT NULL ORDER BY minute")
    out = {}
    for k in kiosks:
        a = conn.execute(first + " LIMIT 1", (k, start, end)).fetchone()
        b = conn.execute(first + " DESC LIMIT 1", (k, start, end)).fetchone()
        if a and b and b[0] - a[0] >= 20 and b[1] >= a[1]:  # enough captures, and no counter reset
            out[k] = (b[1] - a[1]) / (b[0] - a[0])
    return out


def fleet_status(conn: sqlite3.Connection, web, now: datetime | None = None,
                 only: str | None = None) -> list[KioskStatus]:
    now = now or datetime.now(timezone.utc)
    day = now.strftime("%Y-%m-%d")
    out = []
    q = "SELECT id, state, telemetry, telemetry_at FROM kiosks" + (" WHERE id = ?" if only else "") + " ORDER BY id"
    # Today's photos for the whole fleet in one pass over today's rows (index on received_at).
    today = {k: (n, ov) for k, n, ov in conn.execute(
        "SELECT kiosk, count(*), coalesce(sum(override), 0) FROM photos WHERE received_at >= ?"
        + (" AND kiosk = ?" if only else "") + " GROUP BY kiosk", (day, only) if only else (day,))}
    rows = conn.execute(q, (only,) if only else ()).fetchall()
    baselines = _baselines(conn, now, [r["id"] for r in rows])
    for row in rows:
        t = json.loads(row["telemetry"]) if row["telemetry"] else {}
        n, ov = today.get(row["id"], (0, 0))
        st = KioskStatus(id=row["id"], online=row["state"] == "online", state=row["state"] or "never seen",
                         heartbeat_age_s=_age(now, row["telemetry_at"]), telemetry=t, photos_today=n,
                         overrides_today=ov, reject_rate=_reject_rate(t), rejects_by_reason=rejects_by_reason(t))
        st.alerts = alerts_for(st, web, baselines.get(row["id"]))
        out.append(st)
    return out


def kiosk_history(conn: sqlite3.Connection, kiosk: str, hours: int = 24) -> list[dict]:
    since = (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat()[:16]
    rows = conn.execute("SELECT * FROM kiosk_history WHERE kiosk = ? AND minute >= ? ORDER BY minute",
                        (kiosk, since)).fetchall()
    out, prev = [], None
    for r in rows:
        d = dict(r)
        # Reject rate per interval from the kiosk's running counters (a restart resets them).
        d["reject_rate"] = None
        if prev and d["captures"] is not None and prev["captures"] is not None and d["rejects"] is not None \
                and prev["rejects"] is not None and d["captures"] > prev["captures"]:
            d["reject_rate"] = max(0.0, (d["rejects"] - prev["rejects"]) / (d["captures"] - prev["captures"]))
        out.append(d)
        prev = d
    return out


@migrations()
def m002_photo_day_index(db):
    # Covers the charts' "defects by category per week" scan: recent rows only, no table lookups.
    db.execute("CREATE INDEX IF NOT EXISTS photos_received_category ON photos(received_at, category)")
