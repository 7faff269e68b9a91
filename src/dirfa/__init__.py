"""dirfa: one photo of a face + a speech clip -> a controllable talking-head video, on the CPU, offline.

Public API: load_portrait, load_audio, animate, frames, render, Tracks, and the error types.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dirfa.errors import DirfaError, InputError, OutputError

__version__ = "0.1.0"

# The pipeline (mediapipe, OpenCV, pocketsphinx) takes a second to import: names load on first use, so
# `dirfa --version` and `dirfa --help` answer at once (PEP 562 module __getattr__).
_LAZY = {
    "Frame": "dirfa.api",
    "Speech": "dirfa.api",
    "analyze_speech": "dirfa.api",
    "animate": "dirfa.api",
    "frames": "dirfa.api",
    "load_portrait": "dirfa.api",
    "render": "dirfa.api",
    "viseme_cues": "dirfa.api",
    "Audio": "dirfa.media.audio",
    "load_audio": "dirfa.media.audio",
    "ExpressionTimeline": "dirfa.motion.expression",
    "load_timeline": "dirfa.motion.expression",
    "parse_emotion": "dirfa.motion.expression",
    "parse_timeline": "dirfa.motion.expression",
    "TRACK_SPECS": "dirfa.motion.tracks",
    "Tracks": "dirfa.motion.tracks",
}

__all__ = [
    "TRACK_SPECS",
    "Audio",
    "DirfaError",
    "ExpressionTimeline",
    "Frame",
    "InputError",
    "OutputError",
    "Speech",
    "Tracks",
    "analyze_speech",
    "animate",
    "frames",
    "load_audio",
    "load_portrait",
    "load_timeline",
    "parse_emotion",
    "parse_timeline",
    "render",
    "viseme_cues",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dirfa' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:
    from dirfa.api import Frame, Speech, analyze_speech, animate, frames, load_portrait, render, viseme_cues
    from dirfa.media.audio import Audio, load_audio
    from dirfa.motion.expression import ExpressionTimeline, load_timeline, parse_emotion, parse_timeline
    from dirfa.motion.tracks import TRACK_SPECS, Tracks
