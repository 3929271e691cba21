"""Scanner: key events from recorded sequences, keyboard layouts, the line and scripted readers, code meanings."""

import io
import os

import pytest

from edge.config import KioskConfig
from edge.devices.scanner import (CATEGORY, COMMAND, RETURN, UNKNOWN, CodeReader, LineScanner, ScriptedScanner,
                                  open_scanner)
from edge.devices.scanner_keys import KeyDecoder, decode_events, encode_text

# A real capture from a keyboard-mode scanner typing "RMA-7a" + Enter on a US layout: key down (1),
# key up (0), shift held around capitals, EV_SYN (0, 0, 0) and EV_MSC (4, 4, scancode) between keys.
RECORDED_US = [
    (4, 4, 458981), (1, 42, 1), (0, 0, 0), (1, 19, 1), (0, 0, 0), (1, 19, 0), (1, 50, 1), (1, 50, 0),
    (1, 30, 1), (1, 30, 0), (1, 42, 0), (0, 0, 0), (1, 12, 1), (1, 12, 0), (4, 4, 458788), (1, 8, 1),
    (1, 8, 0), (1, 30, 1), (1, 30, 0), (0, 0, 0), (1, 28, 1), (1, 28, 0), (0, 0, 0),
]


def test_recorded_us_sequence_decodes():
    assert decode_events(RECORDED_US) == ["RMA-7a"]


def test_two_codes_and_key_repeat_and_empty_enter():
    events = encode_text("CMD-DONE") + [(1, 28, 1), (1, 28, 0)] + encode_text("CAT-scratch")
    events.insert(2, (1, 46, 2))  # auto-repeat of a held key adds nothing
    assert decode_events(events) == ["CMD-DONE", "CAT-scratch"]


@pytest.mark.parametrize("layout", ["us", "de", "fr"])
def test_layouts_round_trip_shift_and_digits(layout):
    text = "RMA-2024-00917-Zy"
    assert decode_events(encode_text(text, layout), layout) == [text]


def test_wrong_layout_gives_wrong_text():
    # A German scanner read as US swaps Y/Z and turns "-" into "/": why the layout is in the config.
    assert decode_events(encode_text("RMA-Zy1", "de"), "us") == ["RMA/Yz1"]
    # AZERTY digits need Shift; unshifted they are the symbols above them.
    assert decode_events([(1, 3, 1), (1, 3, 0), (1, 28, 1)], "fr") == ["é"]


def test_capslock_and_altgr():
    d = KeyDecoder("de")
    for e in [(1, 58, 1), (1, 58, 0), (1, 30, 1), (1, 100, 1), (1, 16, 1), (1, 100, 0), (1, 28, 1)]:
        out = d.feed(*e)
    assert out == "A@"


def test_unmapped_keys_are_reported_not_typed():
    d = KeyDecoder("us")
    assert [d.feed(1, c, 1) for c in (30, 240, 28)][-1] == "a"
    assert d.unmapped == [240]
    with pytest.raises(ValueError, match="unknown keyboard layout"):
        KeyDecoder("xx")


def reader():
    cfg = KioskConfig(kiosk_id="k", data_dir="/tmp/unused")
    return CodeReader.from_config(cfg)


@pytest.mark.parametrize("code, kind, value", [
    ("RMA-2024-00917", RETURN, "RMA-2024-00917"),
    ("CAT-scratch", CATEGORY, "scratch"),
    ("CMD-DONE", COMMAND, "done"),
    ("CMD-RETAKE", COMMAND, "retake"),
    ("CMD-CANCEL", COMMAND, "cancel"),
    ("CMD-ACCEPT", COMMAND, "accept"),
    ("CAT-spaceship", UNKNOWN, "CAT-spaceship"),  # a category card for a category this desk lacks
    ("4006381333931", UNKNOWN, "4006381333931"),  # a product EAN
    ("rma-1", UNKNOWN, "rma-1"),
])
def test_code_meanings(code, kind, value):
    scan = reader().classify(code)
    assert (scan.kind, scan.value) == (kind, value)
    if kind == UNKNOWN:
        assert "unknown code" in scan.message and code in scan.message


def test_patterns_come_from_config():
    cfg = KioskConfig(kiosk_id="k", data_dir="/tmp/unused",
                      scanner={"return_pattern": r"R\d{6}", "commands": {"done": "#DONE"}})
    r = CodeReader.from_config(cfg)
    assert r.classify("R123456").kind == RETURN
    assert r.classify("RMA-1").kind == UNKNOWN
    assert r.classify("#DONE").value == "done"


def test_bad_pattern_is_a_config_error_naming_the_key(tmp_path):
    from edge.config import ConfigError, load_config
    conf = tmp_path / "kiosk.toml"
    conf.write_text('kiosk_id = "k"\ndata_dir = "d"\n[scanner]\nreturn_pattern = "RMA-(["\n')
    with pytest.raises(ConfigError, match=r"scanner.return_pattern: .*not a valid regular expression"):
        load_config(conf)


def test_line_scanner_reads_lines_and_reports_end():
    s = LineScanner(io.StringIO("RMA-1\n\n  CAT-dent \n"))
    assert [s.read(2), s.read(2)] == ["RMA-1", "CAT-dent"]
    assert s.read(0.2) is None
    s._thread.join(2)
    assert not s.healthy and s.last_error == "end of input"


def test_fifo_scanner_keeps_reading_after_each_writer_closes(tmp_path):
    fifo = tmp_path / "scanner.fifo"
    os.mkfifo(fifo)
    s = LineScanner(path=str(fifo))
    try:
        for code in ("RMA-1", "CAT-dent", "CMD-DONE"):  # three `echo CODE > fifo`, each closing the FIFO
            with open(fifo, "w") as w:
                w.write(code + "\n")
            assert s.read(timeout=5) == code
        assert s.healthy and s.last_error is None
    finally:
        s.close()
        try:  # let a reader blocked in open() return; no reader left is fine too
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass


def test_file_scanner_reads_a_file_once_and_reports_its_end(tmp_path):
    f = tmp_path / "codes.txt"
    f.write_text("RMA-1\nRMA-2\n")
    s = LineScanner(path=str(f))
    assert [s.read(timeout=5), s.read(timeout=5), s.read(timeout=0.3)] == ["RMA-1", "RMA-2", None]
    assert not s.healthy and s.last_error == "end of input"


def test_scripted_scanner_from_config_plays_in_order():
    cfg = KioskConfig(kiosk_id="k", data_dir="/tmp/unused",
                      scanner={"kind": "scripted", "script": ["RMA-9", "CMD-DONE"], "delay_s": 0.01})
    s = open_scanner(cfg)
    assert [s.read(2), s.read(2), s.read(0.1)] == ["RMA-9", "CMD-DONE", None]
    s.close()


def test_evdev_is_only_imported_by_its_adapter():
    import subprocess
    import sys
    code = "import sys, edge.devices.scanner, edge.devices.scanner_keys, edge.desk; print('evdev' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


class ReplayDevice:
    """A simulated USB scanner for the evdev adapter: replays key events, then is unplugged (OSError)."""

    def __init__(self, events, name="Barcode Scanner", path="/dev/input/event7"):
        self.events, self.name, self.path = events, name, path
        self.grabbed = self.closed = False

    def grab(self):
        self.grabbed = True

    def ungrab(self):
        self.grabbed = False

    def read_loop(self):
        from types import SimpleNamespace
        for t, c, v in self.events:
            yield SimpleNamespace(type=t, code=c, value=v)
        raise OSError(19, "No such device")

    def close(self):
        self.closed = True


def test_evdev_scanner_grabs_decodes_and_survives_unplug():
    pytest.importorskip("evdev", reason="python evdev is not installed (pip install evdev)")
    from edge.devices.scanner_evdev import EvdevScanner

    plugs = [ReplayDevice(encode_text("RMA-1", "de")), None, ReplayDevice(encode_text("CMD-DONE", "de"))]
    seen = []

    def find(spec):
        seen.append(spec)
        return plugs.pop(0) if plugs else None
    s = EvdevScanner("Barcode", layout="de", retry_s=0.01, find=find)
    try:
        assert s.read(2) == "RMA-1"
        assert s.read(2) == "CMD-DONE"  # plugged back in after being pulled out
        from tests.helpers import wait_for
        wait_for(lambda: "no scanner found" in (s.last_error or ""), 2, what="scanner reported missing")
        assert s.plugged == 2 and not s.healthy
        assert set(seen) == {"Barcode"}
    finally:
        s.close()
    with pytest.raises(ValueError, match="layout"):
        EvdevScanner(None, layout="klingon", find=find)
