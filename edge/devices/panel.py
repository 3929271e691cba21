"""Desk panel through gpiozero (buttons → desk → lights): ring light, capture and done buttons, status LED, buzzer.

gpiozero picks the pins: real ones on a Pi, its MockFactory in tests and the demo (`pin_factory = "mock"`
or GPIOZERO_PIN_FACTORY=mock). A pin set to nothing in `[panel]` means that part is not fitted.
"""

from __future__ import annotations

import logging
from typing import Callable

from gpiozero import LED, Button, Buzzer, PWMLED
from gpiozero.exc import BadPinFactory

log = logging.getLogger(__name__)

# Status LED patterns: (on seconds, off seconds) for blinking, None for steady.
STATUS_PATTERNS = {
    "ready": "on",
    "busy": (0.1, 0.1),
    "offline": (1.0, 1.0),
    "error": (0.2, 0.8),
    "off": "off",
}


def mock_factory():
    """gpiozero's simulated pins, PWM capable so the ring light can dim."""
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    return MockFactory(pin_class=MockPWMPin)


def lgpio_factory():
    """The Pi's real GPIO through lgpio (python3-lgpio), with no quiet fallback to other libraries."""
    try:
        from gpiozero.pins.lgpio import LGPIOFactory

        return LGPIOFactory()
    except Exception as e:  # lgpio missing, or no /dev/gpiochip here
        raise RuntimeError(f"[panel] pin_factory = \"lgpio\": no lgpio GPIO here ({e}); on a Pi: apt install "
                           "python3-lgpio; off a Pi set pin_factory = \"mock\" or enabled = false") from None


class Panel:
    def __init__(self, *, ring_light: int | None = 18, capture_button: int | None = 17,
                 done_button: int | None = 27, status_led: int | None = 22, buzzer: int | None = 23,
                 light_level: float = 0.6, low_light_level: float = 1.0, bounce_s: float = 0.05,
                 pin_factory=None):
        kw = {"pin_factory": pin_factory} if pin_factory is not None else {}
        self.light_level, self.low_light_level = light_level, low_light_level
        self.ring = PWMLED(ring_light, **kw) if ring_light is not None else None
        self.led = LED(status_led, **kw) if status_led is not None else None
        self.buzzer = Buzzer(buzzer, **kw) if buzzer is not None else None
        bounce = bounce_s or None
        self.capture = Button(capture_button, bounce_time=bounce, **kw) if capture_button is not None else None
        self.done = Button(done_button, bounce_time=bounce, **kw) if done_button is not None else None
        self.status = "off"
        self.low_light = False

    @classmethod
    def from_config(cls, cfg, pin_factory=None) -> "Panel":
        p = cfg.panel
        if pin_factory is None and p.pin_factory == "mock":
            pin_factory = mock_factory()
        elif pin_factory is None and p.pin_factory == "lgpio":
            pin_factory = lgpio_factory()
        try:
            return cls(ring_light=p.ring_light, capture_button=p.capture_button, done_button=p.done_button,
                       status_led=p.status_led, buzzer=p.buzzer, light_level=p.light_level,
                       low_light_level=p.low_light_level, bounce_s=p.bounce_s, pin_factory=pin_factory)
        except BadPinFactory as e:
            raise RuntimeError(f"no GPIO pins here ({e}); off a Raspberry Pi set [panel] pin_factory = \"mock\" "
                               "or enabled = false") from None

    def on_capture(self, fn: Callable[[], None]) -> None:
        if self.capture:
            self.capture.when_pressed = lambda *_: fn()

    def on_done(self, fn: Callable[[], None]) -> None:
        if self.done:
            self.done.when_pressed = lambda *_: fn()

    # --- outputs -------------------------------------------------------------------------------

    def light(self, on: bool, low_light: bool | None = None) -> None:
        """Ring light on for a session; boosted when the gate says the scene is dark."""
        if low_light is not None:
            self.low_light = low_light
        if self.ring:
            self.ring.value = (self.low_light_level if self.low_light else self.light_level) if on else 0.0

    def set_status(self, status: str) -> None:
        if status not in STATUS_PATTERNS:
            raise ValueError(f"unknown status {status!r}")
        if status == self.status or not self.led:
            self.status = status
            return
        self.status = status
        pattern = STATUS_PATTERNS[status]
        if pattern == "on":
            self.led.on()
        elif pattern == "off":
            self.led.off()
        else:
            self.led.blink(on_time=pattern[0], off_time=pattern[1], background=True)

    def accept_sound(self) -> None:
        if self.buzzer:
            self.buzzer.beep(on_time=0.08, off_time=0.05, n=1, background=True)

    def refuse_sound(self) -> None:
        if self.buzzer:
            self.buzzer.beep(on_time=0.25, off_time=0.1, n=2, background=True)

    def close(self) -> None:
        for d in (self.ring, self.led, self.buzzer, self.capture, self.done):
            if d is not None:
                d.close()
