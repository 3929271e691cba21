"""Redaction → regions: what a detector found (box, confidence, why), the customer it looked for, and burning."""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from PIL import Image, ImageDraw

FILL = (40, 40, 40)


@dataclass(frozen=True)
class Region:
    """A box (x, y, w, h in pixels of the image it was found in) that must not leave the hub."""

    detector: str
    box: tuple[int, int, int, int]
    confidence: float
    why: str

    def scaled(self, factor: float, size: tuple[int, int]) -> "Region":
        x, y, w, h = (round(v * factor) for v in self.box)
        x, y = max(0, x), max(0, y)
        w, h = min(w, size[0] - x), min(h, size[1] - y)
        return Region(self.detector, (x, y, max(1, w), max(1, h)), self.confidence, self.why)

    def padded(self, frac: float, size: tuple[int, int], min_px: int = 4) -> "Region":
        x, y, w, h = self.box
        px, py = max(min_px, round(w * frac)), max(min_px, round(h * frac))
        x0, y0 = max(0, x - px), max(0, y - py)
        x1, y1 = min(size[0], x + w + px), min(size[1], y + h + py)
        return Region(self.detector, (x0, y0, x1 - x0, y1 - y0), self.confidence, self.why)

    def to_dict(self) -> dict:
        return asdict(self) | {"box": list(self.box)}


# Grey views shared by the detectors while the pipeline scans one image (see shared_views).
_SHARED: dict[int, tuple[Image.Image, dict]] = {}


@contextmanager
def shared_views(img: Image.Image):
    """Within this block, each grey view of `img` is made once and shared by the faces, codes and text
    passes (each would otherwise convert and resize the same 3 MP). The caller draws on `img` in place
    only after the block, so no view can go stale; outside a block every call makes its own views."""
    key = id(img)
    mine = key not in _SHARED
    if mine:
        _SHARED[key] = (img, {})
    try:
        yield img
    finally:
        if mine:
            _SHARED.pop(key, None)


def grey_view(img: Image.Image, side: int | None = None) -> tuple[Image.Image, float]:
    """The photo in grey with its long side at most `side`, and the scale used."""
    scale = 1.0 if side is None else min(1.0, side / max(img.size))
    entry = _SHARED.get(id(img))
    views = entry[1] if entry is not None and entry[0] is img else {}
    if scale not in views:
        grey = views.get(1.0)
        if grey is None:
            grey = views[1.0] = img if img.mode == "L" else img.convert("L")
        if scale < 1.0:
            views[scale] = grey.resize((round(img.width * scale), round(img.height * scale)),
                                       Image.Resampling.BILINEAR)
    return views[scale], scale


def box_of_points(points) -> tuple[int, int, int, int]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x0, y0 = int(min(xs)), int(min(ys))
    return x0, y0, int(max(xs)) - x0 + 1, int(max(ys)) - y0 + 1


def normalize(text: str) -> str:
    """Lower-case letters and digits only, accents folded: 'Müller-Straße 5' → 'mullerstrasse5'."""
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return re.sub(r"[^0-9a-z]", "", text.encode("ascii", "ignore").decode().lower())


@dataclass
class Customer:
    """What the hub knows about the customer behind a return: the strings that must never leave."""

    name: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    order_id: str = ""
    extra: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict | None) -> "Customer":
        d = dict(d or {})
        unknown = set(d) - {"name", "address", "street", "email", "phone", "order_id", "extra"}
        if unknown:
            raise ValueError(f"unknown customer field(s): {', '.join(sorted(unknown))}")
        if "street" in d:
            d["address"] = " ".join(x for x in (d.pop("street"), d.get("address", "")) if x)
        return cls(**{k: v or "" for k, v in d.items() if k != "extra"}, extra=list(d.get("extra") or []))

    def fields(self) -> dict[str, str]:
        out = {k: getattr(self, k) for k in ("name", "address", "email", "phone", "order_id") if getattr(self, k)}
        out.update({f"extra{i}": v for i, v in enumerate(self.extra) if v})
        return out

    def needles(self) -> list[tuple[str, str]]:
        """(field, normalized string) pairs to look for: whole values and their telling parts."""
        out: list[tuple[str, str]] = []
        for name, value in self.fields().items():
            whole = normalize(value)
            if name == "phone":
                whole = re.sub(r"\D", "", value)[-8:]
            if len(whole) >= 4:
                out.append((name, whole))
            if name == "email" and "@" in value:
                out.append((name, normalize(value.split("@")[0])))
            if name in ("name", "address") or name.startswith("extra"):
                for line in re.split(r"[,\n]", value):
                    n = normalize(line)
                    if len(n) >= 4 and n != whole:
                        out.append((name, n))
                for word in re.split(r"[\s,]+", value):
                    n = normalize(word)
                    if len(n) >= 4 and not n.isdigit():
                        out.append((name, n))
        return sorted(set(x for x in out if len(x[1]) >= 4))

    def __bool__(self) -> bool:
        return bool(self.fields())


def burn(img: Image.Image, regions: list[Region]) -> Image.Image:
    """Solid fill over every region, in the pixels themselves: nothing underneath survives."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    for r in regions:
        x, y, w, h = r.box
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=FILL)
    return out
