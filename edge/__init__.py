"""Returns Desk kiosk: devices, quality gate, desk workflow, outbox, uplink, local screen."""
