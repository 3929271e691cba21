"""`returns-hub serve` (the web app under waitress) and `returns-hub user add|passwd` (accounts)."""

from __future__ import annotations

import getpass
import os
import signal
import sys

from central import config as hubconfig
from central import db as hubdb
from central import users

PASSWORD_ENV = "RETURNS_HUB_NEW_PASSWORD"


def cmd_serve(args) -> int:
    import waitress

    from central.web import create_app

    cfg = hubconfig.load_config(args.config)
    if not cfg.web.secret_key():
        print(f"error: no session secret: set {cfg.web.secret_env} or put it in "
              f"$CREDENTIALS_DIRECTORY/{cfg.web.secret_credential}", file=sys.stderr)
        return 2
    hubdb.connect(cfg.db_path).close()  # migrate once, before any request
    app = create_app(hub_config=cfg)
    host, port = args.host or cfg.web.host, args.port or cfg.web.port
    print(f"hub web: http://{host}:{port}/ ({cfg.db_path})", flush=True)
    _supervise(host, port)
    signal.signal(signal.SIGTERM, _stop)
    try:
        waitress.serve(app, host=host, port=port, threads=cfg.web.threads, ident="returns-hub",
                       max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 65536)
    except KeyboardInterrupt:
        pass
    return 0


def _stop(signum, frame) -> None:
    """SIGTERM (systemd, the demo) ends serve as Ctrl-C does: exit handlers run and stop the scan workers."""
    raise KeyboardInterrupt


def _supervise(host: str, port: int) -> None:
    """systemd: READY=1 once /health answers, then WATCHDOG=1 while it keeps answering."""
    import threading
    import urllib.request

    from central import sdnotify

    probe = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://{probe}:{port}/health", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    sdnotify.supervise(healthy, lambda: f"serving on {host}:{port}", threading.Event())


def _read_password() -> str:
    """From the environment, a pipe, or typed twice at a terminal: never from the command line."""
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise users.UserError("the two passwords differ")
    return first


def cmd_user(args) -> int:
    cfg = hubconfig.load_config(args.config)
    conn = hubdb.connect(cfg.db_path)
    try:
        if args.action == "list":
            for u in users.list_users(conn):
                print(f"{u['username']:20} {u['role']:10} {u['created_at'][:10]}")
            return 0
        if not args.name:
            raise users.UserError("a user name is needed")
        if args.action == "add":
            if not args.role:
                raise users.UserError(f"--role is needed ({', '.join(users.ROLES)})")
            users.add_user(conn, args.name, args.role, _read_password())
            print(f"{args.name}: added as {args.role}")
        else:
            users.set_password(conn, args.name, _read_password())
            print(f"{args.name}: password changed")
    except users.UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


def register(sub) -> None:
    s = sub.add_parser("serve", help="run the web app (waitress)")
    s.add_argument("--config", required=True, help="hub.toml")
    s.add_argument("--host", help="override [web] host")
    s.add_argument("--port", type=int, help="override [web] port")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("user", help="manage web accounts; the password comes from stdin or "
                                    f"${PASSWORD_ENV}, never the command line")
    s.add_argument("action", choices=["add", "passwd", "list"])
    s.add_argument("name", nargs="?")
    s.add_argument("--role", choices=users.ROLES)
    s.add_argument("--config", required=True)
    s.set_defaults(func=cmd_user)
