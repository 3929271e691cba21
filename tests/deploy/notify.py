"""A fake systemd notify socket for the watchdog tests: the unix datagram socket a service reports to."""

from __future__ import annotations

import socket
import time
from pathlib import Path


class FakeNotifySocket:
    def __init__(self, path: Path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages: list[tuple[float, str]] = []

    def env(self, watchdog_s: float) -> dict:
        return {"NOTIFY_SOCKET": self.path, "WATCHDOG_USEC": str(int(watchdog_s * 1_000_000))}

    def drain(self, seconds: float) -> list[tuple[float, str]]:
        """Collect what arrives for `seconds`; returns just those messages (also kept in .messages)."""
        got = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            got.append((time.monotonic(), data.decode()))
        self.messages += got
        return got

    def wait_for(self, needle: str, timeout: float) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for _, m in self.drain(0.3):
                if needle in m.splitlines():
                    return m
        raise AssertionError(f"no {needle!r} within {timeout}s; got {self.messages[-5:]}")

    @staticmethod
    def pings(messages) -> int:
        return sum("WATCHDOG=1" in m.splitlines() for _, m in messages)

    def close(self) -> None:
        self.sock.close()
