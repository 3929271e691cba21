"""Kiosk install: what install-kiosk.sh puts on a Pi is enough to run `returns-kiosk`, and its config is a Pi's."""

from __future__ import annotations

import grp
import os
import re
import subprocess
import sys
import tomllib

from packaging.requirements import Requirement

from edge.config import ScreenConfig, load_config
from tests import helpers

SYSTEMD = helpers.ROOT / "systemd"
SCRIPT = SYSTEMD / "install-kiosk.sh"


def script_lines(path=SCRIPT) -> list[str]:
    return path.read_text().replace("\\\n", " ").splitlines()


def apt_packages() -> set[str]:
    """Every package install-kiosk.sh's apt-get lines name, expanded by bash as the script would."""
    words: set[str] = set()
    for line in script_lines():
        if "apt-get install" in line:
            args = line.split("apt-get install", 1)[1]
            r = subprocess.run(["bash", "-c", f'SRC="{helpers.ROOT}"; echo {args}'], capture_output=True,
                               text=True, check=True, timeout=60)
            words |= {w for w in r.stdout.split() if not w.startswith("-")}
    return words


def pip_requirements(tmp_path) -> list[str]:
    """The requirements file install-kiosk.sh writes and hands to pip, made by running its own line."""
    app = tmp_path / "app"
    (app / ".venv").mkdir(parents=True)
    (app / "systemd").symlink_to(SYSTEMD)
    (app / "pyproject.toml").symlink_to(helpers.ROOT / "pyproject.toml")
    [line] = [ln for ln in script_lines() if "requirements-pip.txt" in ln and ">" in ln]
    subprocess.run(["bash", "-c", f'APP="{app}"; {line}'], check=True, timeout=60)
    [install] = [ln for ln in script_lines() if "pip\" install" in ln and "requirements-pip.txt" in ln]
    assert '-c "$APP/.venv/constraints.txt"' in install  # apt's numpy pinned for everything pip adds
    return (app / ".venv" / "requirements-pip.txt").read_text().split("\n")


def test_every_runtime_dependency_comes_from_pip_or_apt(tmp_path):
    from_apt = {"numpy": "python3-numpy", "opencv-python-headless": "python3-opencv", "gpiozero": "python3-gpiozero",
                "simplejpeg": "python3-simplejpeg"}
    deps = [Requirement(d) for d in tomllib.loads((helpers.ROOT / "pyproject.toml").read_text())["project"]["dependencies"]]
    pip = {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in pip_requirements(tmp_path) if r}
    apt = apt_packages()
    assert {"python3-picamera2", "python3-evdev", "python3-lgpio"} <= apt
    missing = [str(d) for d in deps if d.name.lower() not in pip and from_apt.get(d.name.lower()) not in apt]
    assert not missing, f"neither pip nor apt installs {missing}"
    assert pip["zxing-cpp"] == str(next(d for d in deps if d.name == "zxing-cpp").specifier)
    # pip's numpy 2 (and the OpenCV wheels that need it) would break apt's picamera2/simplejpeg, and pip's
    # simplejpeg wheel would shadow apt's, which picamera2 is built with: the gate's comes from apt too
    assert "simplejpeg" in {d.name.lower() for d in deps}
    assert not {"numpy", "opencv-python-headless", "opencv-python", "simplejpeg"} & set(pip)
    assert {"python3-numpy", "python3-opencv", "python3-simplejpeg"} <= apt
    # nor does the hub's side belong on a Pi
    hub = {Requirement(d).name.lower() for d in
           tomllib.loads((helpers.ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["hub"]}
    assert not hub & set(pip)


def test_returns_kiosk_starts_without_zxing_cpp(tmp_path, sample_photos):
    """zxing-cpp is needed for cards and label checks, not for the station's command line to load."""
    conf = tmp_path / "kiosk.toml"
    conf.write_text(f'kiosk_id = "k"\ndata_dir = "{tmp_path / "data"}"\n')
    blocked = ("import sys; sys.modules['zxingcpp'] = None; from edge.cli import main; "
               "sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", blocked, "status", "--config", str(conf), "--json"],
                       capture_output=True, text=True, timeout=60, cwd=helpers.ROOT)
    assert r.returncode == 0, r.stderr
    assert '"outbox_depth": 0' in r.stdout
    r = subprocess.run([sys.executable, "-c", blocked, "check", "--json", str(next(sample_photos.iterdir()))],
                       capture_output=True, text=True, timeout=120, cwd=helpers.ROOT)
    assert '"ok": ' in r.stdout, r.stderr


def provision_hub(tmp_path):
    hub = tmp_path / "hub" / "hub.toml"
    hub.parent.mkdir()
    hub.write_text(f"""data_dir = "{tmp_path / 'hub' / 'data'}"
[provision]
passwd_file = "{tmp_path / 'hub' / 'passwd'}"
acl_file = "{tmp_path / 'hub' / 'acl'}"
broker_host = "hub.example.lan"
tls = false
passwd_group = "{grp.getgrgid(os.getegid()).gr_name}"
""")
    return hub


def test_kiosk_add_writes_a_pi_stations_config(tmp_path):
    hub = provision_hub(tmp_path)
    helpers.hub_cli(hub, "kiosk", "add", "desk-01")
    toml = hub.parent / "data" / "kiosks" / "desk-01" / "kiosk.toml"
    cfg = load_config(toml)
    assert (cfg.kiosk_id, cfg.broker.host, cfg.broker.port) == ("desk-01", "hub.example.lan", 8883)
    assert cfg.camera.kind == "picamera2" and cfg.camera.folder is None
    assert cfg.scanner.kind == "evdev" and cfg.panel.pin_factory == "lgpio" and cfg.panel.enabled
    assert (cfg.panel.capture_button, cfg.panel.done_button, cfg.panel.ring_light) == (17, 27, 18)
    assert "#" in toml.read_text()  # commented, for whoever edits it on the Pi


def test_screen_opens_the_port_the_station_serves(tmp_path):
    script = (SYSTEMD / "kiosk-screen.sh").read_text()
    [port] = re.findall(r"RETURNS_SCREEN_URL:-http://127\.0\.0\.1:(\d+)/", script)
    assert int(port) == ScreenConfig().port
    hub = provision_hub(tmp_path)
    helpers.hub_cli(hub, "kiosk", "add", "desk-01")
    assert load_config(hub.parent / "data" / "kiosks" / "desk-01" / "kiosk.toml").screen.port == int(port)
    unit = (SYSTEMD / "returns-kiosk-screen.service").read_text()
    assert "ExecStart=/opt/returns-desk/systemd/kiosk-screen.sh" in unit


def test_reinstall_keeps_the_stations_config_and_takes_the_new_password(tmp_path):
    hub = provision_hub(tmp_path)
    bundle = hub.parent / "data" / "kiosks" / "desk-01.tar.gz"
    etc = tmp_path / "etc"
    install = [str(SYSTEMD / "install-kiosk-bundle.sh"), str(bundle), str(etc)]

    helpers.hub_cli(hub, "kiosk", "add", "desk-01")
    first_password = (hub.parent / "data" / "kiosks" / "desk-01" / "mqtt-password").read_text()
    r = subprocess.run(install, capture_output=True, text=True, check=True, timeout=60)
    assert r.stdout.strip() == "desk-01"
    assert (etc / "credentials" / "mqtt-password").read_text() == first_password
    assert (etc / "credentials" / "mqtt-password").stat().st_mode & 0o777 == 0o600
    edited = (etc / "kiosk.toml").read_text().replace("layout = \"us\"", "layout = \"de\"")
    (etc / "kiosk.toml").write_text(edited)

    helpers.hub_cli(hub, "kiosk", "add", "desk-01")  # a new password, as after a lost Pi
    second_password = (hub.parent / "data" / "kiosks" / "desk-01" / "mqtt-password").read_text()
    r = subprocess.run(install, capture_output=True, text=True, check=True, timeout=60)
    assert (etc / "kiosk.toml").read_text() == edited and load_config(etc / "kiosk.toml").scanner.layout == "de"
    assert "kept" in r.stderr and (etc / "kiosk.toml.bundle").exists()
    assert (etc / "credentials" / "mqtt-password").read_text() == second_password != first_password


def readme_section(title: str) -> str:
    text = (helpers.ROOT / "README.md").read_text()
    start = text.index(title)
    return text[start:text.index("\n### ", start + len(title))]


def test_readme_calibrates_the_installed_station_on_an_empty_desk():
    steps = readme_section("### 3. A kiosk")
    install = steps.index("systemd/install-kiosk.sh")
    calibrate = steps.index("returns-kiosk calibrate --config /etc/returns-desk/kiosk.toml")
    assert install < calibrate  # the reference needs the installed camera and config
    assert "sudo -u returns-kiosk" in steps[install:calibrate + 80]  # as the service's user: its data folder
    assert "User=returns-kiosk" in (SYSTEMD / "returns-kiosk.service").read_text()
    assert "empty" in steps[install:calibrate].lower() or "cleared" in steps[install:calibrate].lower()
    # the path the README calibrates is the one the install writes
    assert 'ETC="${2:-/etc/returns-desk}"' in (SYSTEMD / "install-kiosk-bundle.sh").read_text()
