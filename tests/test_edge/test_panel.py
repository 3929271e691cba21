"""Panel on gpiozero's mock pins: buttons drive the desk's inputs, ring light levels, status LED, buzzer."""

import time

import pytest

from edge.config import KioskConfig
from edge.devices.panel import Panel, mock_factory
from tests.helpers import wait_for


@pytest.fixture
def panel():
    factory = mock_factory()
    p = Panel(pin_factory=factory, bounce_s=0)
    yield p, factory
    p.close()
    factory.close()


def test_buttons_call_the_desk(panel):
    p, f = panel
    pressed = []
    p.on_capture(lambda: pressed.append("capture"))
    p.on_done(lambda: pressed.append("done"))
    f.pin(17).drive_low()  # buttons pull up: pressed is low
    f.pin(17).drive_high()
    f.pin(27).drive_low()
    f.pin(27).drive_high()
    wait_for(lambda: len(pressed) == 2, 2, what="button callbacks")
    assert pressed == ["capture", "done"]


def test_ring_light_levels(panel):
    p, f = panel
    ring = f.pin(18)
    p.light(True)
    assert ring.state == pytest.approx(0.6)
    p.light(True, low_light=True)
    assert ring.state == pytest.approx(1.0)
    p.light(False)
    assert ring.state == 0


def test_status_led_patterns(panel):
    p, f = panel
    led = f.pin(22)
    p.set_status("ready")
    assert led.state is True or led.state == 1
    p.set_status("busy")  # fast blink: the pin toggles
    t0 = time.time()
    seen = set()
    while time.time() - t0 < 0.5:
        seen.add(bool(led.state))
        time.sleep(0.02)
    assert seen == {True, False}
    p.set_status("off")
    assert not led.state
    with pytest.raises(ValueError):
        p.set_status("party")


def test_buzzer_accept_once_refuse_twice(panel):
    p, f = panel
    buzz = f.pin(23)
    buzz.clear_states()
    p.accept_sound()
    wait_for(lambda: [s.state for s in buzz.states][-1:] == [False] and len(buzz.states) >= 3, 2, what="beep")
    time.sleep(0.1)
    assert sum(1 for s in buzz.states if s.state) == 1
    buzz.clear_states()
    p.refuse_sound()
    time.sleep(0.9)
    assert sum(1 for s in buzz.states if s.state) == 2


def test_from_config_mock_and_missing_parts():
    cfg = KioskConfig(kiosk_id="k", data_dir="/tmp/unused",
                      panel={"pin_factory": "mock", "buzzer": None, "done_button": None})
    p = Panel.from_config(cfg)
    try:
        assert p.buzzer is None and p.done is None and p.capture is not None
        p.accept_sound()  # a panel without a buzzer stays quiet, no error
        p.on_done(lambda: None)
    finally:
        p.close()
