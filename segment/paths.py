"""Where the shipped checkpoints live: a module without torch, for the command line's
defaults (`cmr-search --help` read segment.checkpoint, and with it torch and MONAI)."""

from __future__ import annotations

from pathlib import Path

CARD = "model_card.json"
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"
DEFAULT_CHECKPOINT = CHECKPOINTS / "sax-synth"
