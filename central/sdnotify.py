"""Hub supervision: ingest loop and web health → systemd (READY=1, WATCHDOG=1, STATUS=) over $NOTIFY_SOCKET.

Without NOTIFY_SOCKET (a laptop, a test without a fake socket) every call is a no-op.
"""

from __future__ import annotations

import threading
from typing import Callable

from edge import wire


notify = wire.sd_notify
watchdog_interval_s = wire.watchdog_interval_s


def supervise(healthy: Callable[[], bool], status: Callable[[], str], stop: threading.Event,
              default_interval: float = 5.0) -> threading.Thread:
    """READY=1 once `healthy()`, then WATCHDOG=1 every WatchdogSec/2 while it stays so (`ingest`, `serve`)."""
    interval = watchdog_interval_s(default_interval)

    def run() -> None:
        while not healthy():  # READY=1 only once the service can do its work (e.g. the port answers)
            if stop.wait(0.2):
                return
        notify("READY=1", f"STATUS={status()}")
        while not stop.wait(interval):
            if healthy():
                notify("WATCHDOG=1", f"STATUS={status()}")

    t = threading.Thread(target=run, name="watchdog", daemon=True)
    t.start()
    return t
