"""What the desk recorded for a return: store → web. Its photos by item and defect category, and the desk's
events (notes, categories) in order; buyers see redacted photos, warehouse staff may open the raw ones."""

from __future__ import annotations

import json
from itertools import groupby

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from central.web import get_db
from central.web.security import roles

bp = Blueprint("returns", __name__)

PAGE = 50
CATEGORY = "coalesce(pl.category, p.category)"  # photos p LEFT JOIN photo_links pl


@bp.get("/photos")
@roles("buyer", "warehouse")
def photos_list():
    """Recent photos, newest first, filtered by return, kiosk or category; keyset paging on received_at."""
    f = {k: request.args.get(k, "").strip() for k in ("return_ref", "kiosk", "category", "before")}
    # The category is the one linking settled (the kiosk's, or the one picked when the item was finished).
    q, args = (f"SELECT p.photo_id, p.kiosk, p.return_ref, p.item, {CATEGORY} AS category, p.verdict, p.override, "
               f"p.received_at FROM photos p LEFT JOIN photo_links pl ON pl.photo_id = p.photo_id"), []
    cols = {"return_ref": "p.return_ref", "kiosk": "p.kiosk", "category": CATEGORY}
    where = [f"{col} = ?" for k, col in cols.items() if f[k]]
    args += [f[k] for k, col in cols.items() if f[k]]
    if f["before"]:
        where.append("p.received_at < ?")
        args.append(f["before"])
    if where:
        q += " WHERE " + " AND ".join(where)
    rows = [dict(r) for r in get_db().execute(q + " ORDER BY p.received_at DESC LIMIT ?", (*args, PAGE + 1))]
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("photos.html", photos=rows, f=f,
                           next_before=rows[-1]["received_at"] if more else None)


@bp.get("/returns/<return_ref>")
@roles("buyer", "warehouse")
def return_page(return_ref: str):
    conn = get_db()
    photos = [dict(r) for r in conn.execute(
        f"SELECT p.photo_id, p.kiosk, p.item, {CATEGORY} AS category, p.verdict, p.override, p.reasons, p.captured_at "
        "FROM photos p LEFT JOIN photo_links pl ON pl.photo_id = p.photo_id "
        "WHERE p.return_ref = ? ORDER BY p.item, 4, p.captured_at", (return_ref,))]
    events = []
    for r in conn.execute("SELECT type, kiosk, at, body FROM events WHERE return_ref = ? ORDER BY at",
                          (return_ref,)):
        body = json.loads(r["body"])
        events.append({"type": r["type"], "kiosk": r["kiosk"], "at": r["at"],
                       "category": body.get("category"), "note": body.get("note"),
                       "photos": len(body.get("photo_ids") or [])})
    from central.returns import get_return

    record = get_return(conn, return_ref)
    if not photos and not events and record is None:
        abort(404)
    items = [(item, [(cat or "uncategorised", list(ps)) for cat, ps in groupby(group, key=lambda p: p["category"])])
             for item, group in groupby(photos, key=lambda p: p["item"])]
    return render_template("return.html", return_ref=return_ref, items=items, events=events,
                           photo_count=len(photos), record=record)


@bp.get("/unlinked")
@roles("warehouse", "buyer")
def unlinked():
    from central import linking

    return render_template("unlinked.html", photos=linking.unlinked(get_db(), limit=200))


@bp.post("/unlinked/<photo_id>/link")
@roles("warehouse", "buyer")
def link(photo_id: str):
    from central import linking
    from central.taxonomy import Taxonomy
    from central.web.security import actor

    cfg = current_app.config.get("HUB_CONFIG")
    form = request.form
    try:
        linking.link_manually(get_db(), photo_id, form.get("ref", "").strip(), form.get("sku", "").strip() or None,
                              actor(), category=form.get("category", "").strip() or None,
                              taxonomy=Taxonomy(cfg.claims.categories) if cfg is not None else None)
        flash(f"Photo {photo_id} linked to {form.get('ref')}.", "ok")
    except linking.LinkError as e:
        flash(str(e), "error")
    return redirect(url_for("returns.unlinked"))
