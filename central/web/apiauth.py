"""API authentication (web → API): a bearer token from RETURNS_HUB_API_TOKEN or $CREDENTIALS_DIRECTORY/api-token.

`protect(bp)` guards a blueprint. Other ways in (the web session) add a callable to `EXTRA_AUTH` that
returns the signed-in user's name or None; the token is checked only when none of them answers.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import HTTPException

from central.config import read_secret

TOKEN_ENV = "RETURNS_HUB_API_TOKEN"
TOKEN_CREDENTIAL = "api-token"

# Callables () -> actor name | None, tried before the token (e.g. a logged-in buyer's session).
EXTRA_AUTH: list = []


def api_token() -> str | None:
    return read_secret(TOKEN_ENV, TOKEN_CREDENTIAL)


def json_error(message: str, status: int, **headers):
    resp = jsonify(error=message, status=status)
    resp.status_code = status
    resp.headers.update(headers)
    return resp


def check() -> None | object:
    """Set g.api_actor, or return the JSON error response that refuses the request."""
    for hook in EXTRA_AUTH:
        actor = hook()
        if actor:
            g.api_actor = actor
            return None
    expected = api_token()
    if not expected:
        return json_error(f"the API is not configured: set {TOKEN_ENV} or the {TOKEN_CREDENTIAL} credential", 503)
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("X-API-Token", "")
    if not given:
        return json_error("authentication required: send 'Authorization: Bearer <token>'", 401,
                          **{"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return json_error("the API token is not valid", 401, **{"WWW-Authenticate": "Bearer"})
    # Scripts may say on whose behalf they act; the audit log keeps it beside the "api" marker.
    g.api_actor = "api:" + (request.headers.get("X-Actor", "").strip()[:60] or "token")
    return None


def protect(bp: Blueprint) -> Blueprint:
    bp.before_request(check)

    @bp.errorhandler(HTTPException)
    def _http(e: HTTPException):
        return json_error(e.description or e.name, e.code or 500)

    # No route matched, so no blueprint is active: answer JSON for /api/ paths, leave the rest to the web.
    @bp.app_errorhandler(404)
    @bp.app_errorhandler(405)
    def _routing(e: HTTPException):
        if request.path.startswith("/api/"):
            return json_error(f"{e.name}: {request.method} {request.path}", e.code)
        return e

    return bp


def body() -> dict:
    """The request's JSON object, or a 400 with a clear message."""
    from werkzeug.exceptions import BadRequest

    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object (Content-Type: application/json)")
    return data
