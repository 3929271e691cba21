"""Linking: store → linking → claims. Photos and desk events join their return by the scanned reference,
and the return line by SKU (the kiosk's label cross-check, or the only line); the rest wait, with a reason.

`link_photo` and `link_event` run inside ingest's own transaction, so a photo is never stored without its
link decision. `link_refs` runs inside the import's transaction: records that arrive after their photos
link them then. `link_manually` is the buyer's or warehouse's decision from the web.
"""

from __future__ import annotations

import json
import re
import sqlite3

from central import audit
from central import db as hubdb
from central.taxonomy import Taxonomy
from edge import wire


class LinkError(ValueError):
    pass


def _list(value) -> list:
    """A kiosk-sent list, or nothing: a payload's odd shape must not fail the photo's transaction."""
    return value if isinstance(value, list) else []


def _norm(text) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(text).upper())


def decide(conn: sqlite3.Connection, ref: str | None, label_check: dict | None) -> dict:
    """Where one photo belongs: {status, return_ref, line_id, reason_code, reason}.

    `label_check` is the kiosk's cross-check, {"codes": [...], "match": true|false|null}: `match` false
    means a return label in the photo names another return; a code equal to one of the return's SKUs
    (or an explicit "sku") picks the line.
    """
    ref = (ref or "").strip()
    lc = label_check if isinstance(label_check, dict) else {}
    codes = [str(c) for c in lc.get("codes") if c] if isinstance(lc.get("codes"), list) else []
    out = {"status": "unlinked", "return_ref": ref or None, "line_id": None, "reason_code": None, "reason": None}
    if not ref:
        return out | {"reason_code": "no_reference", "reason": "no return reference was scanned"}
    if lc.get("match") is False:
        return out | {"reason_code": "label_mismatch",
                      "reason": f"a return label in the photo ({', '.join(codes[:3]) or 'unread'}) is not {ref}"}
    if conn.execute("SELECT 1 FROM returns WHERE ref = ?", (ref,)).fetchone() is None:
        return out | {"reason_code": "unknown_return", "reason": f"no return record {ref} (yet)"}
    lines = conn.execute("SELECT id, sku FROM return_lines WHERE return_ref = ?", (ref,)).fetchall()
    out["status"] = "linked"
    if lc.get("sku"):
        match = [ln["id"] for ln in lines if ln["sku"] == str(lc["sku"])]
        if not match:
            return out | {"status": "unlinked", "reason_code": "sku_not_on_return",
                          "reason": f"label SKU {lc['sku']} is not on return {ref}"}
        return out | {"line_id": match[0]}
    seen = {_norm(c) for c in codes}
    by_code = [ln["id"] for ln in lines if _norm(ln["sku"]) in seen]
    if len(by_code) == 1:
        return out | {"line_id": by_code[0]}
    if len(lines) == 1:
        return out | {"line_id": lines[0]["id"]}
    return out | {"reason_code": "line_unknown",
                  "reason": f"return {ref} has {len(lines)} lines and the photo names no SKU"}


def _event_category(conn: sqlite3.Connection, ref: str, photo_id: str) -> str | None:
    """The category the operator picked when finishing the item, if the desk event is already here."""
    for (body,) in conn.execute("SELECT body FROM events WHERE return_ref = ? AND type = 'item_finished'", (ref,)):
        ev = json.loads(body)
        if photo_id in _list(ev.get("photo_ids")):
            return ev.get("category")
    return None


def _save(conn, photo_id: str, d: dict, category: str | None, how: str) -> None:
    conn.execute(
        "INSERT INTO photo_links (photo_id, return_ref, line_id, category, status, reason_code, reason, how, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(photo_id) DO UPDATE SET return_ref = excluded.return_ref, "
        "line_id = excluded.line_id, category = coalesce(excluded.category, category), status = excluded.status, "
        "reason_code = excluded.reason_code, reason = excluded.reason, how = excluded.how, at = excluded.at",
        (photo_id, d["return_ref"], d["line_id"], category, d["status"], d["reason_code"], d["reason"], how,
         wire.utcnow()))


def link_photo(conn: sqlite3.Connection, taxonomy: Taxonomy, photo_id: str, ref: str | None,
               category: str | None, label_check: dict | None, how: str = "ingest") -> dict:
    d = decide(conn, ref, label_check)
    raw = category or (_event_category(conn, ref, photo_id) if ref else None)
    _save(conn, photo_id, d, taxonomy.code_for(raw), how)
    return d


def link_event(conn: sqlite3.Connection, taxonomy: Taxonomy, ev: dict) -> None:
    ref = ev.get("return_ref")
    known = bool(ref) and conn.execute("SELECT 1 FROM returns WHERE ref = ?", (ref,)).fetchone() is not None
    conn.execute(
        "INSERT INTO event_links (event_id, return_ref, status, reason, at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT(event_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, at = excluded.at",
        (ev["event_id"], ref, "linked" if known else "unlinked",
         None if known else (f"no return record {ref} (yet)" if ref else "no return reference"), wire.utcnow()))
    code = taxonomy.code_for(ev.get("category"))
    if ev.get("type") == "item_finished" and code:
        # Photos that came without a category take the one picked when the item was finished.
        conn.executemany("UPDATE photo_links SET category = ? WHERE photo_id = ? AND category IS NULL",
                         [(code, pid) for pid in _list(ev.get("photo_ids")) if isinstance(pid, str)])


def link_refs(conn: sqlite3.Connection, refs: list[str], *, actor: str = "import", taxonomy: Taxonomy) -> int:
    """(Re)link photos and events of these returns that were waiting; inside the caller's transaction.

    `taxonomy` is the hub's configured one: a waiting photo's category is mapped again here."""
    linked = 0
    for i in range(0, len(refs), 500):
        chunk = refs[i:i + 500]
        marks = ",".join("?" * len(chunk))
        waiting = conn.execute(
            f"""SELECT p.photo_id, p.return_ref, p.category, p.label_check FROM photos p
                LEFT JOIN photo_links l ON l.photo_id = p.photo_id
                WHERE p.return_ref IN ({marks})
                  AND (l.photo_id IS NULL OR (l.how != 'manual' AND (l.status = 'unlinked' OR l.line_id IS NULL)))""",
            chunk).fetchall()
        for p in waiting:
            d = link_photo(conn, taxonomy, p["photo_id"], p["return_ref"], p["category"],
                           json.loads(p["label_check"]) if p["label_check"] else None, how="late")
            linked += d["status"] == "linked"
        conn.execute(f"UPDATE event_links SET status = 'linked', reason = NULL WHERE status = 'unlinked' "
                     f"AND return_ref IN ({marks})", chunk)
    return linked


def link_manually(conn: sqlite3.Connection, photo_id: str, ref: str, sku: str | None, actor: str,
                  category: str | None = None, taxonomy: Taxonomy | None = None) -> dict:
    """`taxonomy`: the hub's configured categories (the built-in list only where no hub config exists)."""
    taxonomy = taxonomy or Taxonomy()
    with hubdb.write(conn):
        if conn.execute("SELECT 1 FROM photos WHERE photo_id = ?", (photo_id,)).fetchone() is None:
            raise LinkError(f"no photo {photo_id}")
        before = conn.execute("SELECT * FROM photo_links WHERE photo_id = ?", (photo_id,)).fetchone()
        if conn.execute("SELECT 1 FROM returns WHERE ref = ?", (ref,)).fetchone() is None:
            raise LinkError(f"no return record {ref}")
        line_id = None
        if sku:
            row = conn.execute("SELECT id FROM return_lines WHERE return_ref = ? AND sku = ?", (ref, sku)).fetchone()
            if row is None:
                raise LinkError(f"SKU {sku} is not on return {ref}")
            line_id = row[0]
        code = taxonomy.code_for(category) if category else None
        if category and code is None:
            raise LinkError(f"{category!r} is not a defect category")
        d = {"status": "linked", "return_ref": ref, "line_id": line_id, "reason_code": None, "reason": None}
        _save(conn, photo_id, d, code, "manual")
        after = dict(conn.execute("SELECT * FROM photo_links WHERE photo_id = ?", (photo_id,)).fetchone())
        audit.record(conn, actor, "photo.link", "photo", photo_id, before and dict(before), after)
    return after


def unlinked(conn: sqlite3.Connection, limit: int = 200) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT l.photo_id, l.return_ref, l.reason_code, l.reason, l.at, p.kiosk, p.captured_at FROM photo_links l "
        "JOIN photos p ON p.photo_id = l.photo_id WHERE l.status = 'unlinked' ORDER BY l.at LIMIT ?", (limit,))]


def link_stats(conn: sqlite3.Connection) -> dict:
    counts = dict(conn.execute("SELECT status, count(*) FROM photo_links GROUP BY status").fetchall())
    return {"returns": conn.execute("SELECT count(*) FROM returns").fetchone()[0],
            "return_lines": conn.execute("SELECT count(*) FROM return_lines").fetchone()[0],
            "photos_linked": counts.get("linked", 0), "photos_unlinked": counts.get("unlinked", 0)}
