"""Hub supervision: ingest loop health → systemd (READY=1, WATCHDOG=1, STATUS=) over $NOTIFY_SOCKET.

Without NOTIFY_SOCKET (a laptop, a test without a fake socket) every call is a no-op.
"""

from __future__ import annotations

import os
import socket
import threading
from typing import Callable


def notify(*lines: str) -> bool:
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return False
    if addr[0] == "@":  # abstract namespace
        addr = "\0" + addr[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
        try:
            s.sendto("\n".join(lines).encode(), addr)
        except OSError:
            return False
    return True


def watchdog_interval_s(default: float = 10.0) -> float:
    """Half of WatchdogSec=, as systemd recommends; `default` when the unit has no watchdog."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return default
    return max(int(usec) / 2_000_000, 0.5)


def supervise(healthy: Callable[[], bool], status: Callable[[], str], stop: threading.Event,
              default_interval: float = 5.0) -> threading.Thread:
    """READY=1 now, then WATCHDOG=1 every WatchdogSec/2 while `healthy()`; for `ingest` and `serve`."""
    interval = watchdog_interval_s(default_interval)

    def run() -> None:
        notify("READY=1", f"STATUS={status()}")
        while not stop.wait(interval):
            if healthy():
                notify("WATCHDOG=1", f"STATUS={status()}")

    t = threading.Thread(target=run, name="watchdog", daemon=True)
    t.start()
    return t
