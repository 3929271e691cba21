"""The detectors' native engines (dlib's face detector, tesseract) under the web app's threads and the
packet's forked workers: no crash, no deadlock, the same answers as one at a time."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor

from PIL import Image

from central.redact import text
from tests import labelmaker
from tests.helpers import ROOT


def test_faces_from_several_threads_on_photos_of_different_sizes():
    # In a child process: before the engine was shared under a lock, this crashed the interpreter.
    code = textwrap.dedent("""
        import json, threading
        from PIL import Image
        from skimage import data
        from central.redact import faces
        base = Image.fromarray(data.astronaut())
        photos = [base.resize((s, s)) for s in (400, 640, 900, 1200)]
        alone = [[r.box for r in faces.detect(p)] for p in photos]
        start, together = threading.Barrier(4), [None] * 4
        def scan(k):
            start.wait()
            for _ in range(5):
                together[k] = [r.box for r in faces.detect(photos[k])]
        threads = [threading.Thread(target=scan, args=(k,)) for k in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        print(json.dumps({"alone": alone, "together": together}))
    """)
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["together"] == out["alone"]
    assert all(out["alone"])  # the astronaut's face, at every size


def test_ocr_in_a_worker_forked_while_a_thread_holds_the_engine():
    lab = labelmaker.on_photo(Image.new("RGB", (1400, 1000), (90, 110, 130)), labelmaker.label(), (0.2, 0.2), 0.55)
    assert text.ocr_words(lab)[0]  # this process has its engine
    with text.ENGINE.lock:  # as a web thread in the middle of a read when the packet's pool forks
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            words, _ = pool.submit(text.ocr_words, lab).result(timeout=60)
    assert "Quartermaine" in " ".join(w.text for w in words)
