"""Kiosk devices (camera, scanner, panel): each a real adapter and a simulated one, chosen by config."""
