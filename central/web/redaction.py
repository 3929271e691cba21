"""Redaction review: redaction → web. Buyers see redacted photos only, check the regions found, add or
remove boxes, and re-verify; the redaction library does the work and logs every change."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from central import audit
from central import db as hubdb
from central.redact import metadata, pipeline
from central.returns import customer_of
from central.redact import schema as rschema
from central.web import get_db
from central.web.photos import find_photo, photo_store
from central.web.security import actor, roles

bp = Blueprint("redaction", __name__)

REVIEW_ROLES = ("buyer", "warehouse")
DETECTOR_NAMES = ",".join(d.NAME for d in pipeline.DETECTORS)
SHOW_SIDE = 1600


def customer_for(conn, photo: dict) -> dict | None:
    """The customer of the return the photo is linked to (else the one it was scanned for), so text
    matching them is found here as the packet export will find it."""
    link = conn.execute("SELECT return_ref FROM photo_links WHERE photo_id = ? AND status = 'linked'",
                        (photo["photo_id"],)).fetchone()
    return customer_of(conn, link[0] if link else photo.get("return_ref")) or None


def ensure_scanned(conn, photo: dict) -> None:
    """The first look at a photo runs the detectors and stores what they found (once per photo)."""
    if rschema.scanned(conn, photo["sha256"]):
        return
    src = str(photo_store().path(photo["sha256"]))
    res = pipeline.process(pipeline.PhotoJob(photo["sha256"], src, customer_for(conn, photo), None, [], SHOW_SIDE))
    rschema.record_scan(conn, photo["sha256"], res.found, DETECTOR_NAMES, actor="redaction")


def redacted_jpeg(conn, photo: dict) -> bytes:
    """The photo with its active regions burned in, cached on disk per set of regions."""
    ensure_scanned(conn, photo)
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
    return Response(redacted_jpeg(get_db(), photo), mimetype="image/jpeg",
                    headers={"Cache-Control": "private, no-store"})


@bp.get("/photos/<photo_id>/review")
@roles(*REVIEW_ROLES)
def review(photo_id: str):
    conn = get_db()
    photo = find_photo(photo_id)
    ensure_scanned(conn, photo)
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
