"""Redaction → packet: one photo in, redacted JPEG bytes out, with every region found and the re-scan verdict.

Boxes cross process and database boundaries as fractions of the upright photo (x, y, w, h in 0..1),
so a region drawn by a buyer on a screen-sized preview lands on the same pixels at any resolution.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from PIL import Image

from central.redact import codes, faces, metadata, text
from central.redact.regions import Customer, Region, burn, shared_views

# The plug-ins, each a module with NAME and detect(img, customer) -> list[Region].
DETECTORS = (faces, codes, text)
MAX_RESCANS = 3
# The re-scan of the shipped bytes looks for faces as keenly as the first pass: so a first pass that found
# nothing on those very bytes is already their verification (see redact()).
VERIFY_FACE_THRESHOLD = faces.THRESHOLD


def to_fraction(r: Region, size) -> dict:
    w, h = size
    x, y, bw, bh = r.box
    return {"detector": r.detector, "x": x / w, "y": y / h, "w": bw / w, "h": bh / h,
            "confidence": r.confidence, "why": r.why}


def from_fraction(d: dict, size) -> Region:
    w, h = size
    box = (int(d["x"] * w), int(d["y"] * h), max(1, round(d["w"] * w)), max(1, round(d["h"] * h)))
    return Region(d.get("detector", "manual"), box, float(d.get("confidence", 1.0)), d.get("why", ""))


def load(source, max_side: int | None = None) -> Image.Image:
    """Open a path or bytes, refuse bombs, apply orientation, drop metadata: the only way photos enter here."""
    src = Image.open(io.BytesIO(source) if isinstance(source, bytes) else source)
    return metadata.clean(src, max_side)


def find_regions(img: Image.Image, customer: Customer | None = None, detectors=DETECTORS) -> list[Region]:
    out: list[Region] = []
    with shared_views(img):
        for det in detectors:
            out += det.detect(img, customer)
    return dedupe(out)


def dedupe(regions: list[Region]) -> list[Region]:
    """Drop a repeat: the same reason found again inside a region already kept (each why stays on record)."""
    keep: list[Region] = []
    for r in sorted(regions, key=lambda r: -r.box[2] * r.box[3]):
        if not any(r.why == k.why and _overlap(r.box, k.box) > 0.97 for k in keep):
            keep.append(r)
    return keep


@dataclass
class Redacted:
    jpeg: bytes                   # what ships
    found: list[Region]           # what the detectors found this time (pixels of `image`)
    applied: list[Region]         # what was burned in (pixels of `image`)
    ms: dict = field(default_factory=dict)
    left: list[str] = field(default_factory=list)  # what the last re-scan still found (blocks an export)

    @cached_property
    def image(self) -> Image.Image:
        """The shipped pixels: `jpeg` decoded again."""
        return Image.open(io.BytesIO(self.jpeg)).convert("RGB")


def ship(img: Image.Image, quality: int = 88) -> tuple[bytes, Image.Image]:
    """The JPEG a supplier gets, and its pixels as the detectors read them: grey, which every detector
    works on, decoded straight from the JPEG's luma (a quarter of the work of colour and a conversion)."""
    jpeg = metadata.encode(img, quality)
    seen = Image.open(io.BytesIO(jpeg))
    seen.draft("L", seen.size)
    seen.load()
    return jpeg, seen


def redact(img: Image.Image, customer: Customer | None = None, *, regions: list[Region] | None = None,
           detectors=DETECTORS, cleared: list[Region] = (), quality: int = 88) -> Redacted:
    """Burn `regions` (or, when None, what the detectors find); encode; scan the decoded JPEG for codes
    that still read and faces the burning left open (not ones the buyer cleared) and burn those too; then
    read it for the customer's strings, which block (`left`) rather than burn.

    The detectors look at the photo as it will ship (encoded and decoded again). When they find nothing
    to burn, those pixels ship unchanged, so that scan (every code, face and customer string, at the
    re-scan's own thresholds) is the scan of the shipped bytes and is not run a second time."""
    ms = {}
    t = time.perf_counter()
    found: list[Region] = []
    if regions is None:
        jpeg, shipped = ship(img, quality)
        found = find_regions(shipped, customer, detectors)
        if not found and set(detectors) >= set(DETECTORS):
            ms["detect"] = round((time.perf_counter() - t) * 1000)
            return Redacted(jpeg, [], [], ms)
    applied = list(regions if regions is not None else found)
    out = burn(img, applied) if applied else img
    if applied or regions is not None:
        jpeg, shipped = ship(out, quality)
    ms["detect"] = round((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    for _ in range(MAX_RESCANS):
        # Whatever a buyer decided, a code that still decodes is covered: codes are facts, not judgement.
        with shared_views(shipped):
            more = codes.detect(shipped) + _open_faces(shipped, applied, cleared)
            if not more:
                left = customer_left(shipped, customer)
                ms["rescan"] = round((time.perf_counter() - t) * 1000)
                return Redacted(jpeg, found, applied, ms, left)
        found += more
        applied += more
        out = burn(out, more)
        jpeg, shipped = ship(out, quality)
    return Redacted(jpeg, found, applied, ms, [f"{r.why} still found at {list(r.box)}" for r in more])


def _open_faces(img, burned, cleared) -> list[Region]:
    """Faces that are neither mostly on a burned box (already covered) nor on a region the buyer cleared."""
    return [f for f in faces.detect(img, threshold=VERIFY_FACE_THRESHOLD)
            if not any(_covered(f.box, b.box) > 0.5 for b in burned)
            and not any(_overlap(f.box, c.box) > 0.3 for c in cleared)]


def verify(img: Image.Image, customer: Customer | None = None, *, cleared: list[Region] = (),
           burned: list[Region] = ()) -> list[str]:
    """Scan a redacted image again: any code, face or customer string left is a reason to block.

    A face "found" mostly on a burned box is already covered; one on a region the buyer cleared is the
    buyer's call (a false alarm over the defect). Codes and customer text have no such exceptions."""
    problems = []
    for fmt, _, box in codes.read(img):
        problems.append(f"a {fmt} code still decodes at {list(box)}")
    for face in _open_faces(img, burned, cleared):
        problems.append(f"a face is still detected at {list(face.box)}")
    return problems + customer_left(img, customer)


def customer_left(img: Image.Image, customer: Customer | None) -> list[str]:
    if not customer:
        return []
    words, _ = text.ocr_words(img)
    return [f"the customer's {fld} is still readable by OCR (fuzzy {score:.2f})"
            for fld, score, _run in text.customer_matches(words, customer)]


def _overlap(a, b) -> float:
    """Intersection over the smaller box."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    small = min(a[2] * a[3], b[2] * b[3]) or 1
    return ix * iy / small


def _covered(a, b) -> float:
    """How much of box a lies inside box b."""
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return ix * iy / ((a[2] * a[3]) or 1)


@dataclass
class PhotoJob:
    """One photo for a worker process: plain data only, so it pickles."""

    key: str
    source: str | bytes
    customer: dict | None = None
    stored: list[dict] | None = None     # active regions from the database; None: never scanned
    cleared: list[dict] = field(default_factory=list)  # regions a buyer switched off
    max_side: int | None = 2000
    quality: int = 88


@dataclass
class PhotoResult:
    key: str
    jpeg: bytes
    size: tuple[int, int]
    found: list[dict]
    applied: list[dict]
    problems: list[str]
    ms: dict


def process(job: PhotoJob) -> PhotoResult:
    """Load, redact, encode, re-scan the shipped bytes, look for the customer's strings: a packet's unit of work."""
    t0 = time.perf_counter()
    img = load(job.source, job.max_side)
    customer = Customer.from_dict(job.customer) if job.customer else None
    stored = None if job.stored is None else [from_fraction(d, img.size) for d in job.stored]
    cleared = [from_fraction(d, img.size) for d in job.cleared]
    red = redact(img, customer, regions=stored, cleared=cleared, quality=job.quality)
    t1 = time.perf_counter()
    # The re-scan of the shipped bytes (codes, faces, the customer's strings) happened inside redact();
    # what it still found blocks, and so does metadata.
    problems = [f"metadata left: {m}" for m in metadata.leftovers(red.jpeg)] + red.left
    ms = red.ms | {"total": round((t1 - t0) * 1000)}
    return PhotoResult(job.key, red.jpeg, img.size, [to_fraction(r, img.size) for r in red.found],
                       [to_fraction(r, img.size) for r in red.applied], problems, ms)


def redact_file(path: Path, out: Path, customer: Customer | None = None, max_side: int | None = None):
    """The CLI's single-image pass: returns (result, regions in output pixels)."""
    from edge.wire import durable_write

    res = process(PhotoJob(str(path), str(path), customer.__dict__ if customer else None, max_side=max_side))
    durable_write(Path(out), res.jpeg)
    return res, [from_fraction(d, res.size) for d in res.applied]
