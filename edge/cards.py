"""Scan cards for the desk (cards → scanner → desk): the laminated sheet of category and command barcodes.

The sheet is made from the station's own config, so what is printed is exactly what the desk
understands; `returns-kiosk cards` writes it as a PNG ready to print and laminate.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

CARD_W, CARD_H = 700, 260  # pixels per card at 300 dpi: about 6 x 2.2 cm


def cards(cfg) -> list[tuple[str, str]]:
    """(caption, code) for every category and command this desk knows, categories first."""
    sc = cfg.scanner
    out = [(c.replace("_", " "), sc.category_card.format(category=c)) for c in cfg.desk.categories]
    captions = {"done": "DONE", "retake": "RETAKE", "cancel": "CANCEL", "accept": "ACCEPT ANYWAY"}
    out += [(captions.get(name, name.upper()), code) for name, code in sc.commands.items()]
    return out


def card(caption: str, code: str) -> np.ndarray:
    import zxingcpp  # here, not at the top: edge.cli loads this module for every returns-kiosk command

    img = np.full((CARD_H, CARD_W), 255, np.uint8)
    bars = np.asarray(zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.Code128).to_image(scale=3,
                                                                                            add_quiet_zones=True))
    h = min(bars.shape[0], CARD_H - 80)
    w = min(bars.shape[1], CARD_W - 20)
    bars = cv2.resize(bars, (w, h), interpolation=cv2.INTER_NEAREST)
    x = (CARD_W - w) // 2
    img[10:10 + h, x:x + w] = bars
    cv2.putText(img, caption, (20, CARD_H - 25), cv2.FONT_HERSHEY_SIMPLEX, 1.4, 0, 3, cv2.LINE_AA)
    cv2.rectangle(img, (0, 0), (CARD_W - 1, CARD_H - 1), 160, 2)  # cutting line
    return img


def sheet(cfg, columns: int = 2) -> np.ndarray:
    tiles = [card(c, code) for c, code in cards(cfg)]
    while len(tiles) % columns:
        tiles.append(np.full((CARD_H, CARD_W), 255, np.uint8))
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    return np.vstack(rows)


def cmd_cards(args) -> int:
    from edge import config as kconfig

    cfg = kconfig.load_config(args.config)
    out = Path(args.out)
    if not cv2.imwrite(str(out), sheet(cfg)):
        raise SystemExit(f"error: could not write {out}")
    print(f"{out}: {len(cards(cfg))} cards ({', '.join(code for _, code in cards(cfg))})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("cards", help="print the desk's category and command cards (a PNG sheet)")
    s.add_argument("--config", required=True, help="kiosk.toml")
    s.add_argument("--out", default="desk-cards.png", help="PNG file to write")
    s.set_defaults(func=cmd_cards)
