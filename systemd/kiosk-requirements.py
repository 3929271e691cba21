#!/usr/bin/env python3
"""Kiosk install (install-kiosk.sh): pyproject's runtime dependencies → the ones pip installs on the Pi.

The others come from apt (FROM_APT, installed by install-kiosk.sh's apt line) because pip's builds
break the camera stack: picamera2's simplejpeg is built against apt's numpy, and pip's OpenCV 5
wheels need numpy 2. Reading pyproject here means a dependency added there reaches the Pi too.
Usage: kiosk-requirements.py pyproject.toml [--apt]   (one requirement, or one apt package, a line)
"""

import re
import sys
import tomllib

# pyproject name → the Raspberry Pi OS (bookworm) package that provides it instead of pip
FROM_APT = {
    "numpy": "python3-numpy",
    "opencv-python-headless": "python3-opencv",
    "gpiozero": "python3-gpiozero",  # Raspberry Pi OS's 2.x, wired to python3-lgpio for the Pi 5
    "simplejpeg": "python3-simplejpeg",  # the one picamera2 is built with; pip's would shadow it
}


def name(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)[0].lower().replace("_", "-")


def split(pyproject: str) -> tuple[list[str], list[str]]:
    with open(pyproject, "rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    pip = [d for d in deps if name(d) not in FROM_APT]
    apt = [FROM_APT[name(d)] for d in deps if name(d) in FROM_APT]
    return pip, apt


if __name__ == "__main__":
    pip, apt = split(sys.argv[1])
    print("\n".join(apt if "--apt" in sys.argv[2:] else pip))
