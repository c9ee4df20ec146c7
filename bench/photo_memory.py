"""Memory and time of reading a photo's QR code, per kind of upload: each case in a fresh process that only
reads the file's bytes, so its peak resident memory is the decoding's.

Run: .venv/bin/python bench/photo_memory.py
Cases: a small PNG of 7000 x 7000 zeros (the audit's S3: a tiny file with 49 MP); four of them at once in
threads (one worker serving four uploads); a 48 MP phone JPEG; a 12 MP phone JPEG.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent

CASE = r"""
import contextlib, resource, sys, threading, time
from core import photos
from core.photos import decode_qr, open_photo
photo_slot = getattr(photos, "photo_slot", contextlib.nullcontext)  # (absent before the slots existed)

data = open(sys.argv[1], "rb").read()
copies = int(sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcome = []
def read():
    try:
        with photo_slot():
            decode_qr(open_photo(data))
        outcome.append("read")
    except Exception as error:
        outcome.append(f"refused ({type(error).__name__})")
started = time.perf_counter()
threads = [threading.Thread(target=read) for _ in range(copies)]
[t.start() for t in threads]; [t.join() for t in threads]
elapsed = time.perf_counter() - started
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{len(data) / 1024:.0f} KiB\t{elapsed:.2f} s\t{after / 1024:.0f} MiB (+{(after - before) / 1024:.0f})\t"
      f"{sorted(set(outcome))}")
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        files["png 49 MP"] = Path(folder) / "zeros.png"
        Image.new("L", (7000, 7000), 0).save(files["png 49 MP"], "PNG", optimize=True)
        for name, side in (("jpeg 48 MP", (8000, 6000)), ("jpeg 12 MP", (4000, 3000))):
            scene = Image.effect_noise((side[0] // 8, side[1] // 8), 60).resize(side).convert("RGB")
            files[name] = Path(folder) / f"{side[0]}.jpg"
            scene.save(files[name], "JPEG", quality=85)
        print("case\tfile\ttime\tpeak resident memory (added by reading)\toutcome")
        for name, path, copies in (("png 49 MP", files["png 49 MP"], 1), ("png 49 MP x4", files["png 49 MP"], 4),
                                   ("jpeg 48 MP", files["jpeg 48 MP"], 1), ("jpeg 48 MP x4", files["jpeg 48 MP"], 4),
                                   ("jpeg 12 MP", files["jpeg 12 MP"], 1)):
            result = subprocess.run([sys.executable, "-c", CASE, str(path), str(copies)],
                                    capture_output=True, text=True, check=True, cwd=ROOT)
            print(f"{name}\t{result.stdout.strip()}")


if __name__ == "__main__":
    main()
