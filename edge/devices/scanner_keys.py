"""Scanner key decoding (scanner → desk): Linux key events from a keyboard-mode USB scanner → code strings.

Pure functions over (type, code, value) tuples, so recorded event sequences test them without evdev.
A scanner "types" its code as key presses in the keyboard layout it is configured for, then Enter.
"""

from __future__ import annotations

from typing import Iterable

EV_KEY = 1
KEY_UP, KEY_DOWN, KEY_HOLD = 0, 1, 2
SHIFTS = {42, 54}  # KEY_LEFTSHIFT, KEY_RIGHTSHIFT
ALTGR = 100  # KEY_RIGHTALT
CAPSLOCK = 58
ENTERS = {28, 96}  # KEY_ENTER, KEY_KPENTER

_ROWS = {  # key codes of the letter rows, left to right, on a US keyboard
    "top": range(16, 26), "home": range(30, 39), "bottom": range(44, 51),
}
# Keypad keys type the same in every layout (NumLock on, as scanners send them).
_KEYPAD = {71: "7", 72: "8", 73: "9", 74: "-", 75: "4", 76: "5", 77: "6", 78: "+", 79: "1", 80: "2",
           81: "3", 82: "0", 83: ".", 55: "*", 98: "/", 57: " "}


def _layout(letters: dict[str, str], pairs: dict[int, tuple[str, str]], altgr: dict[int, str]) -> dict:
    keys: dict[int, tuple[str, str]] = {k: (v, v) for k, v in _KEYPAD.items()}
    for row, chars in letters.items():
        for code, ch in zip(_ROWS[row], chars):
            keys[code] = (ch, ch.upper())
    keys.update(pairs)
    return {"keys": keys, "altgr": altgr}


LAYOUTS = {
    "us": _layout(
        {"top": "qwertyuiop", "home": "asdfghjkl", "bottom": "zxcvbnm"},
        {2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"), 7: ("6", "^"),
         8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"), 12: ("-", "_"), 13: ("=", "+"),
         26: ("[", "{"), 27: ("]", "}"), 39: (";", ":"), 40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"),
         51: (",", "<"), 52: (".", ">"), 53: ("/", "?")},
        {},
    ),
    "de": _layout(  # QWERTZ: Y and Z swapped, symbols moved, AltGr for @ and brackets
        {"top": "qwertzuiop", "home": "asdfghjkl", "bottom": "yxcvbnm"},
        {2: ("1", "!"), 3: ("2", '"'), 4: ("3", "§"), 5: ("4", "$"), 6: ("5", "%"), 7: ("6", "&"),
         8: ("7", "/"), 9: ("8", "("), 10: ("9", ")"), 11: ("0", "="), 12: ("ß", "?"), 13: ("´", "`"),
         26: ("ü", "Ü"), 27: ("+", "*"), 39: ("ö", "Ö"), 40: ("ä", "Ä"), 41: ("^", "°"), 43: ("#", "'"),
         51: (",", ";"), 52: (".", ":"), 53: ("-", "_"), 86: ("<", ">")},
        {16: "@", 8: "{", 9: "[", 10: "]", 11: "}", 12: "\\", 27: "~", 86: "|"},
    ),
    "fr": _layout(  # AZERTY: digits need Shift, which is where misconfigured scanners go wrong
        {"top": "azertyuiop", "home": "qsdfghjkl", "bottom": "wxcvbn"},
        {39: ("m", "M"), 2: ("&", "1"), 3: ("é", "2"), 4: ('"', "3"), 5: ("'", "4"), 6: ("(", "5"), 7: ("-", "6"),
         8: ("è", "7"), 9: ("_", "8"), 10: ("ç", "9"), 11: ("à", "0"), 12: (")", "°"), 13: ("=", "+"),
         26: ("^", "¨"), 27: ("$", "£"), 40: ("ù", "%"), 43: ("*", "µ"), 50: (",", "?"), 51: (";", "."),
         52: (":", "/"), 53: ("!", "§"), 86: ("<", ">")},
        {3: "~", 4: "#", 5: "{", 6: "[", 7: "|", 8: "`", 9: "\\", 10: "^", 11: "@", 12: "]", 13: "}"},
    ),
}


class KeyDecoder:
    """Feed key events one at a time; `feed` returns a finished code when Enter is pressed."""

    def __init__(self, layout: str = "us"):
        if layout not in LAYOUTS:
            raise ValueError(f"unknown keyboard layout {layout!r} (one of {', '.join(LAYOUTS)})")
        self.keys = LAYOUTS[layout]["keys"]
        self.altgr_keys = LAYOUTS[layout]["altgr"]
        self.shift = self.altgr = self.caps = False
        self.buffer: list[str] = []
        self.unmapped: list[int] = []  # key codes this layout does not know, for the operator's log

    def feed(self, type_: int, code: int, value: int) -> str | None:
        if type_ != EV_KEY:
            return None
        if code in SHIFTS:
            self.shift = value != KEY_UP
            return None
        if code == ALTGR:
            self.altgr = value != KEY_UP
            return None
        if value != KEY_DOWN:  # key-up and auto-repeat carry no new character
            return None
        if code == CAPSLOCK:
            self.caps = not self.caps
            return None
        if code in ENTERS:
            text, self.buffer = "".join(self.buffer), []
            return text or None
        if self.altgr and code in self.altgr_keys:
            self.buffer.append(self.altgr_keys[code])
            return None
        pair = self.keys.get(code)
        if pair is None:
            self.unmapped.append(code)
            return None
        plain, shifted = pair
        upper = self.shift != (self.caps and plain.isalpha())
        self.buffer.append(shifted if upper else plain)
        return None


def decode_events(events: Iterable[tuple[int, int, int]], layout: str = "us") -> list[str]:
    """All complete codes in a recorded sequence of (type, code, value) key events."""
    decoder = KeyDecoder(layout)
    return [c for c in (decoder.feed(*e) for e in events) if c is not None]


def encode_text(text: str, layout: str = "us") -> list[tuple[int, int, int]]:
    """The key events a scanner in `layout` sends for `text` + Enter (to record fixtures and test round trips)."""
    keys = LAYOUTS[layout]["keys"]
    reverse: dict[str, tuple[int, bool]] = {}
    for code, (plain, shifted) in sorted(keys.items(), key=lambda kv: kv[0] in _KEYPAD):
        reverse.setdefault(plain, (code, False))
        reverse.setdefault(shifted, (code, True))
    out: list[tuple[int, int, int]] = []
    for ch in text:
        if ch not in reverse:
            raise ValueError(f"{ch!r} cannot be typed on the {layout} layout")
        code, shift = reverse[ch]
        if shift:
            out.append((EV_KEY, 42, KEY_DOWN))
        out += [(EV_KEY, code, KEY_DOWN), (EV_KEY, code, KEY_UP)]
        if shift:
            out.append((EV_KEY, 42, KEY_UP))
    return out + [(EV_KEY, 28, KEY_DOWN), (EV_KEY, 28, KEY_UP)]
