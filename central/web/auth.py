"""Sign-in and sign-out: web login → users, throttled per address and per name (429 when over)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from central import audit, users
from central import db as hubdb
from central.web import security

bp = Blueprint("auth", __name__)


class LoginThrottle:
    """Failed sign-ins per key in a sliding window; kept in memory (one hub process serves the web)."""

    def __init__(self, max_failures: int, window_s: float):
        self.max_failures, self.window_s = max_failures, window_s
        self._fails: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque:
        q = self._fails[key]
        while q and q[0] < now - self.window_s:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now)) >= self.max_failures for k in keys)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)


def _throttle() -> LoginThrottle:
    ext = current_app.extensions
    if "login_throttle" not in ext:
        ext["login_throttle"] = LoginThrottle(current_app.config["LOGIN_MAX_FAILURES"],
                                              current_app.config["LOGIN_WINDOW_S"])
    return ext["login_throttle"]


def _safe_next(target: str | None) -> str:
    # Only a local path: never an absolute or scheme-relative URL someone slipped into the link.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("auth.home")


@bp.app_context_processor
def _template_helpers():
    links = [(label, ep) for label, ep, allowed in NAV
             if ep in current_app.view_functions and security.can(*allowed)]
    return {"current_user": g.get("user"), "can": security.can, "nav_links": links}


# The top navigation: (label, endpoint, roles); entries whose blueprint is absent are left out.
NAV: list[tuple[str, str, tuple[str, ...]]] = [
    ("Claims", "claims.claims_list", ("buyer",)),
    ("Charts", "charts.charts_page", ("buyer",)),
    ("Unlinked photos", "returns.unlinked", ("warehouse", "buyer")),
    ("Photos", "returns.photos_list", ("warehouse", "buyer")),
    ("Fleet", "fleet.fleet_page", ("fleet",)),
    ("Audit log", "admin.audit_page", ()),
    ("Users", "admin.users_page", ()),
]


@bp.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        name = request.form.get("username", "").strip().lower()[:40]
        keys = (f"ip:{request.remote_addr}", f"user:{name}")
        throttle = _throttle()
        if throttle.blocked(*keys):
            abort(429)
        from central.web import get_db

        conn = get_db()
        user = users.verify(conn, name, request.form.get("password", ""))
        if user is None:
            throttle.failed(*keys)
            with hubdb.write(conn):
                audit.record(conn, name or "anonymous", "login.failed", "user", name or None,
                             after={"ip": request.remote_addr})
            error = "Wrong name or password."
        else:
            throttle.succeeded(*keys)
            security.login_user(user)
            with hubdb.write(conn):
                audit.record(conn, user["username"], "login", "user", user["username"],
                             after={"ip": request.remote_addr})
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), (401 if error else 200)


@bp.post("/logout")
def logout():
    from central.web import get_db

    conn = get_db()
    with hubdb.write(conn):
        audit.record(conn, security.actor(), "logout", "user", security.actor())
    session.clear()
    return redirect(url_for("auth.login"))


@bp.get("/")
def home():
    """Each role lands where its work is."""
    for endpoint in _HOME_BY_ROLE.get(g.user["role"], []):
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("home.html")


# Endpoints tried in order as a role's landing page (later blueprints add theirs).
_HOME_BY_ROLE: dict[str, list[str]] = {
    "buyer": ["claims.claims_list", "returns.photos_list"],
    "warehouse": ["returns.unlinked", "returns.photos_list"],
    "fleet": ["fleet.fleet_page"],
    "admin": ["fleet.fleet_page"],
}
