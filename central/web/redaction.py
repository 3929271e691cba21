"""Redaction review: redaction → web. Buyers see redacted photos only, check the regions found, add or
remove boxes, and re-verify; the redaction library does the work and logs every change."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for

from central import audit
from central import db as hubdb
from central.redact import metadata, pipeline
from central.returns import customer_of
from central.redact import schema as rschema
from central.web import get_db, prescan
from central.web.photos import find_photo, photo_store
from central.web.security import actor, roles

bp = Blueprint("redaction", __name__)

REVIEW_ROLES = ("buyer", "warehouse")
DETECTOR_NAMES = ",".join(d.NAME for d in pipeline.DETECTORS)
SHOW_SIDE = 1600
SCAN_WAIT_S = 20  # a thumbnail waits this long for its scan, then shows the stand-in
REVIEW_WAIT_S = 90
STILL_SCANNING = ('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240">'
                  '<rect width="320" height="240" fill="#dde3ea"/><text x="160" y="125" text-anchor="middle" '
                  'font-family="sans-serif" font-size="18" fill="#334">redacting… reload</text></svg>')


def customer_for(conn, photo: dict) -> dict | None:
    """The customer of the return the photo is linked to (else the one it was scanned for), so text
    matching them is found here as the packet export will find it."""
    link = conn.execute("SELECT return_ref FROM photo_links WHERE photo_id = ? AND status = 'linked'",
                        (photo["photo_id"],)).fetchone()
    return customer_of(conn, link[0] if link else photo.get("return_ref")) or None


def _scan(conn, photo: dict):
    """Start (or join) the photo's scan in the background pool; its regions are stored when it ends."""
    db_path = current_app.config["DATABASE"]

    def record(res) -> None:
        c = hubdb.connect(db_path)
        try:
            rschema.record_scan(c, res.key, res.found, DETECTOR_NAMES, actor="redaction")
        finally:
            c.close()
    job = pipeline.PhotoJob(photo["sha256"], str(photo_store().path(photo["sha256"])), customer_for(conn, photo),
                            None, [], SHOW_SIDE)
    return prescan.submit(job, record)


def start_scans(conn, photos: list[dict]) -> int:
    """Photos a page is about to show that were never scanned: their scans start now. Returns how many."""
    todo = [p for p in photos if not rschema.scanned(conn, p["sha256"]) and photo_store().exists(p["sha256"])]
    for p in todo:
        _scan(conn, p)
    return len(todo)


def ensure_scanned(conn, photo: dict, wait_s: float | None = None) -> bool:
    """The first look at a photo runs the detectors and stores what they found (once per photo). False
    when the scan is still running after `wait_s`: nothing unredacted is shown meanwhile."""
    if rschema.scanned(conn, photo["sha256"]):
        return True
    res = prescan.wait(_scan(conn, photo), current_app.config.get("REDACTION_WAIT_S", SCAN_WAIT_S)
                       if wait_s is None else wait_s)
    if res is None:
        return False
    rschema.record_scan(conn, photo["sha256"], res.found, DETECTOR_NAMES, actor="redaction")  # before any use
    return True


def redacted_jpeg(conn, photo: dict) -> bytes | None:
    """The photo with its active regions burned in, cached on disk per set of regions (None: still scanning)."""
    if not ensure_scanned(conn, photo):
        return None
    active = rschema.regions(conn, photo["sha256"], active=True)
    boxes = [{k: r[k] for k in ("x", "y", "w", "h")} for r in active]
    key = hashlib.sha256(json.dumps(boxes, sort_keys=True).encode()).hexdigest()[:16]
    cache = photo_store().root.parent / "redacted" / f"{photo['sha256']}-{key}.jpg"
    if cache.exists():
        return cache.read_bytes()
    img = pipeline.load(str(photo_store().path(photo["sha256"])), SHOW_SIDE)
    red = pipeline.redact(img, regions=[pipeline.from_fraction(r, img.size) for r in active])
    data = metadata.encode(red.image)
    cache.parent.mkdir(parents=True, exist_ok=True)
    from edge.wire import durable_write

    durable_write(cache, data)
    return data


@bp.get("/photos/<photo_id>/redacted")
@roles(*REVIEW_ROLES)
def redacted(photo_id: str):
    photo = find_photo(photo_id)
    data = redacted_jpeg(get_db(), photo)
    if data is None:  # a stand-in that shows nothing of the photo; the page says to reload
        return Response(STILL_SCANNING, 202, mimetype="image/svg+xml", headers={"Cache-Control": "no-store"})
    return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


@bp.get("/photos/<photo_id>/review")
@roles(*REVIEW_ROLES)
def review(photo_id: str):
    conn = get_db()
    photo = find_photo(photo_id)
    if not ensure_scanned(conn, photo, wait_s=REVIEW_WAIT_S):
        flash("The detectors are still looking at this photo: reload the page in a moment.", "error")
    regions = rschema.regions(conn, photo["sha256"])
    history = audit.entries(conn, entity="photo", entity_id=photo_id, limit=20)
    return render_template("redaction.html", photo=photo, regions=regions, history=history,
                           back=request.args.get("back", ""))


def _back(photo_id: str):
    return redirect(url_for("redaction.review", photo_id=photo_id))


@bp.post("/photos/<photo_id>/regions")
@roles(*REVIEW_ROLES)
def add_region(photo_id: str):
    photo = find_photo(photo_id)
    try:
        box = rschema.check_box({k: request.form.get(k, "") for k in ("x", "y", "w", "h")})
    except ValueError as e:
        flash(str(e), "error")
        return _back(photo_id)
    rschema.add_region(get_db(), photo["sha256"], box, actor(), why=request.form.get("why", "")[:200])
    flash("Box added: it is burned into the photo.", "ok")
    return _back(photo_id)


@bp.post("/photos/<photo_id>/regions/<int:region_id>")
@roles(*REVIEW_ROLES)
def set_region(photo_id: str, region_id: int):
    photo = find_photo(photo_id)
    conn = get_db()
    row = conn.execute("SELECT photo_sha FROM redaction_regions WHERE id = ?", (region_id,)).fetchone()
    if row is None or row["photo_sha"] != photo["sha256"]:
        abort(404)
    active = request.form.get("active") == "1"
    rschema.set_active(conn, region_id, active, actor(), why=request.form.get("why", "")[:200])
    flash("Box restored." if active else "Box removed.", "ok")
    return _back(photo_id)


@bp.post("/photos/<photo_id>/verify")
@roles(*REVIEW_ROLES)
def verify(photo_id: str):
    conn = get_db()
    photo = find_photo(photo_id)
    sha = photo["sha256"]
    job = pipeline.PhotoJob(sha, str(photo_store().path(sha)), customer_for(conn, photo),
                            rschema.regions(conn, sha, active=True), rschema.regions(conn, sha, active=False),
                            SHOW_SIDE)
    res = pipeline.process(job)
    with hubdb.write(conn):
        audit.record(conn, actor(), "redaction.verify", "photo", photo_id, after={"problems": res.problems})
    if res.problems:
        flash("Still identifiable: " + "; ".join(res.problems), "error")
    else:
        flash("Verified: no code, face or customer text found in the redacted photo.", "ok")
    return _back(photo_id)
