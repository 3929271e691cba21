"""USB barcode scanner through evdev (scanner → desk): exclusive grab, layout-aware decoding, hot-plug.

The only module that imports evdev. The scanner is grabbed so its keystrokes never reach the screen's
browser; when it is unplugged the reader waits and grabs it again when it comes back.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

import evdev

from edge.devices.scanner import Scanner
from edge.devices.scanner_keys import KeyDecoder

log = logging.getLogger(__name__)


def find_device(spec: str | None) -> "evdev.InputDevice | None":
    """A /dev/input path, or the first keyboard-like device whose name contains `spec` (any scanner if None)."""
    if spec and spec.startswith("/dev/"):
        try:
            return evdev.InputDevice(spec)
        except OSError:
            return None
    for path in evdev.list_devices():
        try:
            dev = evdev.InputDevice(path)
        except OSError:
            continue
        name = dev.name.lower()
        if (spec and spec.lower() in name) or (not spec and ("barcode" in name or "scanner" in name)):
            return dev
        dev.close()
    return None


class EvdevScanner(Scanner):
    kind = "evdev"

    def __init__(self, device: str | None, layout: str = "us", retry_s: float = 1.0,
                 find: Callable[[str | None], object] = find_device):
        super().__init__()
        self.spec, self.layout, self.retry_s, self.find = device, layout, retry_s, find
        self.plugged = 0  # how many times a scanner was found and grabbed
        KeyDecoder(layout)  # a bad layout is a config error now, not in the reader thread
        self.healthy = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scanner-evdev", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            dev = self.find(self.spec)
            if dev is None:
                self.healthy, self.last_error = False, f"no scanner found ({self.spec or 'any'})"
                self._stop.wait(self.retry_s)
                continue
            try:
                dev.grab()
                self.healthy, self.last_error = True, None
                self.plugged += 1
                log.info("scanner %s (%s) grabbed", dev.name, dev.path)
                decoder = KeyDecoder(self.layout)
                for ev in dev.read_loop():
                    if self._stop.is_set():
                        break
                    code = decoder.feed(ev.type, ev.code, ev.value)
                    if code:
                        self.push(code)
            except OSError as e:  # unplugged: wait for it to come back
                self.healthy, self.last_error = False, f"scanner lost: {e.strerror or e}"
                log.warning("%s", self.last_error)
            finally:
                try:
                    dev.ungrab()
                except OSError:
                    pass
                dev.close()
            self._stop.wait(self.retry_s)

    def close(self) -> None:
        self._stop.set()
