"""Browser fixtures: Debian's Chromium driven headless by Playwright, and a real `returns-hub serve`."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from tests import helpers

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = helpers.ROOT / "test-artifacts"
SECRET = "browser-test-secret-" + "z" * 24
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "browser password 1"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; CI must not skip browser tests")
        pytest.skip("chromium is not installed (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 860})
    pg = ctx.new_page()
    pg.set_default_timeout(15000)
    yield pg
    ctx.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def web(hub_config):
    """`returns-hub serve` on a free port for the test's hub, with one account per role."""
    with hub_config.open("a") as f:
        f.write("[web]\nsecure_cookies = false\n")  # plain HTTP on 127.0.0.1 in tests
    for role in ("buyer", "warehouse", "fleet", "admin"):
        r = subprocess.run([str(helpers.BIN / "returns-hub"), "user", "add", f"{role}1", "--role", role,
                            "--config", str(hub_config)], input=PASSWORD + "\n", text=True,
                           capture_output=True, env=helpers.hub_env(), timeout=60)
        assert r.returncode == 0, r.stderr
    port = _free_port()
    proc = helpers.Proc([str(helpers.BIN / "returns-hub"), "serve", "--config", str(hub_config),
                         "--port", str(port)], helpers.hub_env(RETURNS_HUB_SECRET_KEY=SECRET),
                        hub_config.parent / "serve.log").start()
    helpers.wait_ready(proc, "hub web:")
    base = f"http://127.0.0.1:{port}"
    helpers.wait_for(lambda: _listening(port), 20, what="web server listening")
    yield base
    proc.stop()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def login(page, base: str, role: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", f"{role}1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:500]

