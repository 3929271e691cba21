"""Shared fixtures: a real Mosquitto per test, a registered hub, kiosk configs, sample photos."""

from __future__ import annotations

import os

import pytest

from edge.samples import write_samples
from tests import helpers


@pytest.fixture
def broker(tmp_path):
    if not helpers.mosquitto_available():
        if os.environ.get("CI") == "true":
            pytest.fail("mosquitto is not installed; CI must not skip broker tests")
        pytest.skip("mosquitto is not installed (Debian package `mosquitto`)")
    b = helpers.start_broker(tmp_path / "broker")
    yield b
    b.stop()


@pytest.fixture
def hub_config(tmp_path, broker):
    cfg = helpers.write_hub_config(tmp_path / "hub", broker)
    helpers.hub_cli(cfg, "kiosk", "add", "kiosk-a", "kiosk-b")
    return cfg


@pytest.fixture
def kiosk_config(tmp_path, broker):
    def make(kiosk: str = "kiosk-a", **kw):
        return helpers.write_kiosk_config(tmp_path / kiosk, kiosk, broker, **kw)
    return make


@pytest.fixture(scope="session")
def sample_photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    write_samples(folder, count=6)
    return folder


@pytest.fixture
def ingest(hub_config):
    procs = []

    def start(worker: int = 1, verbose: bool = False, **env):
        p = helpers.hub_ingest(hub_config, worker, verbose, **env)
        procs.append(p)
        helpers.wait_ready(p, "connected")
        return p
    yield start
    for p in procs:
        p.stop()
