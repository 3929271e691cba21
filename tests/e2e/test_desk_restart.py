"""A station killed mid-return (power cut) comes back with the return open, and nothing is lost or doubled."""

import json
import re
import signal
import urllib.request

from edge.samples import write_samples
from tests import helpers


def call(url, path, body=None):
    req = urllib.request.Request(url + path, method="POST" if body is not None else "GET",
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"X-Desk": "1", "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=30))


def start(kcfg):
    """Start `returns-kiosk run` and wait for this run's screen line (Proc.output is this run's only)."""
    proc = helpers.kiosk_run(kcfg, "kiosk-a")
    urls = lambda: re.findall(r"desk screen: (http://\S+)", proc.output())  # noqa: E731
    helpers.wait_for(lambda: urls() or not proc.alive(), 30, what="desk screen")
    assert proc.alive(), proc.output()
    return proc, urls()[-1]


def test_power_cut_mid_return_resumes(hub_config, kiosk_config, ingest, tmp_path):
    ingest()
    cam = tmp_path / "camera"
    write_samples(cam, count=3)
    kcfg = kiosk_config("kiosk-a", extra=f"""[camera]
kind = "folder"
folder = "{cam}"
[panel]
pin_factory = "mock"
[screen]
port = 0
""")
    proc, url = start(kcfg)
    try:
        call(url, "api/scan", {"code": "RMA-CUT-1"})
        v = call(url, "api/capture", {})
        assert v["photos"][-1]["saved"], v["notice"]
        call(url, "api/category", {"name": "crack"})
        proc.stop(signal.SIGKILL)  # the power goes
        proc, url = start(kcfg)
        v = call(url, "api/state")
        assert (v["state"], v["return_ref"], v["item"], v["category"]) == ("categorised", "RMA-CUT-1", 1, "crack")
        assert v["notice"]["text"].startswith("Resumed return RMA-CUT-1")
        call(url, "api/capture", {})
        call(url, "api/done", {})
        v = call(url, "api/done", {})
        assert v["state"] == "idle"
        helpers.wait_for(lambda: call(url, "api/state")["queue"] == 0, 30, what="outbox drained")
    finally:
        proc.stop()
    conn = helpers.hub_db(hub_config)
    assert conn.execute("SELECT count(*) FROM photos WHERE return_ref = 'RMA-CUT-1'").fetchone()[0] == 2
    types = [r[0] for r in conn.execute("SELECT type FROM events")]
    assert sorted(types) == ["item_finished", "session_closed", "session_opened"]
    c = helpers.compare([kcfg], hub_config)
    assert (c["lost"], c["doubled"], c["unexpected"]) == ([], 0, [])
