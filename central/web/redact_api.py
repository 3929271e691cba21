"""Web → redaction: a buyer lists, adds and removes the regions burned into a photo (JSON API).
Boxes are fractions of the upright photo (x, y, w, h in 0..1); every change lands in the audit log."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request

from central.redact import schema
from central.web import get_db
from central.web.apiauth import actor, require_token

bp = Blueprint("redact_api", __name__, url_prefix="/api")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _photo_known(sha: str) -> bool:
    return bool(_SHA.match(sha)) and get_db().execute(
        "SELECT 1 FROM photos WHERE sha256 = ? LIMIT 1", (sha,)).fetchone() is not None


@bp.get("/photos/<sha>/regions")
@require_token
def list_regions(sha):
    if not _photo_known(sha):
        return jsonify(error=f"no photo {sha}"), 404
    conn = get_db()
    return jsonify(photo=sha, scanned=schema.scanned(conn, sha), regions=schema.regions(conn, sha))


@bp.post("/photos/<sha>/regions")
@require_token
def add_region(sha):
    if not _photo_known(sha):
        return jsonify(error=f"no photo {sha}"), 404
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="send a JSON object with x, y, w, h (fractions of the photo)"), 400
    try:
        row = schema.add_region(get_db(), sha, body, actor(), str(body.get("why", "")))
    except ValueError as e:
        return jsonify(error=str(e)), 400
    return jsonify(row), 201


@bp.patch("/regions/<int:region_id>")
@require_token
def change_region(region_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("active"), bool):
        return jsonify(error='send {"active": true|false, "why": "..."}'), 400
    try:
        row = schema.set_active(get_db(), region_id, body["active"], actor(), str(body.get("why", "")))
    except KeyError as e:
        return jsonify(error=str(e.args[0])), 404
    return jsonify(row)
