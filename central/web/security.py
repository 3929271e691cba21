"""Web security for every page: secret key, cookie flags, CSRF, upload cap, headers, login gate.

Installed as a blueprint so the app factory stays a list of blueprints. Every endpoint needs a
signed-in user unless it is listed in PUBLIC, marks itself `token_auth`, or lives under /api/: those
check a bearer token themselves (and, carrying no cookie, need no CSRF token). The URL-map test walks
every route without credentials, so an API view that forgot its token check shows up there.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from central import users

bp = Blueprint("security", __name__)
csrf = CSRFProtect()

PUBLIC = {"auth.login", "static", "health.health"}
API_PREFIX = "/api/"

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@bp.record_once
def _install(state) -> None:
    app = state.app
    web = app.config["HUB_CONFIG"].web if app.config.get("HUB_CONFIG") is not None else None
    if not app.config.get("SECRET_KEY") and web is not None:
        app.config["SECRET_KEY"] = web.secret_key()
    secure = web.secure_cookies if web is not None else True
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no cap at all
        app.config["MAX_CONTENT_LENGTH"] = int((web.max_upload_mb if web else 20) * 1024 * 1024)
    app.config.setdefault("LOGIN_MAX_FAILURES", web.login_max_failures if web else 5)
    app.config.setdefault("LOGIN_WINDOW_S", web.login_window_s if web else 300)
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead, which expires
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in _gate, for everything but the token API
    )
    csrf.init_app(app)


@bp.before_app_request
def _gate():
    g.user = None
    name = session.get("user")
    if name:
        from central.web import get_db

        g.user = users.get_user(get_db(), name)
        if g.user is None or session.get("stamp") != g.user["stamp"]:  # removed, disabled or new password
            g.user = None
            session.clear()
    endpoint = request.endpoint
    if request.path.startswith(API_PREFIX):
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if endpoint is None or endpoint in PUBLIC:
        return None
    view = current_app.view_functions.get(endpoint)
    if getattr(view, "token_auth", False):
        return None
    if g.user is None:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    allowed = getattr(view, "roles", None)
    if allowed is not None and g.user["role"] != "admin" and g.user["role"] not in allowed:
        abort(403)
    return None


@bp.after_app_request
def _headers(resp):
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["Referrer-Policy"] = "same-origin"
    if resp.mimetype == "text/html":
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def roles(*allowed: str):
    """Which roles may open a view (admin always may); without it any signed-in user may."""
    for r in allowed:
        assert r in users.ROLES, r

    def deco(view):
        view.roles = frozenset(allowed)
        return view
    return deco


def token_auth(view):
    """The view authenticates the caller itself (a bearer token), not with the session."""
    view.token_auth = True
    return view


def actor() -> str:
    return g.user["username"] if g.get("user") else "anonymous"


def can(*allowed: str) -> bool:
    u = g.get("user")
    return bool(u) and (u["role"] == "admin" or u["role"] in allowed)


def login_user(user: dict) -> None:
    session.clear()
    session["user"] = user["username"]
    session["stamp"] = user["stamp"]
    session.permanent = True



@bp.app_errorhandler(400)
@bp.app_errorhandler(401)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
@bp.app_errorhandler(413)
@bp.app_errorhandler(429)
def _error(e):
    from flask import render_template

    if request.path.startswith(API_PREFIX):  # scripts get JSON errors, people get a page
        from central.web.apiauth import json_error

        return json_error(e.description or e.name, e.code)
    return render_template("error.html", code=e.code, name=e.name, description=e.description), e.code
