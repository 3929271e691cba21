"""Admin pages: the audit log (every change, who and when) and the list of accounts."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from central import audit, users
from central.web import get_db
from central.web.security import roles

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/audit")
@roles()
def audit_page():
    entity = request.args.get("entity") or None
    entries = audit.entries(get_db(), entity=entity, entity_id=request.args.get("id") or None, limit=500)
    return render_template("audit.html", entries=entries, entity=entity)


@bp.get("/users")
@roles()
def users_page():
    return render_template("users.html", users=users.list_users(get_db()))
