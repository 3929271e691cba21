"""Defect categories: kiosk → linking → claims. One configurable list with stable codes, shared with the kiosk.

The kiosk sends whatever its operator picked (a code, a label, or a word printed on a category card);
`Taxonomy.code_for` maps it to a stable code so claims group the same defect the same way.
"""

from __future__ import annotations

import re

# code, label, other words a kiosk or a category card may send for it
DEFAULT_CATEGORIES: list[dict] = [
    {"code": "scratch", "label": "Scratch", "aliases": ["scratched", "scuff"]},
    {"code": "dent", "label": "Dent", "aliases": ["dented"]},
    {"code": "crack_break", "label": "Crack / break", "aliases": ["crack", "break", "broken", "cracked"]},
    {"code": "stain", "label": "Stain", "aliases": ["stained", "dirty"]},
    {"code": "missing_part", "label": "Missing part", "aliases": ["missing", "incomplete"]},
    {"code": "wrong_item", "label": "Wrong item", "aliases": ["wrong", "wrong product"]},
    {"code": "packaging_damage", "label": "Packaging damage", "aliases": ["packaging", "box damage"]},
    {"code": "does_not_work", "label": "Does not work", "aliases": ["defective", "not working", "dead"]},
]

UNCATEGORISED = "uncategorised"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class Taxonomy:
    def __init__(self, categories: list[dict] | None = None):
        cats = [c if isinstance(c, dict) else c.model_dump() for c in (categories or DEFAULT_CATEGORIES)]
        self.labels = {c["code"]: c["label"] for c in cats}
        self._lookup: dict[str, str] = {}
        for c in cats:
            for word in [c["code"], c["label"], *c.get("aliases", [])]:
                self._lookup.setdefault(_key(word), c["code"])

    def code_for(self, raw: str | None) -> str | None:
        """The stable code for what a kiosk sent; None when it names no known category."""
        if not raw:
            return None
        return self._lookup.get(_key(raw))

    def label(self, code: str | None) -> str:
        return self.labels.get(code or "", "Uncategorised")

    def for_kiosk(self) -> list[dict]:
        """The list the hub publishes on the kiosks' config topic."""
        return [{"code": c, "label": lbl} for c, lbl in self.labels.items()]
