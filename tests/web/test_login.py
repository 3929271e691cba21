"""Sign-in: scrypt hashes, session cookie flags, throttling (429), sign-out, safe redirects."""

from __future__ import annotations

import json

from central import audit
from central.web import create_app
from tests.web.conftest import PASSWORD


def test_password_is_stored_as_scrypt_hash(hub):
    _, conn = hub
    h = conn.execute("SELECT password_hash FROM users WHERE username = 'buyer1'").fetchone()[0]
    assert h.startswith("scrypt:") and PASSWORD not in h


def test_login_sets_a_locked_down_session_cookie(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    wc = client()
    r = wc.login("buyer1")
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_refused_and_audited(client, hub):
    wc = client()
    r = wc.login("buyer1", "wrong password!")
    assert r.status_code == 401
    assert "Wrong name or password" in r.get_data(as_text=True)
    assert wc.get("/fleet").status_code == 302
    actions = [e["action"] for e in audit.entries(hub[1], entity="user")]
    assert "login.failed" in actions


def test_login_is_throttled_after_repeated_failures(client, app):
    wc = client()
    codes = [wc.login("fleet1", f"bad password {i}").status_code for i in range(app.config["LOGIN_MAX_FAILURES"])]
    assert codes == [401] * app.config["LOGIN_MAX_FAILURES"]
    assert wc.login("fleet1", "bad password again").status_code == 429
    # Even the right password waits out the window: the throttle does not tell guesses apart.
    assert wc.login("fleet1").status_code == 429
    # Another name from another address is not held up.
    other = app.test_client()
    r = other.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    token = r.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    r = other.post("/login", data={"username": "buyer1", "password": PASSWORD, "csrf_token": token},
                   environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.status_code == 302


def test_next_only_goes_to_local_paths(client):
    wc = client()
    wc.get("/login")
    r = wc.post("/login?next=//evil.example/x", {"username": "fleet1", "password": PASSWORD})
    assert r.status_code == 302 and "evil" not in r.headers["Location"]
    wc = client()
    wc.get("/login")
    r = wc.post("/login?next=/fleet", {"username": "fleet1", "password": PASSWORD})
    assert r.headers["Location"] == "/fleet"


def test_logout_ends_the_session(client, hub):
    wc = client("fleet")
    assert wc.get("/fleet").status_code == 200
    assert wc.post("/logout").status_code == 302
    assert wc.get("/fleet").status_code == 302
    actions = [(e["actor"], e["action"]) for e in audit.entries(hub[1], entity="user")]
    assert ("fleet1", "login") in actions and ("fleet1", "logout") in actions


def test_security_headers_on_every_response(client):
    wc = client("admin")
    for url in ("/login", "/fleet", "/admin/audit", "/no-such-page", "/health"):
        r = wc.get(url)
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'"), url
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"


def _fail_logins(app, n, **environ):
    c = app.test_client()
    r = c.get("/login", **environ)
    token = r.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    return [c.post("/login", data={"username": "nobody", "password": f"guess {i}", "csrf_token": token},
                   **environ).status_code for i in range(n)]


def test_behind_a_trusted_proxy_the_throttle_holds_back_the_guesser_not_everyone(hub):
    cfg, conn = hub
    cfg.web.trusted_proxies = 1
    app = create_app({"SECRET_KEY": "s" * 32, "LOGIN_MAX_FAILURES": 3}, hub_config=cfg)
    via = {"environ_base": {"REMOTE_ADDR": "10.0.0.1"}}  # every request comes from the proxy's address
    guesser = {"headers": {"X-Forwarded-For": "203.0.113.7"}, **via}
    assert _fail_logins(app, 4, **guesser)[-1] == 429
    ok = app.test_client()
    r = ok.get("/login", headers={"X-Forwarded-For": "198.51.100.2"}, **via)
    token = r.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    r = ok.post("/login", data={"username": "buyer1", "password": PASSWORD, "csrf_token": token},
                headers={"X-Forwarded-For": "198.51.100.2"}, **via)
    assert r.status_code == 302
    ips = [json.loads(e["after"])["ip"] for e in audit.entries(conn, entity="user") if e["action"] == "login"]
    assert ips[0] == "198.51.100.2"  # the browser's address in the audit log, not the proxy's


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(app):
    app.config["LOGIN_MAX_FAILURES"] = 3
    codes = [_fail_logins(app, 1, headers={"X-Forwarded-For": f"192.0.2.{i}"})[0] for i in range(4)]
    assert codes[-1] == 429


def test_a_new_password_ends_sessions_signed_in_with_the_old_one(client, hub):
    from central import users

    wc = client("buyer")
    assert wc.get("/claims").status_code == 200
    users.set_password(hub[1], "buyer1", "a brand new long password", actor="admin1")
    assert wc.get("/claims").status_code == 302  # back to the sign-in page
    again = client()
    assert again.login("buyer1", "a brand new long password").status_code == 302
    assert again.get("/claims").status_code == 200
