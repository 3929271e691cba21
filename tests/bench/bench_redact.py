"""Benchmark redaction → packet: recall of faces (beside the former LBP cascade's), codes and customer text
on a labelled set of real and generated photos, false redaction area on defect photos, and the time and
CPU seconds of a 100-photo 12 MP packet against plain JPEG decode+encode of the same photos in the same run.

    .venv/bin/python tests/bench/bench_redact.py [--photos 100] [--skip-packet]

Real photos come from ../shared/data (see its SOURCES.md for licences) and scikit-image's bundled data.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data as skdata

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from central import db as hubdb  # noqa: E402
from central.packet import PacketClaim, PacketPhoto, export_packet  # noqa: E402
from central.redact import codes, faces, pipeline  # noqa: E402
from central.redact.regions import Customer, Region  # noqa: E402
from central.store import PhotoStore  # noqa: E402
from tests import labelmaker as L  # noqa: E402
from tests.helpers import SHARED_DATA  # noqa: E402
from tests.reference_faces import lbp_faces  # noqa: E402

FIRST = ["Wilhelmina", "Oskar", "Priya", "Jonas", "Marta", "Tobias", "Ingrid", "Hamid", "Leonie", "Carlos"]
LAST = ["Quartermaine", "Lindqvist", "Ramaswamy", "Okonkwo", "Brandauer", "Castellano", "Haverkamp",
        "Sorensen", "Vukovic", "Ferreira"]
STREETS = ["Evergreen Terrace", "Birkenweg", "Harbour Lane", "Mill Road", "Oak Avenue", "Lindenstrasse"]


def identity(rng: random.Random, i: int) -> dict:
    f, l_ = FIRST[i % len(FIRST)], LAST[(i * 3) % len(LAST)]
    return {"name": f"{f} {l_}", "address": f"{rng.randint(2, 999)} {rng.choice(STREETS)}, "
                                            f"Springfield {rng.randint(10000, 99999)}",
            "email": f"{f.lower()}.{l_.lower()}@example.org",
            "phone": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            "order_id": f"ORD-{rng.randint(1000, 9999)}-{rng.randint(10000, 99999)}"}


def backgrounds() -> list[Image.Image]:
    out = [Image.fromarray(skdata.coffee()), Image.fromarray(skdata.chelsea()), Image.fromarray(skdata.rocket())]
    for name in ("good.jpg", "crack.jpg", "colour.jpg"):
        p = SHARED_DATA / "defects" / "hazelnut-cc-by" / name
        if p.exists():
            out.append(Image.open(p).convert("RGB"))
    return out


def covered(point, regions) -> bool:
    return any(_inside(point, r.box) for r in regions)


def bench_faces(bgs) -> dict:
    """Recall of the hub's face detector, and of its former one (scikit-image's LBP cascade, as the hub ran
    it) as the baseline on the same photos: the portraits of the target, then smaller faces in photos of
    the packet's size (2000 px), where a detector's smallest window starts to tell."""
    sets = {"": [], "_100px_in_2000px": [], "_140px_in_2000px": []}
    astro = SHARED_DATA / "faces" / "astronaut.png"
    if astro.exists():
        sets[""].append((Image.open(astro).convert("RGB"), (220, 120)))
    lfw = skdata.lfw_subset()[:100]  # the first 100 are faces (Labeled Faces in the Wild, bundled)
    for i, f in enumerate(lfw):
        face = Image.fromarray((f * 255).astype("uint8")).convert("RGB")
        bg = bgs[i % len(bgs)].resize((1600, 1200))
        x, y = 150 + (i * 97) % 1200, 100 + (i * 53) % 850
        bg.paste(face.resize((200, 200), Image.Resampling.BICUBIC), (x, y))
        sets[""].append((bg, (x + 100, y + 100)))
        for key, px in (("_100px_in_2000px", 100), ("_140px_in_2000px", 140)):
            bg = bgs[i % len(bgs)].resize((2000, 1500))
            x, y = 150 + (i * 97) % 1500, 100 + (i * 53) % 1100
            bg.paste(face.resize((px, px), Image.Resampling.BICUBIC), (x, y))
            sets[key].append((bg, (x + px // 2, y + px // 2)))
    out = {}
    for key, items in sets.items():
        found = sum(covered(pt, faces.detect(img)) for img, pt in items)
        base = sum(covered(pt, [Region("face", b, 1.0, "").padded(0.3, img.size) for b in lbp_faces(img)])
                   for img, pt in items)  # padded as the hub padded them
        out |= {f"faces_found{key}": found, f"faces_total{key}": len(items),
                f"face_recall{key}": round(found / max(1, len(items)), 3),
                f"face_recall{key}_lbp_baseline": round(base / max(1, len(items)), 3)}
    return out


def _inside(point, box) -> bool:
    return box[0] <= point[0] <= box[0] + box[2] and box[1] <= point[1] <= box[1] + box[3]


def _still_reads(img) -> bool:
    return bool(codes.read(img, sides=(800, 1280, None)))


def bench_codes(bgs) -> dict:
    gen_ok = gen_total = 0
    fmts = ["Code128", "QRCode", "DataMatrix", "PDF417", "Aztec"]
    for i, fmt in enumerate(fmts * 4):
        scale = 2 + i % 3
        code = L.code_image(f"ORD-{1000 + i}-55902", fmt, scale=scale)
        photo = bgs[i % len(bgs)].resize((2000, 1500))
        x, y = 100 + (i * 131) % 1400, 100 + (i * 71) % 1000
        photo.paste(code, (x, y))
        red = pipeline.redact(photo)
        gen_total += 1
        gen_ok += covered((x + code.width / 2, y + code.height / 2), red.applied) and not _still_reads(red.image)
    real_ok = real_total = 0
    for folder in ("code128-1", "qrcode-1", "datamatrix-1", "ean13-1"):
        for p in sorted((SHARED_DATA / "barcodes-zxing" / folder).glob("*.png")):
            img = pipeline.load(str(p))
            if not codes.read(img):
                continue  # not readable to begin with
            real_total += 1
            real_ok += not _still_reads(pipeline.redact(img).image)
    ups_ok = ups_total = 0
    for p in sorted((SHARED_DATA / "labels" / "ups-synthetic" / "images").glob("*.JPG")):
        img = pipeline.load(str(p), 2000)
        red = pipeline.redact(img)
        ups_total += 1
        ups_ok += not _still_reads(red.image) and any("MaxiCode" in r.why for r in red.applied)
    total = gen_total + real_total + ups_total
    return {"codes_generated": f"{gen_ok}/{gen_total}", "codes_real_zxing_photos": f"{real_ok}/{real_total}",
            "ups_labels_all_codes_incl_maxicode": f"{ups_ok}/{ups_total}",
            "code_recall": round((gen_ok + real_ok + ups_ok) / max(1, total), 3)}


def bench_text(bgs, rng, n: int = 12) -> dict:
    ok = total = 0
    missed = []
    for i in range(n):
        who = identity(rng, i)
        lab = L.label(who, fmt=["Code128", "QRCode", "DataMatrix"][i % 3])
        photo = bgs[i % len(bgs)].resize((2000, 1500))
        at = (rng.uniform(0.02, 0.45), rng.uniform(0.02, 0.3))
        frac = rng.uniform(0.4, 0.55)
        img = L.on_photo(photo, lab, at, frac)
        red = pipeline.redact(img, Customer.from_dict(who))
        k = frac * photo.width / lab.width
        lines = ["name"] + ["address"] * len(who["address"].split(", ")) + ["email", "phone", "order_id"]
        for j, field in enumerate(lines, start=1):
            # Centre of the start of the line (the label's text is left-aligned at x = 30).
            pt = (at[0] * photo.width + (30 + 60) * k, at[1] * photo.height + (30 + 46 * j + 17) * k)
            total += 1
            hit = covered(pt, red.applied)
            ok += hit
            if not hit:
                missed.append(field)
    return {"customer_text_found": ok, "customer_text_total": total,
            "customer_text_recall": round(ok / total, 3), "missed_fields": missed}


def bench_false_area(rng) -> dict:
    photos = {n: Image.fromarray(getattr(skdata, n)()).convert("RGB")
              for n in ("coffee", "chelsea", "rocket", "camera", "clock", "brick", "grass", "gravel")}
    for name in ("good.jpg", "crack.jpg", "colour.jpg"):
        p = SHARED_DATA / "defects" / "hazelnut-cc-by" / name
        if p.exists():
            photos[name] = Image.open(p).convert("RGB")
    customer = Customer.from_dict(identity(rng, 0))
    areas = {}
    for name, img in photos.items():
        img = img.resize((1600, round(1600 * img.height / img.width)))
        regions = pipeline.find_regions(img, customer)
        mask = np.zeros((img.height, img.width), bool)
        for r in regions:
            x, y, w, h = r.box
            mask[y:y + h, x:x + w] = True
        areas[name] = round(float(mask.mean()) * 100, 2)
    return {"false_redaction_pct_mean": round(statistics.mean(areas.values()), 2),
            "false_redaction_pct_max": max(areas.values()), "false_redaction_by_photo": areas}


def _decode_encode(path: str) -> int:
    img = Image.open(path)
    img.load()
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return len(buf.getvalue())


def bench_packet(bgs, rng, n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        store = PhotoStore(tmp / "photos")
        who = identity(rng, 99)
        photos = []
        for i in range(n):
            img = bgs[i % len(bgs)].resize((4000, 3000), Image.Resampling.BILINEAR)
            if i % 5 == 0:
                img = L.on_photo(img, L.label(who, fmt=["Code128", "QRCode", "DataMatrix"][i % 3]),
                                 (rng.uniform(0.05, 0.5), rng.uniform(0.05, 0.4)), 0.4)
            jpeg = L.jpeg(img, quality=92)
            sha = L.store_photo(tmp, jpeg)
            photos.append(PacketPhoto(sha, str(store.path(sha)), ["crack", "stain", "seam"][i % 3],
                                      f"SKU-{i % 7}", "B-17", "PO-1", f"RMA-{i // 4}", who))
        paths = [p.source for p in photos]
        t, c = time.perf_counter(), _cpu()
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(_decode_encode, paths))
        baseline, baseline_cpu = time.perf_counter() - t, _cpu() - c
        conn = hubdb.connect(tmp / "hub.db")
        claim = PacketClaim("CL-B", 1, "approved", "2026-11-21", "bench", "PO-1", "Acme", photos=photos)
        t, c = time.perf_counter(), _cpu()
        res = export_packet(conn, claim, tmp / "out", "bench", workers=2)
        packet, packet_cpu = time.perf_counter() - t, _cpu() - c
        assert res["photos"] == n
    # CPU seconds (this process and its worker processes) move less than wall time on a shared machine.
    return {"packet_photos": n, "packet_s": round(packet, 1), "baseline_decode_encode_s": round(baseline, 1),
            "ratio_to_baseline": round(packet / baseline, 1), "per_photo_ms": round(packet / n * 1000),
            "packet_cpu_s": round(packet_cpu, 1), "baseline_cpu_s": round(baseline_cpu, 1),
            "cpu_ratio_to_baseline": round(packet_cpu / baseline_cpu, 1),
            "load_average_1min": round(os.getloadavg()[0], 2)}


def _cpu() -> float:
    """User + system CPU seconds of this process and of its children that have ended (pool workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=100)
    ap.add_argument("--skip-packet", action="store_true")
    ap.add_argument("--only-packet", action="store_true")
    args = ap.parse_args()
    if not SHARED_DATA.exists():
        print(f"note: {SHARED_DATA} absent; real-photo parts are skipped", file=sys.stderr)
    rng = random.Random(6)
    bgs = backgrounds()
    out = {}
    parts = () if args.only_packet else (("faces", lambda: bench_faces(bgs)), ("codes", lambda: bench_codes(bgs)),
                     ("text", lambda: bench_text(bgs, rng)), ("false_area", lambda: bench_false_area(rng)))
    for name, fn in parts:
        t = time.perf_counter()
        out.update(fn())
        print(f"{name}: {time.perf_counter() - t:.1f}s", file=sys.stderr, flush=True)
    if not args.skip_packet:
        out.update(bench_packet(bgs, rng, args.photos))
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
