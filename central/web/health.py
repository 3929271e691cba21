"""Liveness for load balancers and systemd: the database answers."""

from flask import Blueprint, jsonify

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    from central.web import get_db

    get_db().execute("SELECT 1").fetchone()
    return jsonify(ok=True)
