"""The quality gate (camera → gate → desk): is this photo sharp, lit, free of glare, and of the item?"""

from edge.quality.gate import Gate, GateThresholds
from edge.quality.verdict import MESSAGES, REASONS, Verdict

__all__ = ["Gate", "GateThresholds", "Verdict", "REASONS", "MESSAGES"]
