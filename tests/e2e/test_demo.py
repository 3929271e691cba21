"""`make demo` brings the system up: photos arrive at the hub, claims export, the desk station walks a return."""

import os
import subprocess
import sys

import pytest

from tests import helpers


def test_demo_once(tmp_path):
    if not helpers.mosquitto_available() and os.environ.get("CI") != "true":
        pytest.skip("mosquitto is not installed")
    r = subprocess.run([sys.executable, "-m", "tests.demo", "--once", "--dir", str(tmp_path / "demo"),
                        "--returns", "2"], cwd=helpers.ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "photos at the hub: 12" in r.stdout, r.stdout
    assert "rejected: 0" in r.stdout
    assert "photos linked: 12  unlinked: 0" in r.stdout, r.stdout
    # every claim the demo opens is approved and exported as a packet that passed verification
    assert "approved v1, packet verified and written to" in r.stdout, r.stdout
    assert "packet refused" not in r.stdout
    # the desk station with its screen is up, and a return walked through its buttons lands at the hub
    assert "desk        http://127.0.0.1:" in r.stdout, r.stdout
    assert ("desk walk: RMA-SIM-00010, screen back to idle; at the hub 2 photos linked, "
            "events session_opened item_finished session_closed") in r.stdout, r.stdout
