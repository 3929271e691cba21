"""The printed card sheet: every card scans back (zxing-cpp) to the category or command the desk expects."""

import subprocess

import cv2

from edge.cards import cards, sheet
from edge.config import DeskConfig, KioskConfig
from edge.devices.scanner import CATEGORY, COMMAND, CodeReader
from edge.labelcheck import read_codes
from tests.helpers import BIN


def test_sheet_scans_back_to_what_the_desk_understands():
    cfg = KioskConfig(kiosk_id="k", data_dir="/tmp/unused", desk={"categories": ["scratch", "missing_part"]})
    img = cv2.cvtColor(sheet(cfg), cv2.COLOR_GRAY2BGR)
    codes = set(read_codes(img))
    assert codes == {code for _, code in cards(cfg)}
    reader = CodeReader.from_config(cfg)
    meanings = {(reader.classify(c).kind, reader.classify(c).value) for c in codes}
    assert meanings == {(CATEGORY, "scratch"), (CATEGORY, "missing_part"), (COMMAND, "done"),
                        (COMMAND, "retake"), (COMMAND, "cancel"), (COMMAND, "accept")}


def test_cards_command_writes_a_png(tmp_path):
    conf = tmp_path / "kiosk.toml"
    conf.write_text('kiosk_id = "k"\ndata_dir = "data"\n')
    out = tmp_path / "cards.png"
    r = subprocess.run([str(BIN / "returns-kiosk"), "cards", "--config", str(conf), "--out", str(out)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    expected = len(DeskConfig().categories) + 4  # one card per category, and done/retake/cancel/accept
    assert f"{expected} cards" in r.stdout
    assert len(read_codes(cv2.imread(str(out)))) == expected
