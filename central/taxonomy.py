"""Defect categories (desk → linking → claims): one configurable list with stable codes, shared with the kiosk.

The kiosk sends a category word with each photo; `code_for` maps that word (a code, a label, or a
known alias such as the kiosk's `crack` or `not_working`) to the stable code claims group by.
"""

from __future__ import annotations

import re

# (stable code, label a buyer reads, aliases other stations use)
DEFAULT_CATEGORIES: list[dict] = [
    {"code": "scratch", "label": "scratch", "aliases": ["scuff"]},
    {"code": "dent", "label": "dent", "aliases": []},
    {"code": "crack_break", "label": "crack/break", "aliases": ["crack", "break", "broken"]},
    {"code": "stain", "label": "stain", "aliases": ["dirty"]},
    {"code": "missing_part", "label": "missing part", "aliases": ["incomplete"]},
    {"code": "wrong_item", "label": "wrong item", "aliases": []},
    {"code": "packaging_damage", "label": "packaging damage", "aliases": ["packaging", "box_damage"]},
    {"code": "does_not_work", "label": "does not work", "aliases": ["not_working", "faulty", "dead"]},
    {"code": "other", "label": "other", "aliases": []},
]


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", word.strip().lower()).strip("_")


class Taxonomy:
    def __init__(self, categories: list[dict] | None = None):
        self.categories = [dict(c) for c in (categories or DEFAULT_CATEGORIES)]
        self._index: dict[str, str] = {}
        for c in self.categories:
            for word in [c["code"], c["label"], *c.get("aliases", [])]:
                self._index.setdefault(_norm(word), c["code"])

    def code_for(self, word: str | None) -> str | None:
        """The stable code for a category word, or None when the word is not in the list."""
        if not word:
            return None
        return self._index.get(_norm(word))

    def label(self, code: str | None) -> str:
        for c in self.categories:
            if c["code"] == code:
                return c["label"]
        return code or "uncategorised"

    def codes(self) -> list[str]:
        return [c["code"] for c in self.categories]

    def for_kiosk(self) -> list[str]:
        """What the hub publishes on the kiosks' config topic: the codes, in order."""
        return self.codes()


def from_config(cfg) -> Taxonomy:
    claims = getattr(cfg, "claims", None)
    cats = getattr(claims, "categories", None)
    return Taxonomy([c.model_dump() if hasattr(c, "model_dump") else c for c in cats] if cats else None)
