"""Web → API: bearer-token check for the hub's JSON API (token from RETURNS_HUB_API_TOKEN or the
credentials directory's `api-token`; with no token configured the API is off, not open)."""

from __future__ import annotations

import hmac
from functools import wraps

from flask import jsonify, request

from central.config import read_secret

TOKEN_ENV = "RETURNS_HUB_API_TOKEN"


def require_token(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        expected = read_secret(TOKEN_ENV, "api-token")
        if not expected:
            return jsonify(error=f"the API is disabled: set {TOKEN_ENV}"), 503
        given = request.headers.get("Authorization", "")
        if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), expected.encode())):
            return jsonify(error="missing or wrong API token"), 401
        return view(*args, **kwargs)
    return wrapper


def actor() -> str:
    """Who is acting, as the caller names them (recorded in the audit log next to the change)."""
    body = request.get_json(silent=True) or {}
    return str(body.get("actor") or request.headers.get("X-Actor") or "api")
