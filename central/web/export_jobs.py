"""Packet export in the background (packet → web): the buyer watches a progress page, not a stuck request.

Exports run on a thread of the web process with their own database connection; their progress lives
in memory (the export itself, once written, is recorded in `packet_exports` and the audit log).
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from central import db as hubdb


@dataclass
class Job:
    id: str
    claim_id: int
    actor: str
    state: str = "starting"  # starting | redacting | done | refused | failed
    done: int = 0
    total: int = 0
    message: str = ""
    started: float = field(default_factory=time.time)


_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()
KEEP_S = 3600


def get(job_id: str) -> Job | None:
    with _LOCK:
        return _JOBS.get(job_id)


def start(db_path: str, photo_dir: Path, out_root: Path, claim_id: int, actor: str) -> Job:
    """One export per claim at a time: a second click shows the first one's progress."""
    from central.packet import ExportRefused, export_packet
    from central.packet_claims import packet_claim

    with _LOCK:
        for j in [j for j in _JOBS.values() if time.time() - j.started > KEEP_S]:
            del _JOBS[j.id]
        busy = next((j for j in _JOBS.values() if j.claim_id == claim_id and j.state in ("starting", "redacting")),
                    None)
        if busy:
            return busy
        job = Job(uuid.uuid4().hex, claim_id, actor)
        _JOBS[job.id] = job

    def progress(done: int, total: int) -> None:
        job.state, job.done, job.total = "redacting", done, total

    def run() -> None:
        conn = hubdb.connect(db_path)
        try:
            packet = packet_claim(conn, claim_id, photo_dir)
            job.total = len(packet.photos)
            result = export_packet(conn, packet, out_root / f"v{packet.version}", actor, workers=1,
                                   progress=progress)
            job.message = f"Packet written: {result['photos']} redacted photo(s), files " + ", ".join(result["files"])
            job.state = "done"
        except ExportRefused as e:
            job.state, job.message = "refused", "Export refused: " + "; ".join(e.reasons)
        except Exception as e:  # the page must say what happened; nothing was written (export_packet's rule)
            job.state, job.message = "failed", f"Export failed: {e}"
        finally:
            conn.close()

    threading.Thread(target=run, name=f"export-{claim_id}", daemon=True).start()
    return job
