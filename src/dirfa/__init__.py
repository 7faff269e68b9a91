"""dirfa: one photo of a face + a speech clip -> a controllable talking-head video, on the CPU, offline.

Public API: load_portrait, load_audio, animate, frames, render, Tracks, and the error types.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING

from dirfa.errors import DirfaError, InputError, OutputError

# The rest of the API loads on first use (PEP 562 module __getattr__): OpenCV, PyAV and SciPy take ~1 s to
# import on the 2-core machine, which `import dirfa`, `dirfa --help` and a command that needs only part of
# them should not pay up front.
_LAZY = {
    **dict.fromkeys(
        [
            "Frame",
            "Said",
            "Speech",
            "analyze_speech",
            "animate",
            "frames",
            "load_portrait",
            "render",
            "say",
            "synthesize",
            "viseme_cues",
        ],
        "dirfa.api",
    ),
    **dict.fromkeys(["Avatar", "load_avatar", "open_avatar", "prepare"], "dirfa.avatar"),
    **dict.fromkeys(["Audio", "load_audio"], "dirfa.media.audio"),
    **dict.fromkeys(
        ["ExpressionTimeline", "load_timeline", "parse_emotion", "parse_timeline"], "dirfa.motion.expression"
    ),
    **dict.fromkeys(["TRACK_SPECS", "Tracks"], "dirfa.motion.tracks"),
    "synthesize_phrases": "dirfa.voice",
    # Lazy too (its manifest and Ray glue cost ~0.1 s in every dirfa process, render workers included); the
    # dirfa.batch package stays importable: from dirfa.batch.run import ...
    "batch": "dirfa.batch",
}

if TYPE_CHECKING:  # the same names, eagerly, for type checkers and editors
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
    from dirfa.batch import batch
    from dirfa.media.audio import Audio, load_audio
    from dirfa.motion.expression import ExpressionTimeline, load_timeline, parse_emotion, parse_timeline
    from dirfa.motion.tracks import TRACK_SPECS, Tracks
    from dirfa.voice import synthesize_phrases


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dirfa' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """dirfa itself. `dirfa.render` is the API's render() and `dirfa.batch` its batch(), though both names are
    also subpackages: importing a submodule binds it on its parent, which would hide the function once the
    subpackage loads before the function is first asked for. The subpackages stay importable by name."""

    def __setattr__(self, name: str, value: object) -> None:
        if name in ("render", "batch") and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
