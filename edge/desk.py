"""The desk workflow (scanner/buttons/screen → desk → outbox): one explicit state machine per return.

    idle ──scan return──► return_open ──capture──► capturing ──category──► categorised ──done──► return_open
                               │  ▲                    │  ▲                                  (next item)
                               │  └── retake/cancel ── refused ◄── capture refused by the gate
                               └──done (after ≥1 item) / cancel / timeout / next return label──► idle

Every accepted photo is in the outbox (file + row, fsynced) before the screen says "saved"; the session
events (session_opened, item_finished, session_closed) follow the photos. The session itself is kept in
`desk.db`, so a restart resumes it (or closes it cleanly, per `[desk] on_restart`).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import cv2
import numpy as np

from edge import wire
from edge.desk_store import SessionStore
from edge.devices.scanner import CATEGORY, COMMAND, RETURN, CodeReader
from edge.labelcheck import check_label
from edge.outbox import OutboxError

log = logging.getLogger(__name__)

IDLE, OPEN, CAPTURING, REFUSED, CATEGORISED = "idle", "return_open", "capturing", "refused", "categorised"
SESSION_STATES = (OPEN, CAPTURING, REFUSED, CATEGORISED)
# What each input may do in each state; anything else gets a notice saying what to do instead.
ALLOWED = {
    "scan_return": (IDLE, *SESSION_STATES),
    "capture": (OPEN, CAPTURING, CATEGORISED, REFUSED),  # in `refused` it is a retake
    "retake": (REFUSED, CAPTURING, CATEGORISED),
    "accept": (REFUSED,),
    "category": SESSION_STATES,
    "done": (OPEN, CATEGORISED),
    "cancel": SESSION_STATES,
}


@dataclass
class Pending:
    """A photo the gate refused, held until the worker retakes it or accepts it anyway."""

    frame: np.ndarray
    verdict: Any
    photo_id: str


@dataclass
class Session:
    session_id: str
    return_ref: str
    opened_at: str
    item: int = 1
    category: str | None = None
    photos: list[str] = field(default_factory=list)  # ids of the current item's saved photos
    overrides: list[str] = field(default_factory=list)
    items_done: int = 0
    state: str = OPEN

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Desk:
    def __init__(self, cfg, *, gate, camera, outbox, reader: CodeReader | None = None,
                 status: Callable[[], dict] | None = None, clock: Callable[[], float] = time.time):
        self.cfg, self.gate, self.camera, self.outbox = cfg, gate, camera, outbox
        self.reader = reader or CodeReader.from_config(cfg)
        self.categories = list(cfg.desk.categories)
        self.timeout_s = cfg.desk.session_timeout_s
        self.status_fn = status or (lambda: {"online": False})
        self.clock = clock
        self.store = SessionStore(cfg.data_dir, outbox.db_path)
        self.lock = threading.RLock()
        # The screen reads snapshots under their own lock, so a verdict shows while the photo is saving.
        self.published = threading.Condition(threading.Lock())
        self.version = 0
        self._snapshot: dict = {}
        self.session: Session | None = None
        self.pending: Pending | None = None
        self.shots: list[dict] = []  # this return's photos as the screen shows them
        self.thumbs: dict[str, bytes] = {}
        self.notice: dict = {"text": "Scan a return label to start", "level": "info"}
        self.busy = False
        self.last_input = clock()
        self.listeners: list[Callable[["Desk"], None]] = []
        # For the heartbeat: a refused capture counts once in `rejects`, and once per reason it gave.
        self.counts: dict = {"captures": 0, "rejects": 0, "rejects_by_reason": {}, "overrides": 0}
        self._restore()
        self._snapshot = {**self._snap(), "version": self.version}

    # --- state ---------------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self.session.state if self.session else IDLE

    def _go(self, state: str) -> None:
        self.session.state = state
        self._save()

    def _save(self) -> None:
        self.store.save(self.session.to_dict() if self.session else None)

    def _say(self, text: str, level: str = "info") -> None:
        self.notice = {"text": text, "level": level}

    def _changed(self) -> None:
        snap = self._snap()
        with self.published:
            self.version += 1
            snap["version"] = self.version
            self._snapshot = snap
            self.published.notify_all()
        for fn in list(self.listeners):
            try:
                fn(self)
            except Exception:  # a broken LED must not stop the desk
                log.exception("desk listener failed")

    def _input(self, action: str) -> bool:
        self.last_input = self.clock()
        if self.state in ALLOWED[action]:
            return True
        self._say(self._hint(action), "warn")
        return False

    def _hint(self, action: str) -> str:
        if self.state == IDLE:
            return "Scan a return label first"
        if self.state == REFUSED:
            return "The last photo was refused: retake it, or accept it anyway"
        if action == "done" and self.state == CAPTURING:
            return "Pick a defect category, then press done"
        if action == "accept":
            return "Nothing to accept: the last photo was not refused"
        return f"Not now ({action} while {self.state.replace('_', ' ')})"

    # --- inputs --------------------------------------------------------------------------------

    def handle_code(self, code: str) -> None:
        """A scanned code: a return label, a category card, a command card, or an unknown code."""
        scan = self.reader.classify(code)
        if scan.kind == RETURN:
            self.scan_return(scan.value)
        elif scan.kind == CATEGORY:
            self.choose_category(scan.value)
        elif scan.kind == COMMAND:
            {"done": self.done, "retake": self.retake, "cancel": self.cancel,
             "accept": self.accept_anyway, "capture": self.capture}.get(scan.value, self._unknown(code))()
        else:
            with self.lock:
                self.last_input = self.clock()
                self._say(scan.message, "warn")
                self._changed()

    def _unknown(self, code: str) -> Callable[[], None]:
        def say() -> None:
            with self.lock:
                self._say(f"command card “{code}” means nothing to this station", "warn")
                self._changed()
        return say

    def scan_return(self, ref: str) -> None:
        with self.lock:
            if not self._input("scan_return"):
                return self._changed()
            if self.session and self.session.return_ref == ref:
                self._say(f"Return {ref} is already open")
                return self._changed()
            if self.session and not self._queued(lambda: self._close("next_return")):
                return
            sid = wire.new_id()
            self.session = Session(session_id=sid, return_ref=ref, opened_at=wire.utcnow())
            self.shots, self.thumbs = [], {}
            self._save()
            if self._queued(lambda: self._event("session_opened", f"{sid}o")):
                self._say(f"Return {ref}: lay item 1 in the zone and press capture", "ok")
                self._changed()

    def choose_category(self, name: str) -> None:
        with self.lock:
            if not self._input("category"):
                return self._changed()
            if name not in self.categories:
                self._say(f"unknown category {name!r}", "warn")
                return self._changed()
            self.session.category = name
            self._go(REFUSED if self.pending else self._item_state())
            self._say(f"Item {self.session.item}: {name.replace('_', ' ')} — press done when the photos are complete")
            self._changed()

    def capture(self) -> dict | None:
        """Take a still, gate it, and save it if accepted. Returns the shot as the screen shows it."""
        with self.lock:
            if not self._input("capture"):
                self._changed()
                return None
            if self.pending:  # capture on a refused photo is a retake
                self._drop_pending()
            self.busy = True
            self._changed()
            try:
                frame = self._still()
                verdict = self.gate.check(frame)
            except Exception as e:
                self.busy = False
                log.exception("capture failed")
                self._say(f"Camera problem: {e} — try again", "error")
                self._changed()
                return None
            photo_id = wire.new_id()
            self._thumb(photo_id, frame)
            self.counts["captures"] += 1
            for r in verdict.reasons:
                self.counts["rejects_by_reason"][r] = self.counts["rejects_by_reason"].get(r, 0) + 1
            if not verdict.ok:
                self.counts["rejects"] += 1
                self.pending = Pending(frame, verdict, photo_id)
                shot = self._shot(photo_id, "refused", verdict)
                self.busy = False
                self._go(REFUSED)
                why = "; ".join(verdict.messages.get(r, r) for r in verdict.reasons)
                self._say(f"Refused: {why}. Retake, or accept anyway", "error")
                self._changed()
                return shot
            shot = self._shot(photo_id, "accepted", verdict)
            self._say("Accepted — saving…", "ok")
            self._changed()  # the verdict is on screen now; saving follows
            self._save_photo(frame, verdict, photo_id, "accepted", shot)
            return shot

    def retake(self) -> dict | None:
        with self.lock:
            if not self._input("retake"):
                return self._changed()
            self._drop_pending()
            return self.capture()

    def accept_anyway(self) -> dict | None:
        with self.lock:
            if not self._input("accept"):
                return self._changed()
            p, self.pending = self.pending, None
            shot = next(s for s in self.shots if s["id"] == p.photo_id)
            shot["verdict"] = "override"
            self.busy = True
            self.counts["overrides"] += 1
            self._changed()
            if not self._save_photo(p.frame, p.verdict, p.photo_id, "override", shot):
                self.pending, shot["verdict"] = p, "refused"  # not saved: still the worker's call
                self._go(REFUSED)
                self._changed()
            return shot

    def done(self) -> None:
        with self.lock:
            if not self._input("done"):
                return self._changed()
            s = self.session
            if self.state == CATEGORISED:
                if not self._queued(self._finish_item):
                    return
                self._say(f"Item {s.item - 1} saved. Next item, or press done to finish return {s.return_ref}", "ok")
            elif s.items_done:
                if not self._queued(lambda: self._close("done")):
                    return
                self._say(f"Return {s.return_ref} finished: {s.items_done} item(s). Scan the next label", "ok")
            else:
                self._say("Take at least one photo of the item first (or scan cancel)", "warn")
            self._changed()

    def cancel(self) -> None:
        with self.lock:
            if not self._input("cancel"):
                return self._changed()
            if self.state == REFUSED:
                self._drop_pending()
                self._say("Refused photo discarded")
            else:
                ref = self.session.return_ref
                if not self._queued(lambda: self._close("cancelled")):
                    return
                self._say(f"Return {ref} cancelled; photos already saved are kept", "warn")
            self._changed()

    def tick(self) -> bool:
        """Called every second or so: an open return with no input for too long goes back to idle."""
        with self.lock:
            if self.session and self.clock() - self.last_input > self.timeout_s:
                ref = self.session.return_ref
                if not self._queued(lambda: self._close("timeout")):
                    self.last_input = self.clock() - self.timeout_s + 60  # try again in a minute
                    return False
                self._say(f"Return {ref} closed after {self.timeout_s / 60:g} min without input; "
                          "its photos are saved", "warn")
                self._changed()
                return True
            return False

    # --- steps ---------------------------------------------------------------------------------

    def _still(self) -> np.ndarray:
        frame = self.camera.capture()
        if isinstance(frame, (bytes, bytearray)):
            frame = cv2.imdecode(np.frombuffer(frame, np.uint8), cv2.IMREAD_COLOR)
        if frame is None:
            raise RuntimeError("the camera returned no picture")
        return frame

    def _thumb(self, photo_id: str, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        tw = self.cfg.desk.thumb_width
        step = max(1, w // (tw * 2))  # skip pixels first: area-averaging all 12 MP costs ~40 ms
        small = cv2.resize(frame[::step, ::step], (tw, max(1, round(h * tw / w))), interpolation=cv2.INTER_AREA)
        self.thumbs[photo_id] = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()

    def _shot(self, photo_id: str, verdict_name: str, verdict) -> dict:
        shot = {"id": photo_id, "item": self.session.item, "verdict": verdict_name,
                "reasons": list(verdict.reasons), "messages": dict(verdict.messages),
                "gate_ms": round(verdict.ms, 1), "saved": False, "label": None}
        self.shots.append(shot)
        return shot

    def _save_photo(self, frame, verdict, photo_id: str, verdict_name: str, shot: dict) -> bool:
        s = self.session
        label = None
        if self.cfg.desk.label_check:
            label = check_label(frame, s.return_ref, self.cfg.scanner.return_pattern)
            shot["label"] = label
        jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
        header = wire.PhotoHeader(
            photo_id=photo_id, kiosk=self.cfg.kiosk_id, return_ref=s.return_ref, item=s.item,
            sha256=wire.sha256_hex(jpeg), size=len(jpeg), captured_at=wire.utcnow(), category=s.category,
            verdict=verdict_name, reasons=list(verdict.reasons), scores=dict(verdict.scores),
            model_version=getattr(verdict, "model_version", None) or None, label_check=label,
            extra={"session_id": s.session_id},
        )
        s.photos.append(photo_id)  # intent first: a restart reconciles it with the outbox ledger
        if verdict_name == "override":
            s.overrides.append(photo_id)
        self._save()
        try:
            self.outbox.add_photo(header, jpeg)
        except OutboxError as e:
            s.photos.remove(photo_id)
            if photo_id in s.overrides:
                s.overrides.remove(photo_id)
            self.busy = False
            self._go(REFUSED if self.pending else self._item_state())
            self._say(f"Not saved: {e}", "error")
            self._changed()
            return False
        shot["saved"] = True
        self.busy = False
        self._go(self._item_state())
        n = len(s.photos)
        text = f"Saved ✓ photo {n} of item {s.item}"
        if label and label["match"] is False:
            text = (f"Saved, but the label in the photo reads {', '.join(label['codes'])} — "
                    f"not return {s.return_ref}. Is this the right item?")
        elif verdict_name == "override":
            text = f"Saved as accepted anyway (photo {n} of item {s.item})"
        self._say(text, "error" if label and label["match"] is False else "ok")
        self._changed()
        return True

    def _drop_pending(self) -> None:
        if self.pending:
            pid = self.pending.photo_id
            self.shots = [x for x in self.shots if x["id"] != pid]
            self.thumbs.pop(pid, None)
            self.pending = None
        self._go(self._item_state())

    def _item_state(self) -> str:
        s = self.session
        return (CATEGORISED if s.category else CAPTURING) if s.photos else OPEN

    def _finish_item(self) -> None:
        s = self.session
        if s.photos:
            self._event("item_finished", f"{s.session_id}i{s.item}", item=s.item, category=s.category,
                        note="", photo_ids=list(s.photos), overrides=list(s.overrides))
            s.items_done += 1
        s.item += 1
        s.photos, s.overrides, s.category = [], [], None
        s.state = OPEN
        self._save()

    def _queued(self, step: Callable[[], None]) -> bool:
        """Run a step that queues session events. If the outbox cannot take them (a disk that is truly
        full), the worker is told why and the desk stays where it was, to be finished once there is room;
        each event's id is fixed, so a step tried again never doubles one."""
        try:
            step()
            return True
        except OutboxError as e:
            log.error("desk event not queued: %s", e)
            self._say(f"Not saved: {e}", "error")
            self._changed()
            return False

    def _close(self, outcome: str) -> None:
        s = self.session
        self._event("session_opened", f"{s.session_id}o")  # a no-op unless queuing it failed at the scan
        self.pending = None
        if s.photos:
            self._finish_item()
        self._event("session_closed", f"{s.session_id}c", items=s.items_done, outcome=outcome)
        self.session = None
        self._save()

    def _event(self, type_: str, event_id: str, **body) -> None:
        """Queue a session event once: its id is fixed by the session, so a resumed desk never doubles it."""
        if self.store.queued([event_id]):
            return
        s = self.session
        self.outbox.add_event({"event_id": event_id, "type": type_, "kiosk": self.cfg.kiosk_id,
                               "at": wire.utcnow(), "return_ref": s.return_ref, "session_id": s.session_id,
                               **body})

    def _restore(self) -> None:
        data = self.store.load()
        if not data:
            return
        s = Session(**data)
        # photos whose outbox write never happened (power cut in between) are not part of the item
        s.photos = [p for p in s.photos if p in self.store.queued(s.photos)]
        s.overrides = [p for p in s.overrides if p in s.photos]
        self.session = s
        s.state = self._item_state()  # a refused photo held in memory is gone: back to the item
        self._event("session_opened", f"{s.session_id}o")  # if the power went right after the scan
        if self.cfg.desk.on_restart == "close":
            self._close("restart")
            self._say(f"Return {s.return_ref} was closed when the station restarted; its photos are saved", "warn")
        else:
            self._save()
            self._say(f"Resumed return {s.return_ref}, item {s.item} ({len(s.photos)} photo(s) saved)", "warn")

    # --- what the screen and lights show -------------------------------------------------------

    def _snap(self) -> dict:
        s = self.session
        return {
            "state": self.state, "busy": self.busy, "notice": dict(self.notice),
            "return_ref": s.return_ref if s else None, "item": s.item if s else None,
            "category": s.category if s else None, "items_done": s.items_done if s else 0,
            "photos": [dict(x) for x in self.shots], "categories": self.categories,
        }

    def view(self) -> dict:
        """The latest published state plus the station's link status (never waits on a capture)."""
        with self.published:
            v = dict(self._snapshot)
        st = self.status_fn()
        v.update(online=bool(st.get("online")), queue=st.get("outbox_depth", 0),
                 disk=st.get("disk_message") if st.get("disk_low") else None)
        return v

    def set_categories(self, names: list[str]) -> None:
        """A new category list (the hub's, pushed as config): buttons and category cards follow at once."""
        with self.lock:
            if list(names) == self.categories:
                return
            self.categories = list(names)
            self.reader.categories = set(names)
            self._changed()

    def wait_change(self, since: int, timeout: float) -> dict:
        with self.published:
            self.published.wait_for(lambda: self.version != since, timeout)
        return self.view()

    def close(self) -> None:
        self.store.close()
