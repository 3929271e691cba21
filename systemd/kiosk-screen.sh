#!/bin/sh
# The kiosk's local screen: cage (a one-window Wayland compositor) running Chromium in kiosk mode
# on the station's desk page. Started by returns-kiosk-screen.service after the station is READY.
set -eu
# The station's [screen] port (8088 unless kiosk.toml says otherwise; then set RETURNS_SCREEN_URL
# in /etc/returns-desk/screen.env).
URL="${RETURNS_SCREEN_URL:-http://127.0.0.1:8088/}"
BROWSER="$(command -v chromium-browser || command -v chromium)"
exec cage -d -- "$BROWSER" --kiosk --noerrdialogs --disable-infobars --no-first-run \
  --disable-session-crashed-bubble --check-for-update-interval=31536000 \
  --ozone-platform=wayland --user-data-dir=/var/cache/returns-screen/chromium "$URL"
