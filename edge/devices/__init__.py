"""Kiosk devices (scanner, panel, camera): each a real adapter and a simulated one, picked by config."""
