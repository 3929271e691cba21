#!/bin/bash
# Install a Returns Desk kiosk on Raspberry Pi OS (bookworm, 64-bit), from a checkout of this
# repository and the credentials bundle made on the hub by `returns-hub kiosk add NAME`:
#
#   sudo systemd/install-kiosk.sh /path/to/NAME.tar.gz [--screen]
#
# picamera2, evdev, numpy, OpenCV, gpiozero and simplejpeg come from apt: pip's numpy 2 breaks apt's
# simplejpeg, which picamera2 and the gate need, so the venv sees the system packages and pip installs
# neither numpy nor simplejpeg.
# systemd/kiosk-requirements.py splits pyproject's dependencies between apt and pip.
# Upgrading: run it again after `git pull`; an existing /etc/returns-desk/kiosk.toml is kept
# (install-kiosk-bundle.sh).
set -euo pipefail

BUNDLE="${1:?usage: install-kiosk.sh NAME.tar.gz [--screen]}"
SCREEN="${2:-}"
SRC="$(cd "$(dirname "$0")/.." && pwd)"
APP=/opt/returns-desk
ETC=/etc/returns-desk

[ "$(id -u)" = 0 ] || { echo "run as root (sudo)" >&2; exit 1; }
. /etc/os-release
[ "${VERSION_CODENAME:-}" = bookworm ] || echo "warning: tested steps are for bookworm, this is ${VERSION_CODENAME:-unknown}" >&2

echo "== apt packages"
apt-get update -qq
# shellcheck disable=SC2046  # one package a word
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-picamera2 python3-evdev \
  python3-lgpio rsync $(python3 "$SRC/systemd/kiosk-requirements.py" "$SRC/pyproject.toml" --apt)
if [ "$SCREEN" = --screen ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cage chromium-browser
fi

echo "== code in $APP"
mkdir -p "$APP"
rsync -a --delete --exclude .venv --exclude .git "$SRC/" "$APP/"
python3 -m venv --system-site-packages "$APP/.venv"
NUMPY="$(python3 -c 'import numpy; print(numpy.__version__)')"
echo "numpy==$NUMPY" > "$APP/.venv/constraints.txt"
python3 "$APP/systemd/kiosk-requirements.py" "$APP/pyproject.toml" > "$APP/.venv/requirements-pip.txt"
"$APP/.venv/bin/pip" install --quiet --no-deps -e "$APP"
"$APP/.venv/bin/pip" install --quiet -c "$APP/.venv/constraints.txt" -r "$APP/.venv/requirements-pip.txt"
"$APP/.venv/bin/python" -c "import numpy, cv2, picamera2, zxingcpp, onnxruntime; print('numpy', numpy.__version__, 'from', numpy.__file__)"
"$APP/.venv/bin/returns-kiosk" --help >/dev/null

echo "== users and permissions"
install -m 0644 "$APP/systemd/returns-desk.sysusers.conf" /usr/lib/sysusers.d/returns-desk.conf
systemd-sysusers
# Camera (video), GPIO (gpio) and the barcode scanner / keys (input) are group-owned device nodes.
for g in video gpio input render; do getent group "$g" >/dev/null && usermod -aG "$g" returns-kiosk; done

echo "== configuration and credentials from $BUNDLE"
KIOSK="$("$APP/systemd/install-kiosk-bundle.sh" "$BUNDLE" "$ETC")"

echo "== systemd units"
install -m 0644 "$APP/systemd/returns-kiosk.service" /etc/systemd/system/
if [ "$SCREEN" = --screen ]; then
  install -m 0644 "$APP/systemd/returns-kiosk-screen.service" /etc/systemd/system/
fi
systemctl daemon-reload
systemctl enable returns-kiosk.service
systemctl restart returns-kiosk.service  # an upgrade runs the new code at once
if [ "$SCREEN" = --screen ]; then systemctl enable --now returns-kiosk-screen.service; fi
systemctl --no-pager status returns-kiosk.service | head -5
echo "kiosk $KIOSK installed; logs: journalctl -u returns-kiosk -f"
