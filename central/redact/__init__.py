"""Redaction: claims → redaction → packet. Detectors (faces, codes, text, metadata) as small plug-ins,
a pipeline that burns their regions into the pixels, and a verifier that scans the result again."""

from central.redact.pipeline import DETECTORS, PhotoJob, PhotoResult, process, redact, redact_file, verify
from central.redact.regions import Customer, Region, burn

__all__ = ["DETECTORS", "Customer", "PhotoJob", "PhotoResult", "Region", "burn", "process", "redact",
           "redact_file", "verify"]
