"""Browser fixtures: Debian's Chromium driven headless by Playwright, and a real `returns-hub serve`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests import helpers, web_demo

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = helpers.ROOT / "test-artifacts"
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


@pytest.fixture
def web(hub_config):
    """`returns-hub serve` for the test's hub, with one account per role (buyer1, fleet1, …)."""
    web_demo.add_users(hub_config, PASSWORD)
    proc, base = web_demo.start_web(hub_config)
    yield base
    proc.stop()


def login(page, base: str, role: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", f"{role}1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:500]



def images_loaded(page, timeout: float = 30) -> None:
    """Every <img> decoded (redacted copies are made on first view). Polled from Python: the pages' CSP
    forbids the string evaluation `wait_for_function` uses."""
    helpers.wait_for(lambda: page.evaluate(
        "() => [...document.querySelectorAll('img')].every(i => i.complete && i.naturalWidth > 0)"),
        timeout, what="images loaded")
