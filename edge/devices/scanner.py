"""Scanner (scanner → desk): one small interface over the USB scanner, a line reader and a scripted one.

A scanner yields raw codes; `CodeReader` says what each one means (return label, category card, command
card, or an unknown code) using the patterns in `[scanner]`.
"""

from __future__ import annotations

import os
import queue
import re
import stat
import sys
import threading
from dataclasses import dataclass
from typing import IO, Iterable

RETURN, CATEGORY, COMMAND, UNKNOWN = "return", "category", "command", "unknown"


@dataclass(frozen=True)
class Scan:
    code: str
    kind: str  # return | category | command | unknown
    value: str  # the return ref, category name or command name; the code itself when unknown

    @property
    def message(self) -> str:
        if self.kind == UNKNOWN:
            return f"unknown code “{self.code}” — scan a return label, a category card or a command card"
        return {RETURN: f"return {self.value}", CATEGORY: f"category: {self.value}",
                COMMAND: f"command: {self.value}"}[self.kind]


class CodeReader:
    """Classify scanned codes by configurable regular expressions (whole-code matches)."""

    def __init__(self, return_pattern: str, category_pattern: str, commands: dict[str, str],
                 categories: Iterable[str] | None = None):
        self.return_re = re.compile(return_pattern)
        self.category_re = re.compile(category_pattern)
        self.commands = {code: name for name, code in commands.items()}
        self.categories = set(categories) if categories is not None else None

    @classmethod
    def from_config(cls, cfg) -> "CodeReader":
        s = cfg.scanner
        return cls(s.return_pattern, s.category_pattern, s.commands, cfg.desk.categories)

    def classify(self, code: str) -> Scan:
        code = code.strip()
        if code in self.commands:
            return Scan(code, COMMAND, self.commands[code])
        if self.return_re.fullmatch(code):
            return Scan(code, RETURN, code)
        m = self.category_re.fullmatch(code)
        if m:
            name = m.groupdict().get("category") or code
            if self.categories is None or name in self.categories:
                return Scan(code, CATEGORY, name)
        return Scan(code, UNKNOWN, code)


class Scanner:
    """Codes arrive on a queue from the device's own thread; `read` waits for the next one."""

    kind = "base"

    def __init__(self) -> None:
        self._codes: queue.Queue[str] = queue.Queue()
        self.healthy = True
        self.last_error: str | None = None

    def read(self, timeout: float | None = None) -> str | None:
        try:
            return self._codes.get(timeout=timeout)
        except queue.Empty:
            return None

    def push(self, code: str) -> None:
        code = code.strip()
        if code:
            self._codes.put(code)

    def close(self) -> None:
        pass


class ScriptedScanner(Scanner):
    """Plays a list of codes, each after a delay: the scanner of tests, `simulate` and the demo."""

    kind = "scripted"

    def __init__(self, codes: Iterable[str] = (), delay_s: float = 0.0):
        super().__init__()
        self._stop = threading.Event()
        self.codes, self.delay_s = list(codes), delay_s
        self._thread = threading.Thread(target=self._play, name="scanner-script", daemon=True)
        self._thread.start()

    def _play(self) -> None:
        for code in self.codes:
            if self._stop.wait(self.delay_s):
                return
            self.push(code)

    def close(self) -> None:
        self._stop.set()


class LineScanner(Scanner):
    """One code per line from a stream: stdin, a file, a FIFO or a serial scanner's tty.

    A FIFO ends each time its writer closes it (every `echo CODE > fifo`), so it is opened again and waits
    for the next writer; a tty that went away (unplugged) is retried every `retry_s` until it is back."""

    kind = "lines"

    def __init__(self, stream: IO[str] | None = None, path: str | None = None, retry_s: float = 1.0):
        super().__init__()
        self._path = path
        self._stream = stream
        self._retry_s = retry_s
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="scanner-lines", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        while not self._closed.is_set():
            try:
                if self._stream is None:  # opened here: a FIFO or tty blocks until the other side is there
                    self._stream = open(self._path, encoding="utf-8", errors="replace") if self._path else sys.stdin
                self.healthy, self.last_error = True, None
                for line in self._stream:
                    self.push(line)
            except (OSError, ValueError) as e:  # a serial line that went away, a closed stream
                self.last_error = str(e)
            if not self._path or self._closed.is_set():
                break
            self._stream = None
            if stat.S_ISFIFO(_mode(self._path)):
                continue  # the writer closed the FIFO: wait for the next one
            if stat.S_ISREG(_mode(self._path)):
                break  # a plain file has been read to its end
            self.healthy = False
            self.last_error = self.last_error or f"{self._path} went away"
            self._closed.wait(self._retry_s)
        self.healthy = False
        self.last_error = self.last_error or "end of input"

    def close(self) -> None:
        self._closed.set()
        if self._path and self._stream is not None:
            self._stream.close()


def _mode(path: str) -> int:
    try:
        return os.stat(path).st_mode
    except OSError:
        return 0


def open_scanner(cfg) -> Scanner:
    s = cfg.scanner
    if s.kind == "scripted":
        return ScriptedScanner(s.script, s.delay_s)
    if s.kind == "lines":
        return LineScanner(path=s.path)
    from edge.devices.scanner_evdev import EvdevScanner  # evdev only where a real scanner is

    return EvdevScanner(s.device, s.layout)

