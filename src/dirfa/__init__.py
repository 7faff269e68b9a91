"""dirfa: one photo of a face + a speech clip -> a controllable talking-head video, on the CPU, offline.

Public API: load_portrait, load_audio, animate, frames, render, Tracks, and the error types.
"""

from __future__ import annotations

from dirfa.api import (
    Frame,
    Said,
    Speech,
    analyze_speech,
    animate,
    frames,
    load_portrait,
    render,
    say,
    synthesize,
    viseme_cues,
)
from dirfa.avatar import Avatar, load_avatar, open_avatar, prepare
from dirfa.batch import batch  # the dirfa.batch package stays importable: from dirfa.batch.run import ...
from dirfa.errors import DirfaError, InputError, OutputError
from dirfa.media.audio import Audio, load_audio
from dirfa.motion.expression import ExpressionTimeline, load_timeline, parse_emotion, parse_timeline
from dirfa.motion.tracks import TRACK_SPECS, Tracks
from dirfa.voice import synthesize_phrases

__version__ = "0.1.0"

__all__ = [
    "Avatar",
    "load_avatar",
    "open_avatar",
    "prepare",
    "TRACK_SPECS",
    "Said",
    "say",
    "synthesize",
    "synthesize_phrases",
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
    "batch",
    "frames",
    "load_audio",
    "load_portrait",
    "load_timeline",
    "parse_emotion",
    "parse_timeline",
    "render",
    "viseme_cues",
]
