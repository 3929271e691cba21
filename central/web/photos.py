"""Photo bytes for the web: store → web. By photo_id only (never a path), and raw photos only for roles that need them.

Raw photos can show faces, address labels and order barcodes: warehouse staff (who linked them at the
desk) and admins see them; buyers see the redacted copies the redaction stage serves.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app

from central import audit
from central import db as hubdb
from central.store import PhotoStore
from central.web import get_db
from central.web.security import actor, roles

bp = Blueprint("photos", __name__)

RAW_ROLES = ("warehouse",)
_PHOTO_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")


def photo_store() -> PhotoStore:
    cfg = current_app.config.get("HUB_CONFIG")
    return PhotoStore(cfg.photo_dir if cfg is not None else current_app.config["PHOTO_DIR"])


def find_photo(photo_id: str) -> dict:
    """The photo row for an id from a URL, or 404: the id is looked up, never turned into a path."""
    if not _PHOTO_ID.match(photo_id):
        abort(404)
    row = get_db().execute("SELECT * FROM photos WHERE photo_id = ?", (photo_id,)).fetchone()
    if row is None or not photo_store().exists(row["sha256"]):
        abort(404)
    return dict(row)


@bp.get("/photos/<photo_id>/raw")
@roles(*RAW_ROLES)
def raw(photo_id: str):
    conn = get_db()
    data = photo_store().get(find_photo(photo_id)["sha256"])
    with hubdb.write(conn):
        audit.record(conn, actor(), "photo.view_raw", "photo", photo_id)
    return Response(data, mimetype="image/jpeg",
                    headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"})
