"""The hub web app as a real process for the demo and the browser tests: accounts per role, then `serve`."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

from central import config as hubconfig
from central import db as hubdb
from central import users
from tests import helpers

ROLES = ("buyer", "warehouse", "fleet", "admin")
DEMO_PASSWORD = "returns-desk-demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def add_users(hub_config: Path, password: str = DEMO_PASSWORD) -> None:
    """One account per role, named after it: buyer1, warehouse1, fleet1, admin1 (`returns-hub user add`
    does the same one at a time; its own test drives the command)."""
    conn = hubdb.connect(hubconfig.load_config(hub_config).db_path)
    try:
        for role in ROLES:
            if users.get_user(conn, f"{role}1") is None:
                users.add_user(conn, f"{role}1", role, password, actor="demo")
    finally:
        conn.close()


def start_web(hub_config: Path, port: int | None = None) -> tuple[helpers.Proc, str]:
    """`returns-hub serve` on plain HTTP at 127.0.0.1 (cookies not marked Secure), ready to answer."""
    text = hub_config.read_text()
    if "[web]" not in text:
        hub_config.write_text(text + "[web]\nsecure_cookies = false\n")
    if not port or listening(port):  # busy (another demo, another service): any free port will do
        port = free_port()
    proc = helpers.Proc([str(helpers.BIN / "returns-hub"), "serve", "--config", str(hub_config),
                         "--port", str(port)], helpers.hub_env(RETURNS_HUB_SECRET_KEY=secrets.token_hex(32)),
                        hub_config.parent / "serve.log").start()
    helpers.wait_ready(proc, "hub web:")
    helpers.wait_for(lambda: listening(port), 20, what="web server listening")
    return proc, f"http://127.0.0.1:{port}"
