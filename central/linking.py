"""Linking (store → linking → claims): a photo joins its return by the scanned ref and its line by SKU.

Runs inside the photo's own ingest transaction (`Ingestor._after_store`), and again for waiting photos
whenever return records are imported, so a record that arrives after its photos still links them.
A photo that cannot be linked goes to the `unlinked` queue with the reason.
"""

from __future__ import annotations

import json
import sqlite3

from central.taxonomy import Taxonomy
from edge import wire

# Stable reasons for the unlinked queue (the web screen and stats group by these).
NO_RETURN = "no_return_record"
NO_LINES = "return_has_no_lines"
LABEL_MISMATCH = "label_mismatch"
NO_LINE_FOR_ITEM = "no_line_for_item"

_DEFAULT = Taxonomy()


def _label(label_check) -> dict:
    if isinstance(label_check, str):
        try:
            label_check = json.loads(label_check)
        except ValueError:
            return {}
    return label_check if isinstance(label_check, dict) else {}


def _event_category(conn: sqlite3.Connection, photo_id: str, return_ref: str) -> str | None:
    for ids, cat in conn.execute("SELECT photo_ids, category FROM event_links WHERE return_ref = ?", (return_ref,)):
        if cat and photo_id in json.loads(ids or "[]"):
            return cat
    return None


def _unlink(conn, photo_id, return_ref, reason, detail="") -> dict:
    conn.execute("DELETE FROM photo_links WHERE photo_id = ?", (photo_id,))
    conn.execute("INSERT OR REPLACE INTO unlinked (photo_id, return_ref, reason, detail, at) VALUES (?,?,?,?,?)",
                 (photo_id, return_ref, reason, detail, wire.utcnow()))
    return {"photo_id": photo_id, "linked": False, "reason": reason, "detail": detail}


def link_photo(conn: sqlite3.Connection, photo_id: str, return_ref: str, item: int = 1,
               category: str | None = None, label_check=None, taxonomy: Taxonomy | None = None) -> dict:
    """Link one photo (no transaction of its own: the caller's transaction holds it)."""
    taxonomy = taxonomy or _DEFAULT
    lines = conn.execute("SELECT id, sku, supplier, po, batch FROM return_lines WHERE return_ref = ? ORDER BY id",
                         (return_ref,)).fetchall()
    if not lines:
        known = conn.execute("SELECT 1 FROM returns WHERE ref = ?", (return_ref,)).fetchone()
        return _unlink(conn, photo_id, return_ref, NO_LINES if known else NO_RETURN,
                       "" if known else f"no return record {return_ref!r} yet; links when it is imported")
    label = _label(label_check)
    codes = [str(c).strip() for c in label.get("codes") or []]
    if label.get("match") is False:
        return _unlink(conn, photo_id, return_ref, LABEL_MISMATCH,
                       f"label in the photo reads {', '.join(codes) or '?'}, not {return_ref}")
    by_sku = {ln[1]: ln for ln in lines}
    line = next((by_sku[c] for c in codes if c in by_sku), None)
    how = "label_sku"
    if line is None and len(lines) == 1:
        line, how = lines[0], "only_line"
    elif line is None and 1 <= item <= len(lines):
        line, how = lines[item - 1], "item_order"
    if line is None:
        return _unlink(conn, photo_id, return_ref, NO_LINE_FOR_ITEM,
                       f"item {item} but the return has {len(lines)} line(s) and no SKU on the label")
    code = taxonomy.code_for(category) or _event_category(conn, photo_id, return_ref)
    conn.execute(
        """INSERT OR REPLACE INTO photo_links (photo_id, return_ref, line_id, sku, supplier, po, batch, category,
               label_match, how, linked_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
        (photo_id, return_ref, line[0], line[1], line[2], line[3], line[4], code,
         None if label.get("match") is None else int(bool(label["match"])), how, wire.utcnow()))
    conn.execute("DELETE FROM unlinked WHERE photo_id = ?", (photo_id,))
    return {"photo_id": photo_id, "linked": True, "line_id": line[0], "sku": line[1], "category": code, "how": how}


def link_header(conn: sqlite3.Connection, header: wire.PhotoHeader, taxonomy: Taxonomy | None = None) -> dict:
    return link_photo(conn, header.photo_id, header.return_ref, header.item, header.category,
                      header.label_check, taxonomy)


def link_pending(conn: sqlite3.Connection, refs: list[str], taxonomy: Taxonomy | None = None) -> int:
    """Retry the unlinked photos of these return refs (after an import); returns how many now link."""
    if not refs:
        return 0
    rows = conn.execute(
        """SELECT p.photo_id, p.return_ref, p.item, p.category, p.label_check FROM unlinked u
           JOIN photos p ON p.photo_id = u.photo_id WHERE u.return_ref IN (SELECT value FROM json_each(?))""",
        (json.dumps(refs),)).fetchall()
    return sum(link_photo(conn, *r, taxonomy=taxonomy)["linked"] for r in rows)


def link_event(conn: sqlite3.Connection, ev: dict, taxonomy: Taxonomy | None = None) -> dict | None:
    """A desk event: an `item_finished` carries the operator's category for its photos."""
    taxonomy = taxonomy or _DEFAULT
    ref = ev.get("return_ref")
    if ev.get("type") != "item_finished" or not ref:
        return None
    ids = [i for i in ev.get("photo_ids") or [] if isinstance(i, str)]
    code = taxonomy.code_for(ev.get("category"))
    known = conn.execute("SELECT 1 FROM returns WHERE ref = ?", (ref,)).fetchone() is not None
    conn.execute("INSERT OR REPLACE INTO event_links (event_id, return_ref, item, category, photo_ids, linked, at) "
                 "VALUES (?,?,?,?,?,?,?)", (ev["event_id"], ref, ev.get("item"), code, json.dumps(ids),
                                            int(known), wire.utcnow()))
    if code and ids:
        conn.execute("UPDATE photo_links SET category = ? WHERE photo_id IN (SELECT value FROM json_each(?))",
                     (code, json.dumps(ids)))
    return {"event_id": ev["event_id"], "category": code, "photos": len(ids), "return_known": known}


def unlinked_queue(conn: sqlite3.Connection, limit: int = 200) -> list[dict]:
    return [dict(r) for r in conn.execute(
        "SELECT u.*, p.kiosk, p.captured_at, p.category FROM unlinked u LEFT JOIN photos p USING (photo_id) "
        "ORDER BY u.at DESC LIMIT ?", (limit,))]


def counts(conn: sqlite3.Connection) -> dict:
    one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
    return {
        "returns": one("SELECT count(*) FROM returns"),
        "return_lines": one("SELECT count(*) FROM return_lines"),
        "linked": one("SELECT count(*) FROM photo_links"),
        "unlinked": one("SELECT count(*) FROM unlinked"),
        "unlinked_by_reason": dict(conn.execute("SELECT reason, count(*) FROM unlinked GROUP BY reason")),
    }
