"""Kiosk devices (camera, and later scanner and panel): a real adapter and a simulated one, chosen by config."""
