#!/bin/bash
# Install a Returns Desk kiosk on Raspberry Pi OS (bookworm, 64-bit), from a checkout of this
# repository and the credentials bundle made on the hub by `returns-hub kiosk add NAME`:
#
#   sudo systemd/install-kiosk.sh /path/to/NAME.tar.gz [--screen]
#
# picamera2, evdev, numpy and OpenCV come from apt: pip's numpy 2 breaks apt's simplejpeg, which
# picamera2 needs, so the venv sees the system packages and pip never installs numpy.
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
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-picamera2 python3-evdev \
  python3-numpy python3-opencv python3-pil python3-lgpio python3-gpiozero rsync
if [ "$SCREEN" = --screen ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cage chromium-browser
fi

echo "== code in $APP"
mkdir -p "$APP"
rsync -a --delete --exclude .venv --exclude .git "$SRC/" "$APP/"
python3 -m venv --system-site-packages "$APP/.venv"
NUMPY="$(python3 -c 'import numpy; print(numpy.__version__)')"
echo "numpy==$NUMPY" > "$APP/.venv/constraints.txt"
"$APP/.venv/bin/pip" install --quiet --no-deps -e "$APP"
"$APP/.venv/bin/pip" install --quiet -c "$APP/.venv/constraints.txt" \
  "paho-mqtt>=2.1,<3" "sqlite-utils>=4.2,<5" "pydantic>=2.6,<3" "flask>=3.0,<4" onnxruntime
"$APP/.venv/bin/python" -c "import numpy, cv2, picamera2; print('numpy', numpy.__version__, 'from', numpy.__file__)"

echo "== users and permissions"
install -m 0644 "$APP/systemd/returns-desk.sysusers.conf" /usr/lib/sysusers.d/returns-desk.conf
systemd-sysusers
# Camera (video), GPIO (gpio) and the barcode scanner / keys (input) are group-owned device nodes.
for g in video gpio input render; do getent group "$g" >/dev/null && usermod -aG "$g" returns-kiosk; done

echo "== configuration and credentials from $BUNDLE"
TMP="$(mktemp -d)"
tar -xzf "$BUNDLE" -C "$TMP"
KIOSK="$(ls "$TMP")"
install -d -m 0755 "$ETC"
install -d -m 0700 "$ETC/credentials"
install -m 0644 "$TMP/$KIOSK/kiosk.toml" "$ETC/kiosk.toml"
[ -f "$TMP/$KIOSK/ca.crt" ] && install -m 0644 "$TMP/$KIOSK/ca.crt" "$ETC/ca.crt"
# Root-only: systemd hands it to the service through LoadCredential= ($CREDENTIALS_DIRECTORY).
install -m 0600 "$TMP/$KIOSK/mqtt-password" "$ETC/credentials/mqtt-password"
rm -rf "$TMP"

echo "== systemd units"
install -m 0644 "$APP/systemd/returns-kiosk.service" /etc/systemd/system/
if [ "$SCREEN" = --screen ]; then
  install -m 0644 "$APP/systemd/returns-kiosk-screen.service" /etc/systemd/system/
fi
systemctl daemon-reload
systemctl enable --now returns-kiosk.service
[ "$SCREEN" = --screen ] && systemctl enable --now returns-kiosk-screen.service
systemctl --no-pager status returns-kiosk.service | head -5
echo "kiosk $KIOSK installed; logs: journalctl -u returns-kiosk -f"
