"""Gate verdict (camera → gate → desk): the reason codes, the operator's words for them, and the result type."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

REASONS = ("blurry", "too_dark", "too_bright", "glare", "no_item", "item_cut_off", "low_resolution", "unreadable")
MESSAGES = {
    "blurry": "too blurry — hold still",
    "too_dark": "too dark — switch on the ring light",
    "too_bright": "too bright — dim the light",
    "glare": "glare on the item — tilt it away from the light",
    "no_item": "item not in the frame",
    "item_cut_off": "item cut off — move it into the marked zone",
    "low_resolution": "picture too small — check the camera settings",
    "unreadable": "not a readable picture — take it again",
}


@dataclass
class Verdict:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    ms: float = 0.0
    model_version: str = ""
    presence_checked: bool = False

    @classmethod
    def refused(cls, reasons: list[str], **kw) -> "Verdict":
        return cls(ok=False, reasons=reasons, messages={r: MESSAGES[r] for r in reasons}, **kw)

    def to_dict(self) -> dict:
        return asdict(self)
