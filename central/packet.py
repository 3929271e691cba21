"""Packet: claims → redaction → packet. The supplier packet (PDF, ZIP of redacted photos, manifest JSON
and CSV) for an approved claim version; verified before anything is written, and the export recorded."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from central import audit
from central import db as hubdb
from central.packet_pdf import claim_pdf
from central.redact import metadata, pipeline
from central.redact import schema as rschema
from central.redact.regions import Customer, normalize
from edge import wire


class ExportRefused(Exception):
    """The packet cannot go out; `reasons` says why (not approved, or an identifier survived)."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class PacketPhoto:
    photo_sha: str
    source: str                 # the raw photo in the hub's store; it never leaves
    category: str = ""
    sku: str = ""
    batch: str = ""
    po: str = ""
    return_ref: str = ""
    customer: dict = field(default_factory=dict)


@dataclass
class PacketClaim:
    claim_id: str
    version: int
    status: str
    approved_at: str
    approved_by: str
    po: str
    supplier: str
    summary: str = ""
    supplier_question: str = ""
    timing: str = ""
    approval_boundary: str = ""
    changes: list[str] = field(default_factory=list)
    photos: list[PacketPhoto] = field(default_factory=list)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", str(text)).strip("-") or "none"


def file_stem(claim: PacketClaim, doctype: str) -> str:
    """`{PO}_{supplier}_{doctype}_{approval date}`."""
    return "_".join((_slug(claim.po), _slug(claim.supplier), doctype, _slug(str(claim.approved_at)[:10])))


def pseudonyms(photos: list[PacketPhoto]) -> dict[str, str]:
    """Return refs → claim-local names (R1, R2, ... in order of first appearance)."""
    out: dict[str, str] = {}
    for p in photos:
        out.setdefault(p.return_ref, f"R{len(out) + 1}")
    return out


def _jobs(conn: sqlite3.Connection, claim: PacketClaim, max_side: int) -> list[pipeline.PhotoJob]:
    jobs = []
    for p in claim.photos:
        stored = None
        if rschema.scanned(conn, p.photo_sha):
            stored = rschema.regions(conn, p.photo_sha, active=True)
        cleared = rschema.regions(conn, p.photo_sha, active=False)
        jobs.append(pipeline.PhotoJob(p.photo_sha, p.source, p.customer or None, stored, cleared, max_side))
    return jobs


def redact_all(jobs, workers: int = 2, progress: Callable[[int, int], None] | None = None):
    """Both cores: one process per core, results in order."""
    results = []
    if workers <= 1:
        it = map(pipeline.process, jobs)
        pool = None
    else:
        pool = ProcessPoolExecutor(max_workers=workers)
        it = pool.map(pipeline.process, jobs, chunksize=1)
    try:
        for r in it:
            results.append(r)
            if progress:
                progress(len(results), len(jobs))
    finally:
        if pool:
            pool.shutdown()
    return results


def export_packet(conn: sqlite3.Connection, claim: PacketClaim, out_dir: Path, actor: str, *,
                  workers: int = 2, max_side: int = 2000,
                  progress: Callable[[int, int], None] | None = None) -> dict:
    """Redact, verify, write the four files, record the export. Raises ExportRefused, writing nothing."""
    if claim.status != "approved":
        raise ExportRefused([f"version {claim.version} of claim {claim.claim_id} is {claim.status!r}, "
                             "only an approved version can be exported"])
    if not claim.photos:
        raise ExportRefused(["the claim has no photos"])
    results = redact_all(_jobs(conn, claim, max_side), workers, progress)
    problems = []
    for p, r in zip(claim.photos, results):
        if not rschema.scanned(conn, p.photo_sha):
            rschema.record_scan(conn, p.photo_sha, r.found, "face,code,text", actor)
        elif r.found:
            rschema.record_found(conn, p.photo_sha, r.found, actor)
        problems += [f"photo {p.photo_sha[:12]}: {x}" for x in r.problems]
    if problems:
        raise ExportRefused(sorted(set(problems)))
    files = build_files(claim, results)
    customers = [Customer.from_dict(p.customer) for p in claim.photos if p.customer]
    problems = check_packet(files, customers)
    if problems:
        raise ExportRefused(problems)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, data in files.items():
        wire.durable_write(out_dir / name, data)
        hashes[name] = hashlib.sha256(data).hexdigest()
    with hubdb.write(conn):
        eid = conn.execute(
            "INSERT INTO packet_exports (claim_id, version, actor, at, out_dir, files, photos) VALUES (?,?,?,?,?,?,?)",
            (claim.claim_id, claim.version, actor, wire.utcnow(), str(out_dir), json.dumps(hashes),
             len(results))).lastrowid
        audit.record(conn, actor, "claim.export", "claim", claim.claim_id,
                     after={"export": eid, "version": claim.version, "files": hashes})
    return {"export_id": eid, "claim_id": claim.claim_id, "version": claim.version, "out": str(out_dir),
            "files": hashes, "photos": len(results)}


def build_files(claim: PacketClaim, results) -> dict[str, bytes]:
    names = pseudonyms(claim.photos)
    rows, jpegs = [], {}
    for i, (p, r) in enumerate(zip(claim.photos, results), 1):
        fname = f"{_slug(p.category or 'uncategorised')}_{names[p.return_ref]}_{i:03d}.jpg"
        jpegs[fname] = r.jpeg
        rows.append({"file": fname, "sha256": hashlib.sha256(r.jpeg).hexdigest(), "category": p.category,
                     "sku": p.sku, "batch": p.batch, "po": p.po or claim.po, "return": names[p.return_ref]})
    zbuf = io.BytesIO()
    stamp = pipeline_stamp(claim.approved_at)
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_STORED) as z:
        for name, data in jpegs.items():
            z.writestr(zipfile.ZipInfo(name, stamp), data)
    manifest = {"claim": claim.claim_id, "version": claim.version, "po": claim.po, "supplier": claim.supplier,
                "approved_at": claim.approved_at, "photos": rows}
    cbuf = io.StringIO()
    w = csv.DictWriter(cbuf, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return {
        file_stem(claim, "claim") + ".pdf": claim_pdf(claim, rows, jpegs),
        file_stem(claim, "photos") + ".zip": zbuf.getvalue(),
        file_stem(claim, "manifest") + ".json": json.dumps(manifest, indent=2).encode(),
        file_stem(claim, "manifest") + ".csv": cbuf.getvalue().encode(),
    }


def pipeline_stamp(approved_at: str) -> tuple:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", str(approved_at))
    return tuple(int(x) for x in m.groups()) + (0, 0, 0) if m else (1980, 1, 1, 0, 0, 0)


def packet_texts(files: dict[str, bytes]) -> dict[str, str]:
    """Every piece of text a supplier could read: file names, PDF text and metadata, ZIP names, manifests."""
    from pypdf import PdfReader

    out = {"file names": "\n".join(files)}
    for name, data in files.items():
        if name.endswith(".pdf"):
            reader = PdfReader(io.BytesIO(data))
            out[name] = "\n".join(pg.extract_text() or "" for pg in reader.pages)
            out[name + " metadata"] = json.dumps({k: str(v) for k, v in (reader.metadata or {}).items()})
        elif name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                out[name] = "\n".join(z.namelist()) + (z.comment or b"").decode("latin-1")
        else:
            out[name] = data.decode("utf-8", "replace")
    return out


def packet_images(files: dict[str, bytes]) -> dict[str, bytes]:
    out = {}
    for name, data in files.items():
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                out.update({f"{name}/{n}": z.read(n) for n in z.namelist()})
    return out


def check_packet(files: dict[str, bytes], customers: list[Customer]) -> list[str]:
    """The last gate: no customer string in any text, no metadata in any photo or the PDF."""
    from pypdf import PdfReader

    problems = []
    for where, body in packet_texts(files).items():
        flat = normalize(body)
        for c in customers:
            for fld, needle in c.needles():
                if needle in flat:
                    problems.append(f"{where}: contains the customer's {fld}")
    for name, data in packet_images(files).items():
        problems += [f"{name}: metadata left: {m}" for m in metadata.leftovers(data)]
    for name, data in files.items():
        if name.endswith(".pdf"):
            reader = PdfReader(io.BytesIO(data))
            extra = set((reader.metadata or {}).keys()) - {"/Producer", "/CreationDate"}
            if extra or reader.xmp_metadata is not None:
                problems.append(f"{name}: document metadata {sorted(extra)}")
    return sorted(set(problems))


def exports(conn: sqlite3.Connection, claim_id: str) -> list[dict]:
    return [dict(r) for r in conn.execute("SELECT * FROM packet_exports WHERE claim_id = ? ORDER BY id",
                                           (str(claim_id),))]
