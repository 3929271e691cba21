"""`returns-hub user add|passwd` and `returns-hub serve`: real processes, waitress over real HTTP."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests import helpers

BIN = Path(sys.executable).parent


def _hub(tmp_path, port=None) -> Path:
    p = tmp_path / "hub.toml"
    p.write_text(f'data_dir = "{tmp_path / "data"}"\n[web]\nport = {port or 8080}\nsecure_cookies = false\n')
    return p


def _cli(cfg, *args, stdin="", env=None):
    return subprocess.run([str(BIN / "returns-hub"), *args, "--config", str(cfg)], input=stdin, text=True,
                          capture_output=True, timeout=60, env=env or helpers.hub_env())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(cfg: Path, creds: Path, log: Path, port: int) -> tuple[helpers.Proc, str]:
    """`returns-hub serve` with the secret from a credentials folder, answering /health."""
    proc = helpers.Proc([str(BIN / "returns-hub"), "serve", "--config", str(cfg)],
                        helpers.hub_env(CREDENTIALS_DIRECTORY=str(creds)), log).start()
    helpers.wait_ready(proc, "hub web:")
    base = f"http://127.0.0.1:{port}"
    helpers.wait_for(lambda: _ok(base + "/health"), 20, what="health")
    return proc, base


def _sign_in(base: str, username: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A browser-like session over real HTTP: the login form's CSRF token, then the form; returns the page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    token = re.search(r'name="csrf_token" value="([^"]+)"', opener.open(base + "/login").read().decode()).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token})
    return opener, opener.open(base + "/login", data.encode()).read().decode()


def test_user_add_and_passwd_read_the_password_from_stdin_or_env(tmp_path):
    cfg = _hub(tmp_path)
    r = _cli(cfg, "user", "add", "ana", "--role", "buyer", stdin="a long enough password\n")
    assert r.returncode == 0, r.stderr
    r = _cli(cfg, "user", "add", "ana", "--role", "buyer", stdin="a long enough password\n")
    assert r.returncode == 2 and "already exists" in r.stderr
    r = _cli(cfg, "user", "add", "bo", "--role", "buyer", stdin="short\n")
    assert r.returncode == 2 and "at least" in r.stderr
    r = _cli(cfg, "user", "passwd", "ana", env=helpers.hub_env(RETURNS_HUB_NEW_PASSWORD="another good password"))
    assert r.returncode == 0, r.stderr
    r = _cli(cfg, "user", "passwd", "nobody", stdin="another good password\n")
    assert r.returncode == 2 and "no user" in r.stderr
    listing = _cli(cfg, "user", "list").stdout
    assert "ana" in listing and "buyer" in listing and "bo " not in listing
    # No way to give a password on the command line at all.
    r = _cli(cfg, "user", "add", "cy", "--role", "fleet", "--password", "x" * 12)
    assert r.returncode == 2 and "unrecognized arguments" in r.stderr


def test_serve_refuses_to_start_without_a_secret(tmp_path):
    env = helpers.hub_env()
    env.pop("RETURNS_HUB_SECRET_KEY", None)
    env.pop("CREDENTIALS_DIRECTORY", None)
    r = _cli(_hub(tmp_path), "serve", env=env)
    assert r.returncode == 2 and "RETURNS_HUB_SECRET_KEY" in r.stderr


def test_serve_runs_waitress_and_a_user_signs_in_over_http(tmp_path):
    port = _free_port()
    cfg = _hub(tmp_path, port)
    assert _cli(cfg, "user", "add", "fran", "--role", "fleet", stdin="fleet password 1\n").returncode == 0
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "secret-key").write_text("s" * 40)
    proc, base = _serve(cfg, creds, tmp_path / "serve.log", port)
    try:
        with urllib.request.urlopen(base + "/health") as r:
            assert r.headers["Server"] == "returns-hub" or "waitress" in r.headers.get("Server", "")
        _, fleet_page = _sign_in(base, "fran", "fleet password 1")
        assert "Fleet" in fleet_page and "fran (fleet)" in fleet_page
    finally:
        proc.stop()


def _ok(url) -> bool:
    try:
        return urllib.request.urlopen(url, timeout=2).status == 200
    except (urllib.error.URLError, ConnectionError):
        return False


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pids: set[int]) -> set[int]:
    return {p for p in pids if Path(f"/proc/{p}").exists()
            and Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"}


def test_the_scan_workers_a_claim_page_starts_end_with_serve(tmp_path):
    """Showing a claim starts worker processes that scan its photos; whether serve is stopped (SIGTERM)
    or killed (SIGKILL), none of them is left behind."""
    import signal

    from central import config as hubconfig
    from central import db as hubdb
    from tests.web.conftest import add_claim

    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "secret-key").write_text("s" * 40)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        port = _free_port()
        run = tmp_path / sig.name
        run.mkdir()
        cfg = _hub(run, port)
        hub = hubconfig.load_config(cfg)
        conn = hubdb.connect(hub.db_path)
        claim = add_claim(hub, conn)
        conn.close()
        assert _cli(cfg, "user", "add", "bea", "--role", "buyer", stdin="buyer password 1\n").returncode == 0
        proc, base = _serve(cfg, creds, run / "serve.log", port)
        try:
            opener, _ = _sign_in(base, "bea", "buyer password 1")
            assert "being checked" in opener.open(f"{base}/claims/{claim}").read().decode()
            workers = helpers.wait_for(lambda: _children(proc.pid), 30, what="scan workers started")
        finally:
            if sig == signal.SIGTERM:
                assert proc.stop() == 0  # a clean exit, not death by signal
            else:
                proc.kill()
        helpers.wait_for(lambda: not _alive(workers), 15, what=f"scan workers gone after {sig.name}")
