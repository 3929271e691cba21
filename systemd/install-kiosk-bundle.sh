#!/bin/bash
# Kiosk install, configuration step (called by install-kiosk.sh): a credentials bundle from
# `returns-hub kiosk add NAME` → /etc/returns-desk. Prints the kiosk's name last.
#
#   install-kiosk-bundle.sh NAME.tar.gz [ETC]      (ETC defaults to /etc/returns-desk)
#
# The password and CA are replaced (a new `kiosk add` issues a new password); kiosk.toml is kept
# when there is one, because it holds this station's own camera, scanner and pin settings.
set -euo pipefail

BUNDLE="${1:?usage: install-kiosk-bundle.sh NAME.tar.gz [ETC]}"
ETC="${2:-/etc/returns-desk}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
tar -xzf "$BUNDLE" -C "$TMP"
KIOSK="$(ls "$TMP")"
install -d -m 0755 "$ETC"
install -d -m 0700 "$ETC/credentials"
if [ -f "$ETC/kiosk.toml" ]; then
  install -m 0644 "$TMP/$KIOSK/kiosk.toml" "$ETC/kiosk.toml.bundle"
  echo "kept $ETC/kiosk.toml (the bundle's is $ETC/kiosk.toml.bundle)" >&2
else
  install -m 0644 "$TMP/$KIOSK/kiosk.toml" "$ETC/kiosk.toml"
fi
if [ -f "$TMP/$KIOSK/ca.crt" ]; then install -m 0644 "$TMP/$KIOSK/ca.crt" "$ETC/ca.crt"; fi
# Root-only: systemd hands it to the service through LoadCredential= ($CREDENTIALS_DIRECTORY).
install -m 0600 "$TMP/$KIOSK/mqtt-password" "$ETC/credentials/mqtt-password"
echo "$KIOSK"
