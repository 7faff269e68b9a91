"""Speech synthesis: typed text -> speech audio with the exact phone timeline of what is said.

Around the pipeline: dirfa.say feeds a Synthesis to the speech stage in place of a recording. Engines:
festival.py, flite.py (English), espeak.py (~100 languages); markup.py ([happy], [pause 0.5]); phrases.py.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the same names, eagerly, for type checkers and editors
    from dirfa.voice.synthesis import (
        DEFAULT_VOICE,
        MAX_TEXT_CHARS,
        Synthesis,
        SynthesisJob,
        find_voice,
        list_voices,
        prepare_voice,
        start_synthesis,
        synthesize,
        synthesize_phrases,
    )
    from dirfa.voice.voices import Voice

__all__ = [
    "DEFAULT_VOICE",
    "MAX_TEXT_CHARS",
    "Synthesis",
    "SynthesisJob",
    "Voice",
    "find_voice",
    "list_voices",
    "prepare_voice",
    "start_synthesis",
    "synthesize",
    "synthesize_phrases",
]


def __getattr__(name: str) -> object:
    # Loaded on first use (PEP 562), like dirfa's own API: `dirfa say` imports dirfa.voice.synthesis to start
    # the voice while it loads the rest, and nothing here should import more before that.
    if name not in __all__:
        raise AttributeError(f"module 'dirfa.voice' has no attribute {name!r}")
    module = "dirfa.voice.voices" if name == "Voice" else "dirfa.voice.synthesis"
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
