"""Redaction → packet: one photo in, redacted JPEG bytes out, with every region found and the re-scan verdict.

Boxes cross process and database boundaries as fractions of the upright photo (x, y, w, h in 0..1),
so a region drawn by a buyer on a screen-sized preview lands on the same pixels at any resolution.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from central.redact import codes, faces, metadata, text
from central.redact.regions import Customer, Region, burn

# The plug-ins, each a module with NAME and detect(img, customer) -> list[Region].
DETECTORS = (faces, codes, text)
MAX_RESCANS = 3
# The re-scan asks for a surer face than the first pass (which errs towards covering): a weak cascade hit
# on the edges of a burned box must not block a packet, a face left in the open still scores far above.
VERIFY_FACE_NEIGHBORS = 6


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
    image: Image.Image            # the shipped pixels: `jpeg` decoded again
    found: list[Region]           # what the detectors found this time (pixels of `image`)
    applied: list[Region]         # what was burned in (pixels of `image`)
    ms: dict = field(default_factory=dict)
    jpeg: bytes = b""
    left: list[str] = field(default_factory=list)  # what the last re-scan still found (blocks an export)


def redact(img: Image.Image, customer: Customer | None = None, *, regions: list[Region] | None = None,
           detectors=DETECTORS, cleared: list[Region] = (), quality: int = 88) -> Redacted:
    """Burn `regions` (or, when None, what the detectors find); encode; scan the decoded JPEG for codes
    that still read and sure faces the burning uncovered (not ones the buyer cleared); burn those too."""
    ms = {}
    t = time.perf_counter()
    found = find_regions(img, customer, detectors) if regions is None else []
    ms["detect"] = round((time.perf_counter() - t) * 1000)
    applied = list(regions if regions is not None else found)
    out = burn(img, applied)
    for _ in range(MAX_RESCANS):
        jpeg = metadata.encode(out, quality)
        shipped = Image.open(io.BytesIO(jpeg)).convert("RGB")
        # Whatever a buyer decided, a code that still decodes is covered: codes are facts, not judgement.
        more = codes.detect(shipped) + _open_faces(shipped, applied, cleared)
        if not more:
            return Redacted(shipped, found, applied, ms, jpeg)
        found += more
        applied += more
        out = burn(out, more)
    return Redacted(shipped, found, applied, ms, jpeg, [f"{r.why} still found at {list(r.box)}" for r in more])


def _open_faces(img, burned, cleared) -> list[Region]:
    """Sure faces that are neither mostly on a burned box (the cascade answering its edges) nor cleared."""
    return [f for f in faces.detect(img, min_neighbors=VERIFY_FACE_NEIGHBORS)
            if not any(_covered(f.box, b.box) > 0.5 for b in burned)
            and not any(_overlap(f.box, c.box) > 0.3 for c in cleared)]


def verify(img: Image.Image, customer: Customer | None = None, *, cleared: list[Region] = (),
           burned: list[Region] = ()) -> list[str]:
    """Scan a redacted image again: any code, face or customer string left is a reason to block.

    A face "found" mostly on a burned box is the cascade answering the box's edges; one on a region the
    buyer cleared is the buyer's call (a false alarm over the defect). Codes and customer text have no
    such exceptions."""
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
    # The codes-and-faces re-scan of the shipped bytes happened inside redact(); what it still found
    # blocks, and so does metadata or a customer string OCR can read.
    problems = [f"metadata left: {m}" for m in metadata.leftovers(red.jpeg)] + red.left
    problems += customer_left(red.image, customer)
    ms = red.ms | {"redact": round((t1 - t0) * 1000), "verify": round((time.perf_counter() - t1) * 1000)}
    return PhotoResult(job.key, red.jpeg, img.size, [to_fraction(r, img.size) for r in red.found],
                       [to_fraction(r, img.size) for r in red.applied], problems, ms)


def redact_file(path: Path, out: Path, customer: Customer | None = None, max_side: int | None = None):
    """The CLI's single-image pass: returns (result, regions in output pixels)."""
    from edge.wire import durable_write

    res = process(PhotoJob(str(path), str(path), customer.__dict__ if customer else None, max_side=max_side))
    durable_write(Path(out), res.jpeg)
    return res, [from_fraction(d, res.size) for d in res.applied]
