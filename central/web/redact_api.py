"""Web → redaction: a buyer lists, adds and removes the regions burned into a photo (JSON API).
Boxes are fractions of the upright photo (x, y, w, h in 0..1); every change lands in the audit log."""

from __future__ import annotations

import re

from flask import Blueprint, g, jsonify

from central.redact import schema
from central.web import api_bodies, get_db
from central.web.apiauth import body, protect

bp = protect(Blueprint("redact_api", __name__, url_prefix="/api"))
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _photo_known(sha: str) -> bool:
    return bool(_SHA.match(sha)) and get_db().execute(
        "SELECT 1 FROM photos WHERE sha256 = ? LIMIT 1", (sha,)).fetchone() is not None


@bp.get("/photos/<sha>/regions")
def list_regions(sha):
    if not _photo_known(sha):
        return jsonify(error=f"no photo {sha}"), 404
    conn = get_db()
    return jsonify(photo=sha, scanned=schema.scanned(conn, sha), regions=schema.regions(conn, sha))


@bp.post("/photos/<sha>/regions")
def add_region(sha):
    if not _photo_known(sha):
        return jsonify(error=f"no photo {sha}"), 404
    data = body()
    bad = api_bodies.problems(api_bodies.RegionBody, data)
    if bad:
        return jsonify(error=api_bodies.message(bad), status=422, details=bad), 422
    try:
        row = schema.add_region(get_db(), sha, data, g.api_actor, str(data.get("why", "")))
    except ValueError as e:
        return jsonify(error=str(e)), 400
    return jsonify(row), 201


@bp.patch("/regions/<int:region_id>")
def change_region(region_id):
    data = body()
    if not isinstance(data.get("active"), bool):
        return jsonify(error='send {"active": true|false, "why": "..."}'), 400
    try:
        row = schema.set_active(get_db(), region_id, data["active"], g.api_actor, str(data.get("why", "")))
    except KeyError as e:
        return jsonify(error=str(e.args[0])), 404
    return jsonify(row)
