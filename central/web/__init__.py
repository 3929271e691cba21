"""Hub web app: store → web. `create_app(test_config=None)` wires config, database and blueprints."""

from __future__ import annotations

import sqlite3

from flask import Flask, g

from central import db as hubdb

# Blueprints register here (module path, attribute); each stage adds its own line.
BLUEPRINTS: list[tuple[str, str]] = [
    ("central.web.health", "bp"),
    ("central.web.security", "bp"),
    ("central.web.auth", "bp"),
    ("central.web.admin", "bp"),
    ("central.web.photos", "bp"),
    ("central.web.fleet", "bp"),
    ("central.web.redaction", "bp"),
    ("central.web.returns", "bp"),
    ("central.web.charts_page", "bp"),
    ("central.web.claims", "bp"),
    ("central.web.redact_api", "bp"),
    ("central.web.api", "bp"),
]


def create_app(test_config: dict | None = None, hub_config=None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(DATABASE=None, HUB_CONFIG=hub_config)
    if hub_config is not None:
        app.config["DATABASE"] = str(hub_config.db_path)
    if test_config:
        app.config.from_mapping(test_config)

    import importlib

    for module, attr in BLUEPRINTS:
        app.register_blueprint(getattr(importlib.import_module(module), attr))
    if hub_config is not None:
        from central.web import prescan

        prescan.configure(hub_config.web.redaction_workers)
    proxies = hub_config.web.trusted_proxies if hub_config is not None else 0
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.teardown_appcontext
    def _close(exc):
        conn = g.pop("db", None)
        if conn is not None:
            conn.close()

    return app


def get_db() -> sqlite3.Connection:
    """One connection per request (and so per thread), opened on first use."""
    from flask import current_app

    if "db" not in g:
        g.db = hubdb.connect(current_app.config["DATABASE"])
    return g.db
