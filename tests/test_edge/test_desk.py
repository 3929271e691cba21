"""The desk state machine with the real gate, a folder camera and the real outbox: every path a worker takes."""

import json

import cv2
import pytest

from edge import desk as D
from edge import wire
from edge.config import KioskConfig
from edge.desk import Desk
from edge.devices.camera import FolderCamera
from edge.outbox import DiskFull, Outbox
from edge.quality import Gate
from edge.samples import desk_photo
from tests.helpers import SHARED_DATA

SEED = 5


def write_shots(folder, kinds):
    """Camera folder: the stills it will return, in order ("sharp", "blurry", "dark" or a file path)."""
    folder.mkdir(parents=True, exist_ok=True)
    sharp = desk_photo(SEED)
    looks = {"sharp": sharp, "blurry": cv2.GaussianBlur(sharp, (0, 0), 6), "dark": (sharp * 0.12).astype("uint8")}
    for i, k in enumerate(kinds):
        img = looks[k] if k in looks else cv2.imread(str(k))
        cv2.imwrite(str(folder / f"{i:03d}.jpg"), img)
    return folder


class Clock:
    def __init__(self):
        self.t = 1_000_000.0

    def __call__(self):
        return self.t


@pytest.fixture
def station(tmp_path):
    made = []

    def make(kinds=("sharp",), **desk_cfg):
        cfg = KioskConfig(kiosk_id="kiosk-a", data_dir=tmp_path / "data", desk=desk_cfg,
                          scanner={"return_pattern": r"RMA-[A-Z0-9-]+|CA \d{3} \d-\d{2}"})
        cfg.data_dir.mkdir(exist_ok=True)
        outbox = Outbox(cfg.data_dir, min_free_mb=0)
        clock = Clock()
        d = Desk(cfg, gate=Gate(desk_photo(SEED, item=False)), camera=FolderCamera(write_shots(tmp_path / "cam", kinds)),
                 outbox=outbox, clock=clock)
        d.test_clock = clock
        made.append(d)
        return d
    yield make
    for d in made:
        d.close()
        d.outbox.close()


def queued(desk):
    """What the outbox holds, in the order it was written: ("photo", header) or ("event", body)."""
    out = []
    for row in desk.outbox.ledger():
        payload = (desk.outbox.files / f"{row['id']}.{row['kind']}").read_bytes()
        out.append((row["kind"], wire.decode_photo(payload)[0] if row["kind"] == "photo" else wire.decode_event(payload)))
    return out


def kinds(desk):
    return [k if k == "photo" else b["type"] for k, b in queued(desk)]


def test_a_return_with_two_items(station):
    d = station(["sharp", "sharp", "sharp"])
    d.handle_code("RMA-100")
    assert d.state == D.OPEN
    shot = d.capture()
    assert shot["verdict"] == "accepted" and shot["saved"]
    assert d.view()["notice"]["text"].startswith("Saved")
    d.handle_code("CAT-dent")
    d.capture()  # a second photo of the same item
    assert d.state == D.CATEGORISED
    d.handle_code("CMD-DONE")
    assert (d.state, d.session.item) == (D.OPEN, 2)
    d.capture()
    d.choose_category("scratch")
    d.done()
    d.done()  # done on an empty item finishes the return
    assert d.state == D.IDLE
    assert kinds(d) == ["session_opened", "photo", "photo", "item_finished", "photo", "item_finished",
                        "session_closed"]
    q = queued(d)
    photos = [b for k, b in q if k == "photo"]
    assert [(p.return_ref, p.item, p.verdict) for p in photos] == [("RMA-100", 1, "accepted")] * 2 + [("RMA-100", 2, "accepted")]
    assert photos[1].category == "dent" and photos[0].model_version
    items = [b for k, b in q if k == "event" and b["type"] == "item_finished"]
    assert [(i["item"], i["category"], len(i["photo_ids"])) for i in items] == [(1, "dent", 2), (2, "scratch", 1)]
    assert items[0]["photo_ids"] == [photos[0].photo_id, photos[1].photo_id]
    closed = q[-1][1]
    assert (closed["items"], closed["outcome"]) == (2, "done")


def test_refused_photo_says_why_then_retake(station):
    d = station(["blurry", "sharp"])
    d.scan_return("RMA-1")
    shot = d.capture()
    assert shot["verdict"] == "refused" and shot["reasons"] == ["blurry"]
    assert "hold still" in d.view()["notice"]["text"]
    assert d.state == D.REFUSED and kinds(d) == ["session_opened"]  # nothing saved
    d.done()
    assert "retake" in d.notice["text"]
    d.handle_code("CMD-RETAKE")
    assert d.state == D.CAPTURING
    assert [s["verdict"] for s in d.view()["photos"]] == ["accepted"]  # the refused one is gone
    assert kinds(d) == ["session_opened", "photo"]


def test_accept_anyway_is_recorded_as_override(station):
    d = station(["dark"])
    d.scan_return("RMA-2")
    d.capture()
    d.handle_code("CMD-ACCEPT")
    d.choose_category("stain")
    d.done()
    d.done()
    q = queued(d)
    photo = next(b for k, b in q if k == "photo")
    assert (photo.verdict, photo.reasons) == ("override", ["too_dark"])
    item = next(b for k, b in q if k == "event" and b["type"] == "item_finished")
    assert item["overrides"] == [photo.photo_id]


def test_cancel_discards_a_refused_photo_then_cancels_the_return(station):
    d = station(["blurry", "sharp"])
    d.scan_return("RMA-3")
    d.capture()
    d.handle_code("CMD-CANCEL")
    assert d.state == D.OPEN and d.view()["photos"] == []
    d.capture()
    d.cancel()
    assert d.state == D.IDLE and "cancelled" in d.notice["text"]
    q = queued(d)
    assert [b["outcome"] for k, b in q if k == "event" and b["type"] == "session_closed"] == ["cancelled"]
    # the photo already saved is kept and reported with its item
    assert [b["type"] for k, b in q if k == "event"] == ["session_opened", "item_finished", "session_closed"]


def test_timeout_returns_to_idle_with_a_notice(station):
    d = station(["sharp"], session_timeout_s=60)
    d.scan_return("RMA-4")
    d.capture()
    d.test_clock.t += 59
    assert not d.tick()
    d.test_clock.t += 2
    assert d.tick()
    assert d.state == D.IDLE and "without input" in d.view()["notice"]["text"]
    assert queued(d)[-1][1]["outcome"] == "timeout"


def test_wrong_moment_and_unknown_codes_get_clear_notices(station):
    d = station()
    d.handle_code("CAT-dent")
    assert d.notice["text"] == "Scan a return label first"
    d.handle_code("HELLO-123")
    assert "unknown code" in d.notice["text"] and "HELLO-123" in d.notice["text"]
    d.scan_return("RMA-5")
    d.done()
    assert "at least one photo" in d.notice["text"]
    d.capture()
    d.done()
    assert "category" in d.notice["text"] and d.state == D.CAPTURING


def test_next_label_closes_the_open_return(station):
    d = station(["sharp"])
    d.scan_return("RMA-6")
    d.capture()
    d.scan_return("RMA-7")
    assert d.session.return_ref == "RMA-7"
    events = [b for k, b in queued(d) if k == "event"]
    assert [(e["type"], e["return_ref"]) for e in events] == [
        ("session_opened", "RMA-6"), ("item_finished", "RMA-6"), ("session_closed", "RMA-6"), ("session_opened", "RMA-7")]
    assert events[2]["outcome"] == "next_return"


def test_restart_mid_session_resumes_without_doubling(station):
    d = station(["sharp", "sharp"])
    d.scan_return("RMA-8")
    d.capture()
    d.choose_category("crack")
    before = queued(d)
    d.close()  # the power goes; a new desk starts on the same data dir
    d2 = station(["sharp"])
    assert (d2.state, d2.session.return_ref, d2.session.category) == (D.CATEGORISED, "RMA-8", "crack")
    assert "Resumed" in d2.notice["text"]
    d2.capture()
    d2.done()
    d2.done()
    q = queued(d2)
    assert q[:len(before)] == before
    assert [b["type"] for k, b in q if k == "event"] == ["session_opened", "item_finished", "session_closed"]
    item = next(b for k, b in q if k == "event" and b["type"] == "item_finished")
    assert item["photo_ids"] == [b.photo_id for k, b in q if k == "photo"] and len(item["photo_ids"]) == 2


def test_restart_drops_a_photo_the_outbox_never_took_and_can_close(station):
    d = station(["sharp"], on_restart="close")
    d.scan_return("RMA-9")
    d.capture()
    data = d.store.load()
    data["photos"].append("f" * 32)  # intent written, then the power went before the outbox write
    d.store.save(data)
    d.close()
    d2 = station(["sharp"], on_restart="close")
    assert d2.state == D.IDLE and "closed when the station restarted" in d2.notice["text"]
    events = [b for k, b in queued(d2) if k == "event"]
    assert events[-1]["outcome"] == "restart"
    assert events[1]["photo_ids"] == [b.photo_id for k, b in queued(d2) if k == "photo"]


def test_photo_is_not_called_saved_when_the_disk_is_full(station):
    d = station(["sharp"])
    d.scan_return("RMA-10")
    d.outbox.min_free_bytes = 1 << 60
    shot = d.capture()
    assert not shot["saved"] and d.notice["text"].startswith("Not saved") and d.notice["level"] == "error"
    assert d.session.photos == [] and d.state == D.OPEN and kinds(d) == ["session_opened"]


def test_with_photos_paused_by_the_disk_reserve_a_return_can_still_be_finished(station):
    d = station(["sharp"])
    d.scan_return("RMA-12")
    d.capture()
    d.choose_category("dent")
    d.outbox.min_free_bytes = 1 << 60  # the reserve is gone: photos stop, the session's events still go
    assert not d.capture()["saved"]
    d.done()
    d.done()
    assert d.state == D.IDLE and "finished" in d.notice["text"]
    d.scan_return("RMA-13")
    assert d.state == D.OPEN
    assert kinds(d) == ["session_opened", "photo", "item_finished", "session_closed", "session_opened"]


class FullDisk(Outbox):
    """The outbox on a disk with no room left at all: every write fails, as the real one would."""

    full = False

    def add_event(self, event):
        if self.full:
            raise DiskFull("could not save to the station's disk: No space left on device")
        return super().add_event(event)


def test_a_full_disk_keeps_the_desk_where_it_was_and_says_why(tmp_path, station):
    d = station(["sharp"])
    d.outbox = full = FullDisk(d.cfg.data_dir, min_free_mb=0)
    d.scan_return("RMA-14")
    d.capture()
    d.choose_category("scratch")
    full.full = True
    d.done()
    assert d.state == D.CATEGORISED and d.notice["level"] == "error" and "No space left" in d.notice["text"]
    d.scan_return("RMA-15")  # the next label cannot close this return either: nothing is lost
    assert d.session.return_ref == "RMA-14" and d.state == D.CATEGORISED
    d.test_clock.t += 10_000
    assert d.tick() is False and d.session is not None  # the timeout waits for room too
    full.full = False
    d.done()
    d.done()
    assert d.state == D.IDLE
    assert kinds(d) == ["session_opened", "photo", "item_finished", "session_closed"]  # none doubled


def test_screen_state_says_when_the_disk_pauses_photos(tmp_path):
    cfg = KioskConfig(kiosk_id="kiosk-a", data_dir=tmp_path / "data")
    cfg.data_dir.mkdir()
    outbox = Outbox(cfg.data_dir, min_free_mb=0)
    status = {"online": True, "outbox_depth": 3, "disk_low": True, "disk_message": "the station's disk is nearly full"}
    d = Desk(cfg, gate=Gate(), camera=FolderCamera(write_shots(tmp_path / "cam", ["sharp"])), outbox=outbox,
             status=lambda: status)
    try:
        assert d.view()["disk"] == "the station's disk is nearly full" and d.view()["queue"] == 3
        status["disk_low"] = False
        assert d.view()["disk"] is None
    finally:
        d.close()
        outbox.close()


def test_label_in_photo_for_another_return_is_flagged(station):
    ups = SHARED_DATA / "labels" / "ups-synthetic" / "images"
    if not ups.is_dir():
        pytest.skip(f"{ups} is absent (shared photo data not on this machine)")
    d = station([sorted(ups.glob("*.JPG"))[0]])  # its label reads "CA 859 2-37"
    d.scan_return("CA 859 2-38")
    shot = d.capture()
    if shot["verdict"] == "refused":
        shot = d.accept_anyway()
    assert shot["label"]["match"] is False and "CA 859 2-37" in shot["label"]["codes"]
    assert "Is this the right item?" in d.notice["text"]
    photo = next(b for k, b in queued(d) if k == "photo")
    assert photo.label_check["match"] is False


def test_view_is_json_and_waits_for_changes(station):
    d = station()
    v = d.view()
    json.dumps(v)
    d.scan_return("RMA-11")
    assert d.wait_change(v["version"], 1)["return_ref"] == "RMA-11"


def test_scan_saved_but_opening_event_lost_is_sent_on_restart(station):
    d = station()
    # the power went between the session row and the outbox write: only the session row exists
    d.store.save(D.Session(session_id="a" * 32, return_ref="RMA-12", opened_at=wire.utcnow()).to_dict())
    d.close()
    d2 = station()
    assert d2.session.return_ref == "RMA-12"
    events = [b for k, b in queued(d2) if k == "event"]
    assert [(e["type"], e["event_id"], e["return_ref"]) for e in events] == [("session_opened", "a" * 32 + "o", "RMA-12")]


def test_camera_failure_is_told_and_the_desk_carries_on(station, tmp_path):
    d = station(["sharp"])
    (tmp_path / "cam" / "001.jpg").write_bytes(b"not a picture")  # the next still is unreadable
    d.camera = FolderCamera(tmp_path / "cam")
    d.scan_return("RMA-13")
    assert d.capture()["saved"]
    assert d.capture() is None
    assert d.notice["level"] == "error" and d.notice["text"].startswith("Camera problem")
    assert (d.state, d.busy, len(d.session.photos)) == (D.CAPTURING, False, 1)
    assert d.capture()["saved"]  # the next capture works again
